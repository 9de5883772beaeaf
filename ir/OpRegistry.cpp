#include "ir/OpRegistry.h"

#include <algorithm>

namespace ingot::ir {

std::string_view fusionClassName(FusionClass c) {
  switch (c) {
    case FusionClass::Elementwise: return "elementwise";
    case FusionClass::Broadcast: return "broadcast";
    case FusionClass::Injective: return "injective";
    case FusionClass::Reduction: return "reduction";
    case FusionClass::Contraction: return "contraction";
    case FusionClass::Opaque: return "opaque";
  }
  return "?";
}

const AttrSpec* OpDef::findAttr(std::string_view n) const {
  for (const auto& a : attrs)
    if (a.name == n) return &a;
  return nullptr;
}

int OpDef::minOperands() const {
  int n = 0;
  for (const auto& o : operands)
    if (!o.optional) ++n;
  return n;
}

const Attribute* OpContext::attr(std::string_view name) const {
  auto it = attrs_.find(name);
  if (it != attrs_.end()) return &it->second;
  const AttrSpec* spec = op_.findAttr(name);
  if (spec && spec->defaultValue) return &*spec->defaultValue;
  return nullptr;
}

int64_t OpContext::getInt(std::string_view n) const {
  const Attribute* a = attr(n);
  return a && a->kind() == AttrKind::Int ? a->asInt() : 0;
}
float OpContext::getFloat(std::string_view n) const {
  const Attribute* a = attr(n);
  return a && a->kind() == AttrKind::Float ? a->asFloat() : 0.f;
}
std::string OpContext::getString(std::string_view n) const {
  const Attribute* a = attr(n);
  return a && a->kind() == AttrKind::String ? a->asString() : std::string();
}
std::vector<int64_t> OpContext::getInts(std::string_view n) const {
  const Attribute* a = attr(n);
  return a && a->kind() == AttrKind::Ints ? a->asInts() : std::vector<int64_t>{};
}
std::vector<float> OpContext::getFloats(std::string_view n) const {
  const Attribute* a = attr(n);
  return a && a->kind() == AttrKind::Floats ? a->asFloats() : std::vector<float>{};
}
const Tensor* OpContext::getTensor(std::string_view n) const {
  const Attribute* a = attr(n);
  return a && a->kind() == AttrKind::Tensor ? &a->asTensor() : nullptr;
}

const OpRegistry& OpRegistry::builtin() {
  static const OpRegistry registry = [] {
    OpRegistry r;
    registerElementwiseOps(r);
    registerActivationOps(r);
    registerContractionOps(r);
    registerShapeOps(r);
    registerReductionOps(r);
    registerMiscOps(r);
    registerIndexingOps(r);
    registerPadOps(r);
    registerNormalizationOps(r);
    registerLossOps(r);
    registerOptimizerOps(r);
    registerFusedOps(r);
    // Rules that attach to the ops registered above.
    registerGradientRules(r);
    registerLoweringRules(r);
    return r;
  }();
  return registry;
}

const OpDef* OpRegistry::find(std::string_view name) const {
  auto it = ops_.find(name);
  return it == ops_.end() ? nullptr : it->second.get();
}

OpDef* OpRegistry::findMutable(std::string_view name) {
  auto it = ops_.find(name);
  return it == ops_.end() ? nullptr : it->second.get();
}

std::vector<const OpDef*> OpRegistry::all() const {
  std::vector<const OpDef*> out;
  for (const auto& [n, d] : ops_) out.push_back(d.get());
  return out;
}

void OpRegistry::add(OpDef def) {
  std::string name = def.name;
  ops_[name] = std::make_unique<OpDef>(std::move(def));
}

Expected<std::vector<TensorType>> inferNodeTypes(const OpDef& op, const AttrMap& attrs,
                                                 const std::vector<Value*>& operands,
                                                 const std::string& label) {
  // Operand count and attribute kinds are checked here once, so type rules
  // can rely on them.
  int minOps = op.minOperands();
  size_t maxOps = op.isVariadic() ? SIZE_MAX : op.operands.size();
  if (static_cast<int>(operands.size()) < minOps || operands.size() > maxOps)
    return invalidInput("{}: expected {}{} operands, got {}", label, minOps,
                        op.isVariadic() ? " or more" :
                        (static_cast<size_t>(minOps) == maxOps ? "" : fmt::format(" to {}", maxOps)),
                        operands.size());
  for (size_t i = 0; i < operands.size(); ++i) {
    bool optional = i < op.operands.size() ? op.operands[i].optional : false;
    if (!operands[i] && !optional)
      return invalidInput("{}: operand {} ('{}') is required", label, i,
                          i < op.operands.size() ? op.operands[i].name : op.operands.back().name);
  }
  for (const auto& [name, a] : attrs) {
    const AttrSpec* spec = op.findAttr(name);
    if (!spec) return invalidInput("{}: unknown attribute '{}'", label, name);
    if (spec->kind != a.kind())
      return invalidInput("{}: attribute '{}' must be {}, got {}", label, name,
                          attrKindName(spec->kind), attrKindName(a.kind()));
  }
  for (const auto& spec : op.attrs)
    if (!spec.defaultValue && !attrs.count(spec.name))
      return invalidInput("{}: required attribute '{}' is missing", label, spec.name);
  std::vector<const TensorType*> types;
  for (Value* v : operands) types.push_back(v ? &v->type() : nullptr);
  OpContext ctx(op, attrs, std::move(types), label);
  if (!op.inferTypes) return internalError("{}: op has no type rule", label);
  return op.inferTypes(ctx);
}

}  // namespace ingot::ir
