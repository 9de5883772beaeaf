// `ingot run`: compile a model for a backend and run it once.
#include <chrono>
#include <filesystem>
#include <ostream>

#include "support/Npy.h"
#include "tools/cli/ArtifactCommands.h"
#include "tools/cli/Backends.h"
#include "tools/cli/Cli.h"
#include "tools/cli/Inputs.h"

namespace ingot::cli {

namespace {

int runModel(const ParsedArgs& args, CliIO& io) {
  const std::string& path = args.positional[0];
  if (isArtifactFile(path)) return runArtifact(args, io);
  if (args.has("--entry") || args.has("--repeat"))
    return reportError(invalidInput("--entry and --repeat apply to compiled artifacts (ingot compile -o FILE.ingot)"), io);
  auto given = collectInputs(args);
  if (!given.ok()) return reportError(given.status(), io);
  auto seed = randomInputsSeed(args);
  if (!seed.ok()) return reportError(seed.status(), io);
  auto model = loadModel(path, given->load);
  if (!model.ok()) return reportError(model.status(), io);
  auto inputs = completeInputs(*model->graph, given->tensors, *seed, model->foldedInputs);
  if (!inputs.ok()) return reportError(inputs.status(), io);
  auto device = openDeviceFromFlags(args);
  if (!device.ok()) return reportError(device.status(), io);

  auto start = std::chrono::steady_clock::now();
  auto outputs = compileAndRun(*device, *model->graph, *inputs);
  auto end = std::chrono::steady_clock::now();
  if (!outputs.ok()) return reportError(outputs.status().withContext(path), io);

  std::optional<std::string> outDir = args.get("--output-dir");
  if (outDir) {
    std::error_code ec;
    std::filesystem::create_directories(*outDir, ec);
    if (ec) return reportError(invalidInput("--output-dir {}: {}", *outDir, ec.message()), io);
  }
  const auto& outs = model->graph->outputs();
  if (!model->foldedInputs.empty())
    io.out << fmt::format("compiled in the values of integer inputs {} (they feed shape-like operands)\n",
                          fmt::join(model->foldedInputs, ", "));
  io.out << fmt::format("ran {} on {} ({}) in {:.3f} ms\n", path, device->device->info().id(),
                        device->device->info().name,
                        std::chrono::duration<double, std::milli>(end - start).count());
  for (size_t i = 0; i < outs.size(); ++i) {
    const Tensor& t = (*outputs)[i];
    io.out << fmt::format("  {}: {}\n", outs[i]->name(), summarizeTensor(t));
    if (outDir) {
      std::string file = (std::filesystem::path(*outDir) / (sanitizeFileName(outs[i]->name()) + ".npy")).string();
      Status s = writeNpyFile(file, t);
      if (!s.isOk()) return reportError(s, io);
      io.out << fmt::format("    -> {}\n", file);
    }
  }
  return kExitOk;
}

}  // namespace

Command runCommand() {
  return Command{
      withDeviceFlags(CommandSpec{
          "run", "MODEL", 1, 1,
          "Compile MODEL (.onnx or text IR) for a backend and run it once, or run a compiled artifact "
          "(MODEL.ingot) through the runtime.",
          {
              {"--input", "NAME=FILE.npy", "an input tensor from a NumPy file; binds symbolic dims", true},
              {"--shape", "NAME=DIMS", "bind an input's shape, e.g. x=1x784 (symbolic dims get values)", true},
              {"--batch", "N", "bind the leading symbolic dim of every input to N"},
              {"--random-inputs", "SEED", "fill inputs not given with --input from a seeded generator"},
              {"--output-dir", "DIR", "write DIR/<output name>.npy for every model output"},
              {"--entry", "NAME", "artifacts: the entry point to run (default infer; train_step, eval_step)"},
              {"--repeat", "N", "artifacts: run N times and report the median run time"},
          },
          "Outputs are summarized on stdout; with --output-dir each is written as .npy\n"
          "(names sanitized for the file system)."}),
      &runModel};
}

}  // namespace ingot::cli
