// The fusion pass; the rules are documented in passes/Fusion.h.
//
// One forward sweep in node order: each node either starts a group, joins
// (and merges) the groups of its producers, or is left alone; every refusal
// is written down on both nodes of the edge, so a node that ends up alone
// can say why. Then each group of two or more nodes becomes one Fused node
// placed where the group's last node was. That keeps the order topological:
// every member's outside operands are defined before the member, hence
// before the last member, and only the last member's result is used outside.
#include "passes/Fusion.h"

#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "ir/OpRegistry.h"
#include "ir/TextPrinter.h"
#include "passes/RewriteUtil.h"

namespace ingot::passes {

size_t FusionReport::numFusedGroups() const {
  return static_cast<size_t>(std::count_if(kernels.begin(), kernels.end(), [](const FusionKernel& k) { return k.fused; }));
}

size_t FusionReport::numKernels() const {
  return static_cast<size_t>(
      std::count_if(kernels.begin(), kernels.end(), [](const FusionKernel& k) { return !k.isConstant(); }));
}

namespace {

using ir::FusionClass;

struct Group {
  std::vector<ir::Node*> nodes;  // in graph order; the last one is the root
  bool hasContraction = false;
  bool hasReduction = false;  // the group is closed: a reduction ends it
};

std::string kindOf(const Group& g) {
  if (g.hasContraction) return "dense";
  if (g.hasReduction) return "reduction";
  return "elementwise";
}

// The kind of a node left alone, as the report names it.
std::string loneKind(const ir::Node& n) {
  switch (n.op().fusion) {
    case FusionClass::Contraction: return "dense";
    case FusionClass::Reduction: return "reduction";
    case FusionClass::Elementwise:
    case FusionClass::Broadcast: return "elementwise";
    case FusionClass::Injective: return "injective";
    case FusionClass::Opaque: break;
  }
  return n.operands().empty() ? "constant" : "opaque";
}

std::string ref(const ir::Value* v) { return ir::printValueRef(*v); }

class Fuser {
 public:
  explicit Fuser(ir::Graph& g) : g_(g), users_(g.computeUsers()) {
    for (const ir::Value* o : g.outputs()) outputs_.insert(o);
    // A state update reads its source after the run, so it is materialized.
    for (const ir::StateUpdate& u : g.stateUpdates()) updateSources_.insert(u.newValue);
    for (const auto& n : g.nodes()) {
      position_[n.get()] = order_.size();
      order_.push_back(n.get());
    }
  }

  Expected<FusionReport> run() {
    FusionReport report;
    report.ran = true;
    report.nodesBefore = order_.size();
    for (ir::Node* n : order_) visit(*n);
    // The report first, in graph order (a group where its last node is):
    // fusing renames the roots' results, and labels name them.
    std::vector<const Group*> fused;
    for (ir::Node* n : order_) {
      auto it = groupOf_.find(n);
      const Group* grp = it == groupOf_.end() ? nullptr : &groups_[it->second];
      if (!grp || grp->nodes.size() < 2) {
        report.kernels.push_back(explainAlone(*n));
        continue;
      }
      if (grp->nodes.back() != n) continue;
      FusionKernel k;
      k.fused = true;
      k.kind = kindOf(*grp);
      for (const ir::Node* m : grp->nodes) {
        k.ops.push_back(m->opName());
        k.labels.push_back(m->label());
      }
      k.result = ref(n->result());
      report.kernels.push_back(std::move(k));
      fused.push_back(grp);
    }
    for (const Group* grp : fused) INGOT_RETURN_IF_ERROR(fuse(*grp, kindOf(*grp)));
    report.nodesAfter = g_.nodes().size();
    return report;
  }

 private:
  // Distinct nodes that use v (Add(%v, %v) is one user).
  size_t userCount(const ir::Value* v) const {
    auto it = users_.find(v);
    if (it == users_.end()) return 0;
    std::unordered_set<const ir::Node*> distinct(it->second.begin(), it->second.end());
    return distinct.size();
  }

  void note(const ir::Node& n, std::string why) {
    auto& list = notes_[&n];
    if (std::find(list.begin(), list.end(), why) == list.end()) list.push_back(std::move(why));
  }

