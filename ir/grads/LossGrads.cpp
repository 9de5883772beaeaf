// Gradients of NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss
// (ir/ops/LossOps.cpp), built from OneHot, Gather and reductions.
//
// With per-position weights w (weight[target], 0 where target ==
// ignore_index) and the coefficient k of each position (dy for "none" and
// "sum", dy / sum(w) for "mean"), the loss gradient with respect to the
// log-probabilities is -k w at the target class and 0 elsewhere:
//   dlogp = onehot(target) * unsqueeze(-k w, 1).
// SCE adds the log_prob result's own gradient and goes through
// log-softmax: dx = g - softmax * sum(g) over the class axis.
// The class weights get sum over positions of their class of
//   -k logp_t   ("none", "sum")   or   k (-logp_t - loss)   ("mean").
#include <limits>

#include "ir/grads/GradUtil.h"

namespace ingot::ir {
namespace {

using namespace grads;

constexpr int64_t kNoIgnoreIndex = std::numeric_limits<int64_t>::min();

struct NllGrads {
  Value* dLogp = nullptr;
  Value* dWeight = nullptr;
};

// `logp` [N, C, d...] are the log-probabilities the loss read; operands 1
// and 2 of the node are target and weight.
Expected<NllGrads> nllBackward(GradientContext& c, Value* logp, bool wantLogp, bool wantWeight) {
  NllGrads out;
  Value* dy = c.resultGrad(0);
  if (!dy) return out;
  Value* target = c.operand(1);
  Value* weight = c.operand(2);
  const DType dt = logp->dtype();
  const Shape& ls = logp->shape();
  if (ls.size() < 2) return c.error("input must have rank 2 or more");
  const int64_t classes = ls[1];
  const std::string reduction = c.node().getString("reduction", "mean");
  const int64_t ignoreIndex = c.node().getInt("ignore_index", kNoIgnoreIndex);
  const bool ignoreFits = target->dtype() == DType::I64 ||
                          (ignoreIndex >= std::numeric_limits<int32_t>::min() &&
                           ignoreIndex <= std::numeric_limits<int32_t>::max());

  // Targets made safe to index with (ignored ones -> class 0, weight 0).
  Value* safeTarget = target;
  Value* valid = nullptr;  // float mask of positions that count; null: all
  if (ignoreIndex != kNoIgnoreIndex && ignoreFits) {
    INGOT_ASSIGN_OR_RETURN(Value * ig, c.scalar(static_cast<double>(ignoreIndex), target->dtype()));
    INGOT_ASSIGN_OR_RETURN(Value * isIgnored, c.emit("Equal", {target, ig}));
    INGOT_ASSIGN_OR_RETURN(Value * zeroT, c.scalar(0, target->dtype()));
    INGOT_ASSIGN_OR_RETURN(safeTarget, c.emit("Where", {isIgnored, zeroT, target}));
    INGOT_ASSIGN_OR_RETURN(Value * keep, c.emit("Not", {isIgnored}));
    INGOT_ASSIGN_OR_RETURN(valid, c.emit("Cast", {keep}, {{"to", Attribute(std::string(dtypeName(dt)))}}));
  }
  Value* w = valid;  // per-position weight; null: 1 everywhere
  if (weight) {
    INGOT_ASSIGN_OR_RETURN(w, c.emit("Gather", {weight, safeTarget}, {{"axis", one(0)}}));
    if (valid) { INGOT_ASSIGN_OR_RETURN(w, c.mul(w, valid)); }
  }
  Value* k = dy;
  if (reduction == "mean") {
    Value* total = nullptr;
    if (w) {
      INGOT_ASSIGN_OR_RETURN(total, c.emit("ReduceSum", {w}, {{"keepdims", one(0)}}));
    } else {
      INGOT_ASSIGN_OR_RETURN(total, c.scalar(static_cast<double>(numElements(target->shape())), dt));
    }
    INGOT_ASSIGN_OR_RETURN(k, c.div(dy, total));
  }
  Tensor offOn(dt, {2});
  if (dt == DType::F32) offOn.data<float>()[1] = 1.f;
  else offOn.data<double>()[1] = 1.0;
  INGOT_ASSIGN_OR_RETURN(Value * values, c.constant(std::move(offOn)));
  INGOT_ASSIGN_OR_RETURN(Value * hot, c.emit("OneHot", {safeTarget, values}, {{"depth", one(classes)}, {"axis", one(1)}}));
  // Per-position values become [N, 1, d...] to meet the class axis; scalars broadcast as they are.
  auto atClass = [&](Value* perPosition) -> Expected<Value*> {
    if (perPosition->shape().empty()) return perPosition;
    return c.emit("Unsqueeze", {perPosition}, {{"axes", ints({1})}});
  };
  if (wantLogp) {
    Value* kw = k;
    if (w) { INGOT_ASSIGN_OR_RETURN(kw, c.mul(k, w)); }
    INGOT_ASSIGN_OR_RETURN(Value * g, c.neg(kw));
    INGOT_ASSIGN_OR_RETURN(Value * gc, atClass(g));
    INGOT_ASSIGN_OR_RETURN(out.dLogp, c.mul(hot, gc));
  }
  if (wantWeight) {
    INGOT_ASSIGN_OR_RETURN(Value * picked, c.mul(hot, logp));
    INGOT_ASSIGN_OR_RETURN(Value * p, c.emit("ReduceSum", {picked}, {{"axes", ints({1})}, {"keepdims", one(0)}}));
    INGOT_ASSIGN_OR_RETURN(Value * q, c.neg(p));
    if (reduction == "mean") { INGOT_ASSIGN_OR_RETURN(q, c.sub(q, c.result(0))); }
    INGOT_ASSIGN_OR_RETURN(q, c.mul(q, k));
    if (valid) { INGOT_ASSIGN_OR_RETURN(q, c.mul(q, valid)); }
    INGOT_ASSIGN_OR_RETURN(Value * qc, atClass(q));
    INGOT_ASSIGN_OR_RETURN(Value * spread, c.mul(hot, qc));
    std::vector<int64_t> axes{0};
    for (size_t d = 2; d < ls.size(); ++d) axes.push_back(static_cast<int64_t>(d));
    INGOT_ASSIGN_OR_RETURN(out.dWeight, c.emit("ReduceSum", {spread}, {{"axes", ints(axes)}, {"keepdims", one(0)}}));
  }
  return out;
}

Status nllGrad(GradientContext& c) {
  const bool wantWeight = c.operand(2) && c.needsGradient(2);
  INGOT_ASSIGN_OR_RETURN(NllGrads g, nllBackward(c, c.operand(0), c.needsGradient(0), wantWeight));
  if (c.needsGradient(0) && g.dLogp) INGOT_RETURN_IF_ERROR(c.setOperandGradient(0, g.dLogp));
  if (wantWeight && g.dWeight) INGOT_RETURN_IF_ERROR(c.setOperandGradient(2, g.dWeight));
  return Status::ok();
}

Status sceGrad(GradientContext& c) {
  const bool wantWeight = c.operand(2) && c.needsGradient(2);
  Value* logp = c.result(1);
  INGOT_ASSIGN_OR_RETURN(NllGrads g, nllBackward(c, logp, c.needsGradient(0), wantWeight));
  if (c.needsGradient(0)) {
    Value* dLogp = g.dLogp;
    if (c.resultGrad(1)) {
      if (dLogp) { INGOT_ASSIGN_OR_RETURN(dLogp, c.add(dLogp, c.resultGrad(1))); }
      else dLogp = c.resultGrad(1);
    }
    if (dLogp) {
      INGOT_ASSIGN_OR_RETURN(Value * s, c.emit("ReduceSum", {dLogp}, {{"axes", ints({1})}, {"keepdims", one(1)}}));
      INGOT_ASSIGN_OR_RETURN(Value * p, c.emit("Exp", {logp}));
      INGOT_ASSIGN_OR_RETURN(Value * ps, c.mul(p, s));
      INGOT_ASSIGN_OR_RETURN(Value * dx, c.sub(dLogp, ps));
      INGOT_RETURN_IF_ERROR(c.setOperandGradient(0, dx));
    } else {
      INGOT_RETURN_IF_ERROR(c.setZeroGradient(0));
    }
  }
  if (wantWeight) {
    if (g.dWeight) INGOT_RETURN_IF_ERROR(c.setOperandGradient(2, g.dWeight));
    else INGOT_RETURN_IF_ERROR(c.setZeroGradient(2));  // only log_prob is used; it does not read the weights
  }
  return Status::ok();
}

}  // namespace

void registerLossGradients(OpRegistry& r) {
  attachAll(r, {{"NegativeLogLikelihoodLoss", nllGrad}, {"SoftmaxCrossEntropyLoss", sceGrad}});
}

}  // namespace ingot::ir
