#include "backends/llvm/ModuleBuilder.h"

#include <cctype>

#include <llvm/Analysis/TargetLibraryInfo.h>
#include <llvm/CodeGen/ReplaceWithVeclib.h>
#include <llvm/MC/MCSubtargetInfo.h>
#include <llvm/IR/InstIterator.h>
#include <llvm/Passes/PassBuilder.h>
#include <llvm/Transforms/InstCombine/InstCombine.h>
#include <llvm/Transforms/Scalar/SimplifyCFG.h>
#include <llvm/Transforms/Vectorize/SLPVectorizer.h>
#include <llvm/Transforms/Vectorize/VectorCombine.h>
#include <llvm/Support/DynamicLibrary.h>
#include <llvm/Support/TargetSelect.h>

namespace ingot::backends::llvm_backend {

namespace {

::llvm::OptimizationLevel optLevel(int level) {
  switch (level) {
    case 0: return ::llvm::OptimizationLevel::O0;
    case 1: return ::llvm::OptimizationLevel::O1;
    case 2: return ::llvm::OptimizationLevel::O2;
    default: return ::llvm::OptimizationLevel::O3;
  }
}

}  // namespace

llvmcg::CodegenTarget targetFromFeatures(const ::llvm::StringMap<bool>& features) {
  auto has = [&](const char* f) {
    auto it = features.find(f);
    return it != features.end() && it->second;
  };
  if (has("avx512f")) return {64, 32, false};
  if (has("avx2") && has("fma")) return {32, 16, false};
  return {16, 16, false};
}

// Consumes an LLVM error (an unconsumed one aborts in debug builds).
std::string errorText(::llvm::Error err) { return ::llvm::toString(std::move(err)); }


// LLVM's target registry is process-wide; registering the native target once
// (a function-local static, thread-safe) is the one piece of global state.
Status initNativeTarget() {
  static const bool ok = [] {
    return !::llvm::InitializeNativeTarget() && !::llvm::InitializeNativeTargetAsmPrinter() &&
           !::llvm::InitializeNativeTargetAsmParser();
  }();
  return ok ? Status::ok() : internalError("llvm backend: LLVM has no target for this host");
}

double msSince(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

// glibc's vector math library (libmvec) when the host has AVX2: its AVX2
// entry points (_ZGVdN8v_expf, ...) let the loop vectorizer vectorize exp,
// log, pow, sin, cos and tan instead of scalarizing each lane into a libm
// call (which made exp-heavy kernels slow to run and to compile). Null when
// it cannot be used; loaded once per process (a function-local static).
const char* vectorMathLibrary(const ::llvm::StringMap<bool>& features) {
  static const bool loaded = [] {
    std::string err;
    return !::llvm::sys::DynamicLibrary::LoadLibraryPermanently("libmvec.so.1", &err);
  }();
  auto avx2 = features.find("avx2");
  return loaded && avx2 != features.end() && avx2->second ? "libmvec.so.1" : nullptr;
}

namespace {

// Whether any instruction of f produces or consumes a vector.
bool hasVectorCode(const ::llvm::Function& f) {
  for (const ::llvm::Instruction& inst : ::llvm::instructions(f)) {
    if (inst.getType()->isVectorTy()) return true;
    for (const ::llvm::Value* op : inst.operands())
      if (op->getType()->isVectorTy()) return true;
  }
  return false;
}

// The SLP vectorizer (and the clean-up O3 runs after it) on the functions
// the loop vectorizer left scalar. Why not everywhere: on the kernels this
// backend emits, SLP changes nothing where vector code already exists -- the
// GEMM micro-kernels are vectorized by construction, and the loop vectorizer
// has vectorized the grid loop of softmax, elementwise and reduction
// kernels -- beyond re-packing index arithmetic, yet it was ~38% of the
// O3 pipeline's time (the MLP's softmax kernel: 31 of 41 ms; the 784->128
// dense kernel: ~20 ms). Straight-line scalar code is where it pays.
struct SlpOnScalarFunctions : ::llvm::PassInfoMixin<SlpOnScalarFunctions> {
  ::llvm::FunctionPassManager passes;
  ::llvm::PreservedAnalyses run(::llvm::Function& f, ::llvm::FunctionAnalysisManager& fam) {
    if (f.isDeclaration() || hasVectorCode(f)) return ::llvm::PreservedAnalyses::all();
    return passes.run(f, fam);
  }
};

}  // namespace

// The standard per-module pipeline for the target machine (its TTI drives
// the loop and SLP vectorizers with the host's vector width), except that
// SLP runs only where the loop vectorizer left a function scalar (above;
// options.slpEverywhere restores O3's placement, to compare).
void optimizeModule(::llvm::Module& m, ::llvm::TargetMachine& tm, int level, const PipelineOptions& options) {
  ::llvm::TargetLibraryInfoImpl tlii(::llvm::Triple(m.getTargetTriple()));
  if (options.vectorMath)
    tlii.addVectorizableFunctionsFromVecLib(::llvm::TargetLibraryInfoImpl::LIBMVEC_X86, tm.getTargetTriple());
  ::llvm::LoopAnalysisManager lam;
  ::llvm::FunctionAnalysisManager fam;
  ::llvm::CGSCCAnalysisManager cgam;
  ::llvm::ModuleAnalysisManager mam;
  ::llvm::PipelineTuningOptions pto;
  pto.LoopVectorization = level >= 2;
  pto.SLPVectorization = level >= 2 && options.slpEverywhere;
  ::llvm::PassBuilder pb(&tm, pto);
  fam.registerPass([&] { return ::llvm::TargetLibraryAnalysis(tlii); });  // before the defaults
  pb.registerModuleAnalyses(mam);
  pb.registerCGSCCAnalyses(cgam);
  pb.registerFunctionAnalyses(fam);
  pb.registerLoopAnalyses(lam);
  pb.crossRegisterProxies(lam, fam, cgam, mam);
  ::llvm::ModulePassManager mpm = level == 0 ? pb.buildO0DefaultPipeline(::llvm::OptimizationLevel::O0)
                                             : pb.buildPerModuleDefaultPipeline(optLevel(level));
  if (level >= 2 && !options.slpEverywhere) {
    SlpOnScalarFunctions slp;
    slp.passes.addPass(::llvm::SLPVectorizerPass());
    slp.passes.addPass(::llvm::VectorCombinePass());
    slp.passes.addPass(::llvm::InstCombinePass());
    slp.passes.addPass(::llvm::SimplifyCFGPass());
    mpm.addPass(::llvm::createModuleToFunctionPassAdaptor(std::move(slp)));
  }
  // Vector intrinsics (llvm.exp.v8f32) become libmvec calls here: the JIT's
  // code generator has its own library info without the vector library.
  if (options.vectorMath) mpm.addPass(::llvm::createModuleToFunctionPassAdaptor(::llvm::ReplaceWithVeclib()));
  mpm.run(m, mam);
}

// A symbol name for dispatch i: the index keeps it unique, the prefix keeps
// it apart from libm's names (a dispatch could be called "exp").
std::string symbolName(size_t i, const std::string& dispatch) {
  std::string s = fmt::format("ingot_k{}_", i);
  for (char c : dispatch) s += (std::isalnum(static_cast<unsigned char>(c)) || c == '_') ? c : '_';
  return s;
}

rt::NativeKernelInfo nativeKernelInfo(const kir::Dispatch& d, size_t i, const llvmcg::KernelInfo& k) {
  rt::NativeKernelInfo info;
  info.name = d.name;
  if (!d.opaque) info.symbol = symbolName(i, d.name);
  for (const kir::Binding& b : d.bindings)
    info.bindingBytes.push_back(static_cast<uint64_t>(b.elements()) * dtypeSize(b.dtype));
  info.units = k.units;
  info.nsPerUnit = k.nsPerUnit;
  info.scratchBytes = k.scratchBytes;
  return info;
}

llvmcg::CodegenTarget targetOf(const ::llvm::TargetMachine& tm) {
  const ::llvm::MCSubtargetInfo* sti = tm.getMCSubtargetInfo();
  ::llvm::StringMap<bool> features;
  for (const char* f : {"avx512f", "avx2", "fma"}) features[f] = sti && sti->checkFeatures(std::string("+") + f);
  return targetFromFeatures(features);
}

Expected<BuiltModule> buildModule(const std::vector<kir::Dispatch>& dispatches, const ::llvm::TargetMachine& tm,
                                  const llvmcg::CodegenTarget& target) {
  BuiltModule out;
  out.context = std::make_unique<::llvm::LLVMContext>();
  out.module = std::make_unique<::llvm::Module>("ingot", *out.context);
  out.module->setDataLayout(tm.createDataLayout());
  out.module->setTargetTriple(tm.getTargetTriple().str());
  for (size_t i = 0; i < dispatches.size(); ++i) {
    const kir::Dispatch& d = dispatches[i];
    out.info.emplace_back();
    if (d.opaque) {
      ++out.opaque;
      continue;
    }
    llvmcg::KernelEmitter emitter(d, *out.module, target);
    INGOT_RETURN_IF_ERROR(emitter.emit(symbolName(i, d.name)).status());
    out.info.back() = emitter.info();
    ++out.compiled;
  }
  return out;
}

}  // namespace ingot::backends::llvm_backend
