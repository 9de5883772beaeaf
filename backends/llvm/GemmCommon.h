// Internal to backends/llvm: what every contraction form shares (validated
// contraction facts, batch offsets, the epilogue call, small IR helpers).
#pragma once

#include <utility>

#include "backends/llvm/Codegen.h"

namespace ingot::backends::llvmcg {

class GemmBase {
 public:
  explicit GemmBase(KernelEmitter& e) : e_(e), b_(e.builder()), d_(e.dispatch()), c_(*d_.contraction) {}

  // Checks the contraction against its grid; sets nb_, batchCount_, accTy_.
  Status validate();

 protected:
  llvm::Value* i64(int64_t v) { return b_.getInt64(v); }
  // base + x * stride (no code for stride 0).
  llvm::Value* mulAdd64(llvm::Value* base, llvm::Value* x, int64_t stride);
  llvm::Value* min64(llvm::Value* x, llvm::Value* y);
  llvm::Value* max64(llvm::Value* x, llvm::Value* y);
  // An element of a binding converted to the accumulator dtype.
  Expected<llvm::Value*> loadAs(int32_t binding, llvm::Value* index);
  // A pointer to element `index` of binding `binding` (of the accumulator type).
  llvm::Value* elementPtr(int32_t binding, llvm::Value* index);
  // Binds the batch grid variables for flat batch index `batch` (row-major
  // over the batch dims) and returns A's and B's element offsets there.
  std::pair<llvm::Value*, llvm::Value*> batchOffsets(llvm::Value* batch);
  // The epilogue (the dispatch body) at grid point (batch..., i, j).
  Status epilogue(llvm::Value* i, llvm::Value* j, llvm::Value* acc);
  // if (cond) body.
  Status ifThen(llvm::Value* cond, const std::function<Status()>& body);
  // Loops over the batches that units [begin, end) touch, with `unitsPerBatch`
  // units each; body gets the batch index and the unit range [u0, u1) inside
  // it (u0 < u1 <= unitsPerBatch).
  Status forBatchUnits(int64_t unitsPerBatch,
                       const std::function<Status(llvm::Value* batch, llvm::Value* u0, llvm::Value* u1)>& body);

  KernelEmitter& e_;
  llvm::IRBuilder<>& b_;
  const kir::Dispatch& d_;
  const kir::Contraction& c_;
  size_t nb_ = 0;
  int64_t batchCount_ = 1;
  llvm::Type* accTy_ = nullptr;
};

}  // namespace ingot::backends::llvmcg
