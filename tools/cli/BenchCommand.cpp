// `ingot bench`: how long one run of a compiled model (or of its training
// step) takes on a backend, after warm-up, as the median and spread of many
// timed runs. Compilation and input upload are outside the timed region;
// each timed run is exactly Session::run (all dispatches, results visible).
#include <algorithm>
#include <chrono>
#include <ostream>

#include "support/Json.h"
#include "tools/cli/ArtifactCommands.h"
#include "tools/cli/Backends.h"
#include "tools/cli/Cli.h"
#include "tools/cli/Inputs.h"
#include "tools/cli/TrainingSetup.h"

namespace ingot::cli {

namespace {

struct BenchStats {
  std::vector<double> us;  // sorted run times
  double median() const { return us[us.size() / 2]; }
  double quantile(double q) const { return us[static_cast<size_t>(q * static_cast<double>(us.size() - 1))]; }
};

// Random values for every input of the graph to run; a training step's
// labels are class indices in range (or one-hot rows / 0-1 targets).
Expected<TensorMap> benchInputs(const ir::Graph& g, const passes::StepGraph* step, int64_t classes,
                                const TensorMap& given) {
  std::mt19937_64 rng(1);
  TensorMap inputs;
  for (const ir::Value* in : g.inputs()) {
    if (auto it = given.find(in->name()); it != given.end()) {
      if (it->second.dtype() != in->dtype() || it->second.shape() != in->shape())
        return invalidInput("--input {}: expected {}, got {}{}", in->name(), in->type().toString(),
                            dtypeName(it->second.dtype()), shapeToString(it->second.shape()));
      inputs.emplace(in->name(), it->second);
      continue;
    }
    Tensor t = randomTensor(in->dtype(), in->shape(), rng);
    if (step && in->name() == step->labels) {
      if (in->dtype() == DType::I64)
        for (int64_t i = 0; i < t.numElements(); ++i) t.data<int64_t>()[i] = static_cast<int64_t>(rng() % classes);
      else
        visitDType(t.dtype(), [&](auto tag) {
          using T = decltype(tag);
          for (int64_t i = 0; i < t.numElements(); ++i) t.data<T>()[i] = static_cast<T>(rng() % 2);
        });
    }
    inputs.emplace(in->name(), std::move(t));
  }
  return inputs;
}

// What a report names: the model, what ran, where, and how long setting up
// (compiling, or loading an artifact) took.
struct RunDescription {
  std::string path, what;
  rt::DeviceInfo device;
  int64_t batch = 1;
  std::string setupName;  // "compile_ms" or "load_ms" (the JSON key)
  double setupMs = 0;
};

struct TimingOptions {
  int64_t warmup = 10, minRuns = 20;
  double seconds = 1.0;
};

Expected<TimingOptions> timingOptions(const ParsedArgs& args) {
  TimingOptions o;
  if (auto v = args.get("--warmup")) {
    INGOT_ASSIGN_OR_RETURN(o.warmup, parseInt("--warmup", *v, 0, 1000000));
  }
  if (auto v = args.get("--runs")) {
    INGOT_ASSIGN_OR_RETURN(o.minRuns, parseInt("--runs", *v, 1, 10000000));
  }
  if (auto v = args.get("--seconds")) {
    INGOT_ASSIGN_OR_RETURN(o.seconds, parseDouble("--seconds", *v));
    if (o.seconds < 0 || o.seconds > 3600) return invalidInput("--seconds: {} is out of range [0, 3600]", o.seconds);
  }
  return o;
}

// Warm-up, then timed Session::run calls; prints the report.
int timeRuns(rt::Session& session, const RunDescription& r, const TimingOptions& options, const ParsedArgs& args,
             CliIO& io) {
  for (int64_t i = 0; i < options.warmup; ++i) {
    Status s = session.run();
    if (!s.isOk()) return reportError(s, io);
  }
  BenchStats stats;
  const auto start = std::chrono::steady_clock::now();
  while (static_cast<int64_t>(stats.us.size()) < options.minRuns ||
         std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() < options.seconds) {
    const auto t0 = std::chrono::steady_clock::now();
    Status s = session.run();
    const auto t1 = std::chrono::steady_clock::now();
    if (!s.isOk()) return reportError(s, io);
    stats.us.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
  }
  std::sort(stats.us.begin(), stats.us.end());
  const double samplesPerSecond = static_cast<double>(r.batch) * 1e6 / stats.median();
  if (args.has("--json")) {
    io.out << fmt::format(
        "{{\"model\": \"{}\", \"what\": \"{}\", \"backend\": \"{}\", \"batch\": {}, \"threads\": {}, \"runs\": {}, "
        "\"median_us\": {}, \"min_us\": {}, \"max_us\": {}, \"p10_us\": {}, \"p90_us\": {}, \"samples_per_s\": {}, "
        "\"{}\": {}}}\n",
        jsonEscape(r.path), jsonEscape(r.what), r.device.id(), r.batch, args.get("--threads").value_or("null"), stats.us.size(),
        jsonNumber(stats.median()), jsonNumber(stats.us.front()), jsonNumber(stats.us.back()),
        jsonNumber(stats.quantile(0.1)), jsonNumber(stats.quantile(0.9)), jsonNumber(samplesPerSecond),
        r.setupName, jsonNumber(r.setupMs));
    return kExitOk;
  }
  io.out << fmt::format("{} {} on {} ({}), batch {}: {} runs after {} warm-up\n", r.path, r.what, r.device.id(),
                        r.device.name, r.batch, stats.us.size(), options.warmup);
  io.out << fmt::format("  median {:.1f} us  (min {:.1f}, p10 {:.1f}, p90 {:.1f}, max {:.1f})  {:.0f} samples/s\n",
                        stats.median(), stats.us.front(), stats.quantile(0.1), stats.quantile(0.9), stats.us.back(),
                        samplesPerSecond);
  io.out << fmt::format("  {} in {:.1f} ms\n", r.setupName == "compile_ms" ? "compiled" : "loaded", r.setupMs);
  return kExitOk;
}

// `ingot bench MODEL.ingot`: the artifact's entry point, loaded by the
// runtime (what an embedding application runs).
int benchArtifact(const ParsedArgs& args, CliIO& io, const TimingOptions& options) {
  const std::string& path = args.positional[0];
  for (const char* flag : {"--train", "--loss", "--batch", "--shape"})
    if (args.has(flag))
      return reportError(invalidInput("{}: {} applies to model files; an artifact is compiled already (see --entry)",
                                      path, flag),
                         io);
  auto given = collectInputs(args);
  if (!given.ok()) return reportError(given.status(), io);
  auto opened = openArtifact(args, path);
  if (!opened.ok()) return reportError(opened.status(), io);
  rt::Session& session = *opened->session;
  std::vector<InputSpec> specs;
  for (const rt::TensorSlot& in : session.plan().inputs) specs.push_back({in.name, in.dtype, in.shape});
  // Random inputs (integer ones, such as class labels, in [0, 10)).
  auto inputs = completeInputs(specs, given->tensors, uint64_t{1});
  if (!inputs.ok()) return reportError(inputs.status().withContext(path), io);
  for (const auto& [name, t] : *inputs)
    if (Status s = session.setInput(name, t); !s.isOk()) return reportError(s, io);
  const auto& first = session.plan().inputs;
  const int64_t batch = !first.empty() && !first[0].shape.empty() ? first[0].shape[0] : 1;
  return timeRuns(session, {path, opened->entry, opened->device.device->info(), batch, "load_ms", opened->loadMs},
                  options, args, io);
}

int bench(const ParsedArgs& args, CliIO& io) {
  const std::string& path = args.positional[0];
  auto options = timingOptions(args);
  if (!options.ok()) return reportError(options.status(), io);
  if (isArtifactFile(path)) return benchArtifact(args, io, *options);
  if (args.has("--entry")) return reportError(invalidInput("--entry applies to compiled artifacts (.ingot)"), io);
  auto given = collectInputs(args);
  if (!given.ok()) return reportError(given.status(), io);
  auto model = loadModel(path, given->load);
  if (!model.ok()) return reportError(model.status(), io);
  auto device = openDeviceFromFlags(args);
  if (!device.ok()) return reportError(device.status(), io);

  // --train OPTIMIZER: the whole training step (forward, loss, backward, update).
  auto built = trainingStepFromFlags(args, *model->graph);
  if (!built.ok()) return reportError(built.status().withContext(path), io);
  std::optional<passes::StepGraph> step = std::move(built).value();
  const ir::Graph* graph = step ? step->graph.get() : model->graph.get();
  int64_t classes = 2;
  if (const auto& outs = model->graph->outputs(); !outs.empty() && outs[0]->shape().size() >= 2)
    classes = std::max<int64_t>(outs[0]->shape()[1], 1);
  auto inputs = step ? benchInputs(*graph, &*step, classes, given->tensors)
                     : completeInputs(*graph, given->tensors, uint64_t{1}, model->foldedInputs);
  if (!inputs.ok()) return reportError(inputs.status(), io);

  const auto compileStart = std::chrono::steady_clock::now();
  auto program = device->compile(*graph);
  if (!program.ok()) return reportError(program.status().withContext(path), io);
  const double compileMs =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - compileStart).count();
  auto session = rt::Session::create(*device->device, program->executable, std::move(program->plan));
  if (!session.ok()) return reportError(session.status(), io);
  for (const auto& [name, t] : *inputs) {
    Status s = (*session)->setInput(name, t);
    if (!s.isOk()) return reportError(s, io);
  }
  const ir::Value* first = graph->inputs().empty() ? nullptr : graph->inputs()[0];
  const int64_t batch = first && !first->shape().empty() ? first->shape()[0] : 1;
  const std::string what = step ? fmt::format("training step ({})", args.get("--train").value_or("")) : "inference";
  return timeRuns(**session, {path, what, device->device->info(), batch, "compile_ms", compileMs}, *options, args, io);
}

}  // namespace

