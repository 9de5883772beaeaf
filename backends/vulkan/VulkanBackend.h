// The Vulkan compute backend (issue 7). Compiler side: the shared pipeline
// (backends/common: passes, fusion, lowering, memory planning), then every
// dispatch becomes a GLSL compute shader (GlslShader.h) compiled to SPIR-V
// with glslang and checked by the SPIR-V validator (SpirvCompiler.h).
// Device side: VulkanDevice.h (libvulkan.so.1 loaded with dlopen).
//
// Dispatches without a loop-level form (opaque ops: TopK, NMS, ...) cannot
// run on a Vulkan device -- there is no library kernel for them there -- so
// compiling a graph that has one fails with an Unsupported status naming the
// op (the conformance runners report such cases as unsupported on vulkan).
//
// This header includes neither glslang nor Vulkan.
#pragma once

#include <string>
#include <vector>

#include "backends/vulkan/VulkanDevice.h"
#include "ir/Graph.h"
#include "ir/kernel/Kernel.h"
#include "runtime/Artifact.h"
#include "runtime/Plan.h"

namespace ingot::backends::vulkan {

// The compiled form of one dispatch, with its sources (for tests and
// inspection).
struct CompiledKernel {
  std::string name;
  std::string glsl;
  std::vector<uint32_t> spirv;
  uint32_t workgroupSize = 0;
  uint64_t invocations = 0;  // the launch: ceil(invocations / workgroupSize) workgroups
};

// GLSL -> SPIR-V for one dispatch; Unsupported for opaque dispatches and
// what GLSL cannot express.
Expected<CompiledKernel> compileDispatch(const kir::Dispatch& d);

Expected<rt::Program> compileGraph(const ir::Graph& g);
// An artifact entry point (runtime/Artifact.h) for backend "vulkan": the
// plan and the encoded SPIR-V kernels (encodeVulkanCode).
Expected<rt::EntryCode> compileArtifactCode(const ir::Graph& g);

// Every dispatch's shader as GLSL, or its SPIR-V disassembled (`ingot
// compile --target vulkan --emit glsl|spirv-asm`), each under a comment line
// naming the dispatch and its launch; unsupported dispatches are listed as
// such instead of failing the whole listing.
enum class ShaderKind { Glsl, SpirvAssembly };
Expected<std::string> emitShaders(const ir::Graph& g, ShaderKind kind);

}  // namespace ingot::backends::vulkan
