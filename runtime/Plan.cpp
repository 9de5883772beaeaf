#include "runtime/Plan.h"

#include "support/Status.h"

namespace ingot::rt {

std::string_view bufferRoleName(BufferRole r) {
  switch (r) {
    case BufferRole::Input: return "input";
    case BufferRole::Output: return "output";
    case BufferRole::Constant: return "constant";
    case BufferRole::State: return "state";
    case BufferRole::Temporary: return "temporary";
  }
  return "?";
}

Status Plan::validate(size_t numKernels) const {
  auto bufferOk = [&](uint32_t b) { return b < buffers.size(); };
  for (size_t i = 0; i < buffers.size(); ++i) {
    const PlanBuffer& b = buffers[i];
    if (b.initialData >= 0) {
      if (static_cast<size_t>(b.initialData) >= initialData.size())
        return invalidInput("plan buffer {} ('{}') refers to missing initial data {}", i, b.name, b.initialData);
      if (initialData[b.initialData]->byteSize() != b.bytes)
        return invalidInput("plan buffer {} ('{}') is {} bytes but its initial data is {}", i, b.name,
                            b.bytes, initialData[b.initialData]->byteSize());
    }
  }
  for (size_t i = 0; i < steps.size(); ++i) {
    if (const auto* c = std::get_if<CopyStep>(&steps[i])) {
      if (!bufferOk(c->src) || !bufferOk(c->dst))
        return invalidInput("plan step {}: copy between missing buffers", i);
      if (c->srcOffset > buffers[c->src].bytes || c->bytes > buffers[c->src].bytes - c->srcOffset ||
          c->dstOffset > buffers[c->dst].bytes || c->bytes > buffers[c->dst].bytes - c->dstOffset)
        return invalidInput("plan step {}: copy of {} bytes out of bounds", i, c->bytes);
      if (buffers[c->dst].role == BufferRole::Constant)
        return invalidInput("plan step {}: copy into constant buffer {} ('{}')", i, c->dst, buffers[c->dst].name);
      continue;
    }
    const auto& d = std::get<DispatchStep>(steps[i]);
    if (d.kernel >= numKernels)
      return invalidInput("plan step {}: kernel {} does not exist ({} kernels)", i, d.kernel, numKernels);
    for (const BufferRange& r : d.bindings) {
      if (!bufferOk(r.buffer)) return invalidInput("plan step {}: binding of missing buffer {}", i, r.buffer);
      const uint64_t size = buffers[r.buffer].bytes;
      if (r.offset > size || r.bytes > size - r.offset)
        return invalidInput("plan step {}: binding of {} bytes at offset {} overflows buffer {} ('{}', {} bytes)", i,
                            r.bytes, r.offset, r.buffer, buffers[r.buffer].name, size);
    }
  }
  for (const TensorSlot& s : state)
    if (bufferOk(s.buffer) && buffers[s.buffer].role != BufferRole::State)
      return invalidInput("plan state '{}' is in a {} buffer, not a state buffer", s.name,
                          bufferRoleName(buffers[s.buffer].role));
  for (const auto* slots : {&inputs, &outputs, &state})
    for (const TensorSlot& s : *slots) {
      if (!bufferOk(s.buffer)) return invalidInput("plan tensor '{}' refers to missing buffer {}", s.name, s.buffer);
      uint64_t need = static_cast<uint64_t>(numElements(s.shape)) * dtypeSize(s.dtype);
      if (buffers[s.buffer].bytes < need)
        return invalidInput("plan tensor '{}' needs {} bytes, its buffer has {}", s.name, need,
                            buffers[s.buffer].bytes);
    }
  return Status::ok();
}

}  // namespace ingot::rt
