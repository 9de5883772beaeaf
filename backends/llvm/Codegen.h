// Internal to backends/llvm: turning one dispatch into LLVM IR. This header
// includes LLVM; only this folder's .cpp files include it (LlvmBackend.h, the
// public header, exposes no LLVM type).
//
// The generated function is
//   void @name(ptr %bindings, i64 %begin, i64 %end, ptr %scratch)
// %bindings points to the dispatch's binding base pointers in binding order
// (the runtime's HostKernelArgs::bindings). The kernel's work is divided into
// KernelInfo::units independent units (the outer grid dimension; for
// contractions, column panels or column tiles of each batch); one call runs
// units [%begin, %end), so the runtime splits a dispatch over threads by
// calling it with disjoint ranges. %scratch is 64-byte aligned memory of
// KernelInfo::scratchBytes private to the call (packed operands). Nothing is
// global. Shapes are static, so every extent and stride is a constant and
// LLVM sees the whole iteration space.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/Module.h>

#include "ir/kernel/IndexRange.h"
#include "ir/kernel/Kernel.h"
#include "support/Status.h"

namespace ingot::backends::llvmcg {

// The register type of a dtype (bool is i1) and its memory type (bool is one
// byte, as in host tensors). Unsupported (f16, bf16): an error.
Expected<llvm::Type*> valueType(llvm::LLVMContext& ctx, DType t);
Expected<llvm::Type*> memoryType(llvm::LLVMContext& ctx, DType t);

// Scalar semantics exactly as the dispatch-form interpreter defines them
// (ir/kernel/KernelInterpreter.cpp): wrapping integer arithmetic, division
// and remainder guarded against 0 and -1, NaN-propagating max/min, shifts of
// the width or more giving 0, saturating float->int casts (ScalarCodegen.cpp).
Expected<llvm::Value*> emitUnary(llvm::IRBuilder<>& b, kir::UnaryOp op, DType t, llvm::Value* x);
Expected<llvm::Value*> emitBinary(llvm::IRBuilder<>& b, kir::BinaryOp op, DType t, llvm::Value* x, llvm::Value* y);
Expected<llvm::Value*> emitCast(llvm::IRBuilder<>& b, llvm::Value* x, DType from, DType to);
// x*y + acc in the accumulator dtype (fused for floats: the contraction's
// inner step).
llvm::Value* emitMulAdd(llvm::IRBuilder<>& b, DType t, llvm::Value* x, llvm::Value* y, llvm::Value* acc);

// What code generation needs to know about the CPU: the widest vector
// register (bytes) and how many there are (AVX2: 32 and 16; AVX-512: 64 and
// 32; the portable fallback: SSE's 16 and 16).
struct CodegenTarget {
  unsigned vectorBytes = 16;
  unsigned vectorRegisters = 16;
  // Phase 1's loop nests instead of the micro-kernels (LlvmOptions).
  bool loopContractions = false;
};

// How the runtime calls a generated kernel (see the ABI above).
struct KernelInfo {
  int64_t units = 1;          // work units: call with ranges inside [0, units)
  double nsPerUnit = 1;       // rough cost of one unit, to decide whether to split
  uint64_t scratchBytes = 0;  // scratch one call needs (any range)
};

// Emits one dispatch into a module (KernelCodegen.cpp). GemmCodegen.cpp uses
// the loop and statement helpers to build a contraction's loop nest around
// the epilogue body.
class KernelEmitter {
 public:
  KernelEmitter(const kir::Dispatch& d, llvm::Module& m, const CodegenTarget& target = {})
      : d_(d), m_(m), ctx_(m.getContext()), b_(ctx_), target_(target) {}

  // Builds and verifies `void @fnName(ptr, i64, i64, ptr)`; a verifier
  // failure is an Internal error naming the dispatch.
  Expected<llvm::Function*> emit(const std::string& fnName);
  // The unit count, cost and scratch size (after emit()).
  const KernelInfo& info() const { return info_; }
  KernelInfo& mutableInfo() { return info_; }
  const CodegenTarget& target() const { return target_; }

