#include "ir/Interpreter.h"

#include <unordered_map>

#include "ir/OpRegistry.h"

namespace ingot::ir {

namespace {

using Env = std::unordered_map<const Value*, const Tensor*>;

// Runs g's nodes in order on the values in `env` (inputs and params bound)
// and returns copies of its outputs.
Expected<std::vector<Tensor>> runNodes(const Graph& g, Env& env) {
  // Node order is topological, so a vector of owned tensors per node keeps
  // every pointer in `env` stable.
  std::vector<std::vector<Tensor>> owned;
  owned.reserve(g.nodes().size());
  for (const auto& node : g.nodes()) {
    std::vector<const Tensor*> args;
    for (const Value* o : node->operands()) {
      if (!o) {
        args.push_back(nullptr);
        continue;
      }
      auto it = env.find(o);
      if (it == env.end() || !it->second)
        return internalError("{}: operand %{} has no value (graph not verified?)", node->label(), o->name());
      args.push_back(it->second);
    }
    INGOT_ASSIGN_OR_RETURN(std::vector<Tensor> out, evaluateNode(*node, args));
    owned.push_back(std::move(out));
    for (size_t i = 0; i < node->results().size(); ++i) env[node->result(i)] = &owned.back()[i];
  }
  std::vector<Tensor> results;
  for (const Value* o : g.outputs()) {
    auto it = env.find(o);
    if (!o || it == env.end() || !it->second)
      return internalError("output %{} was not computed", o ? o->name() : std::string("<null>"));
    results.push_back(*it->second);
  }
  return results;
}

// A node with a body: the body's inputs are bound to the operands in order.
Expected<std::vector<Tensor>> runBody(const Node& node, const Graph& body,
                                      const std::vector<const Tensor*>& inputs) {
  if (body.inputs().size() != inputs.size())
    return invalidInput("{}: body has {} inputs for {} operands", node.label(), body.inputs().size(),
                        inputs.size());
  Env env;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Value* in = body.inputs()[i];
    if (!inputs[i]) return invalidInput("{}: operand {} is absent", node.label(), i);
    if (TensorType{inputs[i]->dtype(), inputs[i]->shape()} != in->type())
      return invalidInput("{}: operand {} is {}{}, body input %{} is {}", node.label(), i,
                          dtypeName(inputs[i]->dtype()), shapeToString(inputs[i]->shape()), in->name(),
                          in->type().toString());
    env[in] = inputs[i];
  }
  for (const Value* p : body.params()) env[p] = p->paramData();
  auto out = runNodes(body, env);
  if (!out.ok()) return out.status().withContext(node.label());
  return out;
}

}  // namespace

Expected<std::vector<Tensor>> evaluateNode(const Node& node, const std::vector<const Tensor*>& inputs) {
  const OpDef& op = node.op();
  if (op.hasBody && !node.body()) return invalidInput("{}: has no body", node.label());
  if (!node.body() && !op.reference) return unsupported("{}: op has no reference kernel", node.label());
  std::vector<const TensorType*> types;
  std::vector<TensorType> given;
  given.reserve(inputs.size());
  for (const Tensor* t : inputs) given.push_back(t ? TensorType{t->dtype(), t->shape()} : TensorType{});
  for (size_t i = 0; i < inputs.size(); ++i) types.push_back(inputs[i] ? &given[i] : nullptr);
  OpContext ctx(op, node.attrs(), std::move(types), node.label());
  std::vector<TensorType> resultTypes;
  for (const Value* r : node.results()) resultTypes.push_back(r->type());
  INGOT_ASSIGN_OR_RETURN(std::vector<Tensor> out, node.body() ? runBody(node, *node.body(), inputs)
                                                               : op.reference(ctx, inputs, resultTypes));
  if (out.size() != resultTypes.size())
    return internalError("{}: reference kernel returned {} results, expected {}", node.label(),
                         out.size(), resultTypes.size());
  for (size_t i = 0; i < out.size(); ++i)
    if (out[i].dtype() != resultTypes[i].dtype || out[i].shape() != resultTypes[i].shape)
      return internalError("{}: reference kernel result {} is {}{}, expected {}", node.label(), i,
                           dtypeName(out[i].dtype()), shapeToString(out[i].shape()),
                           resultTypes[i].toString());
  return out;
}

Expected<std::vector<Tensor>> interpretGraph(const Graph& g,
                                             const std::map<std::string, Tensor, std::less<>>& inputs) {
  Env env;

  for (const Value* in : g.inputs()) {
    auto it = inputs.find(in->name());
    if (it == inputs.end()) return invalidInput("missing input '{}' ({})", in->name(), in->type().toString());
    const Tensor& t = it->second;
    if (t.dtype() != in->dtype())
      return invalidInput("input '{}': expected dtype {}, got {}", in->name(), dtypeName(in->dtype()),
                          dtypeName(t.dtype()));
    if (t.shape() != in->shape())
      return invalidInput("input '{}': expected shape {}, got {}", in->name(), shapeToString(in->shape()),
                          shapeToString(t.shape()));
    env[in] = &t;
  }
  for (const auto& [name, t] : inputs) {
    const Value* v = g.findValue(name);
    if (!v || v->kind() != ValueKind::Input) return invalidInput("'{}' is not an input of the graph", name);
  }
  for (const Value* p : g.params()) env[p] = p->paramData();
  return runNodes(g, env);
}

}  // namespace ingot::ir
