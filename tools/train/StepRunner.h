// A compiled training or evaluation step bound to a device: the step graph
// of passes/TrainingStep.h compiled for one batch size, and the session that
// runs it. The trainer and the evaluator feed it batches and add up what it
// returns; parameters and optimizer state move between runners of different
// batch sizes (the last partial batch of an epoch has its own) by name.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "ir/Graph.h"
#include "passes/TrainingStep.h"
#include "runtime/Device.h"
#include "runtime/Plan.h"
#include "runtime/Session.h"
#include "tools/data/Batching.h"

namespace ingot::train {

// A backend's compiler (the CLI's BackendEntry::compile).
using CompileFn = std::function<Expected<rt::Program>(const ir::Graph&)>;
// The model with its batch dim bound to `batch`: a fresh graph per call, with
// the trainable flags the user asked for (--freeze).
using ModelAtBatch = std::function<Expected<std::unique_ptr<ir::Graph>>(int64_t batch)>;

using TensorsByName = std::map<std::string, Tensor, std::less<>>;

// What one batch (or many, summed) gave: loss summed over samples, hits
// (correct predictions: samples, or elements for bce) and their count.
struct Totals {
  double lossSum = 0;
  double hits = 0;
  double hitDenominator = 0;
  int64_t samples = 0;
  void add(const Totals& o) {
    lossSum += o.lossSum;
    hits += o.hits;
    hitDenominator += o.hitDenominator;
    samples += o.samples;
  }
  double meanLoss() const { return samples > 0 ? lossSum / static_cast<double>(samples) : 0; }
  double accuracy() const { return hitDenominator > 0 ? hits / hitDenominator : 0; }
};

class StepRunner {
 public:
  // Builds the training step (options set) or the evaluation step (null) of
  // model(batch), compiles it and opens a session on `device`.
  static Expected<std::unique_ptr<StepRunner>> create(const ModelAtBatch& model, int64_t batch,
                                                      const passes::TrainingOptions* training,
                                                      passes::LossKind loss, const CompileFn& compile,
                                                      rt::Device& device);

  int64_t batch() const { return batch_; }
  const passes::StepGraph& step() const { return step_; }
  const ir::TensorType& outputType() const { return outputType_; }
  const ir::TensorType& labelsType() const { return labelsType_; }
  // Whether `correct` means anything for this loss, output and data (mse
  // on a single column, or on float targets, does not count hits).
  bool hasAccuracy(const data::Split& split) const;
  bool hasAccuracy(const data::Dataset& ds) const { return hasAccuracy(ds.train); }
  // The number of classes labels must lie in, or 0 when any value is a
  // target (mse on one column).
  int64_t numClasses() const { return numClasses_; }
  // The data set's labels fit this step: class indices within numClasses(),
  // or float targets (mse and bce only) with as many values per sample as
  // the step's labels input, in [0, 1] for bce. Errors name the data set,
  // the loss and what was expected.
  Status checkLabels(const data::Dataset& ds) const;

  // Runs the step on one batch of exactly batch() samples.
  Expected<Totals> run(const data::Batch& batch);

  // Persistent state (weights, optimizer moments) by name.
  rt::Session& session() { return *session_; }
  Expected<TensorsByName> readState(const std::vector<std::string>& names) const;
  Status writeState(const TensorsByName& values);
  // Copies every state slot this runner and `to` both have.
  Status copyStateTo(StepRunner& to) const;

 private:
  StepRunner() = default;
  Status fillTargets(const Tensor& labels);
  int64_t targetsPerSample() const;

  int64_t batch_ = 0;
  passes::StepGraph step_;
  ir::TensorType outputType_, labelsType_;
  std::string outputName_;
  bool hasAccuracy_ = true;
  int64_t numClasses_ = 0;
  double hitsPerSample_ = 1;
  passes::LossKind loss_ = passes::LossKind::CrossEntropy;
  std::unique_ptr<rt::Session> session_;
  Tensor targets_;  // labels converted to what the step's `labels` input wants
  // The step's signature by position, for Session::runWithData: a batch's
  // features and the targets are bound in place (no copy into the session
  // on the host device), the loss and the hit count land in lossOut_ and
  // correctOut_.
  struct Binding {
    size_t features = 0, labels = 0;
    std::vector<const void*> inputs;
    std::vector<void*> outputs;
    uint64_t featureBytes = 0;
    DType featureDType = DType::F32;
  };
  Expected<Binding> bindSignature();
  Binding binding_;
  Tensor lossOut_, correctOut_;
};

// The default loss for a model: cross-entropy when its output comes from a
// Softmax, bce when from a Sigmoid with one column, else cross-entropy on
// logits.
passes::LossKind defaultLossFor(const ir::Graph& model);

}  // namespace ingot::train
