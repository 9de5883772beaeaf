// `ingot opt`: read a model, run graph passes, print the text IR. The
// text-in/text-out driver of the pass tests (tests/passes, lit + FileCheck).
#include <ostream>

#include "ir/TextPrinter.h"
#include "passes/PassManager.h"
#include "support/FileIO.h"
#include "tools/cli/Cli.h"
#include "tools/cli/Inputs.h"

namespace ingot::cli {

namespace {

void listPasses(std::ostream& os) {
  os << "passes:\n";
  for (const passes::PassInfo& p : passes::passRegistry()) os << fmt::format("  {:<14} {}\n", p.name, p.description);
  os << fmt::format("standard pipeline (the default, repeated to a fixed point): {}\n",
                    fmt::join(passes::standardPipeline(), ","));
}

// --print-after may be repeated and each value may list several passes.
Expected<std::set<std::string, std::less<>>> printAfterSet(const ParsedArgs& args) {
  std::set<std::string, std::less<>> names;
  for (const std::string& v : args.getAll("--print-after")) {
    INGOT_ASSIGN_OR_RETURN(std::vector<std::string> list, passes::parsePassList(v));
    names.insert(list.begin(), list.end());
  }
  return names;
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
  auto printAfter = printAfterSet(args);
  if (!printAfter.ok()) return reportError(printAfter.status(), io);
  options.printAfter = std::move(*printAfter);
  options.collectStats = args.has("--stats");
  options.dumpStream = &io.err;
  passes::PassManager pm(options);
  std::optional<std::string> list = args.get("--passes");
  Status added = list ? pm.addPasses(*list) : pm.addStandardPipeline();
  if (!added.isOk()) return reportError(added, io);

  const std::string& path = args.positional[0];
  auto given = collectInputs(args);
  if (!given.ok()) return reportError(given.status(), io);
  auto model = loadModel(path, given->load);
  if (!model.ok()) return reportError(model.status(), io);
  ir::Graph& g = *model->graph;

  auto changed = pm.run(g);
  if (options.collectStats) pm.printStats(io.err);
  if (!changed.ok()) return reportError(changed.status().withContext(path), io);

  std::string text = ir::printGraph(g);
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
              {"--shape", "NAME=DIMS", "bind an ONNX input's shape, e.g. x=1x784", true},
              {"--batch", "N", "bind the leading symbolic dim of every ONNX input to N"},
          },
          "The verifier runs after every pass unless --no-verify; a pass that leaves an\n"
          "invalid graph is reported by name (exit 1). Invalid input IR gets file:line:col\n"
          "and an unknown pass name the list of passes (exit 2)."},
      &optimize};
}

}  // namespace ingot::cli
