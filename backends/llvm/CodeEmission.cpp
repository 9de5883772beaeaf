// Ahead-of-time code for the llvm backend: the module the JIT would compile,
// built for a chosen CPU and printed as LLVM IR, assembly or an object file.
#include <llvm/IR/LegacyPassManager.h>
#include <llvm/MC/TargetRegistry.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/TargetParser/Host.h>
#include <llvm/TargetParser/Triple.h>
#include <llvm/TargetParser/X86TargetParser.h>

#include "backends/common/ProgramBuilder.h"
#include "backends/llvm/LlvmBackend.h"
#include "backends/llvm/ModuleBuilder.h"

namespace ingot::backends::llvm_backend {

std::vector<std::string> knownCpuNames() {
  std::vector<std::string> out = {"native"};
  ::llvm::SmallVector<::llvm::StringRef, 64> names;
  ::llvm::X86::fillValidCPUArchList(names, /*Only64Bit=*/true);
  for (::llvm::StringRef n : names) out.push_back(n.str());
  return out;
}

namespace {

Expected<std::unique_ptr<::llvm::TargetMachine>> targetMachine(const std::string& cpu, int level) {
  INGOT_RETURN_IF_ERROR(initNativeTarget());
  const std::string triple = ::llvm::sys::getProcessTriple();
  std::string err;
  const ::llvm::Target* target = ::llvm::TargetRegistry::lookupTarget(triple, err);
  if (!target) return internalError("llvm backend: no target for {}: {}", triple, err);
  std::string cpuName = cpu, features;
  if (cpu == "native") {
    cpuName = ::llvm::sys::getHostCPUName().str();
    for (const auto& f : ::llvm::sys::getHostCPUFeatures()) features += (f.second ? ",+" : ",-") + f.first().str();
  } else {
    const std::vector<std::string> known = knownCpuNames();
    if (std::find(known.begin(), known.end(), cpu) == known.end())
      return invalidInput("--cpu {}: not a CPU LLVM knows for {} (try native, x86-64, x86-64-v2, x86-64-v3, x86-64-v4)",
                          cpu, triple);
  }
  ::llvm::TargetOptions to;
  std::unique_ptr<::llvm::TargetMachine> tm(target->createTargetMachine(
      triple, cpuName, features.empty() ? "" : features.substr(1), to, ::llvm::Reloc::PIC_, std::nullopt,
      level == 0 ? ::llvm::CodeGenOptLevel::None : ::llvm::CodeGenOptLevel::Aggressive));
  if (!tm) return internalError("llvm backend: cannot create a target machine for {} ({})", triple, cpuName);
  return tm;
}

}  // namespace

Expected<std::string> emitCode(const ir::Graph& g, const CodeOptions& options) {
  INGOT_ASSIGN_OR_RETURN(LoweredProgram lp, compileToDispatches(g));
  std::vector<kir::Dispatch> dispatches;
  for (auto& ld : lp.lowered.dispatches) dispatches.push_back(std::move(ld.dispatch));
  const int level = std::clamp(options.optLevel, 0, 3);
  INGOT_ASSIGN_OR_RETURN(std::unique_ptr<::llvm::TargetMachine> tm, targetMachine(options.cpu, level));
  const llvmcg::CodegenTarget target = targetOf(*tm);
  INGOT_ASSIGN_OR_RETURN(BuiltModule built, buildModule(dispatches, *tm, target));
  // libmvec only where the chosen CPU has AVX2 (its entry points need it).
  ::llvm::StringMap<bool> features;
  features["avx2"] = target.vectorBytes >= 32;
  optimizeModule(*built.module, *tm, level, vectorMathLibrary(features) != nullptr);

  std::string out;
  ::llvm::raw_string_ostream os(out);
  if (options.kind == CodeKind::LlvmIr) {
    built.module->print(os, nullptr);
    return out;
  }
  ::llvm::SmallVector<char, 0> buffer;
  ::llvm::raw_svector_ostream bos(buffer);
  ::llvm::legacy::PassManager pm;
  const auto fileType =
      options.kind == CodeKind::Object ? ::llvm::CodeGenFileType::ObjectFile : ::llvm::CodeGenFileType::AssemblyFile;
  if (tm->addPassesToEmitFile(pm, bos, nullptr, fileType))
    return internalError("llvm backend: the target cannot emit {}", options.kind == CodeKind::Object ? "objects" : "assembly");
  pm.run(*built.module);
  return std::string(buffer.begin(), buffer.end());
}

}  // namespace ingot::backends::llvm_backend
