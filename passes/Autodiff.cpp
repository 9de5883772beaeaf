#include "passes/Autodiff.h"

#include <unordered_map>
#include <unordered_set>

#include "ir/Gradient.h"
#include "ir/OpRegistry.h"
#include "ir/TextPrinter.h"

namespace ingot::passes {
namespace {

using ir::Graph;
using ir::Node;
using ir::Value;

bool carriesGradient(const Value* v) { return v && isFloat(v->dtype()); }

// A ConstantOfShape of `like`'s type filled with `value`: seeds and zero
// gradients (no tensor data in the IR, whatever the size).
Expected<Value*> filled(Graph& g, const Value* like, double value, const std::string& name) {
  const ir::OpDef* op = ir::OpRegistry::builtin().find("ConstantOfShape");
  if (!op) return internalError("op ConstantOfShape is not registered");
  Tensor scalar(like->dtype(), {});
  if (like->dtype() == DType::F32) scalar.data<float>()[0] = static_cast<float>(value);
  else if (like->dtype() == DType::F64) scalar.data<double>()[0] = value;
  else return unsupported("no gradient of dtype {} (%{})", dtypeName(like->dtype()), like->name());
  ir::AttrMap attrs{{"shape", ir::Attribute(std::vector<int64_t>(like->shape()))}, {"value", ir::Attribute(scalar)}};
  INGOT_ASSIGN_OR_RETURN(Node * n, g.addNode(*op, {}, std::move(attrs), {g.freshName(name)}));
  return n->result(0);
}

// The gradient contributions of each value, summed on first read.
class Accumulator {
 public:
  explicit Accumulator(Graph& g) : g_(g) {}
  void add(const Value* v, Value* grad) { parts_[v].push_back(grad); }
  // The total gradient of v (null: none). Several contributions become one
  // Sum node, which later reads reuse.
  Expected<Value*> total(const Value* v) {
    auto it = parts_.find(v);
    if (it == parts_.end() || it->second.empty()) return static_cast<Value*>(nullptr);
    if (it->second.size() > 1) {
      const ir::OpDef* sum = ir::OpRegistry::builtin().find("Sum");
      if (!sum) return internalError("op Sum is not registered");
      auto n = g_.addNode(*sum, it->second, {}, {g_.freshName(v->name() + "_grad_sum")});
      if (!n.ok()) return n.status().withContext(fmt::format("summing the gradients of %{}", v->name()));
      it->second = {(*n)->result(0)};
    }
    return it->second.front();
  }

