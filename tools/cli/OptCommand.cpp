// `ingot opt`: read a model, run graph passes, print the text IR. The
// text-in/text-out driver of the pass tests (tests/passes, lit + FileCheck).
#include <ostream>

#include "ir/DotPrinter.h"
#include "ir/TextPrinter.h"
#include "passes/Fusion.h"
#include "passes/PassManager.h"
#include "support/FileIO.h"
#include "tools/cli/Cli.h"
#include "tools/cli/Inputs.h"
#include "tools/cli/PassFlags.h"

namespace ingot::cli {

namespace {

void listPasses(std::ostream& os) {
  os << "passes:\n";
  for (const passes::PassInfo& p : passes::passRegistry()) os << fmt::format("  {:<14} {}\n", p.name, p.description);
  os << fmt::format("standard pipeline (the default, repeated to a fixed point): {}\n",
                    fmt::join(passes::standardPipeline(), ","));
}

int optimize(const ParsedArgs& args, CliIO& io) {
  if (args.has("--list-passes")) {
    listPasses(io.out);
    return kExitOk;
  }
  if (args.positional.empty())
    return reportError(invalidInput("ingot opt: a model file is needed (see ingot opt --help)"), io);

  passes::PassOptions options;
  options.verifyEach = !args.has("--no-verify");
  options.printAfterAll = args.has("--print-after-all");
  auto printAfter = printAfterPasses(args);
  if (!printAfter.ok()) return reportError(printAfter.status(), io);
  options.printAfter = std::move(*printAfter);
  options.collectStats = args.has("--stats");
  options.dumpStream = &io.err;
  std::optional<std::string> list = args.get("--passes");
  // Unknown pass names are reported before the model is loaded.
  if (list) {
    auto names = passes::parsePassList(*list);
    if (!names.ok()) return reportError(names.status(), io);
  }
  const bool explain = args.has("--explain-fusion");

  const std::string& path = args.positional[0];
  auto given = collectInputs(args);
  if (!given.ok()) return reportError(given.status(), io);
  auto model = loadModel(path, given->load);
  if (!model.ok()) return reportError(model.status(), io);
  ir::Graph& g = *model->graph;

  passes::FusionReport report;
  auto changed = passes::runPassesWithFusion(g, options, list, args.has("--fuse") || explain, report, &io.err);
  if (!changed.ok()) return reportError(changed.status().withContext(path), io);

  if (auto dot = args.get("--dot")) {
    Status s = writeFileBytes(*dot, ir::printDot(g));
    if (!s.isOk()) return reportError(s, io);
  }
  std::string text = ir::printGraph(g);
  // As `#` comments, so the printed IR stays valid text IR.
  if (explain) {
    std::string comments;
    const std::string explanation = passes::formatFusionReport(report);
    std::string_view rest = explanation;
    while (!rest.empty()) {
      size_t eol = rest.find('\n');
      comments += "# " + std::string(rest.substr(0, eol)) + "\n";
      rest.remove_prefix(eol == std::string_view::npos ? rest.size() : eol + 1);
    }
    text = comments + text;
  }
  if (auto out = args.get("--output")) {
    Status s = writeFileBytes(*out, text);
    if (!s.isOk()) return reportError(s, io);
  } else {
    io.out << text;
  }
  return kExitOk;
}

}  // namespace

Command optCommand() {
  return Command{
      CommandSpec{
          "opt", "MODEL", 0, 1,
          "Run graph passes on MODEL (.onnx or text IR) and print the result as text IR.",
          {
              {"--passes", "A,B,...", "passes to run once each, in order; default: the standard pipeline"},
              {"--output", "FILE", "write the text IR to FILE instead of stdout", false, "-o"},
              {"--print-after-all", "", "print the IR after every pass (on stderr)"},
              {"--print-after", "PASS[,PASS]", "print the IR after the named passes (on stderr)", true},
              {"--stats", "", "print time and node/param counts per pass run (on stderr)"},
              {"--no-verify", "", "do not run the verifier after every pass"},
              {"--list-passes", "", "list the passes and the standard pipeline, then exit"},
              {"--fuse", "", "run the fusion pass once after the other passes (unless --passes names fuse)"},
              {"--explain-fusion", "",
               "print the fusion report (groups, and why each other node was left alone) as # comments "
               "before the IR; implies --fuse"},
              {"--dot", "FILE", "write the final graph to FILE in Graphviz form (fused groups as clusters)"},
              {"--shape", "NAME=DIMS", "bind an ONNX input's shape, e.g. x=1x784", true},
              {"--batch", "N", "bind the leading symbolic dim of every ONNX input to N"},
          },
          "Fusion is not in the standard pipeline: --fuse runs it after the pipeline, or\n"
          "name it (--passes canonicalize,fold,cse,dce,fuse); --passes unfuse inlines fused\n"
          "groups back (the ONNX exporter needs that).\n"
          "The verifier runs after every pass unless --no-verify; a pass that leaves an\n"
          "invalid graph is reported by name (exit 1). Invalid input IR gets file:line:col\n"
          "and an unknown pass name the list of passes (exit 2)."},
      &optimize};
}

}  // namespace ingot::cli
