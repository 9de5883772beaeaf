#include "backends/vulkan/SpirvCompiler.h"

#include <memory>
#include <mutex>
#include <unordered_map>

#include <glslang/Public/ResourceLimits.h>
#include <glslang/Public/ShaderLang.h>
#include <glslang/SPIRV/GlslangToSpv.h>
#include <spirv-tools/libspirv.hpp>

namespace ingot::backends::vulkan {

namespace {

// glslang's process-wide tables, set up once (a function-local static is
// thread-safe); never finalized, as other users in the process may exist.
void initGlslang() {
  static const bool done = glslang::InitializeProcess();
  (void)done;
}

struct Cache {
  std::mutex mutex;
  std::unordered_map<std::string, std::vector<uint32_t>> modules;
};
Cache& cache() {
  static Cache c;
  return c;
}
// Bounds the cache's memory in long-running processes (a module is a few KiB).
constexpr size_t kMaxCached = 8192;

}  // namespace

Expected<std::vector<uint32_t>> compileGlsl(const std::string& source, const std::string& name) {
  {
    std::lock_guard<std::mutex> lock(cache().mutex);
    if (auto it = cache().modules.find(source); it != cache().modules.end()) return it->second;
  }
  initGlslang();
  glslang::TShader shader(EShLangCompute);
  const char* text = source.c_str();
  shader.setStrings(&text, 1);
  shader.setEnvInput(glslang::EShSourceGlsl, EShLangCompute, glslang::EShClientVulkan, 100);
  shader.setEnvClient(glslang::EShClientVulkan, glslang::EShTargetVulkan_1_1);
  shader.setEnvTarget(glslang::EShTargetSpv, glslang::EShTargetSpv_1_3);
  const auto messages = static_cast<EShMessages>(EShMsgSpvRules | EShMsgVulkanRules);
  if (!shader.parse(GetDefaultResources(), 450, false, messages))
    return internalError("vulkan backend: kernel {}: GLSL does not compile:\n{}\n{}", name, shader.getInfoLog(), source);
  glslang::TProgram program;
  program.addShader(&shader);
  if (!program.link(messages))
    return internalError("vulkan backend: kernel {}: GLSL does not link:\n{}", name, program.getInfoLog());
  std::vector<uint32_t> words;
  glslang::SpvOptions options;
  options.disableOptimizer = true;  // the driver optimizes; validation sees glslang's plain output
  spv::SpvBuildLogger logger;
  glslang::GlslangToSpv(*program.getIntermediate(EShLangCompute), words, &logger, &options);
  if (words.empty()) return internalError("vulkan backend: kernel {}: no SPIR-V: {}", name, logger.getAllMessages());
  if (std::string err = validateSpirv(words); !err.empty())
    return internalError("vulkan backend: kernel {}: SPIR-V does not validate: {}", name, err);
  std::lock_guard<std::mutex> lock(cache().mutex);
  if (cache().modules.size() >= kMaxCached) cache().modules.clear();
  cache().modules.emplace(source, words);
  return words;
}

std::string validateSpirv(const std::vector<uint32_t>& words) {
  spvtools::SpirvTools tools(SPV_ENV_VULKAN_1_1);
  std::string messages;
  tools.SetMessageConsumer([&](spv_message_level_t, const char*, const spv_position_t& pos, const char* m) {
    messages += fmt::format("{}word {}: {}", messages.empty() ? "" : "\n", pos.index, m);
  });
  if (tools.Validate(words)) return "";
  return messages.empty() ? std::string("invalid module") : messages;
}

std::string disassembleSpirv(const std::vector<uint32_t>& words) {
  spvtools::SpirvTools tools(SPV_ENV_VULKAN_1_1);
  std::string text;
  if (!tools.Disassemble(words, &text, SPV_BINARY_TO_TEXT_OPTION_INDENT | SPV_BINARY_TO_TEXT_OPTION_FRIENDLY_NAMES))
    return "; cannot disassemble\n";
  return text;
}

}  // namespace ingot::backends::vulkan
