#include "backends/common/ProgramBuilder.h"

#include <unordered_map>

namespace ingot::backends {

namespace {

// Lays out the runtime plan for a lowered graph and its memory plan.
class PlanLayout {
 public:
  PlanLayout(const ir::Graph& g, const passes::LoweredGraph& l, const passes::MemoryPlan& m)
      : g_(g), lowered_(l), memory_(m) {}

  Expected<rt::Plan> build() {
    for (const ir::Value* in : g_.inputs()) {
      uint32_t b = ownBuffer(in, rt::BufferRole::Input);
      plan_.inputs.push_back(rt::TensorSlot{in->name(), in->dtype(), in->shape(), b});
    }
    for (const ir::Value* p : g_.params()) {
      if (bufferOf_.count(p)) continue;
      // Updated parameters (optimizer moments are frozen) change between runs.
      const bool state = p->trainable() || p->updated();
      uint32_t b = ownBuffer(p, state ? rt::BufferRole::State : rt::BufferRole::Constant);
      plan_.buffers[b].initialData = static_cast<int64_t>(plan_.initialData.size());
      plan_.initialData.push_back(*p->paramData());
      if (state) plan_.state.push_back(rt::TensorSlot{p->name(), p->dtype(), p->shape(), b});
    }
    for (const auto& c : lowered_.constants) {
      if (bufferOf_.count(c.value)) continue;
      uint32_t b = ownBuffer(c.value, rt::BufferRole::Constant);
      plan_.buffers[b].initialData = static_cast<int64_t>(plan_.initialData.size());
      plan_.initialData.push_back(c.data);
    }
    // Outputs a dispatch writes live in their own Output buffer.
    for (const ir::Value* o : g_.outputs()) {
      const passes::ValuePlacement* p = memory_.find(o);
      if (p && p->storage == passes::StorageClass::Output && !bufferOf_.count(o)) ownBuffer(o, rt::BufferRole::Output);
    }
    if (memory_.ownBuffers) {
      // Each temporary alone (MemoryPlanOptions::ownBuffers), in the order
      // the dispatches first bind them.
      for (const passes::LoweredDispatch& ld : lowered_.dispatches)
        for (const ir::Value* v : ld.values) {
          const passes::ValuePlacement* p = memory_.find(v);
          if (p && p->storage == passes::StorageClass::Temporary && !p->stateOf && !bufferOf_.count(v))
            ownBuffer(v, rt::BufferRole::Temporary);
        }
    } else if (memory_.arenaBytes > 0) {
      arena_ = static_cast<uint32_t>(plan_.buffers.size());
      plan_.buffers.push_back(rt::PlanBuffer{"activations", memory_.arenaBytes, rt::BufferRole::Temporary, -1});
    }
    for (size_t i = 0; i < lowered_.dispatches.size(); ++i) {
      const passes::LoweredDispatch& ld = lowered_.dispatches[i];
      rt::DispatchStep step;
      step.kernel = static_cast<uint32_t>(i);
      for (const ir::Value* v : ld.values) {
        INGOT_ASSIGN_OR_RETURN(rt::BufferRange r, rangeOf(v, ld.dispatch.name));
        step.bindings.push_back(r);
      }
      plan_.steps.push_back(std::move(step));
    }
    // Each output slot names an Output buffer; an output no dispatch wrote
    // (an input, a parameter, a constant, a repeated output) is copied.
    std::unordered_map<const ir::Value*, int> seen;
    for (const ir::Value* o : g_.outputs()) {
      auto it = bufferOf_.find(o);
      if (it == bufferOf_.end()) return internalError("output %{} has no buffer", o->name());
      const bool direct = plan_.buffers[it->second].role == rt::BufferRole::Output && seen[o]++ == 0;
      if (direct) {
        plan_.outputs.push_back(rt::TensorSlot{o->name(), o->dtype(), o->shape(), it->second});
        continue;
      }
      const uint64_t bytes = plan_.buffers[it->second].bytes;
      uint32_t dst = static_cast<uint32_t>(plan_.buffers.size());
      plan_.buffers.push_back(rt::PlanBuffer{o->name(), bytes, rt::BufferRole::Output, -1});
      plan_.steps.push_back(rt::CopyStep{it->second, dst, 0, 0, bytes});
      plan_.outputs.push_back(rt::TensorSlot{o->name(), o->dtype(), o->shape(), dst});
    }
    INGOT_RETURN_IF_ERROR(appendStateUpdates());
    return std::move(plan_);
  }

