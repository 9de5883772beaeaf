#include "backends/llvm/LlvmBackend.h"

#include "backends/llvm/FloatEnvironment.h"

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

namespace ingot::backends::llvm_backend {

namespace {

constexpr std::string_view kBackend = "llvm";
// The generated kernels' ABI (Codegen.h): bindings, unit range, scratch.
using KernelFn = void (*)(std::byte* const*, int64_t, int64_t, std::byte*);

// A dispatch is split over the device's threads only when its estimated
// single-thread time is at least this (waking workers and joining them
// costs a few microseconds; batch-1 inference stays on the calling thread).
constexpr double kSplitNs = 25000;

struct AlignedFree {
  void operator()(std::byte* p) const { ::operator delete[](p, std::align_val_t(64)); }
};

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
        threads));
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
  std::vector<llvmcg::KernelInfo> info;      // units, cost and scratch of each kernel
  std::vector<std::vector<uint64_t>> bytes;  // each binding's size from its static shape
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
  const kir::Dispatch& d = m.dispatches[i];
  // Opaque ops have no loop-level form; phase 1 runs their reference kernel
  // on the host (issue 4 may add native versions of the hot ones).
  if (!m.fns[i]) return kir::interpretDispatch(d, bindings, bytes);
  if (bindings.size() != d.bindings.size() || bytes.size() != d.bindings.size())
    return runtimeError("dispatch {}: {} bindings expected, {} given", d.name, d.bindings.size(), bindings.size());
  // The generated code indexes with static shapes; a binding smaller than its
  // shape would be a stray access, so it is refused here.
  for (size_t b = 0; b < bytes.size(); ++b)
    if (bytes[b] < m.bytes[i][b])
      return runtimeError("dispatch {}: binding ${} ('{}') has {} bytes, its shape needs {}", d.name, b,
                          d.bindings[b].name, bytes[b], m.bytes[i][b]);
  const llvmcg::KernelInfo& k = m.info[i];
  if (k.units <= 0) return Status::ok();
  const ScopedFlushDenormals fpEnv(m.flushDenormals);  // this thread; pool tasks set their own
  const KernelFn fn = m.fns[i];
  const unsigned threads = pool ? pool->size() : 1;
  const double work = static_cast<double>(k.units) * k.nsPerUnit;
  if (threads > 1 && k.units > 1 && work >= kSplitNs) {
    // Contiguous, balanced unit ranges, one per task (tasks are claimed by
    // whichever threads are running, the calling thread included).
    const int64_t tasks = std::min<int64_t>(threads, k.units);
    pool->reserveScratch(k.scratchBytes);
    pool->run(threads, [&](unsigned t) {
      if (t >= tasks) return;
      const ScopedFlushDenormals taskFpEnv(m.flushDenormals);
      const int64_t begin = k.units * t / tasks, end = k.units * (t + 1) / tasks;
      fn(bindings.data(), begin, end, pool->scratch(t));
    });
    return Status::ok();
  }
  std::byte* scratch = nullptr;
  std::unique_ptr<std::byte, AlignedFree> local;
  if (pool) {
    pool->reserveScratch(k.scratchBytes);
    scratch = pool->scratch(0);
  } else if (k.scratchBytes > 0) {
    local.reset(static_cast<std::byte*>(::operator new[](k.scratchBytes, std::align_val_t(64))));
    scratch = local.get();
  }
  fn(bindings.data(), 0, k.units, scratch);
  return Status::ok();
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
  for (const kir::Dispatch& d : dispatches) {
    impl->names.push_back(d.name);
    std::vector<uint64_t> need;
    for (const kir::Binding& b : d.bindings) need.push_back(static_cast<uint64_t>(b.elements()) * dtypeSize(b.dtype));
    impl->bytes.push_back(std::move(need));
  }
  INGOT_ASSIGN_OR_RETURN(BuiltModule built, buildModule(dispatches, **tm, target));
  impl->info = std::move(built.info);
  impl->stats.compiled = built.compiled;
  impl->stats.opaque = built.opaque;
  std::unique_ptr<::llvm::LLVMContext> ctx = std::move(built.context);
  std::unique_ptr<::llvm::Module> mod = std::move(built.module);
  impl->stats.codegenMs = msSince(t0);

  impl->fns.assign(dispatches.size(), nullptr);
  if (impl->stats.compiled > 0) {
    t0 = std::chrono::steady_clock::now();
    optimizeModule(*mod, **tm, level, vectorMathLibrary(features) != nullptr);
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
  INGOT_ASSIGN_OR_RETURN(LoweredProgram lp, compileToDispatches(g));
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
