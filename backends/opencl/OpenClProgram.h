// Building one kernel of an OpenClExecutable on one device: its program
// (from the on-disk binary cache when it holds a valid binary for this
// device, driver and source; else from source, whose binary is then cached),
// the kernel object, and its launch size within the device's limits.
// Device-side code.
#pragma once

#include <cstddef>

#include "backends/opencl/OpenClBinaryCache.h"
#include "backends/opencl/OpenClContext.h"
#include "backends/opencl/OpenClExecutable.h"

namespace ingot::backends::opencl {

struct BuiltKernel {
  cl_program program = nullptr;
  cl_kernel kernel = nullptr;
  size_t localSize = 1;   // work-items per work-group
  size_t globalSize = 0;  // invocations rounded up to whole work-groups
  bool fromCache = false; // the program came from a cached binary
  // The program's binary goes into the cache after the kernel's first run:
  // drivers such as PoCL compile the work-group function at the first
  // launch, and only then does the binary hold it.
  bool storePending = false;
};

// A failed build is Unsupported (this device cannot run the kernel) with the
// driver's build log and the dispatch's name; on failure nothing is leaked.
Expected<BuiltKernel> buildKernel(const Context& ctx, const OpenClKernel& k, const BinaryCache& cache);
void releaseKernel(const ClFns& f, BuiltKernel& k);
// Stores k's program binary in the cache (storePending: after its first run).
void storeBinary(const Context& ctx, const OpenClKernel& k, BuiltKernel& built, const BinaryCache& cache);

}  // namespace ingot::backends::opencl
