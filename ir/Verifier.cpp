#include "ir/Verifier.h"

#include <functional>

#include <unordered_map>
#include <unordered_set>

#include "ir/OpRegistry.h"
#include "ir/TextPrinter.h"

namespace ingot::ir {

namespace {

constexpr int64_t kMaxElements = int64_t{1} << 40;

// %name as the text IR writes it, so messages match printed graphs.
std::string ref(const Value* v) { return v ? printValueRef(*v) : std::string("<null>"); }

Status checkType(const TensorType& t, const std::string& what) {
  int64_t product = 1;
  for (int64_t d : t.shape) {
    if (d < 0) return invalidInput("{}: type {} has a negative dimension", what, t.toString());
    if (d != 0) {
      if (d > kMaxElements || product > kMaxElements / d)
        return invalidInput("{}: type {} has more than 2^40 elements", what, t.toString());
      product *= d;
    }
  }
  return Status::ok();
}

class Verifier {
 public:
  explicit Verifier(const Graph& g) : g_(g) {}
  Status run();

 private:
  // Registers a value definition: unique name, valid type.
  Status define(const Value* v, const std::string& what);
  Status checkParam(const Value* v);
  Status checkNode(const Node& n);
  // A node with a body: its operands and attributes against the op's
  // spec (a type rule cannot give its result types), the body itself, and
  // the 1:1 correspondence of operands/results with body inputs/outputs.
  Status checkBodyNode(const Node& n, const std::string& label);
  // Each result points back to its node, is defined once, and has the
  // expected type; `whence(i)` says where the expected type came from.
  Status checkResults(const Node& n, const std::string& label, const std::vector<TensorType>& expected,
                      const std::function<std::string(size_t)>& whence);
  // State updates: a parameter of this graph, updated once, by a value of
  // this graph of the same type.
  Status checkUpdates();

