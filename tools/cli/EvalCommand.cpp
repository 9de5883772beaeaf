// `ingot eval`: loss and accuracy of a model on a data set's test split (or
// on all of it when it has none).
#include <ostream>

#include "support/Json.h"
#include "tools/cli/Backends.h"
#include "tools/cli/Cli.h"
#include "tools/cli/TrainingSetup.h"
#include "tools/train/Trainer.h"

namespace ingot::cli {

namespace {

int evalModel(const ParsedArgs& args, CliIO& io) {
  const std::string& path = args.positional[0];
  int64_t batch = 1000;
  if (auto v = args.get("--batch")) {
    auto b = parseInt("--batch", *v, 1, int64_t{1} << 24);
    if (!b.ok()) return reportError(b.status(), io);
    batch = *b;
  }
  auto model = loadTrainableModel(path, {});
  if (!model.ok()) return reportError(model.status(), io);
  auto device = openDeviceFromFlags(args);
  if (!device.ok()) return reportError(device.status(), io);
  auto data = loadData(args);
  if (!data.ok()) return reportError(data.status(), io);
  auto loss = chooseLoss(args, *model->probe, data->train.hasTargets());
  if (!loss.ok()) return reportError(loss.status(), io);

  const bool onTest = data->test.has_value();
  const data::Split& split = data->evalSplit();
  if (split.size() == 0) return reportError(invalidInput("{}: no samples to evaluate", data->name), io);
  batch = std::min(batch, split.size());
  auto evaluator =
      train::Evaluator::create(model->atBatch, *loss, batch, device->compiler(), *device->device);
  if (!evaluator.ok()) return reportError(evaluator.status().withContext(path), io);
  const train::StepRunner& r = (*evaluator)->runner();
  const ir::Value* input = r.step().graph->findValue(r.step().input);
  if (!input) return reportError(internalError("the evaluation step has no input"), io);
  Status fits = data::fitFeaturesTo(*data, Shape(input->shape().begin() + 1, input->shape().end()), input->name());
  if (fits.isOk()) fits = r.checkLabels(*data);
  if (!fits.isOk()) return reportError(fits, io);

  auto metrics = (*evaluator)->evaluate(split);
  if (!metrics.ok()) return reportError(metrics.status().withContext(path), io);
  const char* splitName = onTest ? "test" : "all";
  if (args.has("--json")) {
    io.out << fmt::format(
        "{{\"model\": \"{}\", \"data\": \"{}\", \"split\": \"{}\", \"samples\": {}, \"backend\": \"{}\", "
        "\"loss_kind\": \"{}\", \"loss\": {}, \"accuracy\": {}}}\n",
        jsonEscape(path), jsonEscape(data->name), splitName, metrics->samples, device->device->info().id(),
        passes::lossKindName(*loss), jsonNumber(metrics->loss),
        r.hasAccuracy(split) ? jsonNumber(metrics->accuracy) : "null");
    return kExitOk;
  }
  io.out << fmt::format("{} on {} ({} {} samples, {} on {}): loss {:.4f}", path, data->name, metrics->samples,
                        splitName, passes::lossKindName(*loss), device->device->info().id(), metrics->loss);
  if (r.hasAccuracy(split)) io.out << fmt::format(" accuracy {:.4f}", metrics->accuracy);
  io.out << "\n";
  return kExitOk;
}

}  // namespace

Command evalCommand() {
  return Command{
      withDeviceFlags(CommandSpec{
          "eval", "MODEL", 1, 1,
          "Loss and accuracy of MODEL on a data set's test split (or on all of it without one).",
          {
              {"--data", "SPEC", "fashion-mnist, idx:DIR or npy:X.npy,Y.npy (as for `ingot train`)"},
              {"--loss", "NAME", "cross-entropy, cross-entropy-logits, mse or bce; default as for `ingot train`"},
              {"--batch", "N", "samples per run (default 1000; results do not depend on it)"},
              {"--json", "", "print one JSON object (model, data, split, samples, loss, accuracy)"},
          },
          "Accuracy counts samples whose largest output is the label (bce: elements on the\n"
          "right side of 0.5); the loss is the mean over samples, as in training."}),
      &evalModel};
}

}  // namespace ingot::cli
