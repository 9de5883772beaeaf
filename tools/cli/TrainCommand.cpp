// `ingot train`: fit a model on a data set with a compiled training step
// (tools/train/Trainer.h) and write the trained model as ONNX.
#include <chrono>
#include <cmath>
#include <ostream>

#include "frontend/OnnxImporter.h"
#include "frontend/OnnxUpdate.h"
#include "support/FileIO.h"
#include "tools/cli/Backends.h"
#include "tools/cli/Cli.h"
#include "tools/cli/ModelLoader.h"
#include "tools/cli/TrainingSetup.h"
#include "tools/train/Report.h"

namespace ingot::cli {

namespace {

// --optimizer NAME (PyTorch's defaults) with --lr, --momentum, --nesterov and
// --weight-decay on top.
Expected<passes::OptimizerOptions> parseOptimizer(const ParsedArgs& args) {
  INGOT_ASSIGN_OR_RETURN(passes::OptimizerOptions o, passes::optimizerPreset(args.get("--optimizer").value_or("adam")));
  if (auto v = args.get("--lr")) {
    INGOT_ASSIGN_OR_RETURN(o.lr, parseDouble("--lr", *v));
  }
  if (auto v = args.get("--momentum")) {
    if (o.kind != passes::OptimizerKind::Sgd) return invalidInput("--momentum applies to sgd and momentum, not {}",
                                                                  passes::optimizerKindName(o.kind));
    INGOT_ASSIGN_OR_RETURN(o.momentum, parseDouble("--momentum", *v));
  }
  if (args.has("--nesterov")) {
    if (o.kind != passes::OptimizerKind::Sgd) return invalidInput("--nesterov applies to sgd and momentum");
    o.nesterov = true;
  }
  if (auto v = args.get("--weight-decay")) {
    INGOT_ASSIGN_OR_RETURN(o.weightDecay, parseDouble("--weight-decay", *v));
  }
  INGOT_RETURN_IF_ERROR(passes::validateOptimizerOptions(o));
  return o;
}

std::string formatRate(double perSecond) {
  return perSecond >= 1e4 ? fmt::format("{:.1f}k", perSecond / 1e3) : fmt::format("{:.0f}", perSecond);
}

// Redraws one line per epoch on a terminal (at most every 100 ms); prints
// nothing per step otherwise, so logs get one line per epoch.
class ProgressBar {
 public:
  ProgressBar(std::ostream& out, bool terminal, int64_t epochs, bool accuracy)
      : out_(out), terminal_(terminal), epochs_(epochs), accuracy_(accuracy) {}

  void update(const train::StepProgress& p) {
    if (!terminal_) return;
    const auto now = std::chrono::steady_clock::now();
    if (p.step != p.steps && now - last_ < std::chrono::milliseconds(100)) return;
    last_ = now;
    constexpr int kWidth = 24;
    const int filled = static_cast<int>(kWidth * p.step / std::max<int64_t>(p.steps, 1));
    out_ << fmt::format("\r\033[Kepoch {}/{} [{}{}] {}/{}  loss {:.4f}", p.epoch, epochs_, std::string(filled, '#'),
                        std::string(kWidth - filled, '.'), p.step, p.steps, p.running.loss);
    if (accuracy_) out_ << fmt::format("  acc {:.4f}", p.running.accuracy);
    out_ << fmt::format("  {} samples/s", formatRate(p.seconds > 0 ? p.running.samples / p.seconds : 0)) << std::flush;
  }
  void finishEpoch() {
    if (terminal_) out_ << "\r\033[K" << std::flush;
  }

