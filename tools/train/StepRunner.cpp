#include "tools/train/StepRunner.h"

#include <cmath>

namespace ingot::train {

passes::LossKind defaultLossFor(const ir::Graph& model) {
  if (model.outputs().size() != 1) return passes::LossKind::CrossEntropy;  // buildStep reports the real problem
  const ir::Value* y = model.outputs()[0];
  const ir::Node* p = y->producer();
  if (p && p->opName() == "Softmax") return passes::LossKind::CrossEntropy;
  const int64_t perSample = y->shape().size() >= 2 ? y->type().shape.back() : 1;
  if (p && p->opName() == "Sigmoid" && perSample == 1) return passes::LossKind::BinaryCrossEntropy;
  return passes::LossKind::CrossEntropyLogits;
}

Expected<std::unique_ptr<StepRunner>> StepRunner::create(const ModelAtBatch& model, int64_t batch,
                                                         const passes::TrainingOptions* training,
                                                         passes::LossKind loss, const CompileFn& compile,
                                                         rt::Device& device) {
  INGOT_ASSIGN_OR_RETURN(std::unique_ptr<ir::Graph> g, model(batch));
  std::unique_ptr<StepRunner> r(new StepRunner());
  r->batch_ = batch;
  r->loss_ = loss;
  if (training) {
    INGOT_ASSIGN_OR_RETURN(r->step_, passes::buildTrainingStep(*g, *training));
  } else {
    INGOT_ASSIGN_OR_RETURN(r->step_, passes::buildEvalStep(*g, loss));
  }
  const ir::Graph& sg = *r->step_.graph;
  const ir::Value* labels = sg.findValue(r->step_.labels);
  if (!labels || g->outputs().size() != 1) return internalError("the step graph has no labels input");
  r->labelsType_ = labels->type();
  r->outputType_ = g->outputs()[0]->type();
  r->outputName_ = g->outputs()[0]->name();

  // Targets: class indices (i64 [N]), one-hot rows (float [N, C]) or one
  // value per sample (float, N elements).
  const Shape& ls = r->labelsType_.shape;
  int64_t perSample = 1;
  for (size_t i = 1; i < ls.size(); ++i) perSample *= ls[i];
  if (r->labelsType_.dtype == DType::I64) {
    r->numClasses_ = r->outputType_.shape.size() >= 2 ? r->outputType_.shape[1] : 0;
  } else if (ls.size() == 2 && perSample > 1) {
    r->numClasses_ = perSample;  // one-hot
  } else {
    r->numClasses_ = loss == passes::LossKind::BinaryCrossEntropy ? 2 : 0;
  }
  r->hasAccuracy_ = !(loss == passes::LossKind::MeanSquaredError && r->numClasses_ == 0);
  r->hitsPerSample_ = loss == passes::LossKind::BinaryCrossEntropy ? static_cast<double>(perSample) : 1.0;
  r->targets_ = Tensor(r->labelsType_.dtype, ls);

  INGOT_ASSIGN_OR_RETURN(rt::Program program, compile(sg));
  INGOT_ASSIGN_OR_RETURN(r->session_, rt::Session::create(device, program.executable, std::move(program.plan)));
  INGOT_ASSIGN_OR_RETURN(r->binding_, r->bindSignature());
  return r;
}

Expected<StepRunner::Binding> StepRunner::bindSignature() {
  const rt::Plan& plan = session_->plan();
  Binding b;
  b.inputs.assign(plan.inputs.size(), nullptr);
  b.outputs.assign(plan.outputs.size(), nullptr);
  bool features = false, labels = false;
  for (size_t i = 0; i < plan.inputs.size(); ++i) {
    const rt::TensorSlot& s = plan.inputs[i];
    if (s.name == step_.input) {
      b.features = i, features = true;
      b.featureDType = s.dtype;
      b.featureBytes = static_cast<uint64_t>(numElements(s.shape)) * dtypeSize(s.dtype);
    } else if (s.name == step_.labels) {
      b.labels = i, labels = true;
      if (s.dtype != targets_.dtype() || s.shape != targets_.shape())
        return internalError("the step's labels input is {}{}, the targets {}{}", dtypeName(s.dtype),
                             shapeToString(s.shape), dtypeName(targets_.dtype()), shapeToString(targets_.shape()));
    } else {
      return internalError("the step has an input '{}' besides its features and labels", s.name);
    }
  }
  if (!features || !labels) return internalError("the step lacks its features or labels input");
  int found = 0;
  for (size_t o = 0; o < plan.outputs.size(); ++o) {
    const rt::TensorSlot& s = plan.outputs[o];
    Tensor* out = s.name == step_.loss ? &lossOut_ : s.name == step_.correct ? &correctOut_ : nullptr;
    if (!out) continue;
    if (numElements(s.shape) != 1) return internalError("the step's output '{}' is not one element", s.name);
    *out = Tensor(s.dtype, s.shape);
    b.outputs[o] = out->rawData();
    ++found;
  }
  if (found != 2) return internalError("the step lacks its loss or correct output");
  return b;
}

int64_t StepRunner::targetsPerSample() const {
  const Shape& ls = labelsType_.shape;
  int64_t per = 1;
  for (size_t i = 1; i < ls.size(); ++i) per *= ls[i];
  return per;
}

bool StepRunner::hasAccuracy(const data::Split& split) const {
  return hasAccuracy_ && !(split.hasTargets() && loss_ == passes::LossKind::MeanSquaredError);
}

Status StepRunner::checkLabels(const data::Dataset& ds) const {
  if (!ds.train.hasTargets()) {
    if (numClasses_ > 0) return data::checkLabels(ds, numClasses_);
    return Status::ok();
  }
  const std::string_view loss = passes::lossKindName(loss_);
  if (loss_ != passes::LossKind::MeanSquaredError && loss_ != passes::LossKind::BinaryCrossEntropy)
    return invalidInput("{}: the labels are float targets {} per sample, but the loss {} needs integer class indices "
                        "(float targets suit --loss mse or bce)",
                        ds.name, shapeToString(ds.train.labelShape()), loss);
  if (labelsType_.dtype == DType::I64) return internalError("the {} step takes i64 labels", loss);
  const int64_t want = targetsPerSample();
  for (const data::Split* s : {&ds.train, ds.test ? &*ds.test : nullptr}) {
    if (!s) continue;
    const int64_t have = numElements(s->labelShape());
    if (have != want)
      return invalidInput("{}: the targets have {} value(s) per sample ({}) but the model's output '{}' {} has {}",
                          ds.name, have, shapeToString(s->labelShape()), outputName_, outputType_.toString(), want);
    if (loss_ != passes::LossKind::BinaryCrossEntropy) continue;
    std::span<const float> v = s->labels.values<float>();
    for (size_t i = 0; i < v.size(); ++i)
      if (!(v[i] >= 0.0f && v[i] <= 1.0f))
        return invalidInput("{}: target {} (sample {}) is {}; bce needs targets in [0, 1]", ds.name, i,
                            static_cast<int64_t>(i) / std::max<int64_t>(have, 1), v[i]);
  }
  return Status::ok();
}

Status StepRunner::fillTargets(const Tensor& labels) {
  if (labels.dtype() == DType::F32) {
    // Float targets, checked by checkLabels: the values, converted.
    if (labels.numElements() != targets_.numElements() || targets_.dtype() == DType::I64)
      return internalError("targets {} fed to a step whose labels are {}", shapeToString(labels.shape()),
                           labelsType_.toString());
    const float* src = labels.data<float>();
    const bool computable = visitDType(targets_.dtype(), [&](auto tag) {
      using T = decltype(tag);
      T* dst = targets_.data<T>();
      for (int64_t i = 0; i < targets_.numElements(); ++i) dst[i] = static_cast<T>(src[i]);
    });
    if (!computable) return unsupported("targets of dtype {} are not supported", dtypeName(targets_.dtype()));
    return Status::ok();
  }
  const int64_t n = labels.numElements();
  const int64_t* src = labels.data<int64_t>();
  if (targets_.dtype() == DType::I64) {
    std::copy(src, src + n, targets_.data<int64_t>());
    return Status::ok();
  }
  // Float targets: one-hot rows when there is a class axis, else the value.
  const int64_t per = targets_.numElements() / std::max<int64_t>(n, 1);
  const bool oneHot = numClasses_ > 0 && per == numClasses_ && per > 1;
  const bool computable = visitDType(targets_.dtype(), [&](auto tag) {
    using T = decltype(tag);
    T* dst = targets_.data<T>();
    for (int64_t i = 0; i < targets_.numElements(); ++i) {
      const int64_t sample = i / per, column = i % per;
      dst[i] = oneHot ? static_cast<T>(src[sample] == column ? 1 : 0) : static_cast<T>(src[sample]);
    }
  });
  if (!computable) return unsupported("targets of dtype {} are not supported", dtypeName(targets_.dtype()));
  return Status::ok();
}

Expected<Totals> StepRunner::run(const data::Batch& batch) {
  if (batch.size != batch_) return internalError("a batch of {} samples fed to the step compiled for {}", batch.size, batch_);
  INGOT_RETURN_IF_ERROR(fillTargets(batch.labels));
  if (batch.features.dtype() != binding_.featureDType || batch.features.byteSize() != binding_.featureBytes)
    return invalidInput("a batch of features {}{} for the step's '{}' ({} bytes of {})", dtypeName(batch.features.dtype()),
                        shapeToString(batch.features.shape()), step_.input, binding_.featureBytes,
                        dtypeName(binding_.featureDType));
  binding_.inputs[binding_.features] = batch.features.rawData();
  binding_.inputs[binding_.labels] = targets_.rawData();
  INGOT_RETURN_IF_ERROR(session_->runWithData(binding_.inputs, binding_.outputs));
  Totals t;
  t.samples = batch.size;
  t.lossSum = lossOut_.elementAsDouble(0) * static_cast<double>(batch.size);
  t.hits = correctOut_.elementAsDouble(0);
  t.hitDenominator = hitsPerSample_ * static_cast<double>(batch.size);
  return t;
}

Expected<TensorsByName> StepRunner::readState(const std::vector<std::string>& names) const {
  TensorsByName out;
  for (const std::string& n : names) {
    INGOT_ASSIGN_OR_RETURN(Tensor t, session_->state(n));
    out.emplace(n, std::move(t));
  }
  return out;
}

Status StepRunner::writeState(const TensorsByName& values) {
  for (const auto& [name, t] : values) INGOT_RETURN_IF_ERROR(session_->setState(name, t));
  return Status::ok();
}

Status StepRunner::copyStateTo(StepRunner& to) const {
  for (const rt::TensorSlot& slot : session_->plan().state) {
    bool shared = false;
    for (const rt::TensorSlot& other : to.session_->plan().state) shared = shared || other.name == slot.name;
    if (!shared) continue;
    INGOT_ASSIGN_OR_RETURN(Tensor t, session_->state(slot.name));
    INGOT_RETURN_IF_ERROR(to.session_->setState(slot.name, t));
  }
  return Status::ok();
}

}  // namespace ingot::train
