#include "runtime/Session.h"

#include <algorithm>

namespace ingot::rt {

Expected<std::unique_ptr<Session>> Session::create(Device& device, std::shared_ptr<const Executable> exe,
                                                   Plan plan) {
  if (!exe) return invalidInput("no executable");
  if (!device.accepts(*exe))
    return invalidInput("device {} cannot run code compiled for backend '{}'", device.info().id(),
                        exe->backend());
  INGOT_RETURN_IF_ERROR(plan.validate(exe->numKernels()));
  std::unique_ptr<Session> s(new Session(device, std::move(exe), std::move(plan)));
  for (const PlanBuffer& b : s->plan_.buffers) {
    // Zero-byte tensors still get a (1-byte) buffer so bindings stay valid.
    INGOT_ASSIGN_OR_RETURN(std::unique_ptr<Buffer> buf, device.allocate(std::max<uint64_t>(b.bytes, 1)));
    if (b.initialData >= 0) {
      const Tensor& init = s->plan_.initialData[b.initialData];
      INGOT_RETURN_IF_ERROR(buf->upload(init.rawData(), init.byteSize()));
    }
    s->bufferPtrs_.push_back(buf.get());
    s->buffers_.push_back(std::move(buf));
  }
  s->inputSet_.assign(s->plan_.inputs.size(), false);
  return s;
}

namespace {

bool sameShape(std::span<const int64_t> a, const Shape& b) { return std::equal(a.begin(), a.end(), b.begin(), b.end()); }

}  // namespace

Status Session::setInput(std::string_view name, const Tensor& value) {
  return setInputData(name, value.dtype(), value.shape(), value.rawData());
}

Status Session::setInputData(std::string_view name, DType dtype, std::span<const int64_t> shape, const void* data) {
  for (size_t i = 0; i < plan_.inputs.size(); ++i) {
    const TensorSlot& slot = plan_.inputs[i];
    if (slot.name != name) continue;
    if (dtype != slot.dtype)
      return invalidInput("input '{}': expected dtype {}, got {}", name, dtypeName(slot.dtype), dtypeName(dtype));
    if (!sameShape(shape, slot.shape))
      return invalidInput("input '{}': expected shape {}, got {}", name, shapeToString(slot.shape),
                          shapeToString(Shape(shape.begin(), shape.end())));
    const uint64_t bytes = static_cast<uint64_t>(numElements(slot.shape)) * dtypeSize(slot.dtype);
    INGOT_RETURN_IF_ERROR(buffers_[slot.buffer]->upload(data, bytes));
    inputSet_[i] = true;
    return Status::ok();
  }
  std::string names;
  for (const TensorSlot& s : plan_.inputs) names += (names.empty() ? "" : ", ") + s.name;
  return invalidInput("'{}' is not an input of the model (inputs: {})", name, names);
}

Status Session::readOutput(std::string_view name, DType dtype, std::span<const int64_t> shape, void* data) const {
  for (const TensorSlot& slot : plan_.outputs) {
    if (slot.name != name) continue;
    if (dtype != slot.dtype || !sameShape(shape, slot.shape))
      return invalidInput("output '{}': expected {}{}, got {}{}", name, dtypeName(slot.dtype),
                          shapeToString(slot.shape), dtypeName(dtype), shapeToString(Shape(shape.begin(), shape.end())));
    return buffers_[slot.buffer]->download(data, static_cast<uint64_t>(numElements(slot.shape)) * dtypeSize(slot.dtype));
  }
  std::string names;
  for (const TensorSlot& s : plan_.outputs) names += (names.empty() ? "" : ", ") + s.name;
  return invalidInput("'{}' is not an output of the model (outputs: {})", name, names);
}

Status Session::run() {
  for (size_t i = 0; i < plan_.inputs.size(); ++i)
    if (!inputSet_[i])
      return invalidInput("missing input '{}' ({}{})", plan_.inputs[i].name, dtypeName(plan_.inputs[i].dtype),
                          shapeToString(plan_.inputs[i].shape));
  return device_.execute(*exe_, plan_, bufferPtrs_);
}

Expected<Tensor> Session::output(std::string_view name) const {
  for (const TensorSlot& slot : plan_.outputs) {
    if (slot.name != name) continue;
    Tensor t(slot.dtype, slot.shape);
    INGOT_RETURN_IF_ERROR(buffers_[slot.buffer]->download(t.rawData(), t.byteSize()));
    return t;
  }
  return invalidInput("'{}' is not an output of the model", name);
}

Expected<Tensor> Session::state(std::string_view name) const {
  for (const TensorSlot& slot : plan_.state) {
    if (slot.name != name) continue;
    Tensor t(slot.dtype, slot.shape);
    INGOT_RETURN_IF_ERROR(buffers_[slot.buffer]->download(t.rawData(), t.byteSize()));
    return t;
  }
  return invalidInput("'{}' is not a state tensor of the model", name);
}

Status Session::setState(std::string_view name, const Tensor& value) {
  for (const TensorSlot& slot : plan_.state) {
    if (slot.name != name) continue;
    if (value.dtype() != slot.dtype || value.shape() != slot.shape)
      return invalidInput("state '{}': expected {}{}, got {}{}", name, dtypeName(slot.dtype), shapeToString(slot.shape),
                          dtypeName(value.dtype()), shapeToString(value.shape()));
    return buffers_[slot.buffer]->upload(value.rawData(), value.byteSize());
  }
  return invalidInput("'{}' is not a state tensor of the model", name);
}

Expected<std::vector<Tensor>> Session::outputs() const {
  std::vector<Tensor> out;
  for (const TensorSlot& slot : plan_.outputs) {
    INGOT_ASSIGN_OR_RETURN(Tensor t, output(slot.name));
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace ingot::rt
