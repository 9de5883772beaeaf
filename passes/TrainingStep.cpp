#include "passes/TrainingStep.h"

#include <cmath>
#include <limits>
#include <optional>

#include "ir/OpRegistry.h"
#include "ir/TextPrinter.h"
#include "ir/Verifier.h"
#include "passes/Autodiff.h"

namespace ingot::passes {

namespace {

using ir::Value;

// Appends nodes by op name; result names are fresh names from a hint, so
// the step graph reads well in dumps ("fc1.weight.m_next").
class Builder {
 public:
  explicit Builder(ir::Graph& g) : g_(g) {}
  ir::Graph& graph() { return g_; }

  Expected<Value*> emit(std::string_view op, std::vector<Value*> operands, ir::AttrMap attrs = {},
                        std::string_view hint = {}) {
    const ir::OpDef* def = ir::OpRegistry::builtin().find(op);
    if (!def) return internalError("the op registry has no {} op", op);
    std::vector<std::string> names;
    if (!hint.empty()) names.push_back(g_.freshName(hint));
    INGOT_ASSIGN_OR_RETURN(ir::Node * n, g_.addNode(*def, std::move(operands), std::move(attrs), std::move(names)));
    return n->result();
  }
  Expected<Value*> scalar(double v, DType dtype) {
    Tensor t(dtype, {});
    if (dtype == DType::F32) t.data<float>()[0] = static_cast<float>(v);
    else if (dtype == DType::F64) t.data<double>()[0] = v;
    else if (dtype == DType::I64) t.data<int64_t>()[0] = static_cast<int64_t>(v);
    else return unsupported("training: no scalar constant of dtype {}", dtypeName(dtype));
    ir::AttrMap attrs;
    attrs["value"] = ir::Attribute(std::move(t));
    return emit("Constant", {}, std::move(attrs));
  }
  Expected<Value*> cast(Value* v, DType to) {
    return emit("Cast", {v}, {{"to", ir::Attribute(std::string(dtypeName(to)))}});
  }
  Expected<Value*> add(Value* a, Value* b, std::string_view hint = {}) { return emit("Add", {a, b}, {}, hint); }
  Expected<Value*> sub(Value* a, Value* b, std::string_view hint = {}) { return emit("Sub", {a, b}, {}, hint); }
  Expected<Value*> mul(Value* a, Value* b, std::string_view hint = {}) { return emit("Mul", {a, b}, {}, hint); }
  Expected<Value*> div(Value* a, Value* b, std::string_view hint = {}) { return emit("Div", {a, b}, {}, hint); }
  // v * c for a scalar constant c of v's dtype.
  Expected<Value*> scale(Value* v, double c, std::string_view hint = {}) {
    INGOT_ASSIGN_OR_RETURN(Value * k, scalar(c, v->dtype()));
    return mul(v, k, hint);
  }
  // Sum (or mean) over all elements to a scalar.
  Expected<Value*> reduceAll(std::string_view op, Value* v, std::string_view hint = {}) {
    return emit(op, {v}, {{"keepdims", ir::Attribute(int64_t{0})}}, hint);
  }
  // Number of true elements of a bool tensor, as an i64 scalar.
  Expected<Value*> countTrue(Value* mask, std::string_view hint) {
    INGOT_ASSIGN_OR_RETURN(Value * asInt, cast(mask, DType::I64));
    return reduceAll("ReduceSum", asInt, hint);
  }
  Expected<Value*> argMax(Value* v, int64_t axis) {
    return emit("ArgMax", {v}, {{"axis", ir::Attribute(axis)}, {"keepdims", ir::Attribute(int64_t{0})}});
  }

