#include "backends/reference/ReferenceBackend.h"

#include <unordered_map>

#include "ir/OpRegistry.h"
#include "ir/kernel/KernelInterpreter.h"
#include "runtime/HostDevice.h"

namespace ingot::backends::reference {

namespace {

constexpr std::string_view kBackend = "reference";

uint64_t byteSizeOf(const ir::TensorType& t) {
  return static_cast<uint64_t>(numElements(t.shape)) * dtypeSize(t.dtype);
}

class ReferenceProvider final : public rt::DeviceProvider {
 public:
  std::string_view backend() const override { return kBackend; }
  Expected<std::vector<std::unique_ptr<rt::Device>>> enumerate() const override {
    std::vector<std::unique_ptr<rt::Device>> out;
    out.push_back(std::make_unique<rt::HostDevice>(std::string(kBackend), "host",
                                                   "reference interpreter kernels on the host CPU"));
    return out;
  }
};

}  // namespace

Expected<CompiledModel> compileGraph(const ir::Graph& g) {
  CompiledModel m;
  rt::Plan& plan = m.plan;
  std::unordered_map<const ir::Value*, uint32_t> bufferOf;

  auto addBuffer = [&](const ir::Value* v, rt::BufferRole role) {
    uint32_t idx = static_cast<uint32_t>(plan.buffers.size());
    plan.buffers.push_back(rt::PlanBuffer{v->name(), byteSizeOf(v->type()), role, -1});
    bufferOf[v] = idx;
    return idx;
  };

  for (const ir::Value* in : g.inputs()) {
    uint32_t b = addBuffer(in, rt::BufferRole::Input);
    plan.inputs.push_back(rt::TensorSlot{in->name(), in->dtype(), in->shape(), b});
  }
  for (const ir::Value* p : g.params()) {
    uint32_t b = addBuffer(p, rt::BufferRole::State);
    plan.buffers[b].initialData = static_cast<int64_t>(plan.initialData.size());
    plan.initialData.push_back(*p->paramData());
    plan.state.push_back(rt::TensorSlot{p->name(), p->dtype(), p->shape(), b});
  }

  std::vector<std::string> names;
  std::vector<rt::HostKernel> kernels;
  for (const auto& node : g.nodes()) {
    // Each node is one opaque dispatch: the op's reference kernel (or, for a
    // fused node, its body) run by the dispatch interpreter. Everything is
    // copied out of the graph so the executable outlives it.
    auto d = std::make_shared<kir::Dispatch>();
    d->name = fmt::format("{}_{}", node->opName(), kernels.size());
    d->label = node->label();
    kir::OpaqueOp op{&node->op(), node->attrs(), node->label(), {}, nullptr};
    if (node->body()) op.body = node->body()->clone();
    rt::DispatchStep step;
    step.kernel = static_cast<uint32_t>(kernels.size());
    for (const ir::Value* o : node->operands()) {
      op.operandPresent.push_back(o != nullptr);
      if (!o) continue;
      auto it = bufferOf.find(o);
      if (it == bufferOf.end())
        return internalError("{}: operand %{} is not defined before use", node->label(), o->name());
      d->bindings.push_back(kir::Binding{o->name(), o->dtype(), o->shape(), false});
      step.bindings.push_back(rt::BufferRange{it->second, 0, plan.buffers[it->second].bytes});
    }
    for (const ir::Value* r : node->results()) {
      d->bindings.push_back(kir::Binding{r->name(), r->dtype(), r->shape(), true});
      uint32_t b = addBuffer(r, rt::BufferRole::Temporary);
      step.bindings.push_back(rt::BufferRange{b, 0, plan.buffers[b].bytes});
    }
    d->opaque = std::move(op);
    names.push_back(d->name);
    kernels.push_back([d = std::shared_ptr<const kir::Dispatch>(std::move(d))](const rt::HostKernelArgs& args) {
      return kir::interpretDispatch(*d, args.bindings, args.bindingBytes);
    });
    plan.steps.push_back(std::move(step));
  }

  // Each graph output gets its own Output buffer: a node result is written in
  // place; an input, a parameter or a repeated output is copied.
  for (const ir::Value* o : g.outputs()) {
    auto it = bufferOf.find(o);
    if (it == bufferOf.end()) return internalError("output %{} is not defined", o->name());
    rt::PlanBuffer& src = plan.buffers[it->second];
    if (src.role == rt::BufferRole::Temporary) {
      src.role = rt::BufferRole::Output;
      plan.outputs.push_back(rt::TensorSlot{o->name(), o->dtype(), o->shape(), it->second});
      continue;
    }
    uint32_t dst = static_cast<uint32_t>(plan.buffers.size());
    plan.buffers.push_back(rt::PlanBuffer{o->name(), src.bytes, rt::BufferRole::Output, -1});
    plan.steps.push_back(rt::CopyStep{it->second, dst, 0, 0, src.bytes});
    plan.outputs.push_back(rt::TensorSlot{o->name(), o->dtype(), o->shape(), dst});
  }

  // State updates after everything else, all at once: every value has a
  // buffer of its own here, so sources are intact; only a source that is
  // itself an updated parameter (a swap) is snapshotted first.
  std::vector<rt::CopyStep> updates;
  for (const ir::StateUpdate& u : g.stateUpdates()) {
    if (u.param == u.newValue) continue;
    auto dst = bufferOf.find(u.param);
    auto src = bufferOf.find(u.newValue);
    if (dst == bufferOf.end() || src == bufferOf.end())
      return internalError("state update of %{}: no buffer for the parameter or %{}", u.param->name(),
                           u.newValue->name());
    uint32_t from = src->second;
    const uint64_t bytes = plan.buffers[from].bytes;
    if (u.newValue->kind() == ir::ValueKind::Param && u.newValue->updated()) {
      uint32_t snap = static_cast<uint32_t>(plan.buffers.size());
      plan.buffers.push_back(rt::PlanBuffer{u.newValue->name() + ".snapshot", bytes, rt::BufferRole::Temporary, -1});
      plan.steps.push_back(rt::CopyStep{from, snap, 0, 0, bytes});
      from = snap;
    }
    updates.push_back(rt::CopyStep{from, dst->second, 0, 0, bytes});
  }
  for (const rt::CopyStep& c : updates) plan.steps.push_back(c);

  m.executable = std::make_shared<rt::HostExecutable>(std::string(kBackend), std::move(names), std::move(kernels));
  return m;
}

std::unique_ptr<rt::DeviceProvider> makeDeviceProvider() { return std::make_unique<ReferenceProvider>(); }

}  // namespace ingot::backends::reference
