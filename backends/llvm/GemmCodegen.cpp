// A contraction dispatch's loop nest: C[batch..., i, j] = sum_k A * B, with
// the dispatch body (the epilogue: bias, activation, store) run at each grid
// point with `acc` bound. Grid points are visited in row-major order, like
// the interpreter, so epilogues with side effects see the same order.
//
// Phase 1 has two straightforward, vectorizable shapes (issue 4 replaces
// them with a register-blocked, cache-blocked micro-kernel behind this same
// entry point, emitContraction):
// - "dot" when A and B are both contiguous along k (A·Bᵀ, ONNX Gemm with
//   transB = 1, i.e. every Linear layer): explicit vector accumulators over k
//   (one 64-byte vector per output, 4 outputs at a time sharing A's loads),
//   a reassociating horizontal sum, a scalar k tail;
// - "rows" otherwise: for each row i and a tile of up to kRowTile columns, a
//   stack array of accumulators updated by axpy over k (acc[j] += A[i,k] *
//   B[k,j]), which LLVM's loop vectorizer vectorizes when B is contiguous in j.
// Float sums use llvm.fmuladd, so results may differ from the interpreter's
// separate multiply and add in the last bits (tests use tolerances).
#include <llvm/IR/DerivedTypes.h>

#include "backends/llvm/Codegen.h"

namespace ingot::backends::llvmcg {

namespace {

constexpr int64_t kRowTile = 256;    // accumulators per row tile (1 KiB in f32)
constexpr int64_t kVectorBytes = 64; // one AVX-512 register; LLVM splits it on narrower CPUs
constexpr int64_t kDotColumns = 4;   // outputs computed together in the dot form

class GemmEmitter {
 public:
  GemmEmitter(KernelEmitter& e) : e_(e), b_(e.builder()), d_(e.dispatch()), c_(*d_.contraction) {}

  Status emit() {
    if (d_.grid.size() < 2 || d_.grid.size() - 2 != c_.aBatchStrides.size() ||
        c_.aBatchStrides.size() != c_.bBatchStrides.size())
      return e_.fail("contraction's batch strides do not match its grid");
    nb_ = d_.grid.size() - 2;
    if (d_.grid[nb_] != c_.m || d_.grid[nb_ + 1] != c_.n) return e_.fail("contraction's M, N differ from its grid");
    for (int32_t x : {c_.a, c_.b})
      if (x < 0 || static_cast<size_t>(x) >= d_.bindings.size()) return e_.fail("contraction operand out of range");
    INGOT_ASSIGN_OR_RETURN(accTy_, valueType(e_.context(), c_.accDType));
    if (!isFloat(c_.accDType) && !isInteger(c_.accDType))
      return e_.fail(fmt::format("contraction in {}", dtypeName(c_.accDType)));
    return batchLoops(0, b_.getInt64(0), b_.getInt64(0));
  }

 private:
  llvm::Value* mulAdd64(llvm::Value* base, llvm::Value* x, int64_t stride) {
    if (stride == 0) return base;
    return b_.CreateAdd(base, b_.CreateMul(x, b_.getInt64(stride)));
  }

  Expected<llvm::Value*> loadAs(int32_t binding, llvm::Value* index) {
    INGOT_ASSIGN_OR_RETURN(llvm::Value * v, e_.loadElement(binding, index));
    const DType t = d_.bindings[static_cast<size_t>(binding)].dtype;
    return t == c_.accDType ? v : emitCast(b_, v, t, c_.accDType);
  }

  // The epilogue at grid point (batch..., i, j) with `acc` bound.
  Status epilogue(llvm::Value* i, llvm::Value* j, llvm::Value* acc) {
    e_.setVar(d_.gridVars[nb_], i);
    e_.setVar(d_.gridVars[nb_ + 1], j);
    e_.setContractAcc(acc);
    Status st = e_.emitStmts(d_.body);
    e_.setContractAcc(nullptr);
    return st;
  }