 private:
  std::ostream& out_;
  bool terminal_;
  int64_t epochs_;
  bool accuracy_;
  std::chrono::steady_clock::time_point last_{};
};

std::string epochLine(const train::EpochResult& e, int64_t epochs, bool accuracy) {
  std::string line = fmt::format("epoch {}/{}: loss {:.4f}", e.epoch, epochs, e.train.loss);
  if (accuracy) line += fmt::format(" accuracy {:.4f}", e.train.accuracy);
  if (e.test) {
    line += fmt::format(" | test loss {:.4f}", e.test->loss);
    if (accuracy) line += fmt::format(" accuracy {:.4f}", e.test->accuracy);
  }
  line += fmt::format(" | {:.2f} s, {} samples/s, {:.3f} ms/step\n", e.seconds,
                      formatRate(e.seconds > 0 ? e.train.samples / e.seconds : 0),
                      e.steps > 0 ? 1e3 * e.seconds / static_cast<double>(e.steps) : 0.0);
  return line;
}

// The model file as read, with the trained initializers (ONNX), or the text
// model exported as ONNX with its trained parameters.
Status writeTrainedModel(const std::string& modelPath, const train::ModelAtBatch& model, int64_t batch,
                         const train::TensorsByName& params, const std::string& out) {
  if (!isTextModel(modelPath)) {
    INGOT_ASSIGN_OR_RETURN(std::string bytes, readFileBytes(modelPath));
    INGOT_ASSIGN_OR_RETURN(std::string updated, frontend::replaceInitializers(bytes, params, modelPath));
    return writeFileBytes(out, updated);
  }
  INGOT_ASSIGN_OR_RETURN(std::unique_ptr<ir::Graph> g, model(batch));
  for (const auto& [name, t] : params) {
    ir::Value* p = g->findValue(name);
    if (!p || p->kind() != ir::ValueKind::Param) return internalError("trained parameter '{}' is not in the model", name);
    p->setParamData(t);
  }
  return frontend::exportOnnxFile(*g, out);
}

struct TrainFlags {
  int64_t epochs = 5, batch = 32;
  uint64_t seed = 0;
  std::optional<std::string> json, plot, output;
};

Expected<TrainFlags> parseTrainFlags(const ParsedArgs& args) {
  TrainFlags f;
  if (auto v = args.get("--epochs")) {
    INGOT_ASSIGN_OR_RETURN(f.epochs, parseInt("--epochs", *v, 1, 1000000));
  }
  if (auto v = args.get("--batch")) {
    INGOT_ASSIGN_OR_RETURN(f.batch, parseInt("--batch", *v, 1, int64_t{1} << 24));
  }
  if (auto v = args.get("--seed")) {
    INGOT_ASSIGN_OR_RETURN(int64_t s, parseInt("--seed", *v, 0, INT64_MAX));
    f.seed = static_cast<uint64_t>(s);
  }
  f.json = args.get("--json");
  f.plot = args.get("--plot");
  f.output = args.get("--output");
  return f;
}

int trainModel(const ParsedArgs& args, CliIO& io) {
  const std::string& path = args.positional[0];
  auto flags = parseTrainFlags(args);
  if (!flags.ok()) return reportError(flags.status(), io);
  auto optimizer = parseOptimizer(args);
  if (!optimizer.ok()) return reportError(optimizer.status(), io);
  auto model = loadTrainableModel(path, args.getAll("--freeze"));
  if (!model.ok()) return reportError(model.status(), io);
  auto device = openDeviceFromFlags(args);
  if (!device.ok()) return reportError(device.status(), io);
  auto data = loadData(args);
  if (!data.ok()) return reportError(data.status(), io);
  auto loss = chooseLoss(args, *model->probe, data->train.hasTargets());
  if (!loss.ok()) return reportError(loss.status(), io);

  train::TrainerOptions options;
  options.training.loss = *loss;
  options.training.optimizer = *optimizer;
  options.batching = {flags->batch, !args.has("--no-shuffle"), flags->seed};
  const auto compileStart = std::chrono::steady_clock::now();
  auto trainer = train::Trainer::create(model->atBatch, device->compiler(), *device->device, *data, options);
  if (!trainer.ok()) return reportError(trainer.status().withContext(path), io);
  train::Trainer& t = **trainer;

  train::TrainingRecord record;
  record.model = path;
  record.data = data->name;
  record.backend = device->backend->name;
  record.device = device->device->info().id();
  record.output = flags->output.value_or("");
  record.loss = *loss;
  record.optimizer = *optimizer;
  record.batch = std::min(flags->batch, data->train.size());
  record.epochs = flags->epochs;
  record.stepsPerEpoch = t.stepsPerEpoch();
  record.trainSamples = data->train.size();
  record.testSamples = data->test ? data->test->size() : 0;
  record.seed = flags->seed;
  record.shuffle = options.batching.shuffle;
  record.compileSeconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - compileStart).count();

  io.out << fmt::format(
      "training {} on {} ({} samples{}) with {} ({}): {} loss, {} lr {}, batch {}, {} steps per epoch; "
      "compiled in {:.2f} s\n",
      path, data->name, record.trainSamples,
      data->test ? fmt::format(", {} test samples", record.testSamples) : std::string(", no test split"),
      record.device, device->device->info().name, passes::lossKindName(*loss),
      passes::optimizerKindName(optimizer->kind), optimizer->lr, record.batch, record.stepsPerEpoch,
      record.compileSeconds);

