// The LLVM CPU backend (issue 4, phase 1): the full compiler pipeline
// (standard passes, fusion, lowering, memory planning; backends/common), then
// every dispatch becomes an LLVM function specialized to its static shapes,
// one module per model, optimized at O3 for the host CPU and JIT-compiled
// with ORC LLJIT. Contractions use register-blocked micro-kernels
// (GemmMicroKernel.cpp). The kernels run on the runtime's host device, whose
// thread pool splits large dispatches (DeviceOptions below).
//
// Opaque dispatches (ops without a loop-level form: CumSum, TopK, NMS, ...)
// run the op's reference kernel on the host through the dispatch-form
// interpreter; CompileStats counts them.
//
// This header includes no LLVM header: other folders include it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "ir/Graph.h"
#include "ir/kernel/Kernel.h"
#include "runtime/Artifact.h"
#include "runtime/Device.h"
#include "support/GuardedMemory.h"
#include "runtime/Plan.h"
#include "runtime/ThreadPool.h"

namespace ingot::backends::llvm_backend {

inline constexpr std::string_view kBackend = "llvm";

struct LlvmOptions {
  int optLevel = 3;       // 0..3: the LLVM pass pipeline and code generator level
  bool keepIr = false;    // keep the optimized module's text (JitKernels::optimizedIr)
  // Phase 1's plain loop nests for contractions instead of the register-
  // blocked micro-kernels: the baseline bench/gemm_bench compares with.
  bool loopContractions = false;
  // LLVM's O3 placement of the SLP vectorizer (every function) instead of
  // only the functions the loop vectorizer left scalar (ModuleBuilder.cpp):
  // the compile-time baseline bench/gemm_bench --compile compares with.
  bool slpEverywhere = false;
  // Every temporary in its own runtime buffer instead of the shared arena
  // (passes::MemoryPlanOptions::ownBuffers): with DeviceOptions::guard the
  // guard pages then separate temporaries from each other too.
  bool temporaryBuffers = false;
  // Run kernels with subnormals flushed to zero (FloatEnvironment.h says why).
  bool flushDenormals = true;
};

struct CompileStats {
  size_t compiled = 0;  // dispatches with generated code
  size_t opaque = 0;    // dispatches run by the reference kernel on the host
  double codegenMs = 0, optimizeMs = 0, jitMs = 0;  // LLVM IR emission, O3 pipeline, machine code
};

// Dispatches compiled to host code. Copies share the JIT-compiled code
// (which lives as long as any copy or any kernel made from it).
class JitKernels {
 public:
  size_t size() const;
  const std::string& name(size_t i) const;
  // Runs dispatch i; `bindings` parallels its bindings, `bytes` their sizes
  // (checked against the static shapes before the code runs). With a pool
  // of more than one thread, a dispatch whose estimated work is large
  // enough is split into contiguous unit ranges, one per thread; small ones
  // run on the calling thread. Without a pool everything runs here.
  Status run(size_t i, std::span<std::byte* const> bindings, std::span<const uint64_t> bytes,
             rt::ThreadPool* pool = nullptr) const;
  const CompileStats& stats() const;
  // The optimized module's text (for inspection and tests).
  const std::string& optimizedIr() const;

  struct Impl;
  explicit JitKernels(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}

 private:
  std::shared_ptr<const Impl> impl_;
};

// Compiles dispatches (all in one module). Errors name the dispatch.
Expected<JitKernels> compileDispatches(std::vector<kir::Dispatch> dispatches, const LlvmOptions& options = {});

Expected<rt::Program> compileGraph(const ir::Graph& g, const LlvmOptions& options = {});
// compileGraph and the compile statistics (for `ingot`-level reporting and tests).
Expected<rt::Program> compileGraph(const ir::Graph& g, const LlvmOptions& options, CompileStats* stats);
// The llvm backend's devices: one host device that owns a thread pool.
struct DeviceOptions {
  // Threads of the device's pool, the calling thread included. 0 (the
  // default) means: the environment variable INGOT_THREADS when set (an
  // integer 1..1024; anything else makes enumerate() fail with a message),
  // else the number of online CPUs. The CLI's --threads N sets it.
  unsigned threads = 0;
  // Every device buffer against an inaccessible page on this side
  // (rt::HostDevice): out-of-bounds accesses of the JIT's kernels crash.
  // The CLI's --guard-pages.
  std::optional<GuardSide> guard;
};
std::unique_ptr<rt::DeviceProvider> makeDeviceProvider(const DeviceOptions& options);

// Ahead-of-time code for a graph (CodeEmission.cpp): the optimized LLVM IR,
// the assembly or an ELF object with one function per non-opaque dispatch
// (`void ingot_k<i>_<name>(ptr bindings, i64 begin, i64 end, ptr scratch)`,
// the JIT's ABI). `cpu` picks the instruction set: "native" (this machine),
// or an LLVM CPU name such as "x86-64" (SSE2 only), "x86-64-v2",
// "x86-64-v3" (AVX2, FMA), "x86-64-v4" (AVX-512) or "znver3", so code built
// here also runs on older CPUs. An unknown name is an InvalidInput error.
// Kernels that use glibc's vector math library (AVX2 and up) reference its
// symbols (_ZGVdN8v_expf, ...): link with -lmvec.
enum class CodeKind { LlvmIr, Assembly, Object };
struct CodeOptions {
  CodeKind kind = CodeKind::Assembly;
  std::string cpu = "native";
  int optLevel = 3;
  bool flushDenormals = true;  // recorded in artifacts (LlvmOptions::flushDenormals)
};
Expected<std::string> emitCode(const ir::Graph& g, const CodeOptions& options);
// An artifact entry point (runtime/Artifact.h) for backend "llvm": the plan
// and the encoded CPU code (runtime/CpuCode.h: an object with every
// dispatch's function, the kernel table and the CPU features the code
// uses). Unsupported when a dispatch has no native code (opaque ops).
Expected<rt::EntryCode> compileArtifactCode(const ir::Graph& g, const CodeOptions& options);
// The CPU names `cpu` accepts besides "native" (for --help and errors).
std::vector<std::string> knownCpuNames();
// makeDeviceProvider(DeviceOptions{}).
std::unique_ptr<rt::DeviceProvider> makeDeviceProvider();

}  // namespace ingot::backends::llvm_backend
