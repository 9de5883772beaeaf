// Ahead-of-time code for the llvm backend: the module the JIT would compile,
// built for a chosen CPU and printed as LLVM IR, assembly or an object file.
#include <llvm/IR/LegacyPassManager.h>
#include <llvm/MC/MCSubtargetInfo.h>
#include <llvm/MC/TargetRegistry.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/TargetParser/Host.h>
#include <llvm/TargetParser/Triple.h>
#include <llvm/TargetParser/X86TargetParser.h>

#include "backends/common/ProgramBuilder.h"
#include "backends/llvm/LlvmBackend.h"
#include "backends/llvm/ModuleBuilder.h"
#include "runtime/CpuCode.h"

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

namespace {

// The optimized module of a graph's dispatches for the chosen CPU.
struct EmittedModule {
  LoweredProgram program;
  std::vector<kir::Dispatch> dispatches;
  std::unique_ptr<::llvm::TargetMachine> tm;
  BuiltModule built;
};

Expected<EmittedModule> buildOptimizedModule(const ir::Graph& g, const CodeOptions& options) {
  EmittedModule em;
  INGOT_ASSIGN_OR_RETURN(em.program, compileToDispatches(g));
  for (auto& ld : em.program.lowered.dispatches) em.dispatches.push_back(std::move(ld.dispatch));
  const int level = std::clamp(options.optLevel, 0, 3);
  INGOT_ASSIGN_OR_RETURN(em.tm, targetMachine(options.cpu, level));
  const llvmcg::CodegenTarget target = targetOf(*em.tm);
  INGOT_ASSIGN_OR_RETURN(em.built, buildModule(em.dispatches, *em.tm, target));
  // libmvec only where the chosen CPU has AVX2 (its entry points need it).
  ::llvm::StringMap<bool> features;
  features["avx2"] = target.vectorBytes >= 32;
  optimizeModule(*em.built.module, *em.tm, level, {vectorMathLibrary(features) != nullptr, false});
  return em;
}

Expected<std::string> emitMachineCode(EmittedModule& em, CodeKind kind) {
  ::llvm::SmallVector<char, 0> buffer;
  ::llvm::raw_svector_ostream bos(buffer);
  ::llvm::legacy::PassManager pm;
  const auto fileType =
      kind == CodeKind::Object ? ::llvm::CodeGenFileType::ObjectFile : ::llvm::CodeGenFileType::AssemblyFile;
  if (em.tm->addPassesToEmitFile(pm, bos, nullptr, fileType))
    return internalError("llvm backend: the target cannot emit {}", kind == CodeKind::Object ? "objects" : "assembly");
  pm.run(*em.built.module);
  return std::string(buffer.begin(), buffer.end());
}

}  // namespace

Expected<std::string> emitCode(const ir::Graph& g, const CodeOptions& options) {
  INGOT_ASSIGN_OR_RETURN(EmittedModule em, buildOptimizedModule(g, options));
  if (options.kind == CodeKind::LlvmIr) {
    std::string out;
    ::llvm::raw_string_ostream os(out);
    em.built.module->print(os, nullptr);
    return out;
  }
  return emitMachineCode(em, options.kind);
}

Expected<rt::EntryCode> compileArtifactCode(const ir::Graph& g, const CodeOptions& options) {
  INGOT_ASSIGN_OR_RETURN(EmittedModule em, buildOptimizedModule(g, options));
  std::string opaque;
  for (const kir::Dispatch& d : em.dispatches)
    if (d.opaque) opaque += (opaque.empty() ? "" : ", ") + d.name;
  if (!opaque.empty())
    return unsupported("llvm artifacts need native code for every dispatch; these ops have no loop-level form: {}",
                       opaque);
  rt::CpuCode code;
  code.cpu = options.cpu == "native" ? em.tm->getTargetCPU().str() : options.cpu;
  const ::llvm::MCSubtargetInfo* sti = em.tm->getMCSubtargetInfo();
  for (const std::string& f : rt::checkedCpuFeatures())
    if (sti->checkFeatures("+" + f)) code.features.push_back(f);
  code.flushDenormals = options.flushDenormals;
  for (size_t i = 0; i < em.dispatches.size(); ++i)
    code.kernels.push_back(nativeKernelInfo(em.dispatches[i], i, em.built.info[i]));
  INGOT_ASSIGN_OR_RETURN(code.object, emitMachineCode(em, CodeKind::Object));
  rt::EntryCode entry;
  entry.backend = std::string(kBackend);
  entry.plan = std::move(em.program.plan);
  entry.code = rt::encodeCpuCode(code);
  return entry;
}

}  // namespace ingot::backends::llvm_backend