  // Reports are rewritten after every epoch, so an interrupted run keeps them.
  auto writeReports = [&]() -> Status {
    if (flags->json) INGOT_RETURN_IF_ERROR(writeFileBytes(*flags->json, train::trainingJson(record)));
    if (flags->plot) INGOT_RETURN_IF_ERROR(writeFileBytes(*flags->plot, train::trainingPlotSvg(record)));
    return Status::ok();
  };
  const bool accuracy = t.runner().hasAccuracy(*data);
  record.hasAccuracy = accuracy;
  ProgressBar bar(io.out, io.outIsTerminal, flags->epochs, accuracy);
  for (int64_t e = 1; e <= flags->epochs && !t.stopped(); ++e) {
    auto result = t.runEpoch(e, [&](const train::StepProgress& p) { bar.update(p); });
    bar.finishEpoch();
    if (!result.ok()) return reportError(result.status().withContext(fmt::format("{}: epoch {}", path, e)), io);
    record.results.push_back(*result);
    if (!result->stopped.empty()) {
      record.stopped = result->stopped;
      io.err << "ingot: " << result->stopped << "\n";
    } else {
      io.out << epochLine(*result, flags->epochs, accuracy);
    }
    Status reported = writeReports();
    if (!reported.isOk()) return reportError(reported, io);
  }

  if (flags->output) {
    auto params = t.parameters();
    if (!params.ok()) return reportError(params.status(), io);
    Status written = writeTrainedModel(path, model->atBatch, record.batch, *params, *flags->output);
    if (!written.isOk()) return reportError(written, io);
    int64_t count = 0;
    for (const auto& [name, p] : *params) count += p.numElements();
    io.out << fmt::format("wrote {} ({} trained parameters in {} tensors{})\n", *flags->output, count,
                          params->size(), t.stopped() ? ", the last good weights" : "");
  } else {
    io.out << "no -o/--output given: the trained weights were not saved\n";
  }
  if (flags->json) io.out << fmt::format("wrote {}\n", *flags->json);
  if (flags->plot) io.out << fmt::format("wrote {}\n", *flags->plot);
  return t.stopped() ? kExitFailure : kExitOk;
}

}  // namespace

Command trainCommand() {
  return Command{
      withDeviceFlags(CommandSpec{
          "train", "MODEL", 1, 1,
          "Train MODEL (.onnx or text IR) on a data set and write the trained model as ONNX.",
          {
              {"--data", "SPEC", "fashion-mnist, idx:DIR or npy:X.npy,Y.npy (see below)"},
              {"--loss", "NAME", "cross-entropy, cross-entropy-logits, mse or bce; default: cross-entropy when "
                                 "the output is a Softmax, bce for one Sigmoid column, else cross-entropy-logits; "
                                 "with float targets mse (bce for one Sigmoid column)"},
              {"--optimizer", "NAME", "sgd, momentum (SGD, momentum 0.9), adam (default) or adamw"},
              {"--lr", "X", "learning rate (default: 0.01 for sgd and momentum, 0.001 for adam and adamw)"},
              {"--momentum", "X", "SGD momentum (default 0 for sgd, 0.9 for momentum)"},
              {"--nesterov", "", "Nesterov momentum (sgd and momentum)"},
              {"--weight-decay", "X", "L2 penalty (sgd, adam) or decoupled decay (adamw; default 0.01)"},
              {"--epochs", "N", "passes over the training data (default 5)"},
              {"--batch", "N", "samples per step (default 32); the last batch of an epoch may be smaller"},
              {"--seed", "S", "shuffling seed (default 0)"},
              {"--no-shuffle", "", "visit the samples in file order every epoch"},
              {"--freeze", "NAME", "keep parameter NAME fixed (repeatable)", true},
              {"--json", "FILE", "write the configuration and per-epoch metrics as JSON"},
              {"--plot", "FILE.svg", "draw training and test loss and accuracy per epoch"},
              {"--output", "FILE", "write the trained model as ONNX", false, "-o"},
          },
          "The training step (forward, loss, gradients, optimizer update) is one compiled\n"
          "program; weights and optimizer moments stay on the device between steps.\n"
          "After each epoch the test split (when the data has one) is evaluated.\n\n"
          "Data specs:\n"
          "  fashion-mnist     Debian's dataset-fashion-mnist (60000 train, 10000 test images)\n"
          "  idx:DIR           DIR/train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz],\n"
          "                    optionally t10k-images-idx3-ubyte[.gz] and t10k-labels-idx1-ubyte[.gz]\n"
          "  npy:X.npy,Y.npy   features and labels: integer class indices, or float targets\n"
          "                    (regression with --loss mse, probabilities with bce); no test split\n"
          "Pixels (u8) are scaled to [0, 1]; features are reshaped to the model's input.\n\n"
          "A non-finite loss stops training (exit 1); the weights written are the last\n"
          "good ones. An ONNX model is written as read, with its initializers replaced.\n\n"
          "Example:\n"
          "  ingot init mlp --input 784 --layers 128:relu,10:softmax -o mlp.onnx\n"
          "  ingot train mlp.onnx --data fashion-mnist --epochs 5 --batch 32 -o trained.onnx"}),
      &trainModel};
}

}  // namespace ingot::cli
