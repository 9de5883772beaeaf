// "infer-types": re-runs every node's type rule in order and updates the
// declared result types. Used after something upstream changed (symbolic
// dims bound, an input's shape changed): the new types flow to every node.
// A rule that rejects its new operand types is an error naming the node,
// since the graph cannot be made valid by this pass.
#include "ir/OpRegistry.h"
#include "passes/Passes.h"

namespace ingot::passes {

namespace {

class InferTypes final : public Pass {
 public:
  std::string_view name() const override { return "infer-types"; }
  std::string_view description() const override {
    return "recomputes every node's result types from its operands (after input shapes change)";
  }
  Expected<bool> run(ir::Graph& g) override {
    bool changed = false;
    // Params carry their type in their data; an input's type is given.
    for (ir::Value* p : g.params())
      if (p->paramData() && p->type() != ir::TensorType{p->paramData()->dtype(), p->paramData()->shape()}) {
        p->setType({p->paramData()->dtype(), p->paramData()->shape()});
        changed = true;
      }
    for (const auto& n : g.nodes()) {
      INGOT_ASSIGN_OR_RETURN(std::vector<ir::TensorType> types,
                             ir::inferNodeTypes(n->op(), n->attrs(), n->operands(), n->label()));
      if (types.size() != n->results().size())
        return internalError("{}: the type rule gives {} results, the node has {}", n->label(), types.size(),
                             n->results().size());
      for (size_t i = 0; i < types.size(); ++i) {
        if (n->result(i)->type() == types[i]) continue;
        n->result(i)->setType(std::move(types[i]));
        changed = true;
      }
    }
    return changed;
  }
};

}  // namespace

std::unique_ptr<Pass> createInferTypesPass() { return std::make_unique<InferTypes>(); }

}  // namespace ingot::passes
