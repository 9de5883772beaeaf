// `ingot conformance`: the op table on every backend against the reference
// interpreter, the official ONNX node tests with the expected-failures
// list, and the gradient checks (tools/cli/GradientConformance.h); prints a
// backend x outcome table per suite and optionally JSON.
#include <fstream>
#include <map>
#include <ostream>
#include <sstream>

#include "support/Json.h"
#include "tools/cli/Backends.h"
#include "tools/cli/Cli.h"
#include "tools/cli/GradientConformance.h"
#include "tools/conformance/Runner.h"

#ifndef INGOT_SOURCE_DIR
#define INGOT_SOURCE_DIR "."
#endif

namespace ingot::cli {

namespace {

using conformance::CaseResult;
using conformance::Outcome;

struct Counts {
  int pass = 0, fail = 0, unsupported = 0, xfail = 0, unexpectedPass = 0;
};

void printTable(const std::string& title, const std::vector<CaseResult>& results, CliIO& io) {
  std::map<std::string, Counts> byBackend;
  for (const auto& r : results) {
    Counts& c = byBackend[r.backend];
    switch (r.outcome) {
      case Outcome::Pass: ++c.pass; break;
      case Outcome::Fail: ++c.fail; break;
      case Outcome::Unsupported: ++c.unsupported; break;
      case Outcome::ExpectedFailure: ++c.xfail; break;
      case Outcome::UnexpectedPass: ++c.unexpectedPass; break;
    }
  }
  io.out << fmt::format("\n{}\n{:<12} {:>7} {:>7} {:>12} {:>9} {:>16}\n", title, "backend", "passed", "failed",
                        "unsupported", "expected", "unexpected-pass");
  for (const auto& [b, c] : byBackend)
    io.out << fmt::format("{:<12} {:>7} {:>7} {:>12} {:>9} {:>16}\n", b, c.pass, c.fail, c.unsupported, c.xfail,
                          c.unexpectedPass);
}

void printGradientTable(const GradientRunResult& run, size_t numCases, CliIO& io) {
  io.out << fmt::format(
      "\ngradient checks ({} cases x f32, f64; vs the reference interpreter's gradients; the reference row also "
      "vs central finite differences in f64)\n{:<12} {:>7} {:>7} {:>8} {:>10} {:>13} {:>9}\n",
      numCases, "backend", "passed", "failed", "skipped", "elements", "max |diff|", "seconds");
  for (const GradientBackendStats& s : run.stats)
    io.out << fmt::format("{:<12} {:>7} {:>7} {:>8} {:>10} {:>13.3g} {:>9.2f}\n", s.backend, s.passed, s.failed,
                          s.skipped, s.checkedElements, s.maxAbsDiff, s.seconds);
}

Status writeJson(const std::string& path, const std::vector<CaseResult>& results) {
  std::ofstream out(path);
  if (!out) return invalidInput("--json: cannot write '{}'", path);
  out << "{\n  \"cases\": [\n";
  for (size_t i = 0; i < results.size(); ++i) {
    const auto& r = results[i];
    out << fmt::format(
        "    {{\"suite\": \"{}\", \"name\": \"{}\", \"backend\": \"{}\", \"outcome\": \"{}\", \"category\": \"{}\", "
        "\"message\": \"{}\"}}{}\n",
        r.suite, jsonEscape(r.name), r.backend, conformance::outcomeName(r.outcome), r.category,
        jsonEscape(r.message), i + 1 < results.size() ? "," : "");
  }
  out << "  ]\n}\n";
  return out ? Status::ok() : runtimeError("--json: failed writing '{}'", path);
}

int conformanceMain(const ParsedArgs& args, CliIO& io) {
  std::string backendArg = args.get("--backend").value_or("all");
  auto settings = parseDeviceSettings(args);
  if (!settings.ok()) return reportError(settings.status(), io);
  std::vector<OpenDevice> devices;
  if (backendArg == "all") {
    for (const auto& b : backendTable()) {
      auto d = openDevice(b.name, *settings);
      if (d.ok()) devices.push_back(std::move(*d));
      else io.out << fmt::format("skipping backend {}: {}\n", b.name, d.status().message());
    }
  } else {
    // One backend, or a comma-separated list (the test suite runs the slow
    // opencl ONNX node tests apart from the others) whose backends without a
    // device are skipped, as with "all".
    const bool list = backendArg.find(',') != std::string::npos;
    std::stringstream names(backendArg);
    for (std::string name; std::getline(names, name, ',');) {
      auto d = openDevice(name, *settings);
      if (d.ok()) devices.push_back(std::move(*d));
      else if (list && findBackend(name)) io.out << fmt::format("skipping backend {}: {}\n", name, d.status().message());
      else return reportError(d.status(), io);
    }
  }
  if (devices.empty()) return reportError(invalidInput("no backend has a usable device"), io);
  std::string filter = args.get("--filter").value_or("");
  bool verbose = args.has("--verbose");
  const bool gradients = args.has("--gradients");
  if (args.has("--op") && !gradients) return reportError(invalidInput("--op selects gradient checks: add --gradients"), io);
  std::vector<passes::GradCheckCase> gradientCases;
  if (gradients) {
    auto selected = selectGradientCases(args.get("--op").value_or(""), filter);
    if (!selected.ok()) return reportError(selected.status(), io);
    gradientCases = std::move(*selected);
  }

  std::vector<CaseResult> all;
  if (!args.has("--skip-ops")) {
    auto ops = conformance::runOpCases(devices, filter);
    printTable("op table (vs the reference interpreter)", ops, io);
    all.insert(all.end(), ops.begin(), ops.end());
  }
  if (auto dir = args.get("--onnx-node-tests")) {
    std::map<std::string, conformance::ExpectedFailure> xfail;
    std::string xfailPath =
        args.get("--expected-failures").value_or(INGOT_SOURCE_DIR "/tests/conformance/onnx_expected_failures.tsv");
    if (!args.has("--write-expected-failures")) {
      auto x = conformance::loadExpectedFailures(xfailPath);
      if (!x.ok()) return reportError(x.status(), io);
      xfail = std::move(*x);
    }
    auto onnx = conformance::runOnnxNodeTests(*dir, devices, xfail, filter);
    if (!onnx.ok()) return reportError(onnx.status(), io);
    printTable(fmt::format("ONNX node tests ({})", *dir), *onnx, io);
    if (auto w = args.get("--write-expected-failures")) {
      Status s = conformance::writeExpectedFailures(*w, *onnx);
      if (!s.isOk()) return reportError(s, io);
      io.out << "wrote " << *w << "\n";
    }
    all.insert(all.end(), onnx->begin(), onnx->end());
  }

  if (gradients) {
    GradientRunResult run = runGradientChecks(devices, gradientCases);
    printGradientTable(run, gradientCases.size(), io);
    all.insert(all.end(), run.cases.begin(), run.cases.end());
  }

  int problems = 0;
  for (const auto& r : all) {
    bool bad = r.outcome == Outcome::Fail || r.outcome == Outcome::Unsupported || r.outcome == Outcome::UnexpectedPass;
    if (r.suite == "onnx" && args.has("--write-expected-failures")) bad = false;
    // A gradient case a backend cannot compile (an unsupported op or dtype
    // there) is a skip: listed with its reason, not a problem.
    if (r.suite == "gradients" && r.outcome == Outcome::Unsupported) {
      io.out << fmt::format("skip {} [{}]: {}\n", r.name, r.backend, r.message);
      continue;
    }
    if (bad) ++problems;
    if (bad || (verbose && r.outcome != Outcome::Pass))
      io.out << fmt::format("{} {} [{}] {}: {}\n", conformance::outcomeName(r.outcome), r.name, r.backend,
                            r.category, r.message);
  }
  if (auto j = args.get("--json")) {
    Status s = writeJson(*j, all);
    if (!s.isOk()) return reportError(s, io);
  }
  io.out << fmt::format("\n{} problem(s): {}\n", problems,
                        problems ? "failures not in the expected-failures list, or unexpected passes" : "none");
  return problems ? kExitFailure : kExitOk;
}

}  // namespace

Command conformanceCommand() {
  return Command{
      CommandSpec{
          "conformance", "", 0, 0,
          "Run the op conformance table on every backend against the reference interpreter, the "
          "official ONNX node tests, and the gradient checks.",
          {
              {"--backend", "NAME[,NAME]|all", "backends to test (default: all available)"},
              {"--onnx-node-tests", "DIR", "also run the ONNX node tests in DIR (e.g. ../shared/onnx-node-tests)"},
              {"--expected-failures", "FILE", "expected-failures list (default: tests/conformance/onnx_expected_failures.tsv)"},
              {"--write-expected-failures", "FILE", "write the current non-passing ONNX cases to FILE"},
              {"--filter", "TEXT", "only cases whose name contains TEXT"},
              {"--gradients", "", "also run the gradient checks: every case of every op with a gradient rule, "
                                  "in f32 and f64, on every backend against the reference interpreter's "
                                  "gradients, and on the reference also against central finite differences"},
              {"--op", "NAME", "with --gradients: only the gradient cases of op NAME"},
              {"--skip-ops", "", "skip the op table"},
              {"--json", "FILE", "write every case's outcome as JSON"},
              {"--verbose", "", "also list expected failures"},
              guardPagesFlag(),
          },
          "Exit code 1 when a case fails that is not listed as an expected failure, or a listed case passes. "
          "A gradient case a backend cannot compile (an op or dtype it does not support) is listed as a skip "
          "with the reason and does not fail the run. Gradient tolerances: f32 rtol 1e-4 / atol 1e-5, f64 "
          "1e-10 / 1e-11 against the reference's gradients of the same graph; finite differences in f64 with "
          "step 1e-6, rtol and atol 1e-6."},
      &conformanceMain};
}

}  // namespace ingot::cli