  const Graph& g_;
  std::unordered_set<std::string> names_;
  std::unordered_set<const Value*> defined_;
  // Results of all nodes, to tell "used before its definition" from "not in
  // this graph".
  std::unordered_set<const Value*> allResults_;
};

Status Verifier::define(const Value* v, const std::string& what) {
  if (!v) return invalidInput("{} is null", what);
  if (v->name().empty()) return invalidInput("{} has an empty name", what);
  if (defined_.count(v)) return invalidInput("{} {} is defined twice", what, ref(v));
  if (!names_.insert(v->name()).second)
    return invalidInput("{} {}: the name is used by another value", what, ref(v));
  INGOT_RETURN_IF_ERROR(checkType(v->type(), what + " " + ref(v)));
  defined_.insert(v);
  return Status::ok();
}

Status Verifier::checkParam(const Value* v) {
  const Tensor* data = v->paramData();
  if (!data) return invalidInput("parameter {} has no data", ref(v));
  TensorType dataType{data->dtype(), data->shape()};
  if (dataType != v->type())
    return invalidInput("parameter {}: data is {}, declared type is {}", ref(v),
                        dataType.toString(), v->type().toString());
  // The data's own shape was checked through v->type() above.
  if (data->byteSize() != static_cast<size_t>(data->numElements()) * dtypeSize(data->dtype()))
    return invalidInput("parameter {}: data holds {} bytes, {} needs {}", ref(v), data->byteSize(),
                        dataType.toString(), data->numElements() * dtypeSize(data->dtype()));
  return Status::ok();
}

Status Verifier::checkNode(const Node& n) {
  std::string label = n.label();
  for (size_t i = 0; i < n.operands().size(); ++i) {
    const Value* o = n.operands()[i];
    if (!o || defined_.count(o)) continue;  // absence is checked by inferNodeTypes
    if (allResults_.count(o))
      return invalidInput("{}: operand {} ({}) is used before it is defined", label, i, ref(o));
    return invalidInput("{}: operand {} ({}) is not a value of this graph", label, i, ref(o));
  }
  // Tensor attributes feed type rules and kernels directly: their shape
  // and byte count must be sound before anything reads them.
  for (const auto& [name, a] : n.attrs()) {
    if (a.kind() != AttrKind::Tensor) continue;
    const Tensor& t = a.asTensor();
    std::string what = fmt::format("{}: attribute '{}'", label, name);
    INGOT_RETURN_IF_ERROR(checkType({t.dtype(), t.shape()}, what));
    if (t.byteSize() != static_cast<size_t>(t.numElements()) * dtypeSize(t.dtype()))
      return invalidInput("{}: holds {} bytes, {} needs {}", what, t.byteSize(),
                          TensorType{t.dtype(), t.shape()}.toString(),
                          t.numElements() * dtypeSize(t.dtype()));
  }
  if (n.op().hasBody || n.body()) return checkBodyNode(n, label);
  auto types = inferNodeTypes(n.op(), n.attrs(), n.operands(), label);
  if (!types.ok()) return types.status();
  if (types->size() != n.results().size())
    return invalidInput("{}: has {} results, the op's type rule gives {}", label,
                        n.results().size(), types->size());
  return checkResults(n, label, *types, [&](size_t i) {
    return fmt::format("the type rule gives {}", (*types)[i].toString());
  });
}

Status Verifier::checkResults(const Node& n, const std::string& label, const std::vector<TensorType>& expected,
                              const std::function<std::string(size_t)>& whence) {
  for (size_t i = 0; i < n.results().size(); ++i) {
    const Value* r = n.results()[i];
    std::string what = fmt::format("{}: result {}", label, i);
    if (r && (r->kind() != ValueKind::Result || r->producer() != &n ||
              r->resultIndex() != static_cast<int>(i)))
      return invalidInput("{} ({}) does not point back to its node and index", what, ref(r));
    INGOT_RETURN_IF_ERROR(define(r, what));
    if (r->type() != expected[i])
      return invalidInput("{} ({}): declared type {}, but {}", what, ref(r), r->type().toString(), whence(i));
  }
  return Status::ok();
}

// What inferNodeTypes checks before it runs a type rule: operand counts,
// required operands, attribute names, kinds and required attributes.
Status checkSignature(const Node& n, const std::string& label) {
  const OpDef& op = n.op();
  const size_t count = n.operands().size();
  const size_t minOps = static_cast<size_t>(op.minOperands());
  if (count < minOps || (!op.isVariadic() && count > op.operands.size()))
    return invalidInput("{}: expected {}{} operands, got {}", label, minOps, op.isVariadic() ? " or more" : "",
                        count);
  for (size_t i = 0; i < count; ++i) {
    bool optional = i < op.operands.size() && op.operands[i].optional;
    if (!n.operands()[i] && !optional) return invalidInput("{}: operand {} is required", label, i);
  }
  for (const auto& [name, a] : n.attrs()) {
    const AttrSpec* spec = op.findAttr(name);
    if (!spec) return invalidInput("{}: unknown attribute '{}'", label, name);
    if (spec->kind != a.kind())
      return invalidInput("{}: attribute '{}' must be {}, got {}", label, name, attrKindName(spec->kind),
                          attrKindName(a.kind()));
  }
  for (const AttrSpec& spec : op.attrs)
    if (!spec.defaultValue && !n.attrs().count(spec.name))
      return invalidInput("{}: required attribute '{}' is missing", label, spec.name);
  return Status::ok();
}

Status Verifier::checkBodyNode(const Node& n, const std::string& label) {
  if (!n.op().hasBody) return invalidInput("{}: the op takes no body, but the node has one", label);
  const Graph* body = n.body();
  if (!body) return invalidInput("{}: has no body", label);
  INGOT_RETURN_IF_ERROR(checkSignature(n, label));
  // Names inside the body are scoped to it: a fresh verifier.
  Status inner = Verifier(*body).run();
  if (!inner.isOk()) return invalidInput("{}: body: {}", label, inner.message());
  if (!body->params().empty())
    return invalidInput("{}: body has parameter {}; outer values must come in as operands", label,
                        ref(body->params()[0]));
  if (body->inputs().size() != n.operands().size())
    return invalidInput("{}: body has {} inputs for {} operands", label, body->inputs().size(),
                        n.operands().size());
  for (size_t i = 0; i < n.operands().size(); ++i) {
    const Value* o = n.operands()[i];
    const Value* in = body->inputs()[i];
    if (!o) return invalidInput("{}: operand {} is absent, but body input {} ({}) needs a value", label, i, i, ref(in));
    if (o->type() != in->type())
      return invalidInput("{}: operand {} ({}) is {}, but body input {} ({}) is {}", label, i, ref(o),
                          o->type().toString(), i, ref(in), in->type().toString());
  }
  if (body->outputs().size() != n.results().size())
    return invalidInput("{}: body has {} outputs for {} results", label, body->outputs().size(),
                        n.results().size());
  std::vector<TensorType> outputTypes;
  for (const Value* out : body->outputs()) outputTypes.push_back(out->type());
  return checkResults(n, label, outputTypes, [&](size_t i) {
    return fmt::format("body output {} ({}) is {}", i, ref(body->outputs()[i]), outputTypes[i].toString());
  });
}

Status Verifier::run() {
  for (const auto& n : g_.nodes())
    for (const Value* r : n->results()) allResults_.insert(r);
  for (size_t i = 0; i < g_.inputs().size(); ++i) {
    const Value* v = g_.inputs()[i];
    std::string what = fmt::format("input {}", i);
    INGOT_RETURN_IF_ERROR(define(v, what));
    if (v->kind() != ValueKind::Input) return invalidInput("{} {} is not an input value", what, ref(v));
  }
  for (size_t i = 0; i < g_.params().size(); ++i) {
    const Value* v = g_.params()[i];
    std::string what = fmt::format("parameter {}", i);
    INGOT_RETURN_IF_ERROR(define(v, what));
    if (v->kind() != ValueKind::Param) return invalidInput("{} {} is not a parameter value", what, ref(v));
    INGOT_RETURN_IF_ERROR(checkParam(v));
  }
  for (const auto& n : g_.nodes()) INGOT_RETURN_IF_ERROR(checkNode(*n));
  if (g_.outputs().empty()) return invalidInput("the graph has no outputs");
  for (size_t i = 0; i < g_.outputs().size(); ++i) {
    const Value* v = g_.outputs()[i];
    if (!v) return invalidInput("output {} is null", i);
    if (!defined_.count(v)) return invalidInput("output {} ({}) is not a value of this graph", i, ref(v));
  }
  return checkUpdates();
}

Status Verifier::checkUpdates() {
  std::unordered_set<const Value*> params(g_.params().begin(), g_.params().end());
  std::unordered_set<const Value*> updated;
  for (size_t i = 0; i < g_.stateUpdates().size(); ++i) {
    const StateUpdate& u = g_.stateUpdates()[i];
    if (!u.param || !u.newValue) return invalidInput("state update {} has a null parameter or value", i);
    if (!params.count(u.param))
      return invalidInput("state update {}: {} is not a parameter of this graph", i, ref(u.param));
    if (!defined_.count(u.newValue))
      return invalidInput("state update {} of {}: {} is not a value of this graph", i, ref(u.param), ref(u.newValue));
    if (u.param->type() != u.newValue->type())
      return invalidInput("state update {}: {} is {}, its new value {} is {}", i, ref(u.param),
                          u.param->type().toString(), ref(u.newValue), u.newValue->type().toString());
    if (!updated.insert(u.param).second) return invalidInput("state update {}: {} is updated twice", i, ref(u.param));
  }
  // The flag passes read (constant folding) must agree with the list.
  for (const Value* p : g_.params())
    if (p->updated() != (updated.count(p) != 0))
      return invalidInput("parameter {} is {}marked updated but has {}state update", ref(p), p->updated() ? "" : "not ",
                          p->updated() ? "no " : "a ");
  return Status::ok();
}

}  // namespace

Status verifyGraph(const Graph& g) { return Verifier(g).run(); }

}  // namespace ingot::ir
