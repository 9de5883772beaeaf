// Gradient rules (vector-Jacobian products) and what they see.
//
// Reverse-mode autodiff (passes/Autodiff.h) visits the forward nodes that
// lie between the differentiated values and the loss in reverse order and
// calls each op's OpDef::gradient with a GradientContext. A rule reads the
// forward node (operands, results, attributes), the incoming gradient of
// each result, and which operands need a gradient; it builds ordinary IR
// nodes in the same graph (through emit(), so every node gets its op's type
// rule) and hands each operand's gradient back with setOperandGradient().
// The backward pass is therefore a plain graph that fusion, lowering and
// memory planning treat like any other.
//
// Rules live in ir/grads/, one file per op family (mirroring ir/ops/), and
// attach to the ops' OpDefs in registerGradientRules().
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ir/Graph.h"
#include "ir/OpRegistry.h"
#include "support/Status.h"
#include "support/Tensor.h"

namespace ingot::ir {

class GradientContext {
 public:
  // `resultGrads` parallels node.results() (null: no gradient reaches that
  // result); `needsGrad` parallels node.operands().
  GradientContext(Graph& graph, const Node& node, std::vector<Value*> resultGrads, std::vector<bool> needsGrad);

  Graph& graph() { return graph_; }
  const Node& node() const { return node_; }
  const OpDef& op() const { return node_.op(); }

  // The forward node's operands (null where an optional one is absent).
  size_t numOperands() const { return node_.operands().size(); }
  Value* operand(size_t i) const { return node_.operand(i); }
  Value* result(size_t i = 0) const { return node_.result(i); }
  // The incoming gradient dL/d(result i), typed like the result; null when
  // the loss does not depend on that result.
  Value* resultGrad(size_t i = 0) const { return i < resultGrads_.size() ? resultGrads_[i] : nullptr; }
  // Whether the pass wants dL/d(operand i): the operand is a float value
  // that depends on a differentiated value.
  bool needsGradient(size_t i) const { return i < needsGrad_.size() && needsGrad_[i]; }

  // Hands back dL/d(operand i). The value must have the operand's exact type
  // (rules reduce broadcast gradients themselves: reduceToShape).
  Status setOperandGradient(size_t i, Value* grad);
  // The operand's gradient is identically zero (it only selects, like
  // CastLike's target_type): the pass adds no contribution.
  Status setZeroGradient(size_t i);
  // Error for an operand whose gradient this rule does not compute; rules
  // return it only when needsGradient(i).
  Status unsupportedOperand(size_t i, std::string_view why) const;

  // What the rule produced, for the pass.
  struct OperandGradient {
    bool set = false;    // the rule answered for this operand
    Value* grad = nullptr;  // null with set: zero
  };
  const std::vector<OperandGradient>& operandGradients() const { return operandGrads_; }

  // ---- IR construction -------------------------------------------------
  // Appends `op` from the builtin registry to the graph; returns its first
  // result. Type-rule errors propagate, prefixed with the forward node.
  Expected<Value*> emit(std::string_view op, std::vector<Value*> operands, AttrMap attrs = {});
  // The same, for ops with several results.
  Expected<Node*> emitNode(std::string_view op, std::vector<Value*> operands, AttrMap attrs = {});

  // A rank-0 Constant of the given dtype (float or integer).
  Expected<Value*> scalar(double value, DType dtype);
  // A rank-0 Constant with the dtype of `like`.
  Expected<Value*> scalarLike(double value, const Value* like) { return scalar(value, like->dtype()); }
  // A Constant holding `value`.
  Expected<Value*> constant(Tensor value);
  // A tensor of `shape` filled with `value` (ConstantOfShape: no data in the IR).
  Expected<Value*> fill(const Shape& shape, double value, DType dtype);

  // Reshape to `shape` (no node when the shape already matches).
  Expected<Value*> reshape(Value* v, const Shape& shape);
  // Sums a gradient over the axes along which an operand of shape `target`
  // was broadcast (leading dims, and size-1 dims of the operand), then
  // reshapes to `target`: the adjoint of numpy broadcasting.
  Expected<Value*> reduceToShape(Value* grad, const Shape& target);
  // Broadcasts `v` to `shape` (Expand; no node when it already has it).
  Expected<Value*> expandTo(Value* v, const Shape& shape);

  // Shorthands for the binary and unary ops rules use most.
  Expected<Value*> add(Value* a, Value* b) { return emit("Add", {a, b}); }
  Expected<Value*> sub(Value* a, Value* b) { return emit("Sub", {a, b}); }
  Expected<Value*> mul(Value* a, Value* b) { return emit("Mul", {a, b}); }
  Expected<Value*> div(Value* a, Value* b) { return emit("Div", {a, b}); }
  Expected<Value*> neg(Value* a) { return emit("Neg", {a}); }
  // a * c for a constant scalar c (no node when c == 1).
  Expected<Value*> scale(Value* a, double c);

  // An Internal error naming the forward node: a rule found an inconsistency.
  template <typename... Args>
  Status error(fmt::format_string<Args...> f, Args&&... args) const {
    return internalError("gradient of {}: {}", node_.label(), fmt::format(f, std::forward<Args>(args)...));
  }

 private:
  Graph& graph_;
  const Node& node_;
  std::vector<Value*> resultGrads_;
  std::vector<bool> needsGrad_;
  std::vector<OperandGradient> operandGrads_;
};

// Gradient-rule registration, one function per op family (ir/grads/*.cpp);
// registerGradientRules() calls them all.
void registerElementwiseGradients(OpRegistry& r);
void registerActivationGradients(OpRegistry& r);
void registerContractionGradients(OpRegistry& r);
void registerShapeGradients(OpRegistry& r);
void registerReductionGradients(OpRegistry& r);
void registerMiscGradients(OpRegistry& r);
void registerIndexingGradients(OpRegistry& r);
void registerPadGradients(OpRegistry& r);
void registerLossGradients(OpRegistry& r);
void registerNormalizationGradients(OpRegistry& r);

// Attaches `rule` to the op named `op`; ops that are not registered are
// skipped (a test-built registry may hold a subset).
void attachGradient(OpRegistry& r, std::string_view op, GradientRule rule);

}  // namespace ingot::ir
