#include "passes/MemoryPlanning.h"

#include <algorithm>
#include <unordered_set>

namespace ingot::passes {

namespace {

uint64_t alignUp(uint64_t v, uint64_t a) { return a <= 1 ? v : (v + a - 1) / a * a; }

uint64_t byteSize(const ir::Value* v) {
  return static_cast<uint64_t>(numElements(v->shape())) * dtypeSize(v->dtype());
}

// Whether expression `e` loads from `binding` (anywhere in its DAG).
bool loadsFrom(const kir::Dispatch& d, kir::ExprId e, int32_t binding, std::vector<char>& seen) {
  if (e < 0 || static_cast<size_t>(e) >= d.exprs.size() || seen[static_cast<size_t>(e)]) return false;
  seen[static_cast<size_t>(e)] = 1;
  const kir::Expr& x = d.exprs[static_cast<size_t>(e)];
  if (x.kind == kir::ExprKind::Load && x.i == binding) return true;
  return loadsFrom(d, x.a, binding, seen) || loadsFrom(d, x.b, binding, seen) || loadsFrom(d, x.c, binding, seen);
}

// Whether `out` may be written over `in` (in = -1: a dispatch that does not
// read it): the body is lets then stores, all at one index, `in` is read only
// at that index, and with several stores only by lets (evaluated before the
// first store, so no store can change what a later one reads).
bool elementwiseInPlace(const kir::Dispatch& d, int32_t in, int32_t out) {
  if (d.opaque || d.contraction || d.body.empty()) return false;
  size_t stores = 0;
  bool storesOut = false;
  kir::ExprId index = kir::kNoExpr;
  for (const kir::Stmt& s : d.body) {
    if (s.kind == kir::StmtKind::Let && stores == 0) continue;
    if (s.kind != kir::StmtKind::Store) return false;
    if (index != kir::kNoExpr && s.index != index) return false;
    index = s.index;
    storesOut |= s.binding == out;
    ++stores;
  }
  if (!storesOut) return false;
  for (const kir::Expr& e : d.exprs)
    if (e.kind == kir::ExprKind::Load && e.i == in && e.a != index) return false;
  if (stores > 1 && in >= 0) {
    std::vector<char> seen(d.exprs.size(), 0);
    for (const kir::Stmt& s : d.body)
      if (s.kind == kir::StmtKind::Store && loadsFrom(d, s.value, in, seen)) return false;
  }
  return true;
}

// State in place (see MemoryPlanning.h): moves the update sources that can
// be written straight into their parameter's buffer out of `temporaries`.
void placeStateInPlace(const ir::Graph& g, const LoweredGraph& lowered, MemoryPlan& plan,
                       std::vector<const ir::Value*>& temporaries) {
  std::unordered_set<const ir::Value*> oldValueNeeded(g.outputs().begin(), g.outputs().end());
  for (const ir::StateUpdate& u : g.stateUpdates()) oldValueNeeded.insert(u.newValue);
  for (const ir::StateUpdate& u : g.stateUpdates()) {
    ValuePlacement& src = plan.placements[u.newValue];
    const ValuePlacement& param = plan.placements[u.param];
    if (src.storage != StorageClass::Temporary || src.stateOf || oldValueNeeded.count(u.param)) continue;
    if (src.bytes != param.bytes || src.firstStep < 0 || param.lastStep > src.firstStep) continue;
    const LoweredDispatch& ld = lowered.dispatches[static_cast<size_t>(src.firstStep)];
    int32_t out = -1;
    std::vector<int32_t> paramReads;
    for (size_t b = 0; b < ld.values.size(); ++b) {
      if (ld.values[b] == u.newValue && ld.dispatch.bindings[b].write) out = static_cast<int32_t>(b);
      if (ld.values[b] == u.param) paramReads.push_back(static_cast<int32_t>(b));
    }
    if (out < 0 || paramReads.size() > 1) continue;
    if (paramReads.empty() ? !elementwiseInPlace(ld.dispatch, -1, out)
                           : !elementwiseInPlace(ld.dispatch, paramReads[0], out))
      continue;
    src.storage = StorageClass::Param;
    src.stateOf = u.param;
    ++plan.stateInPlaceCount;
  }
  std::erase_if(temporaries, [&](const ir::Value* v) { return plan.placements[v].stateOf != nullptr; });
}

struct Slot {
  std::vector<const ir::Value*> values;
  uint64_t bytes = 0;
  int64_t first = 0, last = 0;
  uint64_t offset = 0;
};

}  // namespace

std::string_view storageClassName(StorageClass c) {
  switch (c) {
    case StorageClass::Input: return "input";
    case StorageClass::Output: return "output";
    case StorageClass::Param: return "param";
    case StorageClass::Constant: return "constant";
    case StorageClass::Temporary: return "temporary";
  }
  return "?";
}

Expected<MemoryPlan> planMemory(const ir::Graph& g, const LoweredGraph& lowered, const MemoryPlanOptions& given) {
  MemoryPlanOptions options = given;
  if (options.ownBuffers) options.reuse = false;
  MemoryPlan plan;
  plan.ownBuffers = options.ownBuffers;
  auto place = [&](const ir::Value* v, StorageClass c) {
    auto [it, fresh] = plan.placements.try_emplace(v);
    if (fresh) {
      it->second.storage = c;
      it->second.bytes = byteSize(v);
    }
    return fresh;
  };
  for (const ir::Value* v : g.inputs())
    if (place(v, StorageClass::Input)) plan.ioBytes += byteSize(v);
  for (const ir::Value* v : g.outputs())
    if (place(v, StorageClass::Output)) plan.ioBytes += byteSize(v);
  for (const ir::Value* v : g.params())
    if (place(v, StorageClass::Param)) plan.paramBytes += byteSize(v);
  for (const auto& c : lowered.constants)
    if (place(c.value, StorageClass::Constant)) plan.constantBytes += c.data.byteSize();

  // Lifetimes of temporaries, in dispatch order.
  std::vector<const ir::Value*> temporaries;
  for (size_t step = 0; step < lowered.dispatches.size(); ++step) {
    const LoweredDispatch& ld = lowered.dispatches[step];
    if (ld.values.size() != ld.dispatch.bindings.size())
      return internalError("dispatch {}: {} values for {} bindings", ld.dispatch.name, ld.values.size(),
                           ld.dispatch.bindings.size());
    const auto s = static_cast<int64_t>(step);
    for (size_t b = 0; b < ld.values.size(); ++b) {
      const ir::Value* v = ld.values[b];
      const bool write = ld.dispatch.bindings[b].write;
      if (place(v, StorageClass::Temporary)) {
        if (!write) return internalError("dispatch {}: %{} is read before it is written", ld.dispatch.name, v->name());
        temporaries.push_back(v);
        plan.placements[v].firstStep = s;
      }
      ValuePlacement& p = plan.placements[v];
      if (p.firstStep < 0) p.firstStep = s;
      p.lastStep = std::max(p.lastStep, s);
    }
  }
  // A state update copies its source into the parameter after the last
  // dispatch: a temporary source must outlive every dispatch, so no later
  // result shares (or is written in place over) its bytes.
  const auto afterLast = static_cast<int64_t>(lowered.dispatches.size());
  for (const ir::StateUpdate& u : g.stateUpdates()) {
    auto it = plan.placements.find(u.newValue);
    if (it == plan.placements.end())
      return internalError("state update of %{}: %{} has no storage", u.param->name(), u.newValue->name());
    if (it->second.storage == StorageClass::Temporary) it->second.lastStep = afterLast;
  }
  if (options.stateInPlace) placeStateInPlace(g, lowered, plan, temporaries);
  plan.temporaryCount = temporaries.size();
  for (const ir::Value* v : temporaries) plan.temporaryBytes += byteSize(v);

  // Slots: a temporary, plus the results written in place over it.
  std::vector<Slot> slots;
  std::unordered_map<const ir::Value*, size_t> slotOf;
  for (const ir::Value* v : temporaries) {
    ValuePlacement& p = plan.placements[v];
    if (options.inPlace && options.reuse) {
      const LoweredDispatch& ld = lowered.dispatches[static_cast<size_t>(p.firstStep)];
      int32_t outBinding = -1;
      for (size_t b = 0; b < ld.values.size(); ++b)
        if (ld.values[b] == v && ld.dispatch.bindings[b].write) outBinding = static_cast<int32_t>(b);
      for (size_t b = 0; b < ld.values.size() && outBinding >= 0; ++b) {
        const ir::Value* u = ld.values[b];
        auto it = slotOf.find(u);
        if (ld.dispatch.bindings[b].write || it == slotOf.end()) continue;
        Slot& slot = slots[it->second];
        const ValuePlacement& pu = plan.placements[u];
        // `u` dies here, nothing else in its slot lives on, and the bytes match.
        if (pu.lastStep != p.firstStep || slot.last != p.firstStep || pu.bytes != p.bytes) continue;
        if (!elementwiseInPlace(ld.dispatch, static_cast<int32_t>(b), outBinding)) continue;
        // Another binding of the same value read elsewhere would see the write.
        bool readTwice = false;
        for (size_t c = 0; c < ld.values.size(); ++c) readTwice |= c != b && ld.values[c] == u;
        if (readTwice) continue;
        slot.values.push_back(v);
        slot.last = std::max(slot.last, p.lastStep);
        slotOf[v] = it->second;
        p.inPlaceOf = u;
        ++plan.inPlaceCount;
        break;
      }
      if (slotOf.count(v)) continue;
    }
    slotOf[v] = slots.size();
    slots.push_back(Slot{{v}, p.bytes, p.firstStep, p.lastStep, 0});
  }

  // Greedy by size: each slot goes to the lowest aligned offset that no
  // slot placed before it and alive at the same time occupies.
  std::vector<size_t> order(slots.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return slots[a].bytes > slots[b].bytes; });
  std::vector<size_t> placed;
  uint64_t arena = 0;
  for (size_t i : order) {
    Slot& s = slots[i];
    if (!options.reuse) {
      s.offset = arena;
      arena = alignUp(arena + s.bytes, options.alignment);
      continue;
    }
    std::vector<const Slot*> live;
    for (size_t j : placed)
      if (slots[j].first <= s.last && s.first <= slots[j].last) live.push_back(&slots[j]);
    std::sort(live.begin(), live.end(), [](const Slot* a, const Slot* b) { return a->offset < b->offset; });
    uint64_t offset = 0;
    for (const Slot* l : live) {
      if (offset + s.bytes <= l->offset) break;
      offset = std::max(offset, alignUp(l->offset + l->bytes, options.alignment));
    }
    s.offset = offset;
    arena = std::max(arena, offset + s.bytes);
    placed.push_back(i);
  }
  plan.arenaBytes = alignUp(arena, options.alignment);
  for (const Slot& s : slots)
    for (const ir::Value* v : s.values) plan.placements[v].offset = s.offset;
  return plan;
}

std::string MemoryPlan::summary() const {
  auto mib = [](uint64_t b) { return static_cast<double>(b) / (1024.0 * 1024.0); };
  std::string out = fmt::format("peak activation memory: {} bytes ({:.3f} MiB) for {} temporaries of {} bytes ({:.3f} MiB) in all",
                                arenaBytes, mib(arenaBytes), temporaryCount, temporaryBytes, mib(temporaryBytes));
  if (temporaryBytes > 0)
    out += fmt::format(": {:.1f}% of the sum", 100.0 * static_cast<double>(arenaBytes) / static_cast<double>(temporaryBytes));
  if (stateInPlaceCount > 0) out += fmt::format("\nstate updates written in place: {}", stateInPlaceCount);
  out += fmt::format("\nin-place results: {}\nweights and state: {} bytes ({:.3f} MiB)\nconstants: {} bytes\ninputs and outputs: {} bytes\n",
                     inPlaceCount, paramBytes, mib(paramBytes), constantBytes, ioBytes);
  return out;
}

}  // namespace ingot::passes