  // The group of v's producer, or -1 when v comes from outside any group.
  int producerGroup(const ir::Value* v) const {
    if (!v || v->kind() != ir::ValueKind::Result || !v->producer()) return -1;
    auto it = groupOf_.find(v->producer());
    return it == groupOf_.end() ? -1 : it->second;
  }

  // Why N (of class `cls`) may not join the group `grp` through its operand
  // v; empty when it may. `joinedContraction`: a group N already joined
  // holds a contraction.
  std::string refusal(const ir::Node& n, FusionClass cls, const ir::Value* v, const Group& grp,
                      bool joinedContraction) const {
    if (grp.hasReduction) return "a reduction ends a group";
    if (cls == FusionClass::Contraction)
      return grp.hasContraction ? "would put two contractions in one group"
                                : "a contraction starts a group (producers are not fused into its operands)";
    if (outputs_.count(v)) return fmt::format("result {} is a graph output (stays materialized)", ref(v));
    if (updateSources_.count(v)) return fmt::format("result {} feeds a state update (stays materialized)", ref(v));
    if (size_t users = userCount(v); users > 1)
      return fmt::format("result {} is used by {} nodes (stays materialized)", ref(v), users);
    if (cls == FusionClass::Reduction) {
      if (grp.hasContraction) return "a reduction joins only elementwise producers, not a contraction's group";
      return {};
    }
    if (v->shape() != n.result()->shape())
      return fmt::format("{} ({}) would be broadcast to {}: a broadcast producer is not fused", ref(v),
                         v->type().toString(), n.result()->type().toString());
    if (grp.hasContraction && joinedContraction) return "would put two contractions in one group";
    return {};
  }

  // Why a node of this kind never joins a group; empty for fusable ones.
  static std::string neverFused(const ir::Node& n) {
    if (n.body()) return "already a fused group";
    const FusionClass cls = n.op().fusion;
    if (cls == FusionClass::Opaque)
      return n.operands().empty() ? "constant data (no operands), not a kernel" : "opaque op";
    if (cls == FusionClass::Injective) return "injective op (data movement) is not fused";
    if (n.results().size() != 1) return fmt::format("has {} results", n.results().size());
    return {};
  }

  void visit(ir::Node& n) {
    if (std::string why = neverFused(n); !why.empty()) {
      note(n, why);
      unfusable_[&n] = why;
      for (const ir::Value* o : n.operands())
        if (producerGroup(o) >= 0) note(*o->producer(), fmt::format("its user {} is not fusable: {}", n.label(), why));
      return;
    }
    const FusionClass cls = n.op().fusion;
    std::vector<int> joined;
    bool contraction = false;
    for (const ir::Value* v : n.operands()) {
      const int gi = producerGroup(v);
      // Constants are operands, not kernels: no reason to mention them.
      if (gi < 0 && v && v->producer() && !v->producer()->operands().empty()) {
        auto it = unfusable_.find(v->producer());
        if (it != unfusable_.end())
          note(n, fmt::format("its producer {} is not fusable: {}", v->producer()->label(), it->second));
      }
      if (gi < 0 || std::find(joined.begin(), joined.end(), gi) != joined.end()) continue;
      std::string why = refusal(n, cls, v, groups_[gi], contraction);
      if (!why.empty()) {
        note(n, fmt::format("not fused with its producer {}: {}", v->producer()->label(), why));
        note(*v->producer(), fmt::format("not fused with its user {}: {}", n.label(), why));
        continue;
      }
      joined.push_back(gi);
      contraction = contraction || groups_[gi].hasContraction;
    }
    int target;
    if (joined.empty()) {
      target = static_cast<int>(groups_.size());
      groups_.emplace_back();
    } else {
      target = joined[0];
      for (size_t k = 1; k < joined.size(); ++k) merge(target, joined[k]);
    }
    Group& grp = groups_[target];
    grp.nodes.push_back(&n);
    grp.hasContraction = grp.hasContraction || cls == FusionClass::Contraction;
    grp.hasReduction = grp.hasReduction || cls == FusionClass::Reduction;
    groupOf_[&n] = target;
  }

