#include "passes/Unfuse.h"

#include <unordered_map>

#include "ir/OpRegistry.h"
#include "passes/RewriteUtil.h"

namespace ingot::passes {

namespace {

// Copies the body of `f` in front of it and redirects f's results to the
// copies; `f` is then unused and erased.
Status inlineNode(ir::Graph& g, ir::Node& f) {
  const ir::Graph& body = *f.body();
  if (!body.params().empty())
    return invalidInput("{}: body has parameters; outer values must come in as operands", f.label());
  if (body.inputs().size() != f.operands().size() || body.outputs().size() != f.results().size())
    return invalidInput("{}: body inputs/outputs do not match the node's operands/results", f.label());
  std::unordered_map<const ir::Value*, ir::Value*> outer;
  for (size_t i = 0; i < body.inputs().size(); ++i) outer[body.inputs()[i]] = f.operand(i);
  std::vector<ir::Node*> copies;
  for (const auto& bn : body.nodes()) {
    std::vector<ir::Value*> args;
    for (const ir::Value* o : bn->operands()) {
      if (!o) {
        args.push_back(nullptr);
        continue;
      }
      auto it = outer.find(o);
      if (it == outer.end()) return invalidInput("{}: body value %{} has no definition", f.label(), o->name());
      args.push_back(it->second);
    }
    std::vector<std::pair<std::string, ir::TensorType>> results;
    for (const ir::Value* r : bn->results())
      results.emplace_back(g.findValue(r->name()) ? g.freshName(r->name()) : r->name(), r->type());
    // Fresh names are checked against the graph only: two results of one
    // node could still pick the same one.
    for (size_t i = 1; i < results.size(); ++i)
      for (size_t j = 0; j < i; ++j)
        if (results[i].first == results[j].first) results[i].first = g.freshName(results[i].first + "_" + std::to_string(i));
    Expected<ir::Node*> copy =
        bn->body() ? g.addNodeWithBody(bn->op(), std::move(args), bn->body()->clone(), bn->attrs(), std::move(results),
                                       bn->name())
                   : g.addNodeWithTypes(bn->op(), std::move(args), bn->attrs(), std::move(results), bn->name());
    if (!copy.ok()) return copy.status().withContext(f.label());
    g.moveNodeBefore(*copy, &f);
    for (size_t i = 0; i < bn->results().size(); ++i) outer[bn->result(i)] = (*copy)->result(i);
    copies.push_back(*copy);
  }
  for (size_t i = 0; i < f.results().size(); ++i) {
    ir::Value* old = f.result(i);
    auto it = outer.find(body.outputs()[i]);
    if (it == outer.end()) return invalidInput("{}: body output {} has no definition", f.label(), i);
    ir::Value* repl = it->second;
    // A body output that is a body input (an outer input or parameter) or
    // that is listed twice cannot take over the result's name: an Identity
    // carries it instead.
    if (!canReplace(g, old, repl)) {
      const ir::OpDef* identity = ir::OpRegistry::builtin().find("Identity");
      if (!identity) return internalError("the op registry has no Identity op");
      INGOT_ASSIGN_OR_RETURN(ir::Node * id, g.addNode(*identity, {repl}, {}, {g.freshName(old->name())}));
      g.moveNodeBefore(id, &f);
      repl = id->result();
    }
    INGOT_RETURN_IF_ERROR(replaceValue(g, old, repl, /*adoptName=*/true));
  }
  g.eraseNodes({&f});
  return Status::ok();
}

class Unfuse final : public Pass {
 public:
  std::string_view name() const override { return "unfuse"; }
  std::string_view description() const override {
    return "inlines the bodies of fused nodes back into the graph (before export)";
  }
  Expected<bool> run(ir::Graph& g) override {
    INGOT_ASSIGN_OR_RETURN(size_t n, unfuseGraph(g));
    return n != 0;
  }
};

}  // namespace

Expected<size_t> unfuseGraph(ir::Graph& g) {
  size_t inlined = 0;
  // Inlined bodies may hold nodes with bodies: sweep until none is left
  // (the parser bounds nesting, so this ends).
  for (;;) {
    std::vector<ir::Node*> withBody;
    for (const auto& n : g.nodes())
      if (n->body()) withBody.push_back(n.get());
    if (withBody.empty()) return inlined;
    for (ir::Node* f : withBody) {
      INGOT_RETURN_IF_ERROR(inlineNode(g, *f));
      ++inlined;
    }
  }
}

std::unique_ptr<Pass> createUnfusePass() { return std::make_unique<Unfuse>(); }

}  // namespace ingot::passes