 private:
  Graph& g_;
  std::unordered_map<const Value*, std::vector<Value*>> parts_;
};

Status checkOwned(const Graph& g, const Value* v, std::string_view role) {
  if (!v) return invalidInput("gradient request: a {} value is null", role);
  if (g.findValue(v->name()) != v) return invalidInput("gradient request: {} %{} is not in graph @{}", role, v->name(), g.name());
  return Status::ok();
}

}  // namespace

std::vector<Value*> trainableParams(const Graph& g) {
  std::vector<Value*> out;
  for (Value* p : g.params())
    if (p->trainable() && isFloat(p->dtype())) out.push_back(p);
  return out;
}

Expected<std::vector<Value*>> appendGradients(Graph& g, const GradientRequest& request) {
  std::vector<GradientSeed> seeds;
  if (request.loss) seeds.push_back({request.loss, request.seed});
  else if (request.seed) return invalidInput("gradient request: a seed without a loss");
  seeds.insert(seeds.end(), request.moreSeeds.begin(), request.moreSeeds.end());
  if (seeds.empty()) return invalidInput("gradient request: no loss to differentiate");
  for (const GradientSeed& s : seeds) {
    INGOT_RETURN_IF_ERROR(checkOwned(g, s.value, "loss"));
    if (!carriesGradient(s.value))
      return invalidInput("cannot differentiate %{} ({}): only float values have gradients", s.value->name(),
                          s.value->type().toString());
    if (s.seed) {
      INGOT_RETURN_IF_ERROR(checkOwned(g, s.seed, "seed"));
      if (s.seed->type() != s.value->type())
        return invalidInput("the seed %{} is {}, but %{} is {}", s.seed->name(), s.seed->type().toString(),
                            s.value->name(), s.value->type().toString());
    } else if (numElements(s.value->shape()) != 1) {
      return invalidInput("the loss %{} is {}, not a scalar: give a seed (its gradient) to differentiate it",
                          s.value->name(), s.value->type().toString());
    }
  }
  for (const Value* w : request.wrt) {
    INGOT_RETURN_IF_ERROR(checkOwned(g, w, "differentiated"));
    if (!carriesGradient(w))
      return invalidInput("cannot differentiate with respect to %{} ({}): only float values have gradients",
                          w->name(), w->type().toString());
  }

  // The forward nodes, fixed before anything is appended.
  std::vector<Node*> forward;
  for (const auto& n : g.nodes()) forward.push_back(n.get());

  // Values that depend on a wrt value, each with one such wrt (for messages).
  std::unordered_map<const Value*, const Value*> origin;
  for (const Value* w : request.wrt) origin.emplace(w, w);
  for (const Node* n : forward) {
    const Value* from = nullptr;
    for (const Value* o : n->operands())
      if (carriesGradient(o) && origin.count(o)) {
        from = origin.at(o);
        break;
      }
    if (!from) continue;
    for (const Value* r : n->results())
      if (carriesGradient(r)) origin.emplace(r, from);
  }
  // Values the loss depends on.
  std::unordered_set<const Value*> needed;
  for (const GradientSeed& s : seeds) needed.insert(s.value);
  for (auto it = forward.rbegin(); it != forward.rend(); ++it) {
    bool used = false;
    for (const Value* r : (*it)->results()) used = used || needed.count(r);
    if (!used) continue;
    for (const Value* o : (*it)->operands())
      if (carriesGradient(o)) needed.insert(o);
  }

  Accumulator grads(g);
  for (const GradientSeed& s : seeds) {
    Value* seed = s.seed;
    if (!seed) { INGOT_ASSIGN_OR_RETURN(seed, filled(g, s.value, 1.0, s.value->name() + "_seed")); }
    grads.add(s.value, seed);
  }

  const std::string lossRef = ir::printValueRef(*seeds.front().value);
  for (auto it = forward.rbegin(); it != forward.rend(); ++it) {
    Node* node = *it;
    std::vector<bool> needsGrad;
    bool anyNeeded = false;
    for (const Value* o : node->operands()) {
      const bool need = carriesGradient(o) && origin.count(o) && needed.count(o);
      needsGrad.push_back(need);
      anyNeeded = anyNeeded || need;
    }
    if (!anyNeeded) continue;
    std::vector<Value*> resultGrads;
    bool anyGrad = false;
    for (const Value* r : node->results()) {
      Value* total = nullptr;
      if (carriesGradient(r)) { INGOT_ASSIGN_OR_RETURN(total, grads.total(r)); }
      resultGrads.push_back(total);
      anyGrad = anyGrad || total;
    }
    if (!anyGrad) continue;
    if (!node->op().gradient) {
      const Value* from = nullptr;
      for (const Value* o : node->operands())
        if (o && origin.count(o)) from = from ? from : origin.at(o);
      return unsupported("{} has no gradient rule; it lies between {} and the loss {}", node->label(),
                         from ? ir::printValueRef(*from) : std::string("a differentiated value"), lossRef);
    }
    ir::GradientContext ctx(g, *node, std::move(resultGrads), needsGrad);
    INGOT_RETURN_IF_ERROR(node->op().gradient(ctx));
    for (size_t i = 0; i < needsGrad.size(); ++i) {
      if (!needsGrad[i]) continue;
      const auto& answer = ctx.operandGradients()[i];
      if (!answer.set)
        return internalError("the gradient rule of {} gave no gradient for operand {} (%{})", node->label(), i,
                             node->operand(i)->name());
      if (answer.grad) grads.add(node->operand(i), answer.grad);
    }
  }

  std::unordered_set<const Node*> forwardSet(forward.begin(), forward.end());
  std::unordered_set<const Value*> renamed;
  std::vector<Value*> out;
  for (Value* w : request.wrt) {
    INGOT_ASSIGN_OR_RETURN(Value * total, grads.total(w));
    if (!total) { INGOT_ASSIGN_OR_RETURN(total, filled(g, w, 0.0, w->name() + "_grad")); }
    // Name the gradients this pass made after their value (a seed given by
    // the caller, or a value shared by two wrt entries, keeps its name).
    const bool ours = total->producer() && !forwardSet.count(total->producer());
    if (ours && renamed.insert(total).second && total->name() != w->name() + "_grad")
      INGOT_RETURN_IF_ERROR(g.renameValue(total, g.freshName(w->name() + "_grad")));
    out.push_back(total);
  }
  return out;
}

}  // namespace ingot::passes
