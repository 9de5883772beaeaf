#include "tools/conformance/Runner.h"

#include <algorithm>
#include <filesystem>
#include <optional>
#include <fstream>
#include <set>
#include <sstream>

#include "frontend/OnnxImporter.h"
#include "ir/Interpreter.h"
#include "ir/OpRegistry.h"
#include "ir/TextParser.h"
#include "ir/TextPrinter.h"
#include "ir/Verifier.h"
#include "runtime/Session.h"
#include "tools/conformance/Compare.h"
#include "tools/cli/ModelLoader.h"
#include "tools/conformance/OpCases.h"

namespace ingot::conformance {

namespace fs = std::filesystem;

std::string_view outcomeName(Outcome o) {
  switch (o) {
    case Outcome::Pass: return "pass";
    case Outcome::Fail: return "fail";
    case Outcome::Unsupported: return "unsupported";
    case Outcome::ExpectedFailure: return "expected-failure";
    case Outcome::UnexpectedPass: return "unexpected-pass";
  }
  return "?";
}

bool ExpectedFailure::appliesTo(const std::string& backend) const {
  return backends.empty() || std::find(backends.begin(), backends.end(), backend) != backends.end();
}

Expected<std::map<std::string, ExpectedFailure>> loadExpectedFailures(const std::string& path) {
  std::ifstream in(path);
  if (!in) return invalidInput("cannot open expected-failures file '{}'", path);
  std::map<std::string, ExpectedFailure> out;
  std::string line;
  for (int lineNo = 1; std::getline(in, line); ++lineNo) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> fields;
    std::stringstream ss(line);
    for (std::string f; std::getline(ss, f, '\t');) fields.push_back(f);
    if (fields.size() != 4 || fields[3].empty())
      return invalidInput("{}:{}: expected CASE<tab>BACKENDS<tab>CATEGORY<tab>REASON", path, lineNo);
    ExpectedFailure e{fields[0], {}, fields[2], fields[3]};
    if (fields[1] != "all") {
      std::stringstream bs(fields[1]);
      for (std::string b; std::getline(bs, b, ',');) e.backends.push_back(b);
    }
    if (out.count(e.caseName)) return invalidInput("{}:{}: case '{}' listed twice", path, lineNo, e.caseName);
    out[e.caseName] = std::move(e);
  }
  return out;
}

namespace {

// The message on one line (the importer lists unsupported ops one per line),
// without the case's path, shortened for the expected-failures file.
std::string oneLine(const std::string& s) {
  std::string l;
  for (char c : s) {
    if (c == '\n' || c == '\t') c = ' ';
    if (c == ' ' && !l.empty() && l.back() == ' ') continue;
    l += c;
  }
  if (size_t p = l.find("model.onnx: "); p != std::string::npos) l = l.substr(p + 12);
  return l.size() > 200 ? l.substr(0, 197) + "..." : l;
}

std::string categoryFor(const Status& s) {
  if (s.kind() != ErrorKind::Unsupported) return "known-bug";
  const std::string& m = s.message();
  if (m.find("dtype") != std::string::npos) return "unsupported-dtype";
  if (m.find("Sequence") != std::string::npos || m.find("Optional") != std::string::npos ||
      m.find("sequence") != std::string::npos || m.find("optional") != std::string::npos)
    return "unsupported-type";
  return "unsupported-op";
}

CaseResult failure(std::string suite, std::string name, std::string backend, const Status& s) {
  CaseResult r{std::move(suite), std::move(name), std::move(backend), Outcome::Fail, categoryFor(s), s.message()};
  if (s.kind() == ErrorKind::Unsupported) r.outcome = Outcome::Unsupported;
  return r;
}

// Compiles and runs a case on a device. When the backend's compiler refuses
// the graph as Unsupported (an op without a loop-level form on a device that
// has no library kernels for it, a dtype it does not compute with), the case
// is unsupported *there*, not wrong: `skip` gets that result (counted as an
// expected failure of category unsupported-on-backend, with the message),
// so a backend's documented gaps do not fail the run.
Expected<std::vector<Tensor>> compileAndRunCase(const cli::OpenDevice& d, const ir::Graph& g,
                                                const cli::TensorMap& inputs, std::string suite, std::string name,
                                                std::optional<CaseResult>& skip) {
  auto program = d.compile(g);
  if (!program.ok()) {
    if (program.status().kind() == ErrorKind::Unsupported)
      skip = CaseResult{std::move(suite), std::move(name), d.backend->name, Outcome::ExpectedFailure,
                        "unsupported-on-backend", program.status().message()};
    return program.status();
  }
  INGOT_ASSIGN_OR_RETURN(std::unique_ptr<rt::Session> session,
                         rt::Session::create(*d.device, program->executable, std::move(program->plan)));
  for (const auto& [input, t] : inputs) INGOT_RETURN_IF_ERROR(session->setInput(input, t));
  INGOT_RETURN_IF_ERROR(session->run());
  return session->outputs();
}

// Builds the one-node graph of an op case.
Expected<std::unique_ptr<ir::Graph>> buildCaseGraph(const OpCase& c, const std::vector<std::optional<Tensor>>& inputs) {
  const ir::OpDef* op = ir::OpRegistry::builtin().find(c.op);
  if (!op) return unsupported("op '{}' is not in the registry", c.op);
  auto g = std::make_unique<ir::Graph>("case");
  std::vector<ir::Value*> operands;
  for (size_t i = 0; i < inputs.size(); ++i) {
    if (!inputs[i]) {
      operands.push_back(nullptr);
      continue;
    }
    INGOT_ASSIGN_OR_RETURN(ir::Value * v, g->addInput(fmt::format("in{}", i),
                                                       ir::TensorType{inputs[i]->dtype(), inputs[i]->shape()}));
    operands.push_back(v);
  }
  INGOT_ASSIGN_OR_RETURN(ir::Node * n, g->addNode(*op, operands, c.attrs, {}, "case"));
  for (ir::Value* r : n->results()) g->addOutput(r);
  INGOT_RETURN_IF_ERROR(ir::verifyGraph(*g));
  return g;
}

}  // namespace

