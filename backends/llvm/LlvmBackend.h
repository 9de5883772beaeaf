// The LLVM CPU backend (issue 4, phase 1): the full compiler pipeline
// (standard passes, fusion, lowering, memory planning; backends/common), then
// every dispatch becomes an LLVM function specialized to its static shapes,
// one module per model, optimized at O3 for the host CPU and JIT-compiled
// with ORC LLJIT. The kernels run on the runtime's host device.
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
#include <span>
#include <string>
#include <vector>

#include "ir/Graph.h"
#include "ir/kernel/Kernel.h"
#include "runtime/Device.h"
#include "runtime/Plan.h"

namespace ingot::backends::llvm_backend {

struct LlvmOptions {
  int optLevel = 3;       // 0..3: the LLVM pass pipeline and code generator level
  bool keepIr = false;    // keep the optimized module's text (JitKernels::optimizedIr)
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
  // (checked against the static shapes before the code runs).
  Status run(size_t i, std::span<std::byte* const> bindings, std::span<const uint64_t> bytes) const;
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
std::unique_ptr<rt::DeviceProvider> makeDeviceProvider();

}  // namespace ingot::backends::llvm_backend
