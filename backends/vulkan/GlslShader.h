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
//  - all index arithmetic is 64-bit (the dispatch form's indices are i64), so
//    every shader needs shaderInt64; f64 values need shaderFloat64.
// A contraction runs a plain loop over k per grid point. The shared-memory
// tiled form (workgroups of kTile x kTile invocations, one output each, tiles
// of A and B staged in shared memory; workgroups flattened like the grid) is
// opt-in with INGOT_VULKAN_TILED_GEMM=1 for float contractions and NOT
// verified: on lavapipe (Mesa 22.3, LLVM 15) code after the barrier()s gives
// wrong results (64-bit comparisons there evaluate wrongly; with those in
// 32 bits results are still wrong), with no validation message. It stays off
// until it is debugged on lavapipe or checked on a GPU. The form itself is
// the shared emitter's (clike::Emitter::emitTiledContraction), and the
// opencl backend's rendering of it matches the reference on PoCL for every
// size the tests try, which points at lavapipe rather than at the kernel.
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