 private:
  ir::Graph& g_;
};

std::string ref(const Value* v) { return ir::printValueRef(*v); }

struct Head {
  Value* labels = nullptr;
  Value* loss = nullptr;
  Value* correct = nullptr;
};

// The Softmax whose result is y (through Identity nodes), or an error that
// says what cross-entropy on probabilities expects.
Expected<Value*> softmaxLogits(Value* y) {
  Value* v = y;
  while (v->producer() && v->producer()->opName() == "Identity") v = v->producer()->operand(0);
  const ir::Node* p = v->producer();
  if (!p || p->opName() != "Softmax")
    return invalidInput(
        "loss cross-entropy takes probabilities: the model output {} must come from a Softmax over its class "
        "axis, but it is {}; use cross-entropy-logits for a model that outputs logits",
        ref(y), p ? p->label() : std::string(v->kind() == ir::ValueKind::Input ? "a graph input" : "a parameter"));
  const int64_t axis = p->getInt("axis", -1);
  const auto rank = static_cast<int64_t>(v->shape().size());
  if (axis != rank - 1 && axis != -1)
    return invalidInput("loss cross-entropy: {} normalizes over axis {}, expected the class axis {} (or -1)",
                        p->label(), axis, rank - 1);
  return p->operand(0);
}

// Labels, loss and correct for output y.
Expected<Head> buildHead(Builder& b, Value* y, LossKind kind) {
  ir::Graph& g = b.graph();
  const std::string lossName(lossKindName(kind));
  if (!isFloat(y->dtype()))
    return invalidInput("loss {}: the model output {} is {}, expected a float tensor", lossName, ref(y),
                        y->type().toString());
  Head h;
  const Shape& shape = y->shape();
  if (kind == LossKind::CrossEntropy || kind == LossKind::CrossEntropyLogits) {
    if (shape.size() != 2 || shape[1] < 1)
      return invalidInput("loss {}: the model output {} is {}, expected scores of shape [batch, classes]", lossName,
                          ref(y), y->type().toString());
    Value* logits = y;
    if (kind == LossKind::CrossEntropy) { INGOT_ASSIGN_OR_RETURN(logits, softmaxLogits(y)); }
    INGOT_ASSIGN_OR_RETURN(h.labels, g.addInput(g.freshName("labels"), {DType::I64, {shape[0]}}));
    INGOT_ASSIGN_OR_RETURN(Value * logp, b.emit("LogSoftmax", {logits}, {{"axis", ir::Attribute(int64_t{1})}},
                                                "log_probs"));
    INGOT_ASSIGN_OR_RETURN(h.loss, b.emit("NegativeLogLikelihoodLoss", {logp, h.labels}, {}, "loss"));
    INGOT_ASSIGN_OR_RETURN(Value * predicted, b.argMax(logits, 1));
    INGOT_ASSIGN_OR_RETURN(Value * hit, b.emit("Equal", {predicted, h.labels}));
    INGOT_ASSIGN_OR_RETURN(h.correct, b.countTrue(hit, "correct"));
    return h;
  }
  if (shape.empty())
    return invalidInput("loss {}: the model output {} is a scalar, expected a tensor with a batch axis", lossName,
                        ref(y));
  INGOT_ASSIGN_OR_RETURN(h.labels, g.addInput(g.freshName("labels"), y->type()));
  if (kind == LossKind::MeanSquaredError) {
    INGOT_ASSIGN_OR_RETURN(Value * diff, b.sub(y, h.labels));
    INGOT_ASSIGN_OR_RETURN(Value * sq, b.mul(diff, diff));
    INGOT_ASSIGN_OR_RETURN(h.loss, b.reduceAll("ReduceMean", sq, "loss"));
    if (shape.size() == 2 && shape[1] > 1) {
      INGOT_ASSIGN_OR_RETURN(Value * predicted, b.argMax(y, 1));
      INGOT_ASSIGN_OR_RETURN(Value * expected, b.argMax(h.labels, 1));
      INGOT_ASSIGN_OR_RETURN(Value * hit, b.emit("Equal", {predicted, expected}));
      INGOT_ASSIGN_OR_RETURN(h.correct, b.countTrue(hit, "correct"));
    } else {
      INGOT_ASSIGN_OR_RETURN(h.correct, b.scalar(0, DType::I64));
    }
    return h;
  }
  // bce: clamp p and 1 - p away from 0 (finite gradient), then each log to
  // >= -100 as PyTorch does (see TrainingStep.h).
  const double tiny = y->dtype() == DType::F32 ? static_cast<double>(std::numeric_limits<float>::min())
                                               : std::max(std::exp(-100.0), std::numeric_limits<double>::min());
  auto clampedLog = [&](Value* p) -> Expected<Value*> {
    INGOT_ASSIGN_OR_RETURN(Value * lo, b.scalar(tiny, p->dtype()));
    INGOT_ASSIGN_OR_RETURN(Value * safe, b.emit("Clip", {p, lo, nullptr}));
    INGOT_ASSIGN_OR_RETURN(Value * logp, b.emit("Log", {safe}));
    INGOT_ASSIGN_OR_RETURN(Value * floor, b.scalar(-100.0, p->dtype()));
    return b.emit("Clip", {logp, floor, nullptr});
  };
  INGOT_ASSIGN_OR_RETURN(Value * one, b.scalar(1.0, y->dtype()));
  INGOT_ASSIGN_OR_RETURN(Value * logP, clampedLog(y));
  INGOT_ASSIGN_OR_RETURN(Value * notY, b.sub(one, y));
  INGOT_ASSIGN_OR_RETURN(Value * logQ, clampedLog(notY));
  INGOT_ASSIGN_OR_RETURN(Value * notT, b.sub(one, h.labels));
  INGOT_ASSIGN_OR_RETURN(Value * a, b.mul(h.labels, logP));
  INGOT_ASSIGN_OR_RETURN(Value * c, b.mul(notT, logQ));
  INGOT_ASSIGN_OR_RETURN(Value * sum, b.add(a, c));
  INGOT_ASSIGN_OR_RETURN(Value * mean, b.reduceAll("ReduceMean", sum));
  INGOT_ASSIGN_OR_RETURN(h.loss, b.emit("Neg", {mean}, {}, "loss"));
  INGOT_ASSIGN_OR_RETURN(Value * half, b.scalar(0.5, y->dtype()));
  INGOT_ASSIGN_OR_RETURN(Value * predicted, b.emit("Greater", {y, half}));
  INGOT_ASSIGN_OR_RETURN(Value * truth, b.emit("Greater", {h.labels, half}));
  INGOT_ASSIGN_OR_RETURN(Value * pi, b.cast(predicted, DType::I64));
  INGOT_ASSIGN_OR_RETURN(Value * ti, b.cast(truth, DType::I64));
  INGOT_ASSIGN_OR_RETURN(Value * hit, b.emit("Equal", {pi, ti}));
  INGOT_ASSIGN_OR_RETURN(h.correct, b.countTrue(hit, "correct"));
  return h;
}

// A zero-initialized, frozen state parameter (a moment or the step count).
Expected<Value*> zeroState(ir::Graph& g, const std::string& name, const ir::TensorType& type) {
  INGOT_ASSIGN_OR_RETURN(Value * p, g.addParam(g.freshName(name), Tensor(type.dtype, type.shape)));
  p->setTrainable(false);
  return p;
}

// Adam's bias corrections, shared by all parameters: computed in f64 from
// the f64 step count as PyTorch does in Python floats, then cast.
struct AdamScalars {
  Value* negStepSize = nullptr;   // -lr / (1 - beta1^step)
  Value* invSqrtCorrection2 = nullptr;  // 1 / sqrt(1 - beta2^step)
};

Expected<AdamScalars> adamScalars(Builder& b, const OptimizerOptions& o, DType dtype, std::vector<std::string>& state) {
  ir::Graph& g = b.graph();
  INGOT_ASSIGN_OR_RETURN(Value * step, zeroState(g, "optimizer.step", {DType::F64, {}}));
  INGOT_ASSIGN_OR_RETURN(Value * one, b.scalar(1.0, DType::F64));
  INGOT_ASSIGN_OR_RETURN(Value * next, b.add(step, one, "optimizer.step_next"));
  INGOT_RETURN_IF_ERROR(g.addStateUpdate(step, next));
  state.push_back(step->name());
  auto correction = [&](double beta) -> Expected<Value*> {
    INGOT_ASSIGN_OR_RETURN(Value * base, b.scalar(beta, DType::F64));
    INGOT_ASSIGN_OR_RETURN(Value * power, b.emit("Pow", {base, next}));
    return b.sub(one, power);
  };
  AdamScalars s;
  INGOT_ASSIGN_OR_RETURN(Value * c1, correction(o.beta1));
  INGOT_ASSIGN_OR_RETURN(Value * negLr, b.scalar(-o.lr, DType::F64));
  INGOT_ASSIGN_OR_RETURN(Value * stepSize, b.div(negLr, c1));
  INGOT_ASSIGN_OR_RETURN(s.negStepSize, b.cast(stepSize, dtype));
  INGOT_ASSIGN_OR_RETURN(Value * c2, correction(o.beta2));
  INGOT_ASSIGN_OR_RETURN(Value * root, b.emit("Sqrt", {c2}));
  INGOT_ASSIGN_OR_RETURN(Value * inverse, b.div(one, root));
  INGOT_ASSIGN_OR_RETURN(s.invSqrtCorrection2, b.cast(inverse, dtype));
  return s;
}

Status appendOptimizer(Builder& b, const OptimizerOptions& o, const std::vector<Value*>& params,
                       const std::vector<Value*>& grads, std::vector<std::string>& state) {
  ir::Graph& g = b.graph();
  std::optional<AdamScalars> adam;
  for (size_t i = 0; i < params.size(); ++i) {
    Value* p = params[i];
    Value* grad = grads[i];
    const std::string& name = p->name();
    // L2 for SGD; Adam folds it into its fused update.
    if (o.weightDecay != 0 && o.kind == OptimizerKind::Sgd) {
      INGOT_ASSIGN_OR_RETURN(Value * l2, b.scale(p, o.weightDecay));
      INGOT_ASSIGN_OR_RETURN(grad, b.add(grad, l2));
    }
    Value* next = nullptr;
    if (o.kind == OptimizerKind::Sgd) {
      Value* direction = grad;
      if (o.momentum != 0) {
        INGOT_ASSIGN_OR_RETURN(Value * m, zeroState(g, name + ".m", p->type()));
        INGOT_ASSIGN_OR_RETURN(Value * decayed, b.scale(m, o.momentum));
        INGOT_ASSIGN_OR_RETURN(Value * mNext, b.add(decayed, grad, name + ".m_next"));
        INGOT_RETURN_IF_ERROR(g.addStateUpdate(m, mNext));
        state.push_back(m->name());
        direction = mNext;
        if (o.nesterov) {
          INGOT_ASSIGN_OR_RETURN(Value * ahead, b.scale(mNext, o.momentum));
          INGOT_ASSIGN_OR_RETURN(direction, b.add(grad, ahead));
        }
      }
      INGOT_ASSIGN_OR_RETURN(Value * delta, b.scale(direction, -o.lr));
      INGOT_ASSIGN_OR_RETURN(next, b.add(p, delta, name + "_next"));
    } else {
      if (!adam) { INGOT_ASSIGN_OR_RETURN(adam, adamScalars(b, o, p->dtype(), state)); }
      // One fused AdamUpdate per parameter (ir/ops/OptimizerOps.cpp): the
      // same arithmetic in one pass over param, grad and moments. The
      // division by sqrt(1 - beta2^t) is a multiplication by its reciprocal
      // (computed in f64), which differs from PyTorch's by at most an ulp.
      INGOT_ASSIGN_OR_RETURN(Value * m, zeroState(g, name + ".m", p->type()));
      INGOT_ASSIGN_OR_RETURN(Value * v, zeroState(g, name + ".v", p->type()));
      const bool decoupled = o.kind == OptimizerKind::AdamW;
      Tensor coefficients = Tensor::fromVector<double>(
          {7}, {o.beta1, 1.0 - o.beta1, o.beta2, 1.0 - o.beta2, o.eps, decoupled ? 0.0 : o.weightDecay,
                decoupled ? 1.0 - o.lr * o.weightDecay : 1.0});
      const ir::OpDef* adamOp = ir::OpRegistry::builtin().find("AdamUpdate");
      if (!adamOp) return internalError("the op registry has no AdamUpdate");
      INGOT_ASSIGN_OR_RETURN(
          ir::Node * update,
          g.addNode(*adamOp, {p, grad, m, v, adam->negStepSize, adam->invSqrtCorrection2},
                    {{"coefficients", ir::Attribute(std::move(coefficients))}},
                    {g.freshName(name + "_next"), g.freshName(name + ".m_next"), g.freshName(name + ".v_next")}));
      next = update->result(0);
      INGOT_RETURN_IF_ERROR(g.addStateUpdate(m, update->result(1)));
      INGOT_RETURN_IF_ERROR(g.addStateUpdate(v, update->result(2)));
      state.push_back(m->name());
      state.push_back(v->name());
    }
    INGOT_RETURN_IF_ERROR(g.addStateUpdate(p, next));
  }
  return Status::ok();
}

// Gives `v` the name `want` when it is free (a model value may hold it).
Expected<std::string> nameValue(ir::Graph& g, Value* v, const std::string& want) {
  if (v->name() != want) INGOT_RETURN_IF_ERROR(g.renameValue(v, g.freshName(want)));
  return v->name();
}

Expected<StepGraph> buildStep(const ir::Graph& model, LossKind loss, const OptimizerOptions* optimizer) {
  if (model.inputs().size() != 1 || model.outputs().size() != 1)
    return invalidInput("training needs a model with one input and one output, this one has {} inputs and {} outputs",
                        model.inputs().size(), model.outputs().size());
  if (!model.stateUpdates().empty())
    return invalidInput("training needs an inference model, this graph already has {} state updates",
                        model.stateUpdates().size());
  INGOT_RETURN_IF_ERROR(ir::verifyGraph(model));
  StepGraph step;
  step.graph = model.clone();
  ir::Graph& g = *step.graph;
  Builder b(g);
  Value* x = g.inputs()[0];
  Value* y = g.outputs()[0];
  const std::vector<Value*> params = trainableParams(g);
  INGOT_ASSIGN_OR_RETURN(Head head, buildHead(b, y, loss));
  if (optimizer) {
    INGOT_RETURN_IF_ERROR(validateOptimizerOptions(*optimizer));
    if (params.empty()) return invalidInput("training: the model has no trainable float parameters");
    GradientRequest request;
    request.loss = head.loss;
    request.wrt = params;
    INGOT_ASSIGN_OR_RETURN(std::vector<Value*> grads, appendGradients(g, request));
    INGOT_RETURN_IF_ERROR(appendOptimizer(b, *optimizer, params, grads, step.state));
    for (Value* p : params) step.params.push_back(p->name());
    // Trained parameters first, then moments and the step count.
    step.state.insert(step.state.begin(), step.params.begin(), step.params.end());
  }
  g.setOutputs({head.loss, head.correct});
  g.removeDeadNodes();  // the Softmax of the Keras form, when nothing else reads it
  step.input = x->name();
  step.labels = head.labels->name();
  INGOT_ASSIGN_OR_RETURN(step.loss, nameValue(g, head.loss, "loss"));
  INGOT_ASSIGN_OR_RETURN(step.correct, nameValue(g, head.correct, "correct"));
  Status ok = ir::verifyGraph(g);
  if (!ok.isOk()) return internalError("the training step graph is invalid: {}", ok.message());
  return step;
}

}  // namespace

Expected<LossKind> parseLossKind(std::string_view name) {
  for (LossKind k : {LossKind::CrossEntropy, LossKind::CrossEntropyLogits, LossKind::MeanSquaredError,
                     LossKind::BinaryCrossEntropy})
    if (lossKindName(k) == name) return k;
  return invalidInput("unknown loss '{}' (expected cross-entropy, cross-entropy-logits, mse or bce)", name);
}

std::string_view lossKindName(LossKind k) {
  switch (k) {
    case LossKind::CrossEntropy: return "cross-entropy";
    case LossKind::CrossEntropyLogits: return "cross-entropy-logits";
    case LossKind::MeanSquaredError: return "mse";
    case LossKind::BinaryCrossEntropy: return "bce";
  }
  return "?";
}

std::string_view optimizerKindName(OptimizerKind k) {
  switch (k) {
    case OptimizerKind::Sgd: return "sgd";
    case OptimizerKind::Adam: return "adam";
    case OptimizerKind::AdamW: return "adamw";
  }
  return "?";
}

Expected<OptimizerOptions> optimizerPreset(std::string_view name) {
  OptimizerOptions o;
  if (name == "sgd" || name == "momentum") {
    o.kind = OptimizerKind::Sgd;
    o.lr = 0.01;
    o.momentum = name == "momentum" ? 0.9 : 0.0;
  } else if (name == "adam") {
    o.kind = OptimizerKind::Adam;
  } else if (name == "adamw") {
    o.kind = OptimizerKind::AdamW;
    o.weightDecay = 0.01;
  } else {
    return invalidInput("unknown optimizer '{}' (expected sgd, momentum, adam or adamw)", name);
  }
  return o;
}

Status validateOptimizerOptions(const OptimizerOptions& o) {
  auto finite = [](double v) { return std::isfinite(v); };
  if (!finite(o.lr) || o.lr <= 0) return invalidInput("optimizer: learning rate {} must be positive", o.lr);
  if (!finite(o.weightDecay) || o.weightDecay < 0)
    return invalidInput("optimizer: weight decay {} must be >= 0", o.weightDecay);
  if (o.kind == OptimizerKind::Sgd) {
    if (!finite(o.momentum) || o.momentum < 0) return invalidInput("optimizer: momentum {} must be >= 0", o.momentum);
    if (o.nesterov && o.momentum == 0) return invalidInput("optimizer: Nesterov momentum needs momentum > 0");
    return Status::ok();
  }
  for (double beta : {o.beta1, o.beta2})
    if (!finite(beta) || beta < 0 || beta >= 1) return invalidInput("optimizer: beta {} must be in [0, 1)", beta);
  if (!finite(o.eps) || o.eps < 0) return invalidInput("optimizer: eps {} must be >= 0", o.eps);
  return Status::ok();
}

Expected<StepGraph> buildTrainingStep(const ir::Graph& model, const TrainingOptions& options) {
  return buildStep(model, options.loss, &options.optimizer);
}

Expected<StepGraph> buildEvalStep(const ir::Graph& model, LossKind loss) { return buildStep(model, loss, nullptr); }

}  // namespace ingot::passes