  Status batchLoops(size_t dim, llvm::Value* aOff, llvm::Value* bOff) {
    if (dim == nb_) {
      aOff_ = aOff;
      bOff_ = bOff;
      const bool dot = c_.aStrideK == 1 && c_.bStrideK == 1 && c_.bStrideN != 1 && isFloat(c_.accDType) &&
                       d_.bindings[static_cast<size_t>(c_.a)].dtype == c_.accDType &&
                       d_.bindings[static_cast<size_t>(c_.b)].dtype == c_.accDType;
      return dot ? dotForm() : rowsForm();
    }
    const kir::VarId var = d_.gridVars[dim];
    return e_.forLoop(d_.grid[dim], d_.vars[static_cast<size_t>(var)].name, [&](llvm::Value* iv) {
      e_.setVar(var, iv);
      return batchLoops(dim + 1, mulAdd64(aOff, iv, c_.aBatchStrides[dim]), mulAdd64(bOff, iv, c_.bBatchStrides[dim]));
    });
  }

  Status rowsForm() {
    const int64_t tile = std::max<int64_t>(1, std::min(c_.n, kRowTile));
    llvm::AllocaInst* accs = e_.entryAlloca(llvm::ArrayType::get(accTy_, static_cast<uint64_t>(tile)), "acc.tile");
    auto slot = [&](llvm::Value* jj) { return b_.CreateInBoundsGEP(accTy_, accs, jj); };
    return e_.forLoop(c_.m, "i", [&](llvm::Value* i) {
      llvm::Value* aRow = mulAdd64(aOff_, i, c_.aStrideM);
      return e_.forLoop(b_.getInt64(0), b_.getInt64(c_.n), tile, "j0", [&](llvm::Value* j0) -> Status {
        llvm::Value* jn = c_.n % tile == 0 ? static_cast<llvm::Value*>(b_.getInt64(tile))
                                           : b_.CreateIntrinsic(llvm::Intrinsic::smin, {b_.getInt64Ty()},
                                                                {b_.getInt64(tile), b_.CreateSub(b_.getInt64(c_.n), j0)});
        INGOT_RETURN_IF_ERROR(e_.forLoop(b_.getInt64(0), jn, 1, "zero", [&](llvm::Value* jj) {
          b_.CreateStore(llvm::Constant::getNullValue(accTy_), slot(jj));
          return Status::ok();
        }));
        INGOT_RETURN_IF_ERROR(e_.forLoop(c_.k, "k", [&](llvm::Value* k) -> Status {
          INGOT_ASSIGN_OR_RETURN(llvm::Value * a, loadAs(c_.a, mulAdd64(aRow, k, c_.aStrideK)));
          llvm::Value* bRow = mulAdd64(mulAdd64(bOff_, k, c_.bStrideK), j0, c_.bStrideN);
          return e_.forLoop(b_.getInt64(0), jn, 1, "jj", [&](llvm::Value* jj) -> Status {
            INGOT_ASSIGN_OR_RETURN(llvm::Value * bv, loadAs(c_.b, mulAdd64(bRow, jj, c_.bStrideN)));
            llvm::Value* p = slot(jj);
            b_.CreateStore(emitMulAdd(b_, c_.accDType, a, bv, b_.CreateLoad(accTy_, p)), p);
            return Status::ok();
          });
        }));
        return e_.forLoop(b_.getInt64(0), jn, 1, "jj", [&](llvm::Value* jj) {
          return epilogue(i, b_.CreateAdd(j0, jj), b_.CreateLoad(accTy_, slot(jj)));
        });
      });
    });
  }

