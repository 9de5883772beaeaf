// "fold": a node whose operands are all compile-time constants (Constant
// results or frozen parameters; see constantData) is evaluated with the
// reference kernel and replaced by Constant nodes holding its results.
// Trainable parameters are not constants: training changes them, so a node
// reading one must stay; nor is a frozen parameter with a state update
// (constantData). Nodes are left alone (not an error) when their
// kernel declines (e.g. training-mode Dropout) or an operand or result spans
// more than kMaxFoldedElements (ir/ShapeUtil.h loopExtent).
#include "ir/Interpreter.h"
#include "ir/OpRegistry.h"
#include "ir/ShapeUtil.h"
#include "passes/Passes.h"
#include "passes/RewriteUtil.h"

namespace ingot::passes {

namespace {

bool foldable(const ir::Node& n, std::vector<const Tensor*>& inputs) {
  if (n.opName() == "Constant" || n.results().empty()) return false;
  // The bound is on the loop extent, not the element count: an empty result
  // or operand can still have dims a kernel's loop nest walks.
  for (const ir::Value* r : n.results())
    if (ir::loopExtent(r->shape(), kMaxFoldedElements) > kMaxFoldedElements) return false;
  inputs.clear();
  for (const ir::Value* o : n.operands()) {
    if (!o) {
      inputs.push_back(nullptr);  // an absent optional operand
      continue;
    }
    const Tensor* t = constantData(o);
    if (!t) return false;
    // An empty operand's dims are not backed by data (a non-empty one's are).
    if (t->numElements() == 0 && ir::loopExtent(t->shape(), kMaxFoldedElements) > kMaxFoldedElements)
      return false;
    inputs.push_back(t);
  }
  return true;
}

class ConstantFolding final : public Pass {
 public:
  std::string_view name() const override { return "fold"; }
  std::string_view description() const override {
    return "evaluates nodes whose operands are all constants into Constant nodes";
  }
  Expected<bool> run(ir::Graph& g) override {
    const ir::OpDef* constantOp = ir::OpRegistry::builtin().find("Constant");
    if (!constantOp) return internalError("the op registry has no Constant op");
    std::vector<ir::Node*> folded;
    std::vector<ir::Node*> order;
    for (const auto& n : g.nodes()) order.push_back(n.get());
    std::vector<const Tensor*> inputs;
    // In order, so a folded node's Constant results make its users foldable
    // in the same sweep.
    for (ir::Node* n : order) {
      if (!foldable(*n, inputs)) continue;
      Expected<std::vector<Tensor>> values = ir::evaluateNode(*n, inputs);
      if (!values.ok()) continue;
      bool replaceable = true;
      for (ir::Value* r : n->results()) replaceable = replaceable && r->kind() == ir::ValueKind::Result;
      if (!replaceable) continue;
      for (size_t i = 0; i < n->results().size(); ++i) {
        ir::Value* old = n->result(i);
        ir::AttrMap attrs;
        attrs["value"] = ir::Attribute(std::move((*values)[i]));
        INGOT_ASSIGN_OR_RETURN(ir::Node * c,
                               g.addNode(*constantOp, {}, std::move(attrs), {g.freshName(old->name())}));
        g.moveNodeBefore(c, n);
        // A fresh Constant result is never an output, so this always holds.
        INGOT_RETURN_IF_ERROR(replaceValue(g, old, c->result(), /*adoptName=*/true));
      }
      folded.push_back(n);
    }
    eraseIfDead(g, folded);
    return !folded.empty();
  }
};

}  // namespace

std::unique_ptr<Pass> createConstantFoldingPass() { return std::make_unique<ConstantFolding>(); }

}  // namespace ingot::passes
