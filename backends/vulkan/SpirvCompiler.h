// GLSL -> SPIR-V with glslang's C++ API (not shaderc: Debian's shaderc
// crashes beside its glslang, ../shared/TOOLCHAIN.md), then validated with
// SPIRV-Tools for the Vulkan 1.1 environment. Compiler side only: the
// runtime never links glslang.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "support/Status.h"

namespace ingot::backends::vulkan {

// Compiles a compute shader (SPIR-V 1.3, Vulkan 1.1 environment). Results
// are cached by source text within the process, so identical dispatches
// (the same op on the same shapes, common in test suites) compile once.
// `name` is for messages.
Expected<std::vector<uint32_t>> compileGlsl(const std::string& source, const std::string& name);

// spvtools::SpirvTools::Validate for Vulkan 1.1: an empty string when the
// module is valid, else the validator's messages.
std::string validateSpirv(const std::vector<uint32_t>& words);

// The module's text form (spirv-dis), for debugging and `--emit spirv-asm`.
std::string disassembleSpirv(const std::vector<uint32_t>& words);

}  // namespace ingot::backends::vulkan
