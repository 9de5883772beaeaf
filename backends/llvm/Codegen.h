// Internal to backends/llvm: turning one dispatch into LLVM IR. This header
// includes LLVM; only this folder's .cpp files include it (LlvmBackend.h, the
// public header, exposes no LLVM type).
//
// The generated function is `void @name(ptr %bindings)`: %bindings points to
// the dispatch's binding base pointers in binding order (the runtime's
// HostKernelArgs::bindings). Shapes are static, so every extent and stride is
// a constant and LLVM sees the whole iteration space.
#pragma once

#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include <llvm/IR/IRBuilder.h>
#include <llvm/IR/Module.h>

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

// Emits one dispatch into a module (KernelCodegen.cpp). GemmCodegen.cpp uses
// the loop and statement helpers to build a contraction's loop nest around
// the epilogue body.
class KernelEmitter {
 public:
  KernelEmitter(const kir::Dispatch& d, llvm::Module& m) : d_(d), m_(m), ctx_(m.getContext()), b_(ctx_) {}

  // Builds and verifies `void @fnName(ptr)`; a verifier failure is an
  // Internal error naming the dispatch.
  Expected<llvm::Function*> emit(const std::string& fnName);

  const kir::Dispatch& dispatch() const { return d_; }
  llvm::IRBuilder<>& builder() { return b_; }
  llvm::LLVMContext& context() { return ctx_; }
  llvm::Module& module() { return m_; }
  llvm::Value* bindingPtr(int32_t binding) const { return bindingPtrs_[static_cast<size_t>(binding)]; }

  // for iv in [begin, end) step `step` (i64 values); body may emit loops.
  Status forLoop(llvm::Value* begin, llvm::Value* end, int64_t step, const std::string& name,
                 const std::function<Status(llvm::Value* iv)>& body);
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

  const kir::Dispatch& d_;
  llvm::Module& m_;
  llvm::LLVMContext& ctx_;
  llvm::IRBuilder<> b_;
  llvm::Function* fn_ = nullptr;
  std::vector<llvm::Value*> bindingPtrs_;
  std::vector<llvm::Value*> vars_;          // SSA values of grid, loop and let vars
  std::vector<llvm::AllocaInst*> accSlots_; // storage of Acc vars
  llvm::Value* contractAcc_ = nullptr;
  // Expressions already emitted in the current statement (key: id and
  // whether loads are guarded); cleared per statement, so a value is only
  // reused where it dominates.
  std::unordered_map<int64_t, llvm::Value*> memo_;
};

// The contraction's loop nest with the epilogue body at each grid point
// (GemmCodegen.cpp).
Status emitContraction(KernelEmitter& e);

}  // namespace ingot::backends::llvmcg
