// The training loop behind `ingot train` and `ingot eval`, without any I/O:
// compiled steps (tools/train/StepRunner.h) fed with mini-batches, metrics
// summed per epoch, evaluation on the test split, and the guard against a
// diverging run.
//
// Batches. Every sample is seen once per epoch: full batches run the step
// compiled for the batch size; a last partial batch runs a second step
// compiled for its size, with the weights and optimizer state copied over
// and back (a few hundred KiB for an MLP, once per epoch).
//
// NaN. A step whose loss is not finite stops training. The weights that
// remain are the last ones known good: a snapshot is taken every
// kSnapshotInterval steps and becomes "good" once the step run with those
// weights returns a finite loss (the step updates weights in place, so the
// weights after a NaN step are lost by design; the snapshot costs one copy
// of the parameters per interval).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tools/data/Batching.h"
#include "tools/data/Dataset.h"
#include "tools/train/StepRunner.h"

namespace ingot::train {

inline constexpr int64_t kSnapshotInterval = 100;

struct TrainerOptions {
  passes::TrainingOptions training;
  data::BatchOptions batching;
  int64_t evalBatch = 1000;  // batch size of evaluation (memory only; results do not depend on it)
};

struct Metrics {
  double loss = 0;
  double accuracy = 0;
  int64_t samples = 0;
};

struct StepProgress {
  int64_t epoch = 0;  // from 1
  int64_t step = 0;   // steps done in this epoch
  int64_t steps = 0;  // steps in the epoch
  Metrics running;    // over the epoch so far
  double seconds = 0; // since the epoch began
};

struct EpochResult {
  int64_t epoch = 0;
  int64_t steps = 0;
  Metrics train;
  std::optional<Metrics> test;  // when the data has a test split
  double seconds = 0;           // training only, without evaluation
  double runSeconds = 0;        // of which in the compiled step (Session::run), without data handling
  // Non-empty when training stopped: why (the NaN loss's epoch and step)
  // and which weights remain.
  std::string stopped;
};

// Loss and accuracy of a model on a split, batch by batch.
class Evaluator {
 public:
  // Compiles the evaluation step for `batch` samples now; a smaller last
  // batch gets its own step when a split first needs it.
  static Expected<std::unique_ptr<Evaluator>> create(const ModelAtBatch& model, passes::LossKind loss,
                                                     int64_t batch, const CompileFn& compile, rt::Device& device);
  // Replaces the model's parameters (by name) before the next evaluation.
  Status setParameters(const TensorsByName& params);
  Expected<Metrics> evaluate(const data::Split& split);
  const StepRunner& runner() const { return *full_; }

 private:
  Evaluator(ModelAtBatch m, passes::LossKind l, CompileFn c, rt::Device& d)
      : model_(std::move(m)), loss_(l), compile_(std::move(c)), device_(d) {}
  Expected<StepRunner*> runnerFor(int64_t batch);

  ModelAtBatch model_;
  passes::LossKind loss_;
  CompileFn compile_;
  rt::Device& device_;
  std::unique_ptr<StepRunner> full_;
  std::map<int64_t, std::unique_ptr<StepRunner>> partial_;  // by size
  std::optional<TensorsByName> params_;  // set on every runner before it runs
};

class Trainer {
 public:
  // Compiles the training step (and the partial-batch step and the
  // evaluator when needed) and checks the data against the model: labels in
  // range for the output's classes, features of the input's sample shape
  // (`data` is reshaped to fit, e.g. [n,28,28] -> [n,784]).
  static Expected<std::unique_ptr<Trainer>> create(const ModelAtBatch& model, const CompileFn& compile,
                                                   rt::Device& device, data::Dataset& data, TrainerOptions options);

  // One epoch (numbered from 1): steps over the shuffled training split,
  // then evaluation on the test split if there is one. `onStep` is called
  // after every step.
  Expected<EpochResult> runEpoch(int64_t epoch, const std::function<void(const StepProgress&)>& onStep);
  // The current weights on any split (no update).
  Expected<Metrics> evaluate(const data::Split& split);

  // The trained parameters: the current ones, or after a NaN stop the last
  // good ones.
  Expected<TensorsByName> parameters() const;
  const passes::StepGraph& step() const { return full_->step(); }
  const StepRunner& runner() const { return *full_; }
  int64_t stepsPerEpoch() const;
  bool stopped() const { return stopped_; }

 private:
  Trainer(const data::Dataset& d, TrainerOptions o) : data_(d), options_(std::move(o)) {}

  const data::Dataset& data_;
  TrainerOptions options_;
  ModelAtBatch model_;
  CompileFn compile_;
  rt::Device* device_ = nullptr;
  std::unique_ptr<StepRunner> full_, partial_;
  std::unique_ptr<Evaluator> evaluator_;
  std::optional<data::Batcher> batcher_;
  // NaN guard: weights before step `pendingStep` and the last confirmed-good ones.
  std::optional<TensorsByName> pending_, good_;
  std::string goodWhen_;
  bool stopped_ = false;
};

}  // namespace ingot::train
