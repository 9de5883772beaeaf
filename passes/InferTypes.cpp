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
  Expected<bool> run(ir::Graph& g) override { return inferGraph(g); }

 private:
  static Expected<bool> inferGraph(ir::Graph& g) {
    bool changed = false;
    // Params carry their type in their data; an input's type is given.
    for (ir::Value* p : g.params())
      if (p->paramData() && p->type() != ir::TensorType{p->paramData()->dtype(), p->paramData()->shape()}) {
        p->setType({p->paramData()->dtype(), p->paramData()->shape()});
        changed = true;
      }
    for (const auto& n : g.nodes()) {
      std::vector<ir::TensorType> types;
      if (ir::Graph* body = n->mutableBody()) {
        // A fused node's body inputs take the operand types, its results the
        // body's output types.
        if (body->inputs().size() != n->operands().size())
          return internalError("{}: body has {} inputs for {} operands", n->label(), body->inputs().size(),
                               n->operands().size());
        for (size_t i = 0; i < n->operands().size(); ++i)
          if (n->operand(i) && body->inputs()[i]->type() != n->operand(i)->type()) {
            body->inputs()[i]->setType(n->operand(i)->type());
            changed = true;
          }
        INGOT_ASSIGN_OR_RETURN(bool bodyChanged, inferGraph(*body));
        changed |= bodyChanged;
        for (const ir::Value* o : body->outputs()) types.push_back(o->type());
      } else {
        INGOT_ASSIGN_OR_RETURN(types, ir::inferNodeTypes(n->op(), n->attrs(), n->operands(), n->label()));
      }
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
