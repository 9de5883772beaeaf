// Fused: a group of nodes the fusion pass (passes/Fusion.h) made into one
// kernel, kept visible in the IR as a node with a body Graph.
//
// Contract (Graph::addFusedNode checks it, the verifier re-checks it):
//   - the body's inputs correspond 1:1, in order, to the node's operands
//     (same types); the body has no parameters (outer ones come in as operands);
//   - the body's outputs correspond 1:1, in order, to the node's results
//     (same types).
// The attribute `kind` names the group ("dense", "elementwise", "reduction")
// so dumps and later stages (lowering) can tell groups apart without
// looking inside.
#include "ir/OpRegistry.h"

namespace ingot::ir {

void registerFusedOps(OpRegistry& r) {
  OpDef def;
  def.name = "Fused";
  def.summary = "a fused group of nodes: runs its body graph on its operands";
  def.operands = {{"inputs", /*optional=*/false, /*variadic=*/true}};
  def.numResults = kVariadicResults;
  def.attrs = {{"kind", AttrKind::String, std::nullopt}};
  // A group is already one kernel: it never joins another group.
  def.fusion = FusionClass::Opaque;
  def.hasBody = true;
  // A type rule sees operand types and attributes, never the body, so it
  // cannot give result types. Every caller that needs them keys off
  // OpDef::hasBody and reads the body (Graph::addFusedNode, the verifier);
  // a generic caller (infer-types, Graph::addNode) gets this message.
  def.inferTypes = [](const OpContext& c) -> Expected<std::vector<TensorType>> {
    return c.unsupportedError(
        "result types of a node with a body come from the body, not from a type rule "
        "(build it with Graph::addFusedNode)");
  };
  // The interpreter (evaluateNode) runs the body; this kernel is only
  // reached by code that calls OpDef::reference directly.
  def.reference = [](const OpContext& c, std::span<const Tensor* const>,
                     std::span<const TensorType>) -> Expected<std::vector<Tensor>> {
    return c.unsupportedError("a node with a body is evaluated by running its body (ir::evaluateNode)");
  };
  r.add(std::move(def));
}

}  // namespace ingot::ir