  // `count` dot products A[i, :] · B[:, j + c] for c < count.
  Status dotBlock(llvm::Value* i, llvm::Value* aRow, llvm::Value* j, int64_t count) {
    const auto lanes = static_cast<unsigned>(kVectorBytes / static_cast<int64_t>(dtypeSize(c_.accDType)));
    auto* vecTy = llvm::FixedVectorType::get(accTy_, lanes);
    const int64_t kMain = c_.k / lanes * lanes;
    const llvm::Align align(dtypeSize(c_.accDType));
    std::vector<llvm::AllocaInst*> vacc, sacc;
    std::vector<llvm::Value*> bCol;
    for (int64_t c = 0; c < count; ++c) {
      vacc.push_back(e_.entryAlloca(vecTy, "vacc"));
      sacc.push_back(e_.entryAlloca(accTy_, "sacc"));
      b_.CreateStore(llvm::Constant::getNullValue(vecTy), vacc.back());
      bCol.push_back(mulAdd64(bOff_, b_.CreateAdd(j, b_.getInt64(c)), c_.bStrideN));
    }
    llvm::Value* aPtr = e_.bindingPtr(c_.a);
    llvm::Value* bPtr = e_.bindingPtr(c_.b);
    INGOT_RETURN_IF_ERROR(e_.forLoop(b_.getInt64(0), b_.getInt64(kMain), lanes, "kv", [&](llvm::Value* k) {
      llvm::Value* va = b_.CreateAlignedLoad(vecTy, b_.CreateInBoundsGEP(accTy_, aPtr, b_.CreateAdd(aRow, k)), align);
      for (int64_t c = 0; c < count; ++c) {
        llvm::Value* vb = b_.CreateAlignedLoad(vecTy, b_.CreateInBoundsGEP(accTy_, bPtr, b_.CreateAdd(bCol[c], k)), align);
        llvm::Value* acc = b_.CreateLoad(vecTy, vacc[c]);
        b_.CreateStore(b_.CreateIntrinsic(llvm::Intrinsic::fma, {vecTy}, {va, vb, acc}), vacc[c]);
      }
      return Status::ok();
    }));
    for (int64_t c = 0; c < count; ++c) {
      auto* sum = b_.CreateFAddReduce(llvm::ConstantFP::get(accTy_, 0.0), b_.CreateLoad(vecTy, vacc[c]));
      llvm::FastMathFlags fmf;
      fmf.setAllowReassoc();  // a tree reduction, not lane-by-lane
      llvm::cast<llvm::Instruction>(sum)->setFastMathFlags(fmf);
      b_.CreateStore(sum, sacc[c]);
    }
    if (kMain < c_.k) {
      INGOT_RETURN_IF_ERROR(e_.forLoop(b_.getInt64(kMain), b_.getInt64(c_.k), 1, "kt", [&](llvm::Value* k) -> Status {
        INGOT_ASSIGN_OR_RETURN(llvm::Value * a, e_.loadElement(c_.a, b_.CreateAdd(aRow, k)));
        for (int64_t c = 0; c < count; ++c) {
          INGOT_ASSIGN_OR_RETURN(llvm::Value * bv, e_.loadElement(c_.b, b_.CreateAdd(bCol[c], k)));
          b_.CreateStore(emitMulAdd(b_, c_.accDType, a, bv, b_.CreateLoad(accTy_, sacc[c])), sacc[c]);
        }
        return Status::ok();
      }));
    }
    for (int64_t c = 0; c < count; ++c)
      INGOT_RETURN_IF_ERROR(epilogue(i, b_.CreateAdd(j, b_.getInt64(c)), b_.CreateLoad(accTy_, sacc[c])));
    return Status::ok();
  }

  Status dotForm() {
    const int64_t nMain = c_.n / kDotColumns * kDotColumns;
    return e_.forLoop(c_.m, "i", [&](llvm::Value* i) -> Status {
      llvm::Value* aRow = mulAdd64(aOff_, i, c_.aStrideM);
      if (nMain > 0)
        INGOT_RETURN_IF_ERROR(e_.forLoop(b_.getInt64(0), b_.getInt64(nMain), kDotColumns, "j",
                                         [&](llvm::Value* j) { return dotBlock(i, aRow, j, kDotColumns); }));
      if (nMain < c_.n)
        INGOT_RETURN_IF_ERROR(e_.forLoop(b_.getInt64(nMain), b_.getInt64(c_.n), 1, "jt",
                                         [&](llvm::Value* j) { return dotBlock(i, aRow, j, 1); }));
      return Status::ok();
    });
  }

  KernelEmitter& e_;
  llvm::IRBuilder<>& b_;
  const kir::Dispatch& d_;
  const kir::Contraction& c_;
  size_t nb_ = 0;
  llvm::Type* accTy_ = nullptr;
  llvm::Value* aOff_ = nullptr;
  llvm::Value* bOff_ = nullptr;
};

}  // namespace

Status emitContraction(KernelEmitter& e) { return GemmEmitter(e).emit(); }

}  // namespace ingot::backends::llvmcg
