#include "ir/Gradient.h"

#include <algorithm>

namespace ingot::ir {

GradientContext::GradientContext(Graph& graph, const Node& node, std::vector<Value*> resultGrads,
                                 std::vector<bool> needsGrad)
    : graph_(graph),
      node_(node),
      resultGrads_(std::move(resultGrads)),
      needsGrad_(std::move(needsGrad)),
      operandGrads_(node.operands().size()) {}

Status GradientContext::setOperandGradient(size_t i, Value* grad) {
  if (i >= numOperands() || !operand(i)) return error("gradient for operand {}, which does not exist", i);
  if (!grad) return error("null gradient for operand {} (use setZeroGradient)", i);
  if (grad->type() != operand(i)->type())
    return error("the gradient of operand {} is {}, but the operand is {}", i, grad->type().toString(),
                 operand(i)->type().toString());
  operandGrads_[i] = {true, grad};
  return Status::ok();
}

Status GradientContext::setZeroGradient(size_t i) {
  if (i >= numOperands() || !operand(i)) return error("zero gradient for operand {}, which does not exist", i);
  operandGrads_[i] = {true, nullptr};
  return Status::ok();
}

Status GradientContext::unsupportedOperand(size_t i, std::string_view why) const {
  const std::string name = i < op().operands.size() ? op().operands[i].name : op().operands.back().name;
  return unsupported("{}: no gradient with respect to operand {} ('{}'): {}", node_.label(), i, name, why);
}

Expected<Node*> GradientContext::emitNode(std::string_view opName, std::vector<Value*> operands, AttrMap attrs) {
  const OpDef* op = OpRegistry::builtin().find(opName);
  if (!op) return error("op {} is not registered", opName);
  // Backward values are named after the forward result they differentiate,
  // so an IR dump shows which node each one belongs to.
  std::vector<std::string> names;
  if (op->numResults == 1) names.push_back(graph_.freshName(node_.result(0)->name() + "_bwd"));
  auto n = graph_.addNode(*op, std::move(operands), std::move(attrs), std::move(names));
  if (!n.ok()) return n.status().withContext(fmt::format("gradient of {}", node_.label()));
  return *n;
}

Expected<Value*> GradientContext::emit(std::string_view opName, std::vector<Value*> operands, AttrMap attrs) {
  INGOT_ASSIGN_OR_RETURN(Node * n, emitNode(opName, std::move(operands), std::move(attrs)));
  if (n->results().empty()) return error("op {} has no result", opName);
  return n->result(0);
}

namespace {

// A rank-0 tensor of `dtype` holding `value` (converted like a C++ cast).
Expected<Tensor> scalarTensor(double value, DType dtype) {
  if (!isComputable(dtype)) return unsupported("no constant of dtype {}", dtypeName(dtype));
  Tensor t(dtype, {});
  visitDType(dtype, [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_same_v<T, bool>) t.data<bool>()[0] = value != 0;
    else t.data<T>()[0] = static_cast<T>(value);
  });
  return t;
}

}  // namespace

Expected<Value*> GradientContext::scalar(double value, DType dtype) {
  INGOT_ASSIGN_OR_RETURN(Tensor t, scalarTensor(value, dtype));
  return constant(std::move(t));
}

Expected<Value*> GradientContext::constant(Tensor value) {
  return emit("Constant", {}, {{"value", Attribute(std::move(value))}});
}

Expected<Value*> GradientContext::fill(const Shape& shape, double value, DType dtype) {
  INGOT_ASSIGN_OR_RETURN(Tensor t, scalarTensor(value, dtype));
  return emit("ConstantOfShape", {}, {{"shape", Attribute(std::vector<int64_t>(shape))}, {"value", Attribute(t)}});
}

Expected<Value*> GradientContext::reshape(Value* v, const Shape& shape) {
  if (v->shape() == shape) return v;
  AttrMap attrs{{"shape", Attribute(std::vector<int64_t>(shape))}};
  // A 0 in the target is a real 0 here, not "copy the input dim".
  if (std::find(shape.begin(), shape.end(), 0) != shape.end()) attrs["allowzero"] = Attribute(int64_t{1});
  return emit("Reshape", {v}, std::move(attrs));
}

Expected<Value*> GradientContext::reduceToShape(Value* grad, const Shape& target) {
  const Shape& g = grad->shape();
  if (g == target) return grad;
  if (target.size() > g.size())
    return error("cannot reduce a gradient {} to the larger rank of {}", shapeToString(g), shapeToString(target));
  const size_t lead = g.size() - target.size();
  std::vector<int64_t> axes;
  for (size_t d = 0; d < g.size(); ++d) {
    if (d < lead) {
      axes.push_back(static_cast<int64_t>(d));
      continue;
    }
    const int64_t t = target[d - lead];
    if (t == g[d]) continue;
    if (t != 1) return error("gradient {} does not broadcast from {}", shapeToString(g), shapeToString(target));
    axes.push_back(static_cast<int64_t>(d));
  }
  Value* reduced = grad;
  // ReduceSum with empty axes would reduce everything: only emit with axes.
  if (!axes.empty()) {
    INGOT_ASSIGN_OR_RETURN(reduced, emit("ReduceSum", {grad}, {{"axes", Attribute(axes)},
                                                               {"keepdims", Attribute(int64_t{0})}}));
  }
  return reshape(reduced, target);
}

Expected<Value*> GradientContext::expandTo(Value* v, const Shape& shape) {
  if (v->shape() == shape) return v;
  return emit("Expand", {v}, {{"shape", Attribute(std::vector<int64_t>(shape))}});
}

Expected<Value*> GradientContext::scale(Value* a, double c) {
  if (c == 1.0) return a;
  INGOT_ASSIGN_OR_RETURN(Value * k, scalarLike(c, a));
  return mul(a, k);
}

void attachGradient(OpRegistry& r, std::string_view op, GradientRule rule) {
  if (OpDef* def = r.findMutable(op)) def->gradient = std::move(rule);
}

}  // namespace ingot::ir