  const kir::Dispatch& dispatch() const { return d_; }
  llvm::IRBuilder<>& builder() { return b_; }
  llvm::LLVMContext& context() { return ctx_; }
  llvm::Module& module() { return m_; }
  llvm::Value* bindingPtr(int32_t binding) const { return bindingPtrs_[static_cast<size_t>(binding)]; }
  llvm::Value* beginArg() const { return fn_->getArg(1); }
  llvm::Value* endArg() const { return fn_->getArg(2); }
  llvm::Value* scratchArg() const { return fn_->getArg(3); }

  // for iv in [begin, end) step `step` (i64 values); body may emit loops.
  // With `parallel`, the loop is marked llvm.loop.parallel_accesses over
  // the binding loads and stores its body emits (see emitGridLoops).
  Status forLoop(llvm::Value* begin, llvm::Value* end, int64_t step, const std::string& name,
                 const std::function<Status(llvm::Value* iv)>& body, bool parallel = false);
  Status forLoop(int64_t extent, const std::string& name, const std::function<Status(llvm::Value* iv)>& body) {
    return forLoop(b_.getInt64(0), b_.getInt64(extent), 1, name, body);
  }
  // An alloca in the entry block (mem2reg/SROA promote it to registers).
  llvm::AllocaInst* entryAlloca(llvm::Type* t, const std::string& name);

  // Binds a grid variable / the contraction's value for the statements that follow.
  void setVar(kir::VarId v, llvm::Value* value) { vars_[static_cast<size_t>(v)] = value; }
  void setContractAcc(llvm::Value* acc) { contractAcc_ = acc; }
  Status emitStmts(const std::vector<kir::Stmt>& body);
  // Loads element `index` (i64) of a binding as a register value.
  Expected<llvm::Value*> loadElement(int32_t binding, llvm::Value* index);

  Status fail(const std::string& what) const;

 private:
  Status emitBody();
  Status emitGridLoops(size_t dim);
  Expected<llvm::Value*> emitExpr(kir::ExprId id, bool guarded);
  Expected<llvm::Value*> emitExprUncached(kir::ExprId id, bool guarded);
  void tagAccess(llvm::Instruction* access) const;

  const kir::Dispatch& d_;
  llvm::Module& m_;
  llvm::LLVMContext& ctx_;
  llvm::IRBuilder<> b_;
  llvm::Function* fn_ = nullptr;
  std::vector<llvm::Value*> bindingPtrs_;
  std::vector<llvm::Value*> vars_;          // SSA values of grid, loop and let vars
  std::vector<llvm::AllocaInst*> accSlots_; // storage of Acc vars
  llvm::Value* contractAcc_ = nullptr;
  llvm::MDNode* accessGroup_ = nullptr;  // binding accesses of the current parallel loop
  CodegenTarget target_;
  KernelInfo info_;
  // Expressions already emitted in the current statement (key: id and
  // whether loads are guarded); cleared per statement, so a value is only
  // reused where it dominates.
  std::unordered_map<int64_t, llvm::Value*> memo_;
  // Value ranges of the dispatch's integer expressions (for a valid dispatch).
  std::optional<kir::IndexRanges> ranges_;
};

// The contraction's loop nest with the epilogue body at each grid point
// (GemmCodegen.cpp: chooses a form and sets the emitter's KernelInfo).
Status emitContraction(KernelEmitter& e);

// Register-blocked micro-kernel forms (GemmMicroKernel.cpp), for float
// contractions whose operands have the accumulator's dtype.
//   outer-product: accumulator vectors along j; B rows contiguous in j are
//     read in place or packed into zero-padded panels of NR columns;
//   dot: both operands contiguous in k (A·Bᵀ: every Linear layer);
//     accumulator vectors along k, reduced once per tile.
// Each returns false (emitting nothing) when it does not apply.
Expected<bool> emitOuterProductGemm(KernelEmitter& e);
Expected<bool> emitDotGemm(KernelEmitter& e);
// Phase 1's loop nests (GemmLoops.cpp); `allowDot` enables its dot form.
Status emitLoopContraction(KernelEmitter& e, bool allowDot);

}  // namespace ingot::backends::llvmcg
