// "dce": removes nodes none of whose results reaches a graph output or the
// source of a state update, and parameters nothing uses (an updated
// parameter is state and stays). Every registered op is pure (no side effects), so
// a node whose results are unused can always go. Graph inputs stay: they
// are the model's signature, even when unused.
#include "passes/Passes.h"

namespace ingot::passes {

namespace {

class DeadCodeElimination final : public Pass {
 public:
  std::string_view name() const override { return "dce"; }
  std::string_view description() const override {
    return "removes nodes whose results are unused and parameters nothing reads";
  }
  Expected<bool> run(ir::Graph& g) override {
    const size_t nodes = g.nodes().size();
    g.removeDeadNodes();
    const size_t params = g.removeUnusedParams();
    return g.nodes().size() != nodes || params != 0;
  }
};

}  // namespace

std::unique_ptr<Pass> createDeadCodeEliminationPass() { return std::make_unique<DeadCodeElimination>(); }

}  // namespace ingot::passes