std::vector<CaseResult> runOpCases(const std::vector<cli::OpenDevice>& devices, const std::string& filter) {
  std::vector<CaseResult> results;
  for (const OpCase& c : opCases()) {
    if (!filter.empty() && c.name.find(filter) == std::string::npos) continue;
    auto inputs = generateInputs(c);
    cli::TensorMap inputMap;
    for (size_t i = 0; i < inputs.size(); ++i)
      if (inputs[i]) inputMap[fmt::format("in{}", i)] = *inputs[i];
    auto graph = buildCaseGraph(c, inputs);
    if (!graph.ok()) {
      for (const auto& d : devices) results.push_back(failure("ops", c.name, d.backend->name, graph.status()));
      continue;
    }
    auto want = ir::interpretGraph(**graph, inputMap);
    for (const auto& d : devices) {
      if (!want.ok()) {
        results.push_back(failure("ops", c.name, d.backend->name, want.status().withContext("reference")));
        continue;
      }
      std::optional<CaseResult> skip;
      auto got = compileAndRunCase(d, **graph, inputMap, "ops", c.name, skip);
      if (skip) {
        results.push_back(std::move(*skip));
        continue;
      }
      if (!got.ok()) {
        results.push_back(failure("ops", c.name, d.backend->name, got.status()));
        continue;
      }
      std::string mismatch;
      for (size_t i = 0; i < want->size() && mismatch.empty(); ++i) {
        Tolerance tol = c.tolerance.value_or(defaultTolerance((*want)[i].dtype()));
        mismatch = compareTensors((*got)[i], (*want)[i], tol);
        if (!mismatch.empty()) mismatch = fmt::format("output {}: {}", i, mismatch);
      }
      results.push_back(CaseResult{"ops", c.name, d.backend->name,
                                   mismatch.empty() ? Outcome::Pass : Outcome::Fail,
                                   mismatch.empty() ? "" : "known-bug", mismatch});
    }
  }
  return results;
}

