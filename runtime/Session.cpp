#include "runtime/Session.h"

#include <algorithm>
#include <cstdint>
#include <variant>

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
    INGOT_ASSIGN_OR_RETURN(std::unique_ptr<Buffer> buf, s->bufferFor(b));
    s->bufferPtrs_.push_back(buf.get());
    s->buffers_.push_back(std::move(buf));
  }
  s->inputSet_.assign(s->plan_.inputs.size(), false);
  s->prepareCallerViews();
  return s;
}

void Session::prepareCallerViews() {
  // How many signature slots name each buffer, and which buffers copies write.
  std::vector<int> slotUses(plan_.buffers.size(), 0);
  std::vector<bool> copiedInto(plan_.buffers.size(), false);
  for (const auto* slots : {&plan_.inputs, &plan_.outputs, &plan_.state})
    for (const TensorSlot& slot : *slots) ++slotUses[slot.buffer];
  for (const PlanStep& step : plan_.steps)
    if (const auto* copy = std::get_if<CopyStep>(&step)) copiedInto[copy->dst] = true;
  auto describe = [&](const std::vector<TensorSlot>& slots, BufferRole role, bool readOnly,
                      std::vector<uint64_t>& bytes, std::vector<bool>& viewable) {
    for (const TensorSlot& slot : slots) {
      const PlanBuffer& b = plan_.buffers[slot.buffer];
      const uint64_t n = static_cast<uint64_t>(numElements(slot.shape)) * dtypeSize(slot.dtype);
      bytes.push_back(n);
      viewable.push_back(n > 0 && b.bytes == n && b.role == role && b.initialData < 0 &&
                         slotUses[slot.buffer] == 1 && !(readOnly && copiedInto[slot.buffer]));
    }
  };
  describe(plan_.inputs, BufferRole::Input, true, inputBytes_, inputViewable_);
  describe(plan_.outputs, BufferRole::Output, false, outputBytes_, outputViewable_);
  inputViews_.resize(plan_.inputs.size());
  outputViews_.resize(plan_.outputs.size());
  outputCopied_.assign(plan_.outputs.size(), false);
  runBufferPtrs_ = bufferPtrs_;
}

namespace {

// Caller memory and a plan's constants are bound in place only when aligned
// as the session's own buffers are (operator new's alignment), so no kernel
// sees weaker alignment than it was tested with.
bool alignedForView(const void* p) { return reinterpret_cast<uintptr_t>(p) % __STDCPP_DEFAULT_NEW_ALIGNMENT__ == 0; }

bool overlaps(const void* a, uint64_t aBytes, const void* b, uint64_t bBytes) {
  const auto x = reinterpret_cast<uintptr_t>(a), y = reinterpret_cast<uintptr_t>(b);
  return x < y + bBytes && y < x + aBytes;
}

bool sameShape(std::span<const int64_t> a, const Shape& b) { return std::equal(a.begin(), a.end(), b.begin(), b.end()); }

}  // namespace

Expected<std::unique_ptr<Buffer>> Session::bufferFor(const PlanBuffer& b) {
  // Zero-byte tensors still get a (1-byte) buffer so bindings stay valid.
  const uint64_t allocated = std::max<uint64_t>(b.bytes, 1);
  if (b.initialData < 0) return device_.allocate(allocated);
  const Tensor& init = *plan_.initialData[b.initialData];
  // A Constant buffer is never written (Plan::validate refuses copies into
  // one; compilers bind constants read-only), so where the device addresses
  // host memory it views the plan's shared data instead of copying it: every
  // session of every entry point then reads the same bytes. The view is
  // const only by that contract, hence the cast. State is written by
  // training steps and setState: each session has its own copy.
  if (b.role == BufferRole::Constant && b.bytes > 0 && alignedForView(init.rawData()))
    if (std::unique_ptr<Buffer> view = device_.viewHostMemory(const_cast<std::byte*>(init.rawData()), b.bytes))
      return view;
  INGOT_ASSIGN_OR_RETURN(std::unique_ptr<Buffer> buf, device_.allocate(allocated));
  INGOT_RETURN_IF_ERROR(buf->upload(init.rawData(), init.byteSize()));
  return buf;
}

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

Buffer* Session::viewOf(CallerView& view, const void* data, uint64_t bytes) {
  if (view.buffer && view.data == data) return view.buffer.get();
  // The view is handed to kernels that may write it only for outputs;
  // inputs' buffers are read-only in the plan (prepareCallerViews).
  view.buffer = device_.viewHostMemory(const_cast<void*>(data), bytes);
  view.data = view.buffer ? data : nullptr;
  return view.buffer.get();
}

Status Session::runWithData(std::span<const void* const> inputs, std::span<void* const> outputs) {
  if (inputs.size() != plan_.inputs.size() || outputs.size() > plan_.outputs.size())
    return invalidInput("{} inputs and {} outputs bound; the plan has {} and {}", inputs.size(), outputs.size(),
                        plan_.inputs.size(), plan_.outputs.size());
  for (size_t i = 0; i < inputs.size(); ++i) {
    const uint32_t b = plan_.inputs[i].buffer;
    Buffer* view = inputViewable_[i] && alignedForView(inputs[i]) ? viewOf(inputViews_[i], inputs[i], inputBytes_[i])
                                                                  : nullptr;
    runBufferPtrs_[b] = view ? view : bufferPtrs_[b];
    if (!view) {
      INGOT_RETURN_IF_ERROR(buffers_[b]->upload(inputs[i], inputBytes_[i]));
      inputSet_[i] = true;
    }
  }
  for (size_t o = 0; o < plan_.outputs.size(); ++o) {
    const uint32_t b = plan_.outputs[o].buffer;
    runBufferPtrs_[b] = bufferPtrs_[b];
    outputCopied_[o] = false;
    if (o >= outputs.size() || !outputs[o]) continue;
    // Kernels writing memory another bound tensor occupies would change what
    // they read (or each other's results): such an output is copied after the run.
    bool alone = outputViewable_[o] && alignedForView(outputs[o]);
    for (size_t i = 0; alone && i < inputs.size(); ++i)
      alone = !overlaps(outputs[o], outputBytes_[o], inputs[i], inputBytes_[i]);
    for (size_t k = 0; alone && k < outputs.size(); ++k)
      alone = k == o || !outputs[k] || !overlaps(outputs[o], outputBytes_[o], outputs[k], outputBytes_[k]);
    Buffer* view = alone ? viewOf(outputViews_[o], outputs[o], outputBytes_[o]) : nullptr;
    if (view) runBufferPtrs_[b] = view;
    outputCopied_[o] = view == nullptr;
  }
  INGOT_RETURN_IF_ERROR(device_.execute(*exe_, plan_, runBufferPtrs_));
  for (size_t o = 0; o < outputs.size(); ++o)
    if (outputCopied_[o]) INGOT_RETURN_IF_ERROR(buffers_[plan_.outputs[o].buffer]->download(outputs[o], outputBytes_[o]));
  return Status::ok();
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
