// Phase 1's contraction loop nests, kept for contractions the micro-kernels
// do not take (integer accumulation, operands of another dtype than the
// accumulator) and, behind LlvmOptions::loopContractions, as the baseline
// the benchmark compares the micro-kernels with. One work unit per batch.
// - "dot" when A and B are both contiguous along k: one 64-byte vector
//   accumulator per output, 4 outputs at a time sharing A's loads, a
//   reassociating horizontal sum, a scalar k tail;
// - "rows" otherwise: for each row i and a tile of up to kRowTile columns, a
//   stack array of accumulators updated by axpy over k (acc[j] += A[i,k] *
//   B[k,j]), which LLVM's loop vectorizer vectorizes when B is contiguous in j.
#include <llvm/IR/DerivedTypes.h>

#include "backends/llvm/GemmCommon.h"

namespace ingot::backends::llvmcg {

namespace {

constexpr int64_t kRowTile = 256;    // accumulators per row tile (1 KiB in f32)
constexpr int64_t kVectorBytes = 64; // the dot form's vector; LLVM splits it on narrower CPUs
constexpr int64_t kDotColumns = 4;   // outputs computed together in the dot form

class LoopGemm : public GemmBase {
 public:
  using GemmBase::GemmBase;

  Status emit(bool allowDot) {
    e_.mutableInfo().units = batchCount_;
    e_.mutableInfo().nsPerUnit = static_cast<double>(c_.m * c_.n * c_.k) * 0.5;
    const bool dot = allowDot && c_.aStrideK == 1 && c_.bStrideK == 1 && c_.bStrideN != 1 && isFloat(c_.accDType) &&
                     d_.bindings[static_cast<size_t>(c_.a)].dtype == c_.accDType &&
                     d_.bindings[static_cast<size_t>(c_.b)].dtype == c_.accDType;
    return forBatchUnits(1, [&](llvm::Value* bi, llvm::Value*, llvm::Value*) {
      std::tie(aOff_, bOff_) = batchOffsets(bi);
      return dot ? dotForm() : rowsForm();
    });
  }

 private:
  Status rowsForm() {
    const int64_t tile = std::max<int64_t>(1, std::min(c_.n, kRowTile));
    llvm::AllocaInst* accs = e_.entryAlloca(llvm::ArrayType::get(accTy_, static_cast<uint64_t>(tile)), "acc.tile");
    auto slot = [&](llvm::Value* jj) { return b_.CreateInBoundsGEP(accTy_, accs, jj); };
    return e_.forLoop(c_.m, "i", [&](llvm::Value* i) {
      llvm::Value* aRow = mulAdd64(aOff_, i, c_.aStrideM);
      return e_.forLoop(i64(0), i64(c_.n), tile, "j0", [&](llvm::Value* j0) -> Status {
        llvm::Value* jn = c_.n % tile == 0 ? static_cast<llvm::Value*>(i64(tile))
                                           : b_.CreateIntrinsic(llvm::Intrinsic::smin, {b_.getInt64Ty()},
                                                                {i64(tile), b_.CreateSub(i64(c_.n), j0)});
        INGOT_RETURN_IF_ERROR(e_.forLoop(i64(0), jn, 1, "zero", [&](llvm::Value* jj) {
          b_.CreateStore(llvm::Constant::getNullValue(accTy_), slot(jj));
          return Status::ok();
        }));
        INGOT_RETURN_IF_ERROR(e_.forLoop(c_.k, "k", [&](llvm::Value* k) -> Status {
          INGOT_ASSIGN_OR_RETURN(llvm::Value * a, loadAs(c_.a, mulAdd64(aRow, k, c_.aStrideK)));
          llvm::Value* bRow = mulAdd64(mulAdd64(bOff_, k, c_.bStrideK), j0, c_.bStrideN);
          return e_.forLoop(i64(0), jn, 1, "jj", [&](llvm::Value* jj) -> Status {
            INGOT_ASSIGN_OR_RETURN(llvm::Value * bv, loadAs(c_.b, mulAdd64(bRow, jj, c_.bStrideN)));
            llvm::Value* p = slot(jj);
            b_.CreateStore(emitMulAdd(b_, c_.accDType, a, bv, b_.CreateLoad(accTy_, p)), p);
            return Status::ok();
          });
        }));
        return e_.forLoop(i64(0), jn, 1, "jj", [&](llvm::Value* jj) {
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
      bCol.push_back(mulAdd64(bOff_, b_.CreateAdd(j, i64(c)), c_.bStrideN));
    }
    llvm::Value* aPtr = e_.bindingPtr(c_.a);
    llvm::Value* bPtr = e_.bindingPtr(c_.b);
    INGOT_RETURN_IF_ERROR(e_.forLoop(i64(0), i64(kMain), lanes, "kv", [&](llvm::Value* k) {
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
      INGOT_RETURN_IF_ERROR(e_.forLoop(i64(kMain), i64(c_.k), 1, "kt", [&](llvm::Value* k) -> Status {
        INGOT_ASSIGN_OR_RETURN(llvm::Value * a, e_.loadElement(c_.a, b_.CreateAdd(aRow, k)));
        for (int64_t c = 0; c < count; ++c) {
          INGOT_ASSIGN_OR_RETURN(llvm::Value * bv, e_.loadElement(c_.b, b_.CreateAdd(bCol[c], k)));
          b_.CreateStore(emitMulAdd(b_, c_.accDType, a, bv, b_.CreateLoad(accTy_, sacc[c])), sacc[c]);
        }
        return Status::ok();
      }));
    }
    for (int64_t c = 0; c < count; ++c)
      INGOT_RETURN_IF_ERROR(epilogue(i, b_.CreateAdd(j, i64(c)), b_.CreateLoad(accTy_, sacc[c])));
    return Status::ok();
  }

  Status dotForm() {
    const int64_t nMain = c_.n / kDotColumns * kDotColumns;
    return e_.forLoop(c_.m, "i", [&](llvm::Value* i) -> Status {
      llvm::Value* aRow = mulAdd64(aOff_, i, c_.aStrideM);
      if (nMain > 0)
        INGOT_RETURN_IF_ERROR(e_.forLoop(i64(0), i64(nMain), kDotColumns, "j",
                                         [&](llvm::Value* j) { return dotBlock(i, aRow, j, kDotColumns); }));
      if (nMain < c_.n)
        INGOT_RETURN_IF_ERROR(e_.forLoop(i64(nMain), i64(c_.n), 1, "jt",
                                         [&](llvm::Value* j) { return dotBlock(i, aRow, j, 1); }));
      return Status::ok();
    });
  }

  llvm::Value* aOff_ = nullptr;
  llvm::Value* bOff_ = nullptr;
};

}  // namespace

Status emitLoopContraction(KernelEmitter& e, bool allowDot) {
  LoopGemm g(e);
  INGOT_RETURN_IF_ERROR(g.validate());
  return g.emit(allowDot);
}

}  // namespace ingot::backends::llvmcg