Command benchCommand() {
  return Command{
      withDeviceFlags(CommandSpec{
          "bench", "MODEL", 1, 1,
          "Time MODEL's compiled inference (or training step) on a backend, or a compiled artifact's entry point "
          "(MODEL.ingot, loaded by the runtime): median, spread, samples/s.",
          {
              {"--batch", "N", "bind the leading symbolic dim of every input to N"},
              {"--shape", "NAME=DIMS", "bind an input's shape, e.g. x=1x784", true},
              {"--input", "NAME=FILE.npy", "an input tensor from a NumPy file (others are random)", true},
              {"--train", "OPTIMIZER", "time the training step (forward, loss, gradients, sgd|momentum|adam|adamw "
                                       "update) on random data instead of inference"},
              {"--loss", "NAME", "with --train: the loss (default as for `ingot train`)"},
              {"--entry", "NAME", "artifacts: the entry point to time (default infer; train_step, eval_step)"},
              {"--warmup", "N", "untimed runs first (default 10)"},
              {"--runs", "N", "at least N timed runs (default 20)"},
              {"--seconds", "S", "and keep running for at least S seconds (default 1)"},
              {"--json", "", "print one JSON object (median_us, min_us, max_us, p10_us, p90_us, samples_per_s, ...)"},
          },
          "Each timed run is one Session::run: every dispatch of the plan, with the\n"
          "results visible to the host. Inputs are uploaded once before timing.\n"
          "Machines are noisy: compare medians from the same run, and look at the spread."}),
      &bench};
}

}  // namespace ingot::cli