  void merge(int into, int from) {
    Group& a = groups_[into];
    Group& b = groups_[from];
    for (ir::Node* m : b.nodes) groupOf_[m] = into;
    a.nodes.insert(a.nodes.end(), b.nodes.begin(), b.nodes.end());
    std::sort(a.nodes.begin(), a.nodes.end(),
              [&](const ir::Node* x, const ir::Node* y) { return position_.at(x) < position_.at(y); });
    a.hasContraction = a.hasContraction || b.hasContraction;
    a.hasReduction = a.hasReduction || b.hasReduction;
    b = Group{};
  }

  FusionKernel explainAlone(const ir::Node& n) const {
    FusionKernel r;
    r.kind = loneKind(n);
    r.ops = {n.opName()};
    r.labels = {n.label()};
    if (!n.results().empty() && n.result()) r.result = ref(n.result());
    auto it = notes_.find(&n);
    if (it != notes_.end()) r.reasons = it->second;
    if (r.reasons.empty()) {
      bool onlyOutput = !n.results().empty() && userCount(n.result()) == 0 && outputs_.count(n.result());
      r.reasons.push_back(onlyOutput ? "its result is only a graph output: no user to fuse with"
                                     : "no fusable producer or user");
    }
    return r;
  }

  // Replaces the group's nodes by one Fused node at the root's position.
  Status fuse(const Group& grp, const std::string& kind) {
    ir::Node* root = grp.nodes.back();
    std::unordered_set<const ir::Node*> members(grp.nodes.begin(), grp.nodes.end());
    auto body = std::make_unique<ir::Graph>("body");
    std::vector<ir::Value*> operands;
    std::unordered_map<const ir::Value*, ir::Value*> inner;
    for (const ir::Node* n : grp.nodes) {
      std::vector<ir::Value*> args;
      for (ir::Value* o : n->operands()) {
        if (!o) {
          args.push_back(nullptr);
          continue;
        }
        auto it = inner.find(o);
        if (it == inner.end()) {
          if (o->kind() == ir::ValueKind::Result && members.count(o->producer()))
            return internalError("fuse: {} is used before its producer in the group", ref(o));
          // Outer names are unique, so they stay unique in the body.
          INGOT_ASSIGN_OR_RETURN(ir::Value * in, body->addInput(o->name(), o->type()));
          operands.push_back(o);
          it = inner.emplace(o, in).first;
        }
        args.push_back(it->second);
      }
      std::vector<std::pair<std::string, ir::TensorType>> results;
      for (const ir::Value* r : n->results()) results.emplace_back(r->name(), r->type());
      INGOT_ASSIGN_OR_RETURN(ir::Node * copy,
                             body->addNodeWithTypes(n->op(), std::move(args), n->attrs(), std::move(results), n->name()));
      for (size_t i = 0; i < n->results().size(); ++i) inner[n->result(i)] = copy->result(i);
    }
    body->addOutput(inner.at(root->result()));
    ir::AttrMap attrs;
    attrs["kind"] = ir::Attribute(kind);
    INGOT_ASSIGN_OR_RETURN(ir::Node * f, g_.addFusedNode(std::move(operands), std::move(body), std::move(attrs),
                                                         {g_.freshName(root->result()->name())}));
    g_.moveNodeBefore(f, root);
    // The Fused result takes over the root's name (and its output slot).
    INGOT_RETURN_IF_ERROR(replaceValue(g_, root->result(), f->result(), /*adoptName=*/true));
    g_.eraseNodes(grp.nodes);
    return Status::ok();
  }