 private:
  // After the dispatches and the output copies (outputs see the values of
  // this run), one copy per update from its source into the parameter's
  // State buffer. Memory planning kept temporary sources alive to the end.
  // Updates are simultaneous: a source that is itself an updated parameter
  // (a swap) is first snapshotted, so no copy reads a value already replaced.
  Status appendStateUpdates() {
    std::vector<std::pair<rt::BufferRange, uint32_t>> copies;
    for (const ir::StateUpdate& u : g_.stateUpdates()) {
      if (u.newValue == u.param) continue;
      // Written straight into the parameter's buffer by its dispatch.
      if (const passes::ValuePlacement* p = memory_.find(u.newValue); p && p->stateOf == u.param) continue;
      auto dst = bufferOf_.find(u.param);
      if (dst == bufferOf_.end() || plan_.buffers[dst->second].role != rt::BufferRole::State)
        return internalError("state update of %{}: the parameter has no State buffer", u.param->name());
      INGOT_ASSIGN_OR_RETURN(rt::BufferRange src, rangeOf(u.newValue, "update of %" + u.param->name()));
      if (u.newValue->kind() == ir::ValueKind::Param && u.newValue->updated()) {
        uint32_t snap = static_cast<uint32_t>(plan_.buffers.size());
        plan_.buffers.push_back(
            rt::PlanBuffer{u.newValue->name() + ".snapshot", src.bytes, rt::BufferRole::Temporary, -1});
        plan_.steps.push_back(rt::CopyStep{src.buffer, snap, src.offset, 0, src.bytes});
        src = rt::BufferRange{snap, 0, src.bytes};
      }
      copies.emplace_back(src, dst->second);
    }
    for (const auto& [src, dst] : copies) plan_.steps.push_back(rt::CopyStep{src.buffer, dst, src.offset, 0, src.bytes});
    return Status::ok();
  }

  uint32_t ownBuffer(const ir::Value* v, rt::BufferRole role) {
    uint32_t b = static_cast<uint32_t>(plan_.buffers.size());
    const uint64_t bytes = static_cast<uint64_t>(numElements(v->shape())) * dtypeSize(v->dtype());
    plan_.buffers.push_back(rt::PlanBuffer{v->name(), bytes, role, -1});
    bufferOf_.emplace(v, b);
    return b;
  }

  Expected<rt::BufferRange> rangeOf(const ir::Value* v, const std::string& dispatch) const {
    const uint64_t bytes = static_cast<uint64_t>(numElements(v->shape())) * dtypeSize(v->dtype());
    if (auto it = bufferOf_.find(v); it != bufferOf_.end()) return rt::BufferRange{it->second, 0, bytes};
    const passes::ValuePlacement* p = memory_.find(v);
    if (p && p->stateOf) {
      auto it = bufferOf_.find(p->stateOf);
      if (it == bufferOf_.end()) return internalError("dispatch {}: %{} has no State buffer", dispatch, p->stateOf->name());
      return rt::BufferRange{it->second, 0, bytes};
    }
    if (!p || p->storage != passes::StorageClass::Temporary || !arena_)
      return internalError("dispatch {}: %{} has no planned storage", dispatch, v->name());
    return rt::BufferRange{*arena_, p->offset, bytes};
  }

  const ir::Graph& g_;
  const passes::LoweredGraph& lowered_;
  const passes::MemoryPlan& memory_;
  rt::Plan plan_;
  std::unordered_map<const ir::Value*, uint32_t> bufferOf_;
  std::optional<uint32_t> arena_;
};

}  // namespace

Expected<std::unique_ptr<ir::Graph>> optimizeGraph(const ir::Graph& g, const PipelineOptions& options,
                                                   std::vector<passes::PassRunStats>* stats) {
  std::unique_ptr<ir::Graph> copy = g.clone();
  passes::PassOptions po = options.passOptions;
  if (options.optimize) {
    passes::PassManager pm(po);
    INGOT_RETURN_IF_ERROR(pm.addStandardPipeline());
    INGOT_RETURN_IF_ERROR(pm.run(*copy).status());
    if (stats) stats->insert(stats->end(), pm.stats().begin(), pm.stats().end());
  }
  if (options.fuse) {
    po.maxIterations = 1;
    passes::PassManager pm(po);
    pm.addPass(passes::createFusionPass(options.fusionReport));
    INGOT_RETURN_IF_ERROR(pm.run(*copy).status());
    if (stats) stats->insert(stats->end(), pm.stats().begin(), pm.stats().end());
  }
  return copy;
}

Expected<LoweredProgram> buildProgram(std::unique_ptr<ir::Graph> graph, const passes::MemoryPlanOptions& memory) {
  LoweredProgram p;
  INGOT_ASSIGN_OR_RETURN(p.lowered, passes::lowerGraph(*graph));
  INGOT_ASSIGN_OR_RETURN(p.memory, passes::planMemory(*graph, p.lowered, memory));
  INGOT_ASSIGN_OR_RETURN(p.plan, PlanLayout(*graph, p.lowered, p.memory).build());
  p.graph = std::move(graph);
  return p;
}

Expected<LoweredProgram> compileToDispatches(const ir::Graph& g, const PipelineOptions& options) {
  std::vector<passes::PassRunStats> stats;
  INGOT_ASSIGN_OR_RETURN(std::unique_ptr<ir::Graph> optimized, optimizeGraph(g, options, &stats));
  INGOT_ASSIGN_OR_RETURN(LoweredProgram p, buildProgram(std::move(optimized), options.memory));
  p.passStats = std::move(stats);
  return p;
}

}  // namespace ingot::backends
