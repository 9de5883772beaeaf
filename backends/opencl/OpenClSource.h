// One dispatch -> one OpenCL C 1.2 program (compiler side of the OpenCL
// backend), rendered by the C-like emitter shared with the Vulkan backend
// (backends/common/CLikeEmitter.h) through the OpenCL dialect.
//
// The ABI between the kernel and the device (OpenClDevice.cpp):
//  - one __kernel function, `entry`, whose arguments are, for each binding i
//    of the dispatch, a __global pointer to the element type (bool is stored
//    as one uchar, as in host tensors; read-only bindings are const) and a
//    long: the binding's offset in elements into that buffer. The kernel
//    offsets the pointer once; the device passes whole buffers, so plan
//    offsets need no sub-buffer alignment;
//  - one work-item per grid point over a 1-D range (the grid flattened
//    row-major); the range is rounded up to whole work-groups and work-items
//    past the last point return;
//  - index arithmetic is 32-bit int where every value it takes provably
//    fits (the launch, the contraction's addresses, each i64 expression:
//    clike::Emitter, kir::IndexRanges) and 64-bit long elsewhere; i64 tensor
//    values are long; double values need cl_khr_fp64, enabled by a pragma
//    only then.
// A float contraction whose output is at least kTile/2 in both dimensions
// runs in work-groups of kTile x kTile (exactly) with tiles of A and B in
// local memory (clike::Emitter::emitTiledContraction); other contractions run
// a plain loop over k per output element. Dispatches of few outputs with long
// reductions run one work-group per grid point (clike::Emitter::
// groupReductionLanes), in work-groups of localSize or fewer: the kernel
// reads its work-group's size, and groups past the last grid point store
// nothing.
#pragma once

#include <cstdint>
#include <string>

#include "ir/kernel/Kernel.h"
#include "support/Status.h"

namespace ingot::backends::opencl {

inline constexpr uint32_t kLocalSize = 64;
inline constexpr int64_t kTile = 16;

struct ClOptions {
  // Local-memory tiles for float contractions large enough to fill them.
  bool tiledContractions = true;
  // One work-group per output for few outputs of long reductions
  // (clike::Emitter::groupReductionLanes). Opt-in (or
  // INGOT_OPENCL_GROUP_REDUCTIONS=1): on PoCL it was slower in every shape
  // measured (a 100,000-element sum 118 -> 193 us), and no GPU was at hand.
  bool groupReductions = false;
};

struct ClSource {
  std::string entry;   // the __kernel function's name
  std::string source;  // the whole program
  uint64_t invocations = 0;
  uint32_t localSize = kLocalSize;
  bool fixedLocalSize = false;
  bool usesF64 = false;
};

// The program's source and launch size, or Unsupported naming what OpenCL C
// cannot express here (opaque ops, f16/bf16).
Expected<ClSource> generateOpenCl(const kir::Dispatch& d, const ClOptions& options = {});

}  // namespace ingot::backends::opencl
