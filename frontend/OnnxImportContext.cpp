// ImportContext: operand and attribute access for import rules, node
// emission and import-time constant folding.
#include "frontend/OnnxImportContext.h"

#include "ir/Interpreter.h"
#include "ir/ShapeUtil.h"

#include <algorithm>
#include <iterator>
#include <optional>

namespace ingot::frontend {

namespace {

constexpr std::string_view kConstantOp = "Constant";

// Ops never folded even when their operands are known: their value at run
// time is not a function of the operands (random draws; Dropout in
// training).
constexpr std::string_view kNeverFold[] = {"Dropout", "RandomNormal", "RandomUniform",
                                           "RandomNormalLike", "RandomUniformLike", "Multinomial",
                                           "Bernoulli"};

bool mayFold(const ir::OpDef& op) {
  return op.reference && op.name != kConstantOp &&
         std::find(std::begin(kNeverFold), std::end(kNeverFold), op.name) == std::end(kNeverFold);
}

// Runs a node's reference kernel at import time. nullopt when it cannot
// (results too large, a dtype the kernels lack, a kernel error): folding is
// an optimization, never a requirement, so the node then stays.
std::optional<std::vector<Tensor>> evaluateForFolding(const ir::Node& node,
                                                      const std::vector<const Tensor*>& inputs,
                                                      int64_t elementLimit) {
  const ir::OpDef& op = node.op();
  if (!mayFold(op)) return std::nullopt;
  // The bound is on the loop extent (at least the element count): an empty
  // result or operand can still have huge dims that a kernel's loop nest
  // walks (ir/ShapeUtil.h loopExtent). A non-empty operand's data is in
  // memory already, so its size is real.
  for (const ir::Value* r : node.results()) {
    if (std::any_of(r->shape().begin(), r->shape().end(), [](int64_t d) { return d < 0; })) return std::nullopt;
    if (ir::loopExtent(r->shape(), elementLimit) > elementLimit || !isComputable(r->dtype())) return std::nullopt;
  }
  for (const Tensor* t : inputs)
    if (t && t->numElements() == 0 && ir::loopExtent(t->shape(), elementLimit) > elementLimit)
      return std::nullopt;
  std::optional<std::vector<Tensor>> out;
  try {
    // evaluateNode also checks the results against the node's types.
    auto values = ir::evaluateNode(node, inputs);
    if (values.ok()) out = std::move(values).value();
  } catch (...) {
    // A throwing kernel is a bug elsewhere; here the node just stays.
  }
  return out;
}

// ONNX attribute types the IR can hold, and the IR kind each becomes.
// Old models (IR version 1) leave `type` unset; the set field says it then.
int32_t attrTypeOf(const onnx::AttributeProto& a) {
  if (a.type() != onnx::AttributeProto::UNDEFINED) return a.type();
  if (a.has_f()) return onnx::AttributeProto::FLOAT;
  if (a.has_i()) return onnx::AttributeProto::INT;
  if (a.has_s()) return onnx::AttributeProto::STRING;
  if (a.has_t()) return onnx::AttributeProto::TENSOR;
  if (a.has_g()) return onnx::AttributeProto::GRAPH;
  if (a.floats_size()) return onnx::AttributeProto::FLOATS;
  if (a.ints_size()) return onnx::AttributeProto::INTS;
  if (a.strings_size()) return onnx::AttributeProto::STRINGS;
  return onnx::AttributeProto::UNDEFINED;
}

}  // namespace

bool ImportContext::hasInput(size_t i) const {
  return i < numInputs() && !node_.input(static_cast<int>(i)).empty();
}

ir::Value* ImportContext::input(size_t i) const {
  if (!hasInput(i)) return nullptr;
  auto it = s_.values.find(node_.input(static_cast<int>(i)));
  return it == s_.values.end() ? nullptr : it->second;
}

std::vector<ir::Value*> ImportContext::inputs(size_t count) const {
  std::vector<ir::Value*> out;
  for (size_t i = 0; i < std::min(count, numInputs()); ++i) out.push_back(input(i));
  while (!out.empty() && !out.back()) out.pop_back();
  return out;
}

const Tensor* ImportContext::foldableData(const ir::Value* v) const {
  if (!v) return nullptr;
  if (v->kind() == ir::ValueKind::Param) return v->trainable() ? nullptr : v->paramData();
  const ir::Node* p = v->producer();
  if (!p) return nullptr;
  if (p->opName() == kConstantOp) {
    const ir::Attribute* a = p->attr("value");
    return a && a->kind() == ir::AttrKind::Tensor ? &a->asTensor() : nullptr;
  }
  // Ops without operands (ConstantOfShape, Range after their inputs became
  // attributes) are left in the graph, where they are cheaper than their
  // data, but evaluated on demand so that their users can fold.
  if (!p->operands().empty()) return nullptr;
  auto cached = s_.operandlessValues.find(v);
  if (cached != s_.operandlessValues.end()) return &cached->second;
  auto values = evaluateForFolding(*p, {}, s_.foldElementLimit);
  if (!values) return nullptr;
  for (size_t i = 0; i < values->size(); ++i)
    s_.operandlessValues.emplace(p->result(i), std::move((*values)[i]));
  return &s_.operandlessValues.at(v);
}

Expected<const Tensor*> ImportContext::constantInput(size_t i, std::string_view what) const {
  const ir::Value* v = input(i);
  if (!v) return invalidError("input {} ({}) is missing", i, what);
  if (v->kind() == ir::ValueKind::Param) return v->paramData();
  if (const Tensor* t = foldableData(v)) return t;
  return unsupportedError("input {} ({}, '{}') must be a constant, but it is computed at run time",
                          i, what, v->name());
}

Expected<std::vector<int64_t>> ImportContext::intsInput(size_t i, std::string_view what) const {
  INGOT_ASSIGN_OR_RETURN(const Tensor* t, constantInput(i, what));
  if (t->dtype() != DType::I64 && t->dtype() != DType::I32)
    return invalidError("input {} ({}) must be i64 or i32, got {}", i, what, dtypeName(t->dtype()));
  if (t->rank() > 1) return invalidError("input {} ({}) must be 1-D, got {}", i, what, shapeToString(t->shape()));
  std::vector<int64_t> out;
  for (int64_t k = 0; k < t->numElements(); ++k)
    out.push_back(t->dtype() == DType::I64 ? t->data<int64_t>()[k] : t->data<int32_t>()[k]);
  return out;
}

Expected<double> ImportContext::scalarInput(size_t i, std::string_view what) const {
  INGOT_ASSIGN_OR_RETURN(const Tensor* t, constantInput(i, what));
  if (t->numElements() != 1)
    return invalidError("input {} ({}) must hold one value, got {}", i, what, shapeToString(t->shape()));
  if (!isComputable(t->dtype()))
    return unsupportedError("input {} ({}) has dtype {}", i, what, dtypeName(t->dtype()));
  return t->elementAsDouble(0);
}

Expected<int64_t> ImportContext::intScalarInput(size_t i, std::string_view what) const {
  INGOT_ASSIGN_OR_RETURN(double v, scalarInput(i, what));
  // -2^63 and 2^63 are exact doubles; a double outside [-2^63, 2^63) (or
  // NaN) does not convert to int64 (UB).
  if (!(v >= -0x1p63 && v < 0x1p63)) return invalidError("input {} ({}) is {}, not a 64-bit integer", i, what, v);
  return static_cast<int64_t>(v);
}

const onnx::AttributeProto* ImportContext::attr(std::string_view name) const {
  for (const auto& a : node_.attribute())
    if (a.name() == name) return &a;
  return nullptr;
}

int64_t ImportContext::intAttr(std::string_view name, int64_t fallback) const {
  const onnx::AttributeProto* a = attr(name);
  return a && attrTypeOf(*a) == onnx::AttributeProto::INT ? a->i() : fallback;
}

Expected<ir::Attribute> ImportContext::convertAttr(const onnx::AttributeProto& a) const {
  if (!a.ref_attr_name().empty())
    return unsupportedError("attribute '{}' refers to a function attribute", a.name());
  switch (attrTypeOf(a)) {
    case onnx::AttributeProto::INT: return ir::Attribute(int64_t{a.i()});
    case onnx::AttributeProto::FLOAT: return ir::Attribute(a.f());
    case onnx::AttributeProto::STRING: return ir::Attribute(a.s());
    case onnx::AttributeProto::INTS:
      return ir::Attribute(std::vector<int64_t>(a.ints().begin(), a.ints().end()));
    case onnx::AttributeProto::FLOATS:
      return ir::Attribute(std::vector<float>(a.floats().begin(), a.floats().end()));
    case onnx::AttributeProto::STRINGS:
      return ir::Attribute(std::vector<std::string>(a.strings().begin(), a.strings().end()));
    case onnx::AttributeProto::TENSOR: {
      auto t = tensorFromProto(a.t(), s_.ext, label_ + " attribute " + a.name());
      if (!t.ok()) return t.status();
      return ir::Attribute(std::move(t).value());
    }
    default:
      return unsupportedError("attribute '{}' has a kind ingot does not support (type {})", a.name(),
                              static_cast<int>(attrTypeOf(a)));
  }
}

Expected<ir::AttrMap> ImportContext::convertAttrs(const ir::OpDef& op,
                                                  std::initializer_list<std::string_view> skip) const {
  ir::AttrMap out;
  for (const auto& a : node_.attribute()) {
    if (std::find(skip.begin(), skip.end(), a.name()) != skip.end()) continue;
    const ir::AttrSpec* spec = op.findAttr(a.name());
    if (!spec)
      return unsupportedError("attribute '{}' is not supported (opset {})", a.name(), opset_);
    INGOT_ASSIGN_OR_RETURN(ir::Attribute v, convertAttr(a));
    // Some exporters write whole-number floats as ints; accept that one
    // widening, reject every other kind mismatch.
    if (spec->kind == ir::AttrKind::Float && v.kind() == ir::AttrKind::Int)
      v = ir::Attribute(static_cast<float>(v.asInt()));
    if (spec->kind != v.kind())
      return invalidError("attribute '{}' must be {}, got {}", a.name(), ir::attrKindName(spec->kind),
                          ir::attrKindName(v.kind()));
    out[a.name()] = std::move(v);
  }
  return out;
}

std::string ImportContext::outputName(size_t i) const {
  return i < numOutputs() ? node_.output(static_cast<int>(i)) : std::string();
}

bool ImportContext::outputUsed(size_t i) const {
  std::string n = outputName(i);
  return !n.empty() && s_.usedNames.count(n);
}

Expected<const ir::OpDef*> ImportContext::findOp(std::string_view name) const {
  const ir::OpDef* op = s_.registry.find(name);
  if (!op) return internalError("{}: IR op '{}' is not registered", label_, name);
  return op;
}

std::string ImportContext::freshName(std::string_view hint) const {
  std::string base = hint.empty() ? std::string("t") : std::string(hint);
  auto taken = [&](const std::string& n) {
    return s_.graph.findValue(n) != nullptr || s_.reservedNames.count(n) != 0;
  };
  if (!taken(base)) return base;
  for (size_t i = 1;; ++i) {
    std::string candidate = fmt::format("{}_{}", base, i);
    if (!taken(candidate)) return candidate;
  }
}

std::vector<std::string> ImportContext::resultNames(size_t count) const {
  std::vector<std::string> names;
  for (size_t i = 0; i < count; ++i) {
    std::string n = outputName(i);
    names.push_back(n.empty() ? freshName(node_.name().empty() ? opType() : node_.name()) : n);
  }
  return names;
}

Expected<std::vector<ir::Value*>> ImportContext::emit(std::string_view opName,
                                                      std::vector<ir::Value*> operands,
                                                      ir::AttrMap attrs,
                                                      std::vector<std::string> names) {
  INGOT_ASSIGN_OR_RETURN(const ir::OpDef* op, findOp(opName));
  // Names are chosen here, not by Graph::addNode, so that they avoid the
  // names later ONNX nodes define.
  std::string hint = node_.name().empty() ? std::string(opName) : node_.name();
  size_t want = std::max<size_t>(names.size(), op->numResults > 0 ? op->numResults : 1);
  for (size_t i = 0; i < want; ++i) {
    if (i >= names.size()) names.emplace_back();
    if (names[i].empty()) names[i] = freshName(hint);
    // Fresh names must also differ from each other.
    s_.reservedNames.insert(names[i]);
  }
  auto added = s_.graph.addNode(*op, operands, std::move(attrs), names, node_.name());
  if (!added.ok()) return added.status();
  ir::Node* node = *added;
  std::vector<ir::Value*> results = node->results();

  // Fold when every present operand is foldable (and there is one:
  // operand-less nodes are evaluated only when a user needs them).
  const ir::OpDef* constOp = s_.registry.find(kConstantOp);
  bool foldable = constOp && std::any_of(operands.begin(), operands.end(), [](ir::Value* v) { return v; });
  std::vector<const Tensor*> inputs;
  for (ir::Value* v : operands) {
    const Tensor* t = v ? foldableData(v) : nullptr;
    if (v && !t) foldable = false;
    inputs.push_back(t);
  }
  if (!foldable) return results;
  std::optional<std::vector<Tensor>> values = evaluateForFolding(*node, inputs, s_.foldElementLimit);
  if (!values) return results;
  std::vector<std::pair<std::string, ir::TensorType>> resultInfo;
  for (ir::Value* r : results) resultInfo.emplace_back(r->name(), r->type());

  s_.graph.eraseNodes({node});
  std::vector<ir::Value*> folded;
  for (size_t i = 0; i < resultInfo.size(); ++i) {
    ir::AttrMap cattrs;
    cattrs["value"] = ir::Attribute(std::move((*values)[i]));
    auto c = s_.graph.addNodeWithTypes(*constOp, {}, std::move(cattrs), {resultInfo[i]}, node_.name());
    if (!c.ok()) return c.status();
    folded.push_back((*c)->result(0));
  }
  return folded;
}

Expected<ir::Value*> ImportContext::emit1(std::string_view op, std::vector<ir::Value*> operands,
                                          ir::AttrMap attrs, std::string resultName) {
  INGOT_ASSIGN_OR_RETURN(std::vector<ir::Value*> rs,
                         emit(op, std::move(operands), std::move(attrs), {std::move(resultName)}));
  if (rs.empty()) return internalError("{}: {} produced no result", label_, op);
  return rs[0];
}

Expected<ir::Value*> ImportContext::emitConstant(Tensor t, std::string resultName) {
  ir::AttrMap attrs;
  attrs["value"] = ir::Attribute(std::move(t));
  return emit1(kConstantOp, {}, std::move(attrs), std::move(resultName));
}

Status ImportContext::bindOutputs(const std::vector<ir::Value*>& vals) {
  for (size_t i = 0; i < numOutputs(); ++i) {
    std::string n = outputName(i);
    if (n.empty()) continue;
    if (i >= vals.size()) {
      // An output nothing reads can be dropped; one that is read cannot.
      if (!outputUsed(i)) continue;
      return unsupportedError("output {} ('{}') is not supported", i, n);
    }
    s_.values[n] = vals[i];
  }
  return Status::ok();
}

}  // namespace ingot::frontend
