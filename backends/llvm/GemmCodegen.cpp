// A contraction dispatch: C[batch..., i, j] = sum_k A * B, with the dispatch
// body (the epilogue: bias, activation, store) run at each grid point with
// `acc` bound. The body runs once per grid point in any order (the dispatch
// form's contract), so tiles may finish in any order and on any thread.
//
// emitContraction picks a form (cheapest first):
// - dot (GemmMicroKernel.cpp): A and B contiguous along k (A·Bᵀ, ONNX Gemm
//   with transB = 1: every Linear layer), a register tile of vector
//   accumulators along k, no packing;
// - outer-product (GemmMicroKernel.cpp): every other float contraction;
//   accumulator vectors along j, B read in place or packed into panels;
// - loop nests (GemmLoops.cpp): integer contractions and mixed dtypes, and
//   every contraction when LlvmOptions::loopContractions asks for phase 1's
//   code (a baseline for benchmarks).
// Float sums use fused multiply-adds, so results may differ from the
// interpreter's separate multiply and add in the last bits (tests use
// tolerances, or integers whose sums are exact).
#include "backends/llvm/GemmCommon.h"

namespace ingot::backends::llvmcg {

Status GemmBase::validate() {
  if (d_.grid.size() < 2 || d_.grid.size() - 2 != c_.aBatchStrides.size() ||
      c_.aBatchStrides.size() != c_.bBatchStrides.size())
    return e_.fail("contraction's batch strides do not match its grid");
  nb_ = d_.grid.size() - 2;
  if (d_.grid[nb_] != c_.m || d_.grid[nb_ + 1] != c_.n) return e_.fail("contraction's M, N differ from its grid");
  for (int32_t x : {c_.a, c_.b})
    if (x < 0 || static_cast<size_t>(x) >= d_.bindings.size()) return e_.fail("contraction operand out of range");
  if (c_.m < 0 || c_.n < 0 || c_.k < 0) return e_.fail("negative contraction extent");
  INGOT_ASSIGN_OR_RETURN(accTy_, valueType(e_.context(), c_.accDType));
  if (!isFloat(c_.accDType) && !isInteger(c_.accDType))
    return e_.fail(fmt::format("contraction in {}", dtypeName(c_.accDType)));
  batchCount_ = 1;
  for (size_t d = 0; d < nb_; ++d) batchCount_ *= d_.grid[d];
  return Status::ok();
}

llvm::Value* GemmBase::mulAdd64(llvm::Value* base, llvm::Value* x, int64_t stride) {
  if (stride == 0) return base;
  return b_.CreateAdd(base, b_.CreateMul(x, i64(stride)));
}

llvm::Value* GemmBase::min64(llvm::Value* x, llvm::Value* y) {
  return b_.CreateIntrinsic(llvm::Intrinsic::smin, {b_.getInt64Ty()}, {x, y});
}

llvm::Value* GemmBase::max64(llvm::Value* x, llvm::Value* y) {
  return b_.CreateIntrinsic(llvm::Intrinsic::smax, {b_.getInt64Ty()}, {x, y});
}

Expected<llvm::Value*> GemmBase::loadAs(int32_t binding, llvm::Value* index) {
  INGOT_ASSIGN_OR_RETURN(llvm::Value * v, e_.loadElement(binding, index));
  const DType t = d_.bindings[static_cast<size_t>(binding)].dtype;
  return t == c_.accDType ? v : emitCast(b_, v, t, c_.accDType);
}

llvm::Value* GemmBase::elementPtr(int32_t binding, llvm::Value* index) {
  return b_.CreateInBoundsGEP(accTy_, e_.bindingPtr(binding), index);
}

std::pair<llvm::Value*, llvm::Value*> GemmBase::batchOffsets(llvm::Value* batch) {
  llvm::Value* aOff = i64(0);
  llvm::Value* bOff = i64(0);
  for (size_t d = nb_; d-- > 0;) {
    llvm::Value* idx = d == 0 ? batch : b_.CreateURem(batch, i64(d_.grid[d]));
    if (d > 0) batch = b_.CreateUDiv(batch, i64(d_.grid[d]));
    e_.setVar(d_.gridVars[d], idx);
    aOff = mulAdd64(aOff, idx, c_.aBatchStrides[d]);
    bOff = mulAdd64(bOff, idx, c_.bBatchStrides[d]);
  }
  return {aOff, bOff};
}

Status GemmBase::epilogue(llvm::Value* i, llvm::Value* j, llvm::Value* acc) {
  e_.setVar(d_.gridVars[nb_], i);
  e_.setVar(d_.gridVars[nb_ + 1], j);
  e_.setContractAcc(acc);
  Status st = e_.emitStmts(d_.body);
  e_.setContractAcc(nullptr);
  return st;
}

Status GemmBase::ifThen(llvm::Value* cond, const std::function<Status()>& body) {
  llvm::Function* fn = b_.GetInsertBlock()->getParent();
  auto* then = llvm::BasicBlock::Create(e_.context(), "then", fn);
  auto* done = llvm::BasicBlock::Create(e_.context(), "endif", fn);
  b_.CreateCondBr(cond, then, done);
  b_.SetInsertPoint(then);
  INGOT_RETURN_IF_ERROR(body());
  b_.CreateBr(done);
  b_.SetInsertPoint(done);
  return Status::ok();
}

Status GemmBase::forBatchUnits(int64_t unitsPerBatch,
                               const std::function<Status(llvm::Value*, llvm::Value*, llvm::Value*)>& body) {
  llvm::Value* begin = e_.beginArg();
  llvm::Value* end = e_.endArg();
  llvm::Value* upb = i64(unitsPerBatch);
  llvm::Value* first = b_.CreateUDiv(begin, upb);
  llvm::Value* last = b_.CreateUDiv(b_.CreateAdd(end, i64(unitsPerBatch - 1)), upb);
  return e_.forLoop(first, last, 1, "batch", [&](llvm::Value* bi) {
    llvm::Value* base = b_.CreateMul(bi, upb);
    llvm::Value* u0 = max64(b_.CreateSub(begin, base), i64(0));
    llvm::Value* u1 = min64(b_.CreateSub(end, base), upb);
    return body(bi, u0, u1);
  });
}

Status emitContraction(KernelEmitter& e) {
  {
    GemmBase check(e);
    INGOT_RETURN_IF_ERROR(check.validate());
  }
  if (e.target().loopContractions) return emitLoopContraction(e, true);
  INGOT_ASSIGN_OR_RETURN(bool done, emitDotGemm(e));
  if (done) return Status::ok();
  INGOT_ASSIGN_OR_RETURN(done, emitOuterProductGemm(e));
  if (done) return Status::ok();
  return emitLoopContraction(e, false);
}

}  // namespace ingot::backends::llvmcg
