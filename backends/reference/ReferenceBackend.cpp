#include "backends/reference/ReferenceBackend.h"

#include <cstring>
#include <unordered_map>

#include "ir/Interpreter.h"
#include "ir/OpRegistry.h"
#include "runtime/HostDevice.h"

namespace ingot::backends::reference {

namespace {

constexpr std::string_view kBackend = "reference";

uint64_t byteSizeOf(const ir::TensorType& t) {
  return static_cast<uint64_t>(numElements(t.shape)) * dtypeSize(t.dtype);
}

// Everything a node's kernel needs, copied out of the graph so the
// executable outlives it.
struct NodeKernel {
  const ir::OpDef* op;
  ir::AttrMap attrs;
  std::string label;
  std::vector<std::optional<ir::TensorType>> operandTypes;  // nullopt: absent
  std::vector<ir::TensorType> resultTypes;
  // A fused node's body (its own copy: the executable outlives the graph).
  std::shared_ptr<const ir::Graph> body;

  Status operator()(const rt::HostKernelArgs& args) const {
    // Bindings: present operands in order, then results.
    std::vector<Tensor> inputs;
    inputs.reserve(operandTypes.size());
    std::vector<const Tensor*> inputPtrs;
    std::vector<const ir::TensorType*> typePtrs;
    size_t b = 0;
    for (const auto& t : operandTypes) {
      if (!t) {
        inputPtrs.push_back(nullptr);
        typePtrs.push_back(nullptr);
        continue;
      }
      Tensor in(t->dtype, t->shape);
      // Zero-element tensors have no storage: nothing to copy.
      if (in.byteSize()) std::memcpy(in.rawData(), args.bindings[b], in.byteSize());
      ++b;
      inputs.push_back(std::move(in));
      inputPtrs.push_back(&inputs.back());
      typePtrs.push_back(&*t);
    }
    std::vector<Tensor> out;
    if (body) {
      std::map<std::string, Tensor, std::less<>> named;
      for (size_t i = 0; i < body->inputs().size() && i < inputPtrs.size(); ++i)
        if (inputPtrs[i]) named.emplace(body->inputs()[i]->name(), *inputPtrs[i]);
      INGOT_ASSIGN_OR_RETURN(out, ir::interpretGraph(*body, named));
    } else {
      ir::OpContext ctx(*op, attrs, typePtrs, label);
      INGOT_ASSIGN_OR_RETURN(out, op->reference(ctx, inputPtrs, resultTypes));
    }
    if (out.size() != resultTypes.size())
      return internalError("{}: kernel returned {} results, expected {}", label, out.size(), resultTypes.size());
    for (size_t i = 0; i < out.size(); ++i) {
      if (out[i].byteSize() != byteSizeOf(resultTypes[i]) || args.bindingBytes[b + i] < out[i].byteSize())
        return internalError("{}: result {} has the wrong size", label, i);
      if (out[i].byteSize()) std::memcpy(args.bindings[b + i], out[i].rawData(), out[i].byteSize());
    }
    return Status::ok();
  }
};

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
    NodeKernel k{&node->op(), node->attrs(), node->label(), {}, {}, nullptr};
    if (node->body()) k.body = node->body()->clone();
    rt::DispatchStep step;
    step.kernel = static_cast<uint32_t>(kernels.size());
    for (const ir::Value* o : node->operands()) {
      if (!o) {
        k.operandTypes.push_back(std::nullopt);
        continue;
      }
      auto it = bufferOf.find(o);
      if (it == bufferOf.end())
        return internalError("{}: operand %{} is not defined before use", node->label(), o->name());
      k.operandTypes.push_back(o->type());
      step.bindings.push_back(rt::BufferRange{it->second, 0, plan.buffers[it->second].bytes});
    }
    for (const ir::Value* r : node->results()) {
      k.resultTypes.push_back(r->type());
      uint32_t b = addBuffer(r, rt::BufferRole::Temporary);
      step.bindings.push_back(rt::BufferRange{b, 0, plan.buffers[b].bytes});
    }
    names.push_back(fmt::format("{}_{}", node->opName(), kernels.size()));
    kernels.push_back(std::move(k));
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
