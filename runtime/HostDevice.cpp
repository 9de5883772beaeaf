#include "runtime/HostDevice.h"

#include <cstring>
#include <thread>

namespace ingot::rt {

Status HostBuffer::upload(const void* src, uint64_t bytes, uint64_t offset) {
  if (offset > size_ || bytes > size_ - offset)
    return runtimeError("upload of {} bytes at offset {} overflows a {}-byte buffer", bytes, offset, size_);
  if (bytes) std::memcpy(data_ + offset, src, bytes);
  return Status::ok();
}

Status HostBuffer::download(void* dst, uint64_t bytes, uint64_t offset) const {
  if (offset > size_ || bytes > size_ - offset)
    return runtimeError("download of {} bytes at offset {} overflows a {}-byte buffer", bytes, offset, size_);
  if (bytes) std::memcpy(dst, data_ + offset, bytes);
  return Status::ok();
}

HostDevice::HostDevice(std::string backend, std::string name, std::string description, unsigned threads,
                       std::optional<GuardSide> guard)
    : pool_(std::make_unique<ThreadPool>(threads)), guard_(guard) {
  info_.backend = std::move(backend);
  info_.name = std::move(name);
  info_.description = std::move(description);
  info_.computeUnits = pool_->size();
}

Expected<std::unique_ptr<Buffer>> HostDevice::allocate(uint64_t bytes) {
  if (guard_) {
    auto block = GuardedBytes::create(bytes, *guard_);
    if (!block.ok()) return block.status().withContext(info_.id());
    return std::unique_ptr<Buffer>(std::make_unique<HostBuffer>(std::move(block).value()));
  }
  try {
    return std::unique_ptr<Buffer>(std::make_unique<HostBuffer>(bytes));
  } catch (const std::bad_alloc&) {
    return runtimeError("{}: cannot allocate {} bytes of host memory", info_.id(), bytes);
  }
}

std::unique_ptr<Buffer> HostDevice::viewHostMemory(void* data, uint64_t bytes) {
  // Guarded, every buffer a kernel sees lies against an inaccessible page:
  // callers copy into allocate()'s buffers instead of viewing their memory.
  if (guard_) return nullptr;
  return std::make_unique<HostBuffer>(static_cast<std::byte*>(data), bytes);
}

bool HostDevice::accepts(const Executable& exe) const {
  return exe.backend() == info_.backend && dynamic_cast<const HostExecutable*>(&exe) != nullptr;
}

Status HostDevice::execute(const Executable& exe, const Plan& plan, std::span<Buffer* const> buffers) {
  const auto* host = dynamic_cast<const HostExecutable*>(&exe);
  if (!host || !accepts(exe))
    return runtimeError("{}: cannot run a '{}' executable", info_.id(), exe.backend());
  if (buffers.size() != plan.buffers.size())
    return runtimeError("{}: plan has {} buffers, {} bound", info_.id(), plan.buffers.size(), buffers.size());
  // One plan at a time per device (the pool is not reentrant either); the
  // scratch vectors are reused so a run allocates nothing.
  std::lock_guard<std::mutex> lock(executeMutex_);
  std::span<Buffer* const> hb = buffers;
  std::vector<std::byte*>& bind = bindings_;
  std::vector<uint64_t>& sizes = bindingBytes_;
  for (size_t i = 0; i < hb.size(); ++i)
    if (!hb[i] || !hb[i]->hostData()) return runtimeError("{}: buffer {} is not host memory", info_.id(), i);
  for (const PlanStep& step : plan.steps) {
    if (const auto* copy = std::get_if<CopyStep>(&step)) {
      std::memmove(hb[copy->dst]->hostData() + copy->dstOffset, hb[copy->src]->hostData() + copy->srcOffset,
                   copy->bytes);
      continue;
    }
    const auto& d = std::get<DispatchStep>(step);
    bind.clear();
    sizes.clear();
    for (const BufferRange& r : d.bindings) {
      // Session validated the plan against these buffers; check again so a
      // buffer smaller than planned cannot be overrun.
      if (r.offset > hb[r.buffer]->size() || r.bytes > hb[r.buffer]->size() - r.offset)
        return runtimeError("{}: binding overflows buffer {}", info_.id(), r.buffer);
      bind.push_back(hb[r.buffer]->hostData() + r.offset);
      sizes.push_back(r.bytes);
    }
    Status s = host->kernel(d.kernel)(HostKernelArgs{bind, sizes, d, pool_.get()});
    if (!s.isOk()) return s.withContext(fmt::format("kernel '{}'", host->kernelName(d.kernel)));
  }
  return Status::ok();
}

}  // namespace ingot::rt
