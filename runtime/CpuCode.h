// The "llvm" backend's code in an artifact: an x86-64 ELF relocatable object
// with one function per dispatch (runtime/NativeKernel.h's ABI), the table
// of those functions, and the CPU features the code was built to use.
// Loading it needs no compiler: runtime/ElfLoader.h links the object into
// private memory of this process (no file written, no global symbols, so
// two models never clash).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/Device.h"
#include "runtime/NativeKernel.h"
#include "runtime/Plan.h"

namespace ingot::rt {

struct CpuCode {
  std::string cpu;                    // the LLVM CPU name it was built for ("x86-64-v3", "znver3")
  std::vector<std::string> features;  // x86 features the code may use ("avx2", "fma", ...)
  bool flushDenormals = true;
  std::string object;                     // ELF relocatable object
  std::vector<NativeKernelInfo> kernels;  // kernel i of the plan
};

std::string encodeCpuCode(const CpuCode& code);
Expected<CpuCode> decodeCpuCode(std::string_view bytes);

// The x86 feature names the artifact records and the loader checks (the
// compiler asks its target which of these the code may use).
const std::vector<std::string>& checkedCpuFeatures();
// The features of `features` this CPU lacks (empty: the code can run here).
std::vector<std::string> missingCpuFeatures(const std::vector<std::string>& features);

// Decodes, checks the CPU, loads the object and resolves every kernel's
// symbol: an executable for the host devices of backend "llvm".
Expected<std::shared_ptr<const Executable>> loadCpuCode(std::string_view bytes, const Plan& plan);

}  // namespace ingot::rt
