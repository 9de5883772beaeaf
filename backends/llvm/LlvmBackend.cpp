#include "backends/llvm/LlvmBackend.h"

#include <chrono>

#include <llvm/ExecutionEngine/Orc/ExecutionUtils.h>
#include <llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h>
#include <llvm/ExecutionEngine/Orc/LLJIT.h>
#include <llvm/ExecutionEngine/Orc/ThreadSafeModule.h>
#include <llvm/IR/LLVMContext.h>
#include <llvm/IR/Module.h>
#include <llvm/Support/DynamicLibrary.h>
#include <llvm/Support/TargetSelect.h>
#include <llvm/Support/raw_ostream.h>
#include <llvm/Target/TargetMachine.h>
#include <llvm/TargetParser/Host.h>

#include "backends/common/ProgramBuilder.h"
#include "backends/llvm/Codegen.h"
#include "backends/llvm/ModuleBuilder.h"
#include "ir/kernel/KernelInterpreter.h"
#include "runtime/HostDevice.h"
#include "runtime/NativeKernel.h"

namespace ingot::backends::llvm_backend {

namespace {

// The generated kernels' ABI (Codegen.h): bindings, unit range, scratch.
using KernelFn = rt::NativeKernelFn;

class LlvmProvider final : public rt::DeviceProvider {
 public:
  explicit LlvmProvider(DeviceOptions options) : options_(options) {}
  std::string_view backend() const override { return kBackend; }
  Expected<std::vector<std::unique_ptr<rt::Device>>> enumerate() const override {
    INGOT_RETURN_IF_ERROR(initNativeTarget());
    INGOT_ASSIGN_OR_RETURN(unsigned threads, rt::resolveThreadCount(options_.threads));
    std::vector<std::unique_ptr<rt::Device>> out;
    out.push_back(std::make_unique<rt::HostDevice>(
        std::string(kBackend), "host",
        fmt::format("LLVM {}-compiled native code for the host CPU ({}), {} thread{}", LLVM_VERSION_STRING,
                    ::llvm::sys::getHostCPUName().str(), threads, threads == 1 ? "" : "s"),
        threads, options_.guard));
    return out;
  }

