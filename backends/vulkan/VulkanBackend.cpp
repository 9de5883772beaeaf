#include "backends/vulkan/VulkanBackend.h"

#include <cstdlib>

#include <fmt/format.h>

#include "backends/common/ProgramBuilder.h"
#include "backends/vulkan/GlslShader.h"
#include "backends/vulkan/SpirvCompiler.h"
#include "backends/vulkan/VulkanExecutable.h"

namespace ingot::backends::vulkan {

namespace {

// Every device's minStorageBufferOffsetAlignment is at most 256 (the
// Vulkan spec's bound), so temporaries planned at multiples of 256 can be
// bound with descriptor offsets on any device.
constexpr uint64_t kBindingAlignment = 256;

}  // namespace

Expected<CompiledKernel> compileDispatch(const kir::Dispatch& d) {
  CompiledKernel k;
  k.name = d.name;
  INGOT_ASSIGN_OR_RETURN(GlslKernel g, generateGlsl(d));
  k.glsl = std::move(g.source);
  // A debugging aid: the generated shaders on stderr.
  if (const char* e = std::getenv("INGOT_VULKAN_PRINT_GLSL"); e && std::string(e) == "1") fmt::print(stderr, "{}\n", k.glsl);
  k.workgroupSize = g.workgroupSize;
  k.invocations = g.invocations;
  INGOT_ASSIGN_OR_RETURN(k.spirv, compileGlsl(k.glsl, d.name));
  return k;
}

Expected<rt::Program> compileGraph(const ir::Graph& g) {
  PipelineOptions options;
  options.memory.alignment = kBindingAlignment;
  INGOT_ASSIGN_OR_RETURN(LoweredProgram lp, compileToDispatches(g, options));
  // Every unsupported dispatch is reported at once.
  std::vector<VulkanKernel> kernels;
  std::string unsupportedOps;
  for (const auto& ld : lp.lowered.dispatches) {
    const kir::Dispatch& d = ld.dispatch;
    auto compiled = compileDispatch(d);
    if (!compiled.ok()) {
      if (compiled.status().kind() != ErrorKind::Unsupported) return compiled.status();
      unsupportedOps += "\n  " + compiled.status().message();
      continue;
    }
    VulkanKernel k;
    k.name = d.name;
    k.spirv = std::move(compiled->spirv);
    k.features = spirvFeatures(k.spirv);
    k.invocations = compiled->invocations;
    k.workgroupSize = compiled->workgroupSize;
    for (const kir::Binding& b : d.bindings) {
      k.bindingBytes.push_back(static_cast<uint64_t>(b.elements()) * dtypeSize(b.dtype));
      k.writes.push_back(b.write);
    }
    kernels.push_back(std::move(k));
  }
  if (!unsupportedOps.empty()) return unsupported("the vulkan backend cannot compile this graph:{}", unsupportedOps);
  rt::Program p;
  p.plan = std::move(lp.plan);
  p.executable = std::make_shared<VulkanExecutable>(std::move(kernels));
  return p;
}

Expected<std::string> emitShaders(const ir::Graph& g, ShaderKind kind) {
  PipelineOptions options;
  options.memory.alignment = kBindingAlignment;
  INGOT_ASSIGN_OR_RETURN(LoweredProgram lp, compileToDispatches(g, options));
  std::string out;
  for (const auto& ld : lp.lowered.dispatches) {
    const kir::Dispatch& d = ld.dispatch;
    auto compiled = compileDispatch(d);
    if (!compiled.ok()) {
      if (compiled.status().kind() != ErrorKind::Unsupported) return compiled.status();
      out += fmt::format("// dispatch {}: not supported on vulkan: {}\n\n", d.name, compiled.status().message());
      continue;
    }
    out += fmt::format("// dispatch {} ({}): {} invocations in workgroups of {}\n", d.name, d.label,
                       compiled->invocations, compiled->workgroupSize);
    out += kind == ShaderKind::Glsl ? compiled->glsl : disassembleSpirv(compiled->spirv);
    out += "\n";
  }
  return out;
}

Expected<rt::EntryCode> compileArtifactCode(const ir::Graph& g) {
  INGOT_ASSIGN_OR_RETURN(rt::Program p, compileGraph(g));
  const auto* exe = dynamic_cast<const VulkanExecutable*>(p.executable.get());
  if (!exe) return internalError("vulkan backend: compileGraph made no VulkanExecutable");
  rt::EntryCode entry;
  entry.backend = std::string(kBackend);
  entry.code = encodeVulkanCode(*exe);
  entry.plan = std::move(p.plan);
  return entry;
}

}  // namespace ingot::backends::vulkan
