// Host machine code that follows the CPU dispatch ABI the llvm backend
// generates (backends/llvm/Codegen.h): one function per dispatch,
//   void kernel(std::byte* const* bindings, int64_t begin, int64_t end, std::byte* scratch)
// computing work units [begin, end). The JIT (backends/llvm) and kernels
// loaded from an artifact (runtime/CpuCode.h) both run through
// runNativeKernel, so splitting over threads and the checks are one code.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "runtime/ThreadPool.h"
#include "support/Status.h"

namespace ingot::rt {

using NativeKernelFn = void (*)(std::byte* const*, int64_t, int64_t, std::byte*);

// What the runtime needs to know to call a kernel.
struct NativeKernelInfo {
  std::string name;                    // the dispatch's name (for messages)
  std::string symbol;                  // its function's symbol in the object code
  std::vector<uint64_t> bindingBytes;  // each binding's size from its static shape
  int64_t units = 1;                   // work units: call with ranges inside [0, units)
  double nsPerUnit = 1;                // rough cost of one unit, to decide whether to split
  uint64_t scratchBytes = 0;           // scratch one call needs (any range)
};

// Runs a kernel over all its units. Refuses bindings smaller than the static
// shapes (the code would access out of range). With a pool of more than one
// thread, a dispatch whose estimated work is large enough is split into
// contiguous unit ranges; small ones run on the calling thread. Subnormals
// are flushed to zero while it runs when `flushDenormals`
// (runtime/FloatEnvironment.h says why).
Status runNativeKernel(NativeKernelFn fn, const NativeKernelInfo& k, bool flushDenormals,
                       std::span<std::byte* const> bindings, std::span<const uint64_t> bytes, ThreadPool* pool);

}  // namespace ingot::rt