  ir::Graph& g_;
  std::unordered_map<const ir::Value*, std::vector<ir::Node*>> users_;
  std::unordered_set<const ir::Value*> outputs_;
  std::unordered_set<const ir::Value*> updateSources_;
  std::vector<ir::Node*> order_;
  std::unordered_map<const ir::Node*, size_t> position_;
  std::vector<Group> groups_;  // merged-away groups are left empty
  std::unordered_map<const ir::Node*, int> groupOf_;
  std::unordered_map<const ir::Node*, std::vector<std::string>> notes_;
  std::unordered_map<const ir::Node*, std::string> unfusable_;  // why a node never joins a group
};

class FusionPass final : public Pass {
 public:
  explicit FusionPass(FusionReport* sink) : sink_(sink) {}
  std::string_view name() const override { return kFusionPassName; }
  std::string_view description() const override {
    return "fuses contractions with their epilogues, elementwise chains and reductions into Fused nodes";
  }
  Expected<bool> run(ir::Graph& g) override {
    INGOT_ASSIGN_OR_RETURN(FusionReport report, fuseGraph(g));
    const bool changed = report.numFusedGroups() != 0;
    if (sink_) *sink_ = std::move(report);
    return changed;
  }

 private:
  FusionReport* sink_;
};

}  // namespace

Expected<FusionReport> fuseGraph(ir::Graph& g) { return Fuser(g).run(); }

std::string formatFusionReport(const FusionReport& r) {
  if (!r.ran) return "fusion: did not run\n";
  const size_t groups = r.numFusedGroups(), kernels = r.numKernels();
  auto plural = [](size_t n) { return n == 1 ? "" : "s"; };
  std::string out = fmt::format("fusion: {} node{} -> {} kernel{} ({} fused group{}, {} single op{})\n",
                                r.nodesBefore, plural(r.nodesBefore), kernels, plural(kernels), groups,
                                plural(groups), kernels - groups, plural(kernels - groups));
  size_t index = 0;
  for (const FusionKernel& k : r.kernels) {
    if (k.isConstant()) {
      out += fmt::format("constant: {} (data, not a kernel)\n", fmt::join(k.labels, ", "));
      continue;
    }
    ++index;
    if (k.fused) {
      out += fmt::format("kernel {}: fused {} group -> {}: {}\n", index, k.kind, k.result, fmt::join(k.labels, ", "));
      continue;
    }
    out += fmt::format("kernel {}: {} alone ({})\n", index, fmt::join(k.labels, ", "), k.kind);
    for (const std::string& why : k.reasons) out += fmt::format("  - {}\n", why);
  }
  return out;
}

std::unique_ptr<Pass> createFusionPass(FusionReport* sink) { return std::make_unique<FusionPass>(sink); }

Expected<size_t> addPassesReportingFusion(PassManager& pm, std::string_view list, FusionReport* report) {
  INGOT_ASSIGN_OR_RETURN(std::vector<std::string> names, parsePassList(list));
  size_t fusions = 0;
  for (const std::string& n : names) {
    if (n == kFusionPassName) {
      pm.addPass(createFusionPass(report));
      ++fusions;
    } else {
      INGOT_RETURN_IF_ERROR(pm.addPass(n));
    }
  }
  return fusions;
}

Expected<bool> runPassesWithFusion(ir::Graph& g, const PassOptions& options,
                                   const std::optional<std::string>& passList, bool fuseAfter,
                                   FusionReport& report, std::ostream* statsOut) {
  PassManager pm(options);
  size_t fusionsInList = 0;
  if (passList) {
    INGOT_ASSIGN_OR_RETURN(fusionsInList, addPassesReportingFusion(pm, *passList, &report));
  } else {
    INGOT_RETURN_IF_ERROR(pm.addStandardPipeline());
  }
  // Fusion runs once, after the pipeline reached its fixed point: inside
  // the iterated pipeline it would see (and report) an already fused graph.
  PassOptions once = options;
  once.maxIterations = 1;
  PassManager after(once);
  if (fuseAfter && fusionsInList == 0) after.addPass(createFusionPass(&report));
  Expected<bool> changed = pm.run(g);
  Expected<bool> fused = changed.ok() ? after.run(g) : Expected<bool>(false);
  if (options.collectStats && statsOut) {
    pm.printStats(*statsOut);
    if (after.numPasses() != 0) after.printStats(*statsOut);
  }
  if (!changed.ok()) return changed.status();
  if (!fused.ok()) return fused.status();
  return *changed || *fused;
}

}  // namespace ingot::passes