 private:
  DeviceOptions options_;
};

}  // namespace

struct JitKernels::Impl {
  // Owns the machine code `fns` point into (declared first: destroyed last).
  std::unique_ptr<::llvm::orc::LLJIT> jit;
  std::vector<kir::Dispatch> dispatches;
  std::vector<std::string> names;
  std::vector<KernelFn> fns;                 // null: opaque, run by the reference kernel
  std::vector<rt::NativeKernelInfo> info;  // binding sizes, units, cost and scratch of each kernel
  CompileStats stats;
  std::string ir;
  bool flushDenormals = true;
};

size_t JitKernels::size() const { return impl_->dispatches.size(); }
const std::string& JitKernels::name(size_t i) const { return impl_->names[i]; }
const CompileStats& JitKernels::stats() const { return impl_->stats; }
const std::string& JitKernels::optimizedIr() const { return impl_->ir; }

Status JitKernels::run(size_t i, std::span<std::byte* const> bindings, std::span<const uint64_t> bytes,
                       rt::ThreadPool* pool) const {
  const Impl& m = *impl_;
  if (i >= m.dispatches.size()) return runtimeError("llvm backend: no kernel {}", i);
  // Opaque ops have no loop-level form; their reference kernel runs on the
  // host (issue 4 may add native versions of the hot ones).
  if (!m.fns[i]) return kir::interpretDispatch(m.dispatches[i], bindings, bytes);
  return rt::runNativeKernel(m.fns[i], m.info[i], m.flushDenormals, bindings, bytes, pool);
}

Expected<JitKernels> compileDispatches(std::vector<kir::Dispatch> dispatches, const LlvmOptions& options) {
  INGOT_RETURN_IF_ERROR(initNativeTarget());
  auto impl = std::make_shared<JitKernels::Impl>();
  impl->flushDenormals = options.flushDenormals;
  const int level = std::clamp(options.optLevel, 0, 3);
  auto t0 = std::chrono::steady_clock::now();

  auto jtmb = ::llvm::orc::JITTargetMachineBuilder::detectHost();
  if (!jtmb) return internalError("llvm backend: host target: {}", errorText(jtmb.takeError()));
  jtmb->setCodeGenOptLevel(level == 0 ? ::llvm::CodeGenOptLevel::None : ::llvm::CodeGenOptLevel::Aggressive);
  auto tm = jtmb->createTargetMachine();
  if (!tm) return internalError("llvm backend: target machine: {}", errorText(tm.takeError()));

  const ::llvm::StringMap<bool> features = ::llvm::sys::getHostCPUFeatures();
  llvmcg::CodegenTarget target = targetFromFeatures(features);
  target.loopContractions = options.loopContractions;
  for (const kir::Dispatch& d : dispatches) impl->names.push_back(d.name);
  INGOT_ASSIGN_OR_RETURN(BuiltModule built, buildModule(dispatches, **tm, target));
  for (size_t i = 0; i < dispatches.size(); ++i) impl->info.push_back(nativeKernelInfo(dispatches[i], i, built.info[i]));
  impl->stats.compiled = built.compiled;
  impl->stats.opaque = built.opaque;
  std::unique_ptr<::llvm::LLVMContext> ctx = std::move(built.context);
  std::unique_ptr<::llvm::Module> mod = std::move(built.module);
  impl->stats.codegenMs = msSince(t0);

  impl->fns.assign(dispatches.size(), nullptr);
  if (impl->stats.compiled > 0) {
    t0 = std::chrono::steady_clock::now();
    optimizeModule(*mod, **tm, level, {vectorMathLibrary(features) != nullptr, options.slpEverywhere});
    impl->stats.optimizeMs = msSince(t0);
    if (options.keepIr) {
      ::llvm::raw_string_ostream os(impl->ir);
      mod->print(os, nullptr);
    }

    t0 = std::chrono::steady_clock::now();
    const ::llvm::DataLayout layout = mod->getDataLayout();
    auto jit = ::llvm::orc::LLJITBuilder().setJITTargetMachineBuilder(std::move(*jtmb)).create();
    if (!jit) return internalError("llvm backend: creating the JIT: {}", errorText(jit.takeError()));
    // libm (expf, tanhf, erff, ...) and anything else the kernels call
    // resolve against the process's own symbols.
    auto gen = ::llvm::orc::DynamicLibrarySearchGenerator::GetForCurrentProcess(layout.getGlobalPrefix());
    if (!gen) return internalError("llvm backend: process symbols: {}", errorText(gen.takeError()));
    (*jit)->getMainJITDylib().addGenerator(std::move(*gen));
    if (auto err = (*jit)->addIRModule(::llvm::orc::ThreadSafeModule(std::move(mod), std::move(ctx))))
      return internalError("llvm backend: adding the module: {}", errorText(std::move(err)));
    for (size_t i = 0; i < dispatches.size(); ++i) {
      if (dispatches[i].opaque) continue;
      auto sym = (*jit)->lookup(symbolName(i, dispatches[i].name));
      if (!sym)
        return internalError("llvm backend: dispatch {}: machine code: {}", dispatches[i].name,
                             errorText(sym.takeError()));
      impl->fns[i] = sym->toPtr<KernelFn>();
    }
    impl->jit = std::move(*jit);
    impl->stats.jitMs = msSince(t0);
  }
  impl->dispatches = std::move(dispatches);
  return JitKernels(std::move(impl));
}

Expected<rt::Program> compileGraph(const ir::Graph& g, const LlvmOptions& options, CompileStats* stats) {
  backends::PipelineOptions pipeline;
  pipeline.memory.ownBuffers = options.temporaryBuffers;
  INGOT_ASSIGN_OR_RETURN(LoweredProgram lp, compileToDispatches(g, pipeline));
  std::vector<kir::Dispatch> dispatches;
  for (auto& ld : lp.lowered.dispatches) dispatches.push_back(std::move(ld.dispatch));
  INGOT_ASSIGN_OR_RETURN(JitKernels kernels, compileDispatches(std::move(dispatches), options));
  if (stats) *stats = kernels.stats();
  std::vector<std::string> names;
  std::vector<rt::HostKernel> hostKernels;
  for (size_t i = 0; i < kernels.size(); ++i) {
    names.push_back(kernels.name(i));
    // Each kernel holds the JIT (through `kernels`) alive.
    hostKernels.push_back([kernels, i](const rt::HostKernelArgs& args) {
      return kernels.run(i, args.bindings, args.bindingBytes, args.pool);
    });
  }
  rt::Program p;
  p.plan = std::move(lp.plan);
  p.executable = std::make_shared<rt::HostExecutable>(std::string(kBackend), std::move(names), std::move(hostKernels));
  return p;
}

Expected<rt::Program> compileGraph(const ir::Graph& g, const LlvmOptions& options) {
  return compileGraph(g, options, nullptr);
}

std::unique_ptr<rt::DeviceProvider> makeDeviceProvider(const DeviceOptions& options) {
  return std::make_unique<LlvmProvider>(options);
}

std::unique_ptr<rt::DeviceProvider> makeDeviceProvider() { return makeDeviceProvider(DeviceOptions{}); }

}  // namespace ingot::backends::llvm_backend
