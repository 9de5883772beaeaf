// "cse": nodes with the same op, the same operands and identical attributes
// (with defaults applied; floats and Constant tensors compared by bits)
// compute the same results, so later duplicates are replaced by the first
// one. One forward sweep suffices for chains: once a duplicate's results are
// redirected, its users' operands match too. Nodes with bodies (Fused) are
// the same computation only when their bodies print identically (the text
// IR is exact: types, attributes by bits, names); bodies are not looked into
// otherwise. A merged duplicate that feeds a state update hands the update
// to the original (replaceValue redirects update sources).
#include <functional>
#include <string_view>
#include <unordered_map>

#include "ir/OpRegistry.h"
#include "ir/TextPrinter.h"
#include "passes/Passes.h"
#include "passes/RewriteUtil.h"

namespace ingot::passes {

namespace {

// Every op is a function of its operands and attributes except where noted
// here: merging two draws of a random mask would correlate them.
bool dropoutMayBeRandom(const ir::Node& n) {
  if (!n.hasOperand(2)) return false;
  const Tensor* mode = constantData(n.operand(2));
  return !mode || mode->numElements() != 1 || mode->elementAsDouble(0) != 0;
}

struct NonDeterministicRule {
  std::string_view op;
  bool (*mayBeRandom)(const ir::Node&);
};
constexpr NonDeterministicRule kNonDeterministic[] = {{"Dropout", &dropoutMayBeRandom}};

bool mayBeRandom(const ir::Node& n) {
  for (const auto& rule : kNonDeterministic)
    if (n.opName() == rule.op && rule.mayBeRandom(n)) return true;
  return false;
}

void mix(size_t& h, size_t v) { h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2); }

// A hash consistent with identicalAttributes: equal nodes hash equally. It
// only has to spread nodes (e.g. many Constants) over buckets cheaply.
size_t nodeHash(const ir::Node& n) {
  size_t h = std::hash<const void*>()(&n.op());
  for (const ir::Value* o : n.operands()) mix(h, std::hash<const void*>()(o));
  for (const ir::AttrSpec& spec : n.op().attrs) {
    const ir::Attribute* a = n.attr(spec.name);
    if (!a) continue;
    if (a->kind() == ir::AttrKind::Int) mix(h, std::hash<int64_t>()(a->asInt()));
    if (a->kind() == ir::AttrKind::String) mix(h, std::hash<std::string>()(a->asString()));
    if (a->kind() == ir::AttrKind::Tensor) {
      const Tensor& t = a->asTensor();
      mix(h, t.byteSize());
      std::string_view bytes(reinterpret_cast<const char*>(t.rawData()), std::min<size_t>(t.byteSize(), 64));
      mix(h, std::hash<std::string_view>()(bytes));
    }
  }
  return h;
}

bool sameComputation(const ir::Node& a, const ir::Node& b) {
  if (&a.op() != &b.op() || a.operands() != b.operands() || a.results().size() != b.results().size())
    return false;
  for (size_t i = 0; i < a.results().size(); ++i)
    if (a.result(i)->type() != b.result(i)->type()) return false;
  if (!identicalAttributes(a, b)) return false;
  if (!a.body() && !b.body()) return true;
  return a.body() && b.body() && ir::printGraph(*a.body()) == ir::printGraph(*b.body());
}

class CommonSubexpressionElimination final : public Pass {
 public:
  std::string_view name() const override { return "cse"; }
  std::string_view description() const override {
    return "merges nodes with the same op, operands and attributes (Constants by bytes)";
  }
  Expected<bool> run(ir::Graph& g) override {
    std::unordered_multimap<size_t, ir::Node*> seen;
    std::vector<ir::Node*> merged;
    std::vector<ir::Node*> order;
    for (const auto& n : g.nodes()) order.push_back(n.get());
    for (ir::Node* n : order) {
      if (n->results().empty() || mayBeRandom(*n)) continue;
      const size_t h = nodeHash(*n);
      ir::Node* original = nullptr;
      auto [begin, end] = seen.equal_range(h);
      for (auto it = begin; it != end && !original; ++it)
        if (sameComputation(*it->second, *n)) original = it->second;
      if (!original) {
        seen.emplace(h, n);
        continue;
      }
      bool replaceable = true;
      for (size_t i = 0; i < n->results().size(); ++i)
        replaceable = replaceable && canReplace(g, n->result(i), original->result(i));
      if (!replaceable) continue;  // both define graph outputs: keep both names
      for (size_t i = 0; i < n->results().size(); ++i)
        INGOT_RETURN_IF_ERROR(replaceValue(g, n->result(i), original->result(i)));
      merged.push_back(n);
    }
    eraseIfDead(g, merged);
    return !merged.empty();
  }
};

}  // namespace

std::unique_ptr<Pass> createCommonSubexpressionEliminationPass() {
  return std::make_unique<CommonSubexpressionElimination>();
}

}  // namespace ingot::passes
