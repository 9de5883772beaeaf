// The host device: buffers in host memory, kernels that are host functions.
// The reference and lowered backends run on it with one thread; the LLVM CPU
// backend's devices own a thread pool (runtime/ThreadPool.h) that its
// kernels split large dispatches over.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "runtime/Device.h"
#include "runtime/ThreadPool.h"
#include "support/AlignedBytes.h"
#include "support/GuardedMemory.h"

namespace ingot::rt {

// What a host kernel receives: its bound buffers (in the dispatch's binding
// order, with their sizes), the dispatch itself (grid and constants) and the
// device's thread pool (a kernel may split its work over it; size() 1 means
// run on the calling thread).
struct HostKernelArgs {
  std::span<std::byte* const> bindings;
  std::span<const uint64_t> bindingBytes;
  const DispatchStep& dispatch;
  ThreadPool* pool = nullptr;
};
using HostKernel = std::function<Status(const HostKernelArgs&)>;

class HostExecutable final : public Executable {
 public:
  HostExecutable(std::string backend, std::vector<std::string> names, std::vector<HostKernel> kernels)
      : backend_(std::move(backend)), names_(std::move(names)), kernels_(std::move(kernels)) {}
  std::string_view backend() const override { return backend_; }
  size_t numKernels() const override { return kernels_.size(); }
  std::string kernelName(size_t i) const override { return i < names_.size() ? names_[i] : "?"; }
  const HostKernel& kernel(size_t i) const { return kernels_[i]; }

 private:
  std::string backend_;
  std::vector<std::string> names_;
  std::vector<HostKernel> kernels_;
};

class HostBuffer final : public Buffer {
 public:
  explicit HostBuffer(uint64_t bytes) : owned_(bytes), data_(owned_.data()), size_(bytes) {}
  // A view of caller memory (HostDevice::viewHostMemory), not owned.
  HostBuffer(std::byte* external, uint64_t bytes) : data_(external), size_(bytes) {}
  // Memory against an inaccessible page (HostDevice's guard option), owned.
  explicit HostBuffer(GuardedBytes guarded)
      : guarded_(std::move(guarded)), data_(guarded_->data()), size_(guarded_->size()) {}
  uint64_t size() const override { return size_; }
  Status upload(const void* src, uint64_t bytes, uint64_t offset) override;
  Status download(void* dst, uint64_t bytes, uint64_t offset) const override;
  std::byte* hostData() override { return data_; }

 private:
  AlignedBytes owned_;  // empty for a view
  std::optional<GuardedBytes> guarded_;
  std::byte* data_;
  uint64_t size_;
};

class HostDevice final : public Device {
 public:
  // `backend` names whose executables this device runs ("reference", "llvm");
  // `threads` sizes the device's pool (1: no worker threads). With `guard`,
  // every buffer allocate() makes lies against an inaccessible page on that
  // side (support/GuardedMemory.h): a kernel that reads or writes past it
  // crashes at once instead of corrupting memory, and viewHostMemory gives
  // null (caller memory and plan constants are then copied into guarded
  // buffers). A debugging aid (an mmap per buffer); the CLI's --guard-pages.
  HostDevice(std::string backend, std::string name, std::string description, unsigned threads = 1,
             std::optional<GuardSide> guard = std::nullopt);
  unsigned threads() const { return pool_->size(); }
  const DeviceInfo& info() const override { return info_; }
  Expected<std::unique_ptr<Buffer>> allocate(uint64_t bytes) override;
  bool accepts(const Executable& exe) const override;
  Status execute(const Executable& exe, const Plan& plan, std::span<Buffer* const> buffers) override;
  std::unique_ptr<Buffer> viewHostMemory(void* data, uint64_t bytes) override;

 private:
  DeviceInfo info_;
  std::unique_ptr<ThreadPool> pool_;
  std::optional<GuardSide> guard_;
  std::mutex executeMutex_;
  std::vector<std::byte*> bindings_;
  std::vector<uint64_t> bindingBytes_;
};

}  // namespace ingot::rt
