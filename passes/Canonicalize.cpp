// "canonicalize": applies the rewrite patterns (Canonicalize.h) until none
// fires. After each rewrite the use lists are recomputed and the scan
// restarts, which keeps every pattern's single-use checks exact; graphs are
// small enough (hundreds of nodes) that this costs nothing noticeable.
#include "passes/Canonicalize.h"

#include <algorithm>

#include "ir/OpRegistry.h"
#include "passes/Passes.h"
#include "passes/RewriteUtil.h"

namespace ingot::passes {

RewriteContext::RewriteContext(ir::Graph& g) : graph_(g), users_(g.computeUsers()) {}

bool RewriteContext::hasSingleUse(const ir::Value* v) const {
  auto it = users_.find(v);
  return it != users_.end() && it->second.size() == 1 && !isGraphOutput(graph_, v);
}

ir::Node* RewriteContext::producerOf(const ir::Value* v, std::string_view op) const {
  if (!v || v->kind() != ir::ValueKind::Result || !v->producer()) return nullptr;
  return v->producer()->opName() == op ? v->producer() : nullptr;
}

Expected<bool> RewriteContext::replaceRoot(ir::Node& root, ir::Value* repl) {
  if (root.results().size() != 1 || !canReplace(graph_, root.result(), repl)) return false;
  INGOT_RETURN_IF_ERROR(replaceValue(graph_, root.result(), repl));
  retire(&root);
  return true;
}

Expected<bool> RewriteContext::replaceRootWithNew(ir::Node& root, std::string_view opName,
                                                  std::vector<ir::Value*> operands, ir::AttrMap attrs) {
  const ir::OpDef* op = ir::OpRegistry::builtin().find(opName);
  if (!op) return internalError("canonicalize: no op '{}' in the registry", opName);
  if (root.results().size() != 1) return false;
  ir::Value* old = root.result();
  // Check the type before adding anything. A fresh result may always take
  // over the root's name, output or not, so naming never blocks this.
  auto types = ir::inferNodeTypes(*op, attrs, operands, root.label());
  if (!types.ok() || types->size() != 1 || (*types)[0] != old->type()) return false;
  INGOT_ASSIGN_OR_RETURN(ir::Node * n, graph_.addNode(*op, std::move(operands), std::move(attrs),
                                                      {graph_.freshName(old->name())}, root.name()));
  graph_.moveNodeBefore(n, &root);
  INGOT_RETURN_IF_ERROR(replaceValue(graph_, old, n->result(), /*adoptName=*/true));
  retire(&root);
  return true;
}

namespace {

const std::vector<const RewritePattern*>& allPatterns() {
  static const std::vector<const RewritePattern*> table = [] {
    std::vector<const RewritePattern*> t;
    for (auto group : {noOpPatterns(), shapePatterns(), activationPatterns(), contractionPatterns()})
      for (const RewritePattern& p : group) t.push_back(&p);
    return t;
  }();
  return table;
}

// Upper bound on rewrites in one run: every pattern shrinks the graph or
// shortens a chain, so this is only a guard against a pattern bug.
constexpr int kMaxRewrites = 100000;

class Canonicalize final : public Pass {
 public:
  std::string_view name() const override { return "canonicalize"; }
  std::string_view description() const override {
    return "simplifies no-op nodes and recognizes idioms (LogSoftmax, Gelu, dense layers as Gemm) with a table of patterns";
  }
  Expected<bool> run(ir::Graph& g) override {
    bool changed = false;
    for (int rewrites = 0; rewrites < kMaxRewrites; ++rewrites) {
      INGOT_ASSIGN_OR_RETURN(bool fired, rewriteOnce(g));
      if (!fired) break;
      changed = true;
    }
    return changed;
  }

 private:
  // Applies the first pattern that fires, in node order; false if none does.
  static Expected<bool> rewriteOnce(ir::Graph& g) {
    RewriteContext ctx(g);
    std::vector<ir::Node*> order;
    for (const auto& n : g.nodes()) order.push_back(n.get());
    for (ir::Node* n : order)
      for (const RewritePattern* p : allPatterns()) {
        if (p->rootOp != n->opName()) continue;
        Expected<bool> fired = p->apply(ctx, *n);
        if (!fired.ok()) return fired.status().withContext(fmt::format("pattern '{}'", p->name));
        if (!*fired) continue;
        eraseIfDead(g, ctx.takeRetired());
        return true;
      }
    return false;
  }
};

}  // namespace

std::unique_ptr<Pass> createCanonicalizePass() { return std::make_unique<Canonicalize>(); }

}  // namespace ingot::passes
