#include "tools/train/Trainer.h"

#include <chrono>
#include <cmath>

namespace ingot::train {

namespace {

using Clock = std::chrono::steady_clock;

double secondsSince(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

Metrics toMetrics(const Totals& t) { return Metrics{t.meanLoss(), t.accuracy(), t.samples}; }

}  // namespace

// --- Evaluator ---------------------------------------------------------------

Expected<std::unique_ptr<Evaluator>> Evaluator::create(const ModelAtBatch& model, passes::LossKind loss,
                                                       int64_t batch, const CompileFn& compile, rt::Device& device) {
  std::unique_ptr<Evaluator> e(new Evaluator(model, loss, compile, device));
  INGOT_ASSIGN_OR_RETURN(e->full_, StepRunner::create(model, batch, nullptr, loss, compile, device));
  return e;
}

Status Evaluator::setParameters(const TensorsByName& params) {
  params_ = params;
  return full_->writeState(params);
}

Expected<StepRunner*> Evaluator::runnerFor(int64_t batch) {
  if (batch == full_->batch()) return full_.get();
  auto it = partial_.find(batch);
  if (it == partial_.end()) {
    auto r = StepRunner::create(model_, batch, nullptr, loss_, compile_, device_);
    if (!r.ok()) return r.status().withContext(fmt::format("compiling the evaluation of the last batch ({} samples)", batch));
    it = partial_.emplace(batch, std::move(r).value()).first;
  }
  if (params_) INGOT_RETURN_IF_ERROR(it->second->writeState(*params_));
  return it->second.get();
}

Expected<Metrics> Evaluator::evaluate(const data::Split& split) {
  // Evaluation order does not matter; a fixed order keeps runs identical.
  data::BatchOptions opts;
  opts.batchSize = full_->batch();
  opts.shuffle = false;
  INGOT_ASSIGN_OR_RETURN(data::Batcher batcher, data::Batcher::create(split, opts));
  data::EpochIterator it = batcher.epoch(0);
  data::Batch batch;
  Totals totals;
  while (it.next(batch)) {
    INGOT_ASSIGN_OR_RETURN(StepRunner * r, runnerFor(batch.size));
    INGOT_ASSIGN_OR_RETURN(Totals t, r->run(batch));
    totals.add(t);
  }
  return toMetrics(totals);
}

// --- Trainer -----------------------------------------------------------------

Expected<std::unique_ptr<Trainer>> Trainer::create(const ModelAtBatch& model, const CompileFn& compile,
                                                   rt::Device& device, data::Dataset& data, TrainerOptions options) {
  const int64_t n = data.train.size();
  if (n == 0) return invalidInput("{}: the training split has no samples", data.name);
  if (options.batching.batchSize < 1) return invalidInput("--batch must be at least 1");
  // A batch larger than the data set is the whole data set.
  const int64_t batch = std::min(options.batching.batchSize, n);
  options.batching.batchSize = batch;

  std::unique_ptr<Trainer> t(new Trainer(data, options));
  t->model_ = model;
  t->compile_ = compile;
  t->device_ = &device;
  INGOT_ASSIGN_OR_RETURN(t->full_, StepRunner::create(model, batch, &options.training, options.training.loss,
                                                      compile, device));
  const StepRunner& r = *t->full_;

  // The data must fit the model: features of the input's sample shape,
  // labels within the output's classes.
  const ir::Value* input = r.step().graph->findValue(r.step().input);
  if (!input || input->shape().empty()) return internalError("the training step has no batched input");
  Shape sampleShape(input->shape().begin() + 1, input->shape().end());
  INGOT_RETURN_IF_ERROR(data::fitFeaturesTo(data, sampleShape, r.step().input));
  INGOT_RETURN_IF_ERROR(r.checkLabels(data));

  if (const int64_t rest = n % batch; rest != 0) {
    auto p = StepRunner::create(model, rest, &options.training, options.training.loss, compile, device);
    if (!p.ok())
      return p.status().withContext(fmt::format("compiling the step for the last batch of each epoch ({} of {} samples)",
                                                rest, n));
    t->partial_ = std::move(p).value();
  }
  if (data.test) {
    const int64_t evalBatch = std::max<int64_t>(1, std::min(options.evalBatch, data.test->size()));
    INGOT_ASSIGN_OR_RETURN(t->evaluator_,
                           Evaluator::create(model, options.training.loss, evalBatch, compile, device));
  }
  INGOT_ASSIGN_OR_RETURN(data::Batcher batcher, data::Batcher::create(data.train, options.batching));
  t->batcher_.emplace(std::move(batcher));
  return t;
}

int64_t Trainer::stepsPerEpoch() const { return batcher_->numBatches(); }

Expected<EpochResult> Trainer::runEpoch(int64_t epoch, const std::function<void(const StepProgress&)>& onStep) {
  if (stopped_) return invalidInput("training has stopped (a non-finite loss); it cannot continue");
  EpochResult result;
  result.epoch = epoch;
  data::EpochIterator it = batcher_->epoch(epoch - 1);
  const int64_t steps = it.numBatches();
  const std::vector<std::string>& params = full_->step().params;
  data::Batch batch;
  Totals totals;
  std::string pendingWhen;
  const Clock::time_point start = Clock::now();
  for (int64_t k = 0; it.next(batch); ++k) {
    if (k % kSnapshotInterval == 0) {
      INGOT_ASSIGN_OR_RETURN(pending_, full_->readState(params));
      pendingWhen = fmt::format("epoch {} step {}", epoch, k + 1);
    }
    StepRunner* runner = full_.get();
    if (batch.size != full_->batch()) {
      if (!partial_) return internalError("a batch of {} samples but no step compiled for it", batch.size);
      INGOT_RETURN_IF_ERROR(full_->copyStateTo(*partial_));
      runner = partial_.get();
    }
    const Clock::time_point runStart = Clock::now();
    INGOT_ASSIGN_OR_RETURN(Totals t, runner->run(batch));
    result.runSeconds += secondsSince(runStart);
    if (runner != full_.get()) INGOT_RETURN_IF_ERROR(partial_->copyStateTo(*full_));
    if (!std::isfinite(t.lossSum)) {
      stopped_ = true;
      result.stopped = fmt::format(
          "the loss is {} at epoch {}, step {} of {}; training stopped. {}", t.lossSum / t.samples, epoch, k + 1,
          steps,
          good_ ? fmt::format("The weights kept are those from before {} (the last checkpoint whose step gave a "
                              "finite loss; checkpoints are taken every {} steps).",
                              goodWhen_, kSnapshotInterval)
                : std::string("No step gave a finite loss; the weights kept are the initial ones."));
      if (!good_ && pending_) good_ = std::move(pending_);
      break;
    }
    if (pending_) {
      good_ = std::move(pending_);
      pending_.reset();
      goodWhen_ = pendingWhen;
    }
    totals.add(t);
    if (onStep) onStep(StepProgress{epoch, k + 1, steps, toMetrics(totals), secondsSince(start)});
  }
  result.seconds = secondsSince(start);
  result.steps = steps;
  result.train = toMetrics(totals);
  if (evaluator_ && !stopped_) {
    INGOT_ASSIGN_OR_RETURN(TensorsByName current, full_->readState(params));
    INGOT_RETURN_IF_ERROR(evaluator_->setParameters(current));
    INGOT_ASSIGN_OR_RETURN(result.test, evaluator_->evaluate(*data_.test));
  }
  return result;
}

Expected<Metrics> Trainer::evaluate(const data::Split& split) {
  if (!evaluator_) {
    const int64_t evalBatch = std::max<int64_t>(1, std::min(options_.evalBatch, split.size()));
    INGOT_ASSIGN_OR_RETURN(evaluator_,
                           Evaluator::create(model_, options_.training.loss, evalBatch, compile_, *device_));
  }
  INGOT_ASSIGN_OR_RETURN(TensorsByName current, parameters());
  INGOT_RETURN_IF_ERROR(evaluator_->setParameters(current));
  return evaluator_->evaluate(split);
}

Expected<TensorsByName> Trainer::parameters() const {
  if (stopped_ && good_) return *good_;
  return full_->readState(full_->step().params);
}

}  // namespace ingot::train
