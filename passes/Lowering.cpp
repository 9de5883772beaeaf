#include "passes/Lowering.h"

#include <map>
#include <unordered_map>
#include <unordered_set>

#include "ir/Interpreter.h"
#include "ir/OpRegistry.h"
#include "ir/kernel/Lowering.h"

namespace ingot::passes {

namespace {

using kir::ExprId;

// The ops lowered into one dispatch, with the values it reads and writes.
// `outer` translates a value of a fused body (its inputs and outputs) to the
// value of the enclosing graph that the dispatch binds.
struct Group {
  std::string label;
  std::string kind;
  std::vector<const ir::Node*> nodes;
  std::vector<const ir::Value*> inputs;
  std::vector<const ir::Value*> outputs;
  std::unordered_map<const ir::Value*, const ir::Value*> outer;
  const ir::Value* bound(const ir::Value* v) const {
    auto it = outer.find(v);
    return it == outer.end() ? v : it->second;
  }
};

Group singleNodeGroup(const ir::Node& n, const Group* parent) {
  Group g;
  g.label = n.label();
  g.kind = n.opName();
  g.nodes = {&n};
  for (const ir::Value* o : n.operands())
    if (o && std::find(g.inputs.begin(), g.inputs.end(), o) == g.inputs.end()) g.inputs.push_back(o);
  for (const ir::Value* r : n.results()) g.outputs.push_back(r);
  if (parent) g.outer = parent->outer;
  return g;
}

Group fusedGroup(const ir::Node& n) {
  Group g;
  g.label = n.label();
  g.kind = n.getString("kind", "fused");
  const ir::Graph& body = *n.body();
  for (const auto& node : body.nodes()) g.nodes.push_back(node.get());
  g.inputs.assign(body.inputs().begin(), body.inputs().end());
  g.outputs.assign(body.outputs().begin(), body.outputs().end());
  for (size_t i = 0; i < body.inputs().size() && i < n.operands().size(); ++i)
    g.outer[body.inputs()[i]] = n.operand(i);
  for (size_t i = 0; i < body.outputs().size() && i < n.results().size(); ++i)
    g.outer[body.outputs()[i]] = n.result(i);
  return g;
}

class GroupLowerer;

// What one rule invocation sees (ir::LoweringContext).
class NodeContext final : public ir::LoweringContext {
 public:
  NodeContext(GroupLowerer& g, const ir::Node& n, std::vector<ExprId> index, bool root);
  const ir::OpContext& op() const override { return ctx_; }
  const ir::TensorType& resultType(size_t i) const override { return node_.result(i)->type(); }
  kir::KernelBuilder& builder() override;
  const std::vector<ExprId>& resultIndex() const override { return index_; }
  Expected<ExprId> operandAt(size_t operand, const std::vector<ExprId>& index) override;
  Expected<ExprId> operandFlat(size_t operand, ExprId flat) override;
  void setResult(ExprId value) override { result_ = value; }
  Expected<ExprId> contract(size_t a, size_t b, bool transA, bool transB) override;
  std::vector<ExprId> setGrid(const Shape& extents) override;
  Status storeResult(size_t result, const std::vector<ExprId>& index, ExprId value) override;

  ExprId result() const { return result_; }

 private:
  Status requireRoot(bool wanted) const;
  GroupLowerer& g_;
  const ir::Node& node_;
  std::vector<const ir::TensorType*> operandTypes_;
  ir::OpContext ctx_;
  std::vector<ExprId> index_;
  bool root_;
  ExprId result_ = kir::kNoExpr;
};

class GroupLowerer {
 public:
  GroupLowerer(const Group& group, std::string name) : group_(group), b_(d_) {
    d_.name = std::move(name);
    d_.label = group.label;
    for (const ir::Node* n : group.nodes) inGroup_.insert(n);
  }

