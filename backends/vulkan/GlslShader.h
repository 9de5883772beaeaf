// One dispatch -> one GLSL 450 compute shader (compiler side of the Vulkan
// backend; SpirvCompiler.h turns the text into SPIR-V).
//
// The ABI between the shader and the device (VulkanDevice.cpp):
//  - binding i of the dispatch is storage buffer `binding = i` of set 0: a
//    std430 runtime array of the element type (bool is stored as one byte,
//    as in host tensors, through GL_EXT_shader_8bit_storage; small ints use
//    the 8/16-bit storage and arithmetic-type extensions), bound at the
//    plan's byte range for that binding;
//  - one invocation per grid point: the grid is flattened row-major and
//    split over a 2-D grid of workgroups of kWorkgroupSize invocations (the
//    device picks the x count within its limits; the shader reads
//    gl_NumWorkGroups), and invocations past the last point return;
//  - index arithmetic is 32-bit wherever every value it takes provably fits
//    in int32 (clike::Emitter, kir::IndexRanges), else 64-bit; a shader
//    with 64-bit integers (such indices, or i64/u64 tensors) needs
//    shaderInt64, one without does not; f64 values need shaderFloat64.
// A float contraction whose output is at least kTile/2 in both dimensions
// runs in the shared-memory tiled form (workgroups of kTile x kTile
// invocations, one output each, tiles of A and B staged in shared memory;
// workgroups flattened like the grid: clike::Emitter::emitTiledContraction)
// when its indices are 32-bit; other contractions run a plain loop over k
// per grid point. INGOT_VULKAN_TILED_GEMM=0 turns the tiled form off.
// Why only with 32-bit indices: lavapipe (Mesa 22.3, LLVM 15) miscomputes
// the tiled form when 64-bit values (the tile's addresses and the k0 loop
// counter) live across its barrier()s -- outputs of 272 x 256 or 16 x 4096
// come out wrong or unwritten (256 x 256 passes), with no validation
// message. With those
// values in 32 bits (and even with the 64-bit divisions that number the
// work-groups left as they were) results are right at every size tried.
// Dispatches of few outputs with long reductions run in the work-group
// reduction form (clike::Emitter::groupReductionLanes: a workgroup of 64 to
// 256 invocations per grid point, a tree in shared memory), only where no
// 64-bit integer lives across its barriers (f64 values do, and are right on
// lavapipe). It is opt-in, INGOT_VULKAN_GROUP_REDUCTIONS=1: measured slower
// on lavapipe (up to 9x on a 1,000,000-element max), and no GPU was at hand
// to measure the gain it is meant for.
#pragma once

#include <cstdint>
#include <string>

#include "ir/kernel/Kernel.h"
#include "support/Status.h"

namespace ingot::backends::vulkan {

inline constexpr uint32_t kWorkgroupSize = 64;
inline constexpr int64_t kTile = 16;

struct GlslKernel {
  std::string source;
  uint32_t workgroupSize = kWorkgroupSize;
  uint64_t invocations = 0;  // a multiple of workgroupSize or the grid's points; 0: nothing to run
};

// The shader's source and launch size, or Unsupported naming what GLSL
// cannot express (opaque ops, f16/bf16, f64 functions other than exp, log, pow).
Expected<GlslKernel> generateGlsl(const kir::Dispatch& d);

}  // namespace ingot::backends::vulkan
