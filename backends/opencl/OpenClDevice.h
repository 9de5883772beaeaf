// The OpenCL backend's device side (runtime only: no compiler): rt::Device,
// rt::Buffer and plan execution on an in-order OpenCL command queue.
//
// Buffers are whole cl_mem objects (at least one byte: OpenCL has no empty
// buffers). A kernel's binding is a byte range of a plan buffer; it is passed
// as the whole buffer plus the range's offset in elements (one argument
// pair per binding, OpenClSource.h), which needs no sub-buffers and so no
// CL_DEVICE_MEM_BASE_ADDR_ALIGN alignment of the plan's offsets.
//
// Per executable and device, on the first run: every kernel's program is
// built (through the on-disk binary cache, OpenClBinaryCache.h) and its
// kernel object made; each kernel's arguments are set when the buffers it
// is bound to differ from the last run's (a Session runs the same bindings
// every time, so they are set once). A run enqueues every step in order and
// waits for the last one's completion event.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "runtime/Device.h"

namespace ingot::backends::opencl {

struct ProviderOptions {
  // Where device binaries are cached; unset: defaultCacheDir()
  // (OpenClBinaryCache.h); "" disables the cache.
  std::optional<std::string> cacheDir;
};

std::unique_ptr<rt::DeviceProvider> makeDeviceProvider(const ProviderOptions& options = {});

// How many of `device`'s kernel programs so far came from the binary cache
// (tests); an error when `device` is not an OpenCL device.
Expected<uint64_t> programsFromCache(const rt::Device& device);

}  // namespace ingot::backends::opencl
