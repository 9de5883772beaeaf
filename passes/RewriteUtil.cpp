#include "passes/RewriteUtil.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "ir/OpRegistry.h"

namespace ingot::passes {

bool isGraphOutput(const ir::Graph& g, const ir::Value* v) {
  return std::find(g.outputs().begin(), g.outputs().end(), v) != g.outputs().end();
}

bool canReplace(const ir::Graph& g, const ir::Value* old, const ir::Value* repl) {
  if (old == repl || !repl || old->type() != repl->type()) return false;
  if (!isGraphOutput(g, old)) return true;
  return repl->kind() == ir::ValueKind::Result && !isGraphOutput(g, repl);
}

Status replaceValue(ir::Graph& g, ir::Value* old, ir::Value* repl, bool adoptName) {
  if (!canReplace(g, old, repl))
    return internalError("cannot replace '{}' by '{}' (types or output names would change)", old->name(),
                         repl->name());
  const bool rename = isGraphOutput(g, old) || (adoptName && repl->kind() == ir::ValueKind::Result);
  g.replaceAllUses(old, repl);
  if (rename) {
    std::string name = old->name();
    INGOT_RETURN_IF_ERROR(g.renameValue(old, g.freshName(name + ".dead")));
    INGOT_RETURN_IF_ERROR(g.renameValue(repl, name));
  }
  return Status::ok();
}

void eraseIfDead(ir::Graph& g, std::vector<ir::Node*> candidates) {
  // Update sources are live like outputs.
  std::unordered_set<const ir::Value*> outputs(g.outputs().begin(), g.outputs().end());
  for (const ir::StateUpdate& u : g.stateUpdates()) outputs.insert(u.newValue);
  bool erased = true;
  while (erased && !candidates.empty()) {
    erased = false;
    auto users = g.computeUsers();
    std::vector<ir::Node*> dead, alive;
    for (ir::Node* n : candidates) {
      bool used = std::any_of(n->results().begin(), n->results().end(),
                              [&](const ir::Value* r) { return outputs.count(r) || users.count(r); });
      (used ? alive : dead).push_back(n);
    }
    if (!dead.empty()) {
      std::sort(dead.begin(), dead.end());
      dead.erase(std::unique(dead.begin(), dead.end()), dead.end());
      g.eraseNodes(dead);
      erased = true;
    }
    candidates = std::move(alive);
  }
}

const Tensor* constantData(const ir::Value* v) {
  if (!v) return nullptr;
  // A frozen parameter that a state update writes changes between runs.
  if (v->kind() == ir::ValueKind::Param) return v->trainable() || v->updated() ? nullptr : v->paramData();
  const ir::Node* p = v->producer();
  if (v->kind() != ir::ValueKind::Result || !p || p->opName() != "Constant") return nullptr;
  const ir::Attribute* a = p->attr("value");
  return a && a->kind() == ir::AttrKind::Tensor ? &a->asTensor() : nullptr;
}

bool isScalarConstant(const ir::Value* v, double expected, double relTol) {
  const Tensor* t = constantData(v);
  if (!t || t->numElements() != 1 || !isFloat(t->dtype())) return false;
  double x = t->elementAsDouble(0);
  return std::fabs(x - expected) <= relTol * std::fabs(expected);
}

namespace {

bool sameBits(float a, float b) { return std::memcmp(&a, &b, sizeof a) == 0; }

bool identical(const ir::Attribute& a, const ir::Attribute& b) {
  if (a.kind() != b.kind()) return false;
  if (a.kind() == ir::AttrKind::Float) return sameBits(a.asFloat(), b.asFloat());
  if (a.kind() == ir::AttrKind::Floats) {
    const auto &x = a.asFloats(), &y = b.asFloats();
    return x.size() == y.size() && std::equal(x.begin(), x.end(), y.begin(), sameBits);
  }
  return a == b;  // ints, strings, tensors (bytes)
}

}  // namespace

bool identicalAttributes(const ir::Node& a, const ir::Node& b) {
  if (&a.op() != &b.op()) return false;
  // Compare with defaults applied: {axis = -1} and no attribute mean the same.
  for (const ir::AttrSpec& spec : a.op().attrs) {
    const ir::Attribute* x = a.attr(spec.name);
    const ir::Attribute* y = b.attr(spec.name);
    if (!x || !y) {
      if (x != y) return false;
      continue;
    }
    if (!identical(*x, *y)) return false;
  }
  // Attributes outside the spec (rejected by the verifier) must match too.
  for (const auto& [name, value] : a.attrs())
    if (!a.op().findAttr(name) && (!b.attrs().count(name) || !identical(value, b.attrs().find(name)->second)))
      return false;
  for (const auto& [name, value] : b.attrs())
    if (!b.op().findAttr(name) && !a.attrs().count(name)) return false;
  return true;
}

}  // namespace ingot::passes
