// The runtime's object model (after IREE's HAL): a Device allocates Buffers
// and executes a Plan of dispatches into an Executable's kernels. Backends
// implement these interfaces; the runtime core knows nothing of how a kernel
// was compiled.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "runtime/Plan.h"
#include "support/Status.h"

namespace ingot::rt {

struct DeviceInfo {
  std::string backend;      // "reference", "llvm", "vulkan", "opencl"
  std::string name;         // the driver's device name
  int index = 0;            // among the backend's devices
  std::string description;  // one line: vendor, driver, limits
  bool supportsF64 = true;
  uint64_t memoryBytes = 0;  // 0 when unknown
  uint32_t computeUnits = 1;
  std::string id() const { return backend + ":" + std::to_string(index); }
};

// Device memory. Upload/download copy between host memory and the buffer.
class Buffer {
 public:
  virtual ~Buffer() = default;
  virtual uint64_t size() const = 0;
  virtual Status upload(const void* src, uint64_t bytes, uint64_t offset = 0) = 0;
  virtual Status download(void* dst, uint64_t bytes, uint64_t offset = 0) const = 0;
  // The buffer's bytes when kernels on the host address them directly
  // (host devices), else null. A virtual call instead of a dynamic_cast per
  // buffer per run (which was ~780 of the batch-1 MLP's ~23,000 instructions).
  virtual std::byte* hostData() { return nullptr; }
};

// A compiled unit a device can run: a set of kernels addressed by index.
class Executable {
 public:
  virtual ~Executable() = default;
  virtual std::string_view backend() const = 0;
  virtual size_t numKernels() const = 0;
  virtual std::string kernelName(size_t i) const = 0;
};

class Device {
 public:
  virtual ~Device() = default;
  virtual const DeviceInfo& info() const = 0;
  virtual Expected<std::unique_ptr<Buffer>> allocate(uint64_t bytes) = 0;
  // Whether this device can run kernels of `exe` (same backend).
  virtual bool accepts(const Executable& exe) const = 0;
  // Runs every step of the plan in order; `buffers` parallels plan.buffers.
  // Returns after the results are visible to download().
  virtual Status execute(const Executable& exe, const Plan& plan,
                         std::span<Buffer* const> buffers) = 0;
  // A buffer over `bytes` of the caller's host memory that execute() accepts
  // in place of one of this device's buffers, so kernels read and write that
  // memory with no copy (Session::runWithData; Session::create binds a
  // plan's constants this way, read-only); null when the device cannot
  // address host memory (a GPU) or will not (a host device guarding its
  // buffers). The memory must outlive the buffer.
  virtual std::unique_ptr<Buffer> viewHostMemory(void* data, uint64_t bytes) {
    (void)data;
    (void)bytes;
    return nullptr;
  }
};

// A backend's device side: enumerates its devices, or says why there are none
// (no driver, no loader library) so `ingot devices` can tell the user.
class DeviceProvider {
 public:
  virtual ~DeviceProvider() = default;
  virtual std::string_view backend() const = 0;
  virtual Expected<std::vector<std::unique_ptr<Device>>> enumerate() const = 0;
};

}  // namespace ingot::rt