  Expected<LoweredDispatch> lower() {
    for (const ir::Value* v : group_.inputs) bindValue(v, false);
    for (const ir::Value* v : group_.outputs) bindValue(v, true);
    if (group_.nodes.empty()) return internalError("{}: empty group", group_.label);
    const ir::Node& root = *group_.nodes.back();
    if (!root.op().lowering) return unsupported("{}: op has no loop-level form", root.label());
    for (const ir::Value* o : group_.outputs)
      if (!o->producer() || !inGroup_.count(o->producer()))
        return unsupported("{}: output %{} is not computed in the group", group_.label, o->name());
    // Root rules: reductions, and ops with several results (each stored by
    // the rule; such ops are never inlined into another).
    if (root.op().fusion == ir::FusionClass::Reduction || root.results().size() > 1) {
      for (const ir::Value* o : group_.outputs)
        if (o->producer() != &root)
          return unsupported("{}: a root-rule group may only write its root's results", group_.label);
      INGOT_RETURN_IF_ERROR(invoke(root, {}, true).status());
    } else {
      const Shape& shape = root.result(0)->shape();
      std::vector<ExprId> grid = b_.setGrid(shape);
      gridIndex_ = grid;
      std::vector<std::pair<int32_t, ExprId>> stores;
      for (const ir::Value* o : group_.outputs) {
        if (o->shape() != shape)
          return unsupported("{}: output %{} is {} but the group iterates over {}", group_.label, o->name(),
                             shapeToString(o->shape()), shapeToString(shape));
        INGOT_ASSIGN_OR_RETURN(ExprId v, valueAt(o, grid));
        stores.emplace_back(bindingOf_.at(o), v);
      }
      ExprId flat = b_.flatIndex(shape, grid);
      for (const auto& [binding, v] : stores) b_.store(binding, flat, v);
    }
    INGOT_RETURN_IF_ERROR(d_.validate());
    LoweredDispatch out;
    out.values = std::move(values_);
    out.dispatch = std::move(d_);
    return out;
  }

  kir::KernelBuilder& builder() { return b_; }
  kir::Dispatch& dispatch() { return d_; }
  const std::vector<ExprId>& grid() const { return gridIndex_; }
  void setGridIndex(std::vector<ExprId> g) { gridIndex_ = std::move(g); }

  std::optional<int32_t> inputBinding(const ir::Value* v) const {
    auto it = bindingOf_.find(v);
    if (it == bindingOf_.end() || d_.bindings[static_cast<size_t>(it->second)].write) return std::nullopt;
    return it->second;
  }
  std::optional<int32_t> outputBinding(const ir::Value* v) const {
    auto it = bindingOf_.find(v);
    if (it == bindingOf_.end() || !d_.bindings[static_cast<size_t>(it->second)].write) return std::nullopt;
    return it->second;
  }

  // The value's element at `index`: a load for group inputs, else the
  // producer's rule inlined at that index.
  Expected<ExprId> valueAt(const ir::Value* v, const std::vector<ExprId>& index) {
    if (auto b = inputBinding(v)) return b_.load(*b, b_.flatIndex(v->shape(), index));
    const ir::Node* n = v->producer();
    if (!n || !inGroup_.count(n)) return internalError("{}: %{} is neither an input nor computed in the group", group_.label, v->name());
    auto key = std::make_pair(v, index);
    if (auto it = memo_.find(key); it != memo_.end()) return it->second;
    if (n->results().size() != 1) return unsupported("{}: cannot inline an op with several results", n->label());
    if (n->op().fusion == ir::FusionClass::Reduction)
      return unsupported("{}: a reduction can only end a group", n->label());
    INGOT_ASSIGN_OR_RETURN(ExprId e, invoke(*n, index, false));
    memo_[key] = e;
    return e;
  }

  Expected<ExprId> valueFlat(const ir::Value* v, ExprId flat) {
    if (auto b = inputBinding(v)) return b_.load(*b, flat);
    return valueAt(v, b_.unflatten(v->shape(), flat));
  }

 private:
  void bindValue(const ir::Value* v, bool write) {
    if (bindingOf_.count(v)) return;
    const ir::Value* outerValue = group_.bound(v);
    bindingOf_[v] = b_.addBinding(kir::Binding{outerValue->name(), v->dtype(), v->shape(), write});
    values_.push_back(outerValue);
  }

  Expected<ExprId> invoke(const ir::Node& n, std::vector<ExprId> index, bool root) {
    if (!n.op().lowering) return unsupported("{}: op has no loop-level form", n.label());
    for (const ir::Value* o : n.operands())
      if (o && !isComputable(o->dtype())) return unsupported("{}: dtype {}", n.label(), dtypeName(o->dtype()));
    for (const ir::Value* r : n.results())
      if (!isComputable(r->dtype())) return unsupported("{}: dtype {}", n.label(), dtypeName(r->dtype()));
    NodeContext ctx(*this, n, std::move(index), root);
    INGOT_RETURN_IF_ERROR(n.op().lowering(ctx));
    if (!root && ctx.result() == kir::kNoExpr) return internalError("{}: lowering rule set no result", n.label());
    return ctx.result();
  }