namespace {

// Runs one ONNX node test case on one device; no expected-failure handling.
CaseResult runOnnxCase(const fs::path& caseDir, const cli::OpenDevice& dev) {
  std::string name = caseDir.filename().string();
  const std::string& backend = dev.backend->name;
  std::string modelPath = (caseDir / "model.onnx").string();
  fs::path data = caseDir / "test_data_set_0";
  // input_K.pb feeds the K-th declared graph input.
  auto declared = frontend::describeOnnxInputs(modelPath);
  if (!declared.ok()) return failure("onnx", name, backend, declared.status());
  cli::LoadOptions opts;
  cli::TensorMap given;
  for (size_t i = 0; i < declared->size(); ++i) {
    auto t = frontend::readTensorProtoFile((data / fmt::format("input_{}.pb", i)).string());
    if (!t.ok()) return failure("onnx", name, backend, t.status());
    const std::string& inputName = (*declared)[i].name;
    opts.inputShapes[inputName] = t->shape();
    opts.knownInputValues[inputName] = *t;
    given[inputName] = std::move(*t);
  }
  auto model = cli::loadModel(modelPath, opts);
  if (!model.ok()) return failure("onnx", name, backend, model.status());
  const ir::Graph& g = *model->graph;
  // Every imported model must also round-trip through the text IR.
  std::string text = ir::printGraph(g);
  auto reparsed = ir::parseGraph(text, name + ".ingot.txt");
  if (!reparsed.ok() || ir::printGraph(**reparsed) != text)
    return CaseResult{"onnx", name, backend, Outcome::Fail, "known-bug",
                      "text IR does not round-trip: " + (reparsed.ok() ? std::string("printed text differs")
                                                                       : reparsed.status().message())};
  cli::TensorMap inputs;
  for (const ir::Value* in : g.inputs()) {
    auto it = given.find(in->name());
    if (it == given.end())
      return CaseResult{"onnx", name, backend, Outcome::Fail, "known-bug",
                        fmt::format("graph input '{}' has no data file", in->name())};
    inputs[in->name()] = it->second;
  }
  std::vector<Tensor> want;
  for (size_t i = 0; i < g.outputs().size(); ++i) {
    auto t = frontend::readTensorProtoFile((data / fmt::format("output_{}.pb", i)).string());
    if (!t.ok()) return failure("onnx", name, backend, t.status());
    want.push_back(std::move(*t));
  }
  std::optional<CaseResult> skip;
  auto got = compileAndRunCase(dev, g, inputs, "onnx", name, skip);
  if (skip) return std::move(*skip);
  if (!got.ok()) return failure("onnx", name, backend, got.status());
  if (got->size() != want.size())
    return CaseResult{"onnx", name, backend, Outcome::Fail, "known-bug",
                      fmt::format("{} outputs instead of {}", got->size(), want.size())};
  // The ONNX backend-test tolerances.
  for (size_t i = 0; i < want.size(); ++i) {
    std::string mismatch = compareTensors((*got)[i], want[i], Tolerance{1e-3, 1e-7});
    if (!mismatch.empty())
      return CaseResult{"onnx", name, backend, Outcome::Fail, "known-bug",
                        fmt::format("output {} ('{}'): {}", i, g.outputs()[i]->name(), mismatch)};
  }
  return CaseResult{"onnx", name, backend, Outcome::Pass, "", ""};
}

}  // namespace

Expected<std::vector<CaseResult>> runOnnxNodeTests(const std::string& dir,
                                                   const std::vector<cli::OpenDevice>& devices,
                                                   const std::map<std::string, ExpectedFailure>& xfail,
                                                   const std::string& filter) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return invalidInput("ONNX node tests folder '{}' does not exist", dir);
  std::vector<fs::path> cases;
  for (const auto& e : fs::directory_iterator(dir, ec))
    if (e.is_directory() && fs::exists(e.path() / "model.onnx")) cases.push_back(e.path());
  if (ec) return invalidInput("cannot list '{}': {}", dir, ec.message());
  std::sort(cases.begin(), cases.end());
  std::vector<CaseResult> results;
  for (const fs::path& c : cases) {
    std::string name = c.filename().string();
    if (!filter.empty() && name.find(filter) == std::string::npos) continue;
    for (const auto& d : devices) {
      CaseResult r = runOnnxCase(c, d);
      auto it = xfail.find(name);
      if (it != xfail.end() && it->second.appliesTo(d.backend->name)) {
        if (r.outcome == Outcome::Pass) {
          r.outcome = Outcome::UnexpectedPass;
          r.message = "listed as expected failure (" + it->second.reason + ") but passed";
        } else {
          r.outcome = Outcome::ExpectedFailure;
          r.category = it->second.category;
        }
      }
      results.push_back(std::move(r));
    }
  }
  return results;
}

Status writeExpectedFailures(const std::string& path, const std::vector<CaseResult>& results) {
  // case -> (backends where it fails, category, reason)
  std::map<std::string, std::map<std::string, std::vector<std::string>>> byCategory;
  std::map<std::string, std::pair<std::string, std::string>> info;
  std::map<std::string, size_t> backendsSeen;
  std::set<std::string> allBackends;
  for (const auto& r : results) {
    allBackends.insert(r.backend);
    if (r.suite != "onnx" || r.outcome == Outcome::Pass || r.outcome == Outcome::UnexpectedPass) continue;
    info[r.name] = {r.category, oneLine(r.message)};
    byCategory[r.category][r.name].push_back(r.backend);
  }
  std::ofstream out(path);
  if (!out) return invalidInput("cannot write '{}'", path);
  out << "# ONNX node tests that do not pass, one per line: CASE<tab>BACKENDS<tab>CATEGORY<tab>REASON\n"
         "# A listed case that passes is reported as an unexpected pass and fails the run.\n";
  for (const auto& [category, cases] : byCategory) {
    out << "\n# " << category << "\n";
    for (const auto& [name, backends] : cases) {
      std::string b = backends.size() == allBackends.size() ? "all" : fmt::format("{}", fmt::join(backends, ","));
      std::string reason = info[name].second;
      std::replace(reason.begin(), reason.end(), '\t', ' ');
      out << name << '\t' << b << '\t' << category << '\t' << reason << '\n';
    }
  }
  return out ? Status::ok() : runtimeError("failed writing '{}'", path);
}

}  // namespace ingot::conformance
