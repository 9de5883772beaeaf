// Internal to backends/llvm: what the JIT (LlvmBackend.cpp) and ahead-of-time
// code emission (CodeEmission.cpp) share: the LLVM target set-up, one module
// holding a function per dispatch, and the optimization pipeline. Includes
// LLVM headers; only this folder's .cpp files include it.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include <llvm/ADT/StringMap.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Module.h>
#include <llvm/Support/Error.h>
#include <llvm/Target/TargetMachine.h>

#include "backends/llvm/Codegen.h"
#include "ir/kernel/Kernel.h"
#include "runtime/NativeKernel.h"
#include "support/Status.h"

namespace ingot::backends::llvm_backend {

// Vector width and register count from a CPU's features ("avx2" -> true).
llvmcg::CodegenTarget targetFromFeatures(const ::llvm::StringMap<bool>& features);
// The same, from a target machine's CPU and feature string.
llvmcg::CodegenTarget targetOf(const ::llvm::TargetMachine& tm);
// Consumes an LLVM error into its message.
std::string errorText(::llvm::Error err);
// Registers the native target once per process (LLVM's registry is global).
Status initNativeTarget();
double msSince(std::chrono::steady_clock::time_point t0);
// "libmvec.so.1" when glibc's vector math library can be used on a CPU with
// these features (AVX2), else null.
const char* vectorMathLibrary(const ::llvm::StringMap<bool>& features);
// The per-module O0..O3 pipeline for the target machine (ModuleBuilder.cpp
// says where it departs from LLVM's).
struct PipelineOptions {
  bool vectorMath = false;     // calls into libmvec (vectorMathLibrary)
  bool slpEverywhere = false;  // LlvmOptions::slpEverywhere
};
void optimizeModule(::llvm::Module& m, ::llvm::TargetMachine& tm, int level, const PipelineOptions& options);
// The symbol of dispatch i's function.
std::string symbolName(size_t i, const std::string& dispatch);

// What the runtime needs to call dispatch i's function (its symbol, binding
// sizes from the static shapes, units, cost and scratch).
rt::NativeKernelInfo nativeKernelInfo(const kir::Dispatch& d, size_t i, const llvmcg::KernelInfo& k);

// A module with one function per non-opaque dispatch (symbolName(i, ...)).
struct BuiltModule {
  std::unique_ptr<::llvm::LLVMContext> context;
  std::unique_ptr<::llvm::Module> module;
  std::vector<llvmcg::KernelInfo> info;  // per dispatch (default for opaque ones)
  size_t compiled = 0, opaque = 0;
};
Expected<BuiltModule> buildModule(const std::vector<kir::Dispatch>& dispatches, const ::llvm::TargetMachine& tm,
                                  const llvmcg::CodegenTarget& target);

}  // namespace ingot::backends::llvm_backend