  const Group& group_;
  kir::Dispatch d_;
  kir::KernelBuilder b_;
  std::unordered_set<const ir::Node*> inGroup_;
  std::unordered_map<const ir::Value*, int32_t> bindingOf_;
  std::vector<const ir::Value*> values_;
  std::map<std::pair<const ir::Value*, std::vector<ExprId>>, ExprId> memo_;
  std::vector<ExprId> gridIndex_;
};

NodeContext::NodeContext(GroupLowerer& g, const ir::Node& n, std::vector<ExprId> index, bool root)
    : g_(g),
      node_(n),
      operandTypes_([&] {
        std::vector<const ir::TensorType*> t;
        for (const ir::Value* o : n.operands()) t.push_back(o ? &o->type() : nullptr);
        return t;
      }()),
      ctx_(n.op(), n.attrs(), operandTypes_, n.label()),
      index_(std::move(index)),
      root_(root) {}

kir::KernelBuilder& NodeContext::builder() { return g_.builder(); }

Status NodeContext::requireRoot(bool wanted) const {
  if (root_ == wanted) return Status::ok();
  return internalError("{}: lowering rule used a {} call as a {} rule", node_.label(), wanted ? "root" : "element",
                       root_ ? "root" : "element");
}

Expected<ExprId> NodeContext::operandAt(size_t operand, const std::vector<ExprId>& index) {
  const ir::Value* v = node_.operand(operand);
  if (!v) return internalError("{}: operand {} is absent", node_.label(), operand);
  if (index.size() != v->shape().size())
    return internalError("{}: operand {} indexed with {} dims, it has {}", node_.label(), operand, index.size(),
                         v->shape().size());
  return g_.valueAt(v, index);
}

Expected<ExprId> NodeContext::operandFlat(size_t operand, ExprId flat) {
  const ir::Value* v = node_.operand(operand);
  if (!v) return internalError("{}: operand {} is absent", node_.label(), operand);
  return g_.valueFlat(v, flat);
}

Expected<ExprId> NodeContext::contract(size_t a, size_t b, bool transA, bool transB) {
  INGOT_RETURN_IF_ERROR(requireRoot(false));
  kir::Dispatch& d = g_.dispatch();
  const ir::Value* va = node_.operand(a);
  const ir::Value* vb = node_.operand(b);
  auto ba = g_.inputBinding(va), bb = g_.inputBinding(vb);
  if (!ba || !bb) return ingot::unsupported("{}: contraction operands must be inputs of the group", node_.label());
  if (d.contraction) return ingot::unsupported("{}: a second contraction in one group", node_.label());
  if (index_ != g_.grid()) return ingot::unsupported("{}: the contraction's result is not the group's iteration space", node_.label());
  const Shape& out = node_.result(0)->shape();
  const Shape& sa = va->shape();
  const Shape& sb = vb->shape();
  const size_t rank = out.size();
  if (rank < 2 || sa.size() < 2 || sb.size() < 2) return ingot::unsupported("{}: contraction of rank < 2", node_.label());
  kir::Contraction c;
  c.a = *ba;
  c.b = *bb;
  c.m = out[rank - 2];
  c.n = out[rank - 1];
  c.k = transA ? sa[sa.size() - 2] : sa[sa.size() - 1];
  const int64_t aCols = sa[sa.size() - 1];
  const int64_t bCols = sb[sb.size() - 1];
  c.aStrideM = transA ? 1 : aCols;
  c.aStrideK = transA ? aCols : 1;
  c.bStrideK = transB ? 1 : bCols;
  c.bStrideN = transB ? bCols : 1;
  // Batch strides: operand dims align to the result's batch dims from the
  // right; a missing or size-1 dim broadcasts (stride 0).
  auto batchStrides = [&](const Shape& s) {
    std::vector<int64_t> strides(rank - 2, 0);
    int64_t stride = s[s.size() - 1] * s[s.size() - 2];
    for (size_t d = s.size() - 2; d-- > 0;) {
      const size_t outDim = d + (rank - s.size());
      if (s[d] != 1) strides[outDim] = stride;
      stride *= s[d];
    }
    return strides;
  };
  c.aBatchStrides = batchStrides(sa);
  c.bBatchStrides = batchStrides(sb);
  c.accDType = node_.result(0)->dtype();
  d.contraction = c;
  return builder().contractAcc(c.accDType);
}

std::vector<ExprId> NodeContext::setGrid(const Shape& extents) {
  std::vector<ExprId> g = builder().setGrid(extents);
  g_.setGridIndex(g);
  return g;
}

Status NodeContext::storeResult(size_t result, const std::vector<ExprId>& index, ExprId value) {
  INGOT_RETURN_IF_ERROR(requireRoot(true));
  const ir::Value* r = node_.result(result);
  auto b = g_.outputBinding(r);
  if (!b) return internalError("{}: result {} is not an output of the group", node_.label(), result);
  builder().store(*b, builder().flatIndex(r->shape(), index), value);
  return Status::ok();
}

LoweredDispatch opaqueDispatch(const ir::Node& n, const Group& context, std::string name) {
  LoweredDispatch out;
  kir::Dispatch& d = out.dispatch;
  d.name = std::move(name);
  d.label = n.label();
  kir::OpaqueOp op;
  op.op = &n.op();
  op.attrs = n.attrs();
  op.label = n.label();
  for (const ir::Value* o : n.operands()) {
    op.operandPresent.push_back(o != nullptr);
    if (!o) continue;
    d.bindings.push_back(kir::Binding{context.bound(o)->name(), o->dtype(), o->shape(), false});
    out.values.push_back(context.bound(o));
  }
  for (const ir::Value* r : n.results()) {
    d.bindings.push_back(kir::Binding{context.bound(r)->name(), r->dtype(), r->shape(), true});
    out.values.push_back(context.bound(r));
  }
  d.opaque = std::move(op);
  return out;
}

class GraphLowerer {
 public:
  Expected<LoweredGraph> run(const ir::Graph& g) {
    for (const auto& node : g.nodes()) {
      if (node->operands().empty() && !node->body()) {
        INGOT_RETURN_IF_ERROR(foldAtCompileTime(*node));
        continue;
      }
      Group group = node->body() ? fusedGroup(*node) : singleNodeGroup(*node, nullptr);
      INGOT_RETURN_IF_ERROR(lowerGroup(group));
    }
    return std::move(out_);
  }

