#include "tools/cli/TrainingSetup.h"

#include "tools/cli/ModelLoader.h"

namespace ingot::cli {

namespace {

Expected<std::unique_ptr<ir::Graph>> loadAtBatch(const std::string& path, const std::vector<std::string>& freeze,
                                                 int64_t batch) {
  LoadOptions opts;
  if (!isTextModel(path)) opts.batch = batch;  // text models have static shapes
  INGOT_ASSIGN_OR_RETURN(LoadedModel m, loadModel(path, opts));
  ir::Graph& g = *m.graph;
  if (g.inputs().size() != 1)
    return invalidInput("{}: training and evaluation need a model with one input, this one has {}", path,
                        g.inputs().size());
  const ir::Value* x = g.inputs()[0];
  if (x->shape().empty() || x->shape()[0] != batch)
    return invalidInput(
        "{}: input '{}' is {}, but its first dim must be the batch ({} here); a model with a symbolic batch dim "
        "(as `ingot init` and PyTorch's exporter write) takes any batch size",
        path, x->name(), x->type().toString(), batch);
  for (const std::string& name : freeze) {
    ir::Value* p = g.findValue(name);
    if (!p || p->kind() != ir::ValueKind::Param) {
      std::vector<std::string> names;
      for (const ir::Value* q : g.params()) names.push_back(q->name());
      return invalidInput("--freeze {}: the model has no parameter '{}' (its parameters: {})", name, name,
                          fmt::join(names, ", "));
    }
    p->setTrainable(false);
  }
  return std::move(m.graph);
}

}  // namespace

Expected<TrainableModel> loadTrainableModel(const std::string& path, const std::vector<std::string>& freeze) {
  TrainableModel m;
  m.atBatch = [path, freeze](int64_t batch) { return loadAtBatch(path, freeze, batch); };
  // A text model's static batch is the only one it takes: check at that one.
  int64_t probe = 1;
  if (isTextModel(path)) {
    INGOT_ASSIGN_OR_RETURN(LoadedModel m, loadModel(path, {}));
    if (!m.graph->inputs().empty() && !m.graph->inputs()[0]->shape().empty())
      probe = m.graph->inputs()[0]->shape()[0];
  }
  INGOT_ASSIGN_OR_RETURN(m.probe, m.atBatch(probe));
  return m;
}

Expected<passes::LossKind> chooseLoss(const ParsedArgs& args, const ir::Graph& model, bool floatTargets) {
  if (auto name = args.get("--loss")) {
    auto k = passes::parseLossKind(*name);
    if (!k.ok()) return k.status().withContext("--loss");
    return *k;
  }
  const passes::LossKind natural = train::defaultLossFor(model);
  if (floatTargets && natural != passes::LossKind::BinaryCrossEntropy) return passes::LossKind::MeanSquaredError;
  return natural;
}

Expected<std::optional<passes::TrainingOptions>> trainingOptionsFromFlags(const ParsedArgs& args,
                                                                         const ir::Graph& model) {
  std::optional<std::string> value = args.get("--train");
  if (!value) {
    if (args.has("--loss")) return invalidInput("--loss needs --train OPTIMIZER");
    return std::optional<passes::TrainingOptions>();
  }
  // --train OPTIMIZER, or --train LOSS,OPTIMIZER.
  std::string optimizer = *value;
  std::optional<std::string> loss;
  if (size_t comma = value->find(','); comma != std::string::npos) {
    if (args.has("--loss")) return invalidInput("--train {} names the loss; --loss is not needed", *value);
    loss = value->substr(0, comma);
    optimizer = value->substr(comma + 1);
  }
  passes::TrainingOptions training;
  auto preset = passes::optimizerPreset(optimizer);
  if (!preset.ok()) return preset.status().withContext("--train");
  training.optimizer = *preset;
  if (loss) {
    auto kind = passes::parseLossKind(*loss);
    if (!kind.ok()) return kind.status().withContext("--train");
    training.loss = *kind;
  } else {
    INGOT_ASSIGN_OR_RETURN(training.loss, chooseLoss(args, model));
  }
  return std::optional<passes::TrainingOptions>(training);
}

Expected<std::optional<passes::StepGraph>> trainingStepFromFlags(const ParsedArgs& args, const ir::Graph& model) {
  INGOT_ASSIGN_OR_RETURN(std::optional<passes::TrainingOptions> training, trainingOptionsFromFlags(args, model));
  if (!training) return std::optional<passes::StepGraph>();
  INGOT_ASSIGN_OR_RETURN(passes::StepGraph step, passes::buildTrainingStep(model, *training));
  return std::optional<passes::StepGraph>(std::move(step));
}

Expected<data::Dataset> loadData(const ParsedArgs& args) {
  std::optional<std::string> spec = args.get("--data");
  if (!spec) return invalidInput("missing --data SPEC (fashion-mnist, idx:DIR or npy:X.npy,Y.npy)");
  return data::loadDataset(*spec);
}

}  // namespace ingot::cli