 private:
  std::string nextName(std::string_view kind) {
    std::string clean;
    for (char c : kind) clean += std::isalnum(static_cast<unsigned char>(c)) ? static_cast<char>(std::tolower(c)) : '_';
    return fmt::format("d{}_{}", out_.dispatches.size(), clean);
  }

  Status foldAtCompileTime(const ir::Node& n) {
    INGOT_ASSIGN_OR_RETURN(std::vector<Tensor> values, ir::evaluateNode(n, {}));
    for (size_t i = 0; i < values.size(); ++i) out_.constants.push_back({n.result(i), std::move(values[i])});
    return Status::ok();
  }

  Status lowerGroup(const Group& group) {
    GroupLowerer lowerer(group, nextName(group.kind));
    auto lowered = lowerer.lower();
    if (lowered.ok()) {
      out_.dispatches.push_back(std::move(*lowered));
      return Status::ok();
    }
    if (lowered.status().kind() != ErrorKind::Unsupported) return lowered.status();
    if (group.nodes.size() > 1) {
      out_.notes.push_back(fmt::format("{}: split into {} dispatches: {}", group.label, group.nodes.size(),
                                       lowered.status().message()));
      for (const ir::Node* n : group.nodes) {
        if (n->operands().empty()) {
          INGOT_RETURN_IF_ERROR(foldAtCompileTime(*n));
          continue;
        }
        INGOT_RETURN_IF_ERROR(lowerGroup(singleNodeGroup(*n, &group)));
      }
      return Status::ok();
    }
    out_.notes.push_back(fmt::format("opaque dispatch: {}", lowered.status().message()));
    out_.dispatches.push_back(opaqueDispatch(*group.nodes[0], group, nextName(group.kind)));
    return Status::ok();
  }

  LoweredGraph out_;
};

}  // namespace

size_t LoweredGraph::opaqueCount() const {
  size_t n = 0;
  for (const auto& d : dispatches) n += d.dispatch.opaque.has_value();
  return n;
}

Expected<LoweredGraph> lowerGraph(const ir::Graph& g) { return GraphLowerer().run(g); }

std::string printLoweredGraph(const LoweredGraph& l) {
  std::string out;
  for (const auto& c : l.constants)
    out += fmt::format("constant %{} : {}{}\n", c.value->name(), dtypeName(c.data.dtype()), shapeToString(c.data.shape()));
  for (const auto& d : l.dispatches) out += kir::printDispatch(d.dispatch);
  return out;
}

}  // namespace ingot::passes
