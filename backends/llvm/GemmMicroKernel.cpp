// Register-blocked GEMM micro-kernels in LLVM IR (vector types, llvm.fma),
// sized from the target's vector width and register count.
//
// Outer-product form (any float contraction that the dot form does not
// take): a tile of MR rows x NR = NV vectors of columns is held in MR*NV
// vector accumulators; each k step loads NV vectors of B's row k and
// broadcasts MR elements of A's column k (AVX2: 6 x 2 vectors of 8 = 12
// accumulators + 2 B vectors + 1 broadcast of 16 registers; AVX-512: 6 x 4
// vectors of 16). Columns are split into panels of NR; a work unit is one
// panel of one batch, so threads split N and each packs only its own
// panels. B is read in place when its rows are contiguous in j, except
//   - the last, partial panel, always copied into a zero-padded panel (so
//     the micro-kernel never reads past a row), and
//   - large operands (kPackBytes and up, M at least 4 tiles), packed into
//     contiguous K x NR panels: a row stride of a power of two makes every
//     k of a panel land in one cache set, and packing costs one copy of B
//     against 2*M/NR flops per element.
// A is read in place (broadcast loads from MR rows); rows are blocked so
// the A rows one block sweeps (kBlockBytes) stay in L2 while all panels of
// the range pass over them.
//
// Dot form (A and B both contiguous along k: A·Bᵀ, ONNX Gemm transB = 1): a
// tile of MR rows x NC columns keeps one vector accumulator per output along
// k (AVX2: 3 x 4; AVX-512: 4 x 6) and reduces each once at the end; the k
// tail is one masked vector load, so any K works without packing. A work
// unit is one column tile of one batch. This is also the direct path for
// small M (batch-1 inference): nothing is packed.
//
// Both forms run the epilogue (the dispatch body) once per tile from a small
// stack tile that stays in L1, so fused bias/activation never make another
// pass over memory; M and N tails are the same code with static smaller
// tile sizes (shapes are static), K is any length.
#include <llvm/IR/DerivedTypes.h>
#include <llvm/IR/Intrinsics.h>

#include "backends/llvm/GemmCommon.h"

namespace ingot::backends::llvmcg {

namespace {

constexpr int64_t kPackBytes = 512 * 1024;   // B at least this large (and M >= 4 tiles) is packed
constexpr int64_t kBlockBytes = 192 * 1024;  // A rows swept per row block (L2-resident)
constexpr double kFlopsPerNs = 40;            // rough single-thread speed, for KernelInfo::nsPerUnit
// A at least this large goes to the outer-product form (B packed per call)
// rather than the dot form: the dot form re-reads every A row from L2 for
// each 4-column tile, and once A is a few times L2 that costs more than
// packing B. gemm_bench, dense x[M,784]·Wᵀ (1 thread, load ~5, two runs):
// M = 512: dot 67/63, outer 79/77 GFLOP/s; M = 1024: dot 66/59, outer
// 76/78; M <= 256 within noise of each other, M <= 64 dot ahead.
constexpr int64_t kDotMaxABytes = 1536 * 1024;

class MicroGemm : public GemmBase {
 public:
  using GemmBase::GemmBase;

 protected:
  // Float contraction whose operands have the accumulator dtype.
  bool setup() {
    if (!isFloat(c_.accDType)) return false;
    if (d_.bindings[static_cast<size_t>(c_.a)].dtype != c_.accDType ||
        d_.bindings[static_cast<size_t>(c_.b)].dtype != c_.accDType)
      return false;
    esize_ = static_cast<int64_t>(dtypeSize(c_.accDType));
    lanes_ = std::max<int64_t>(1, e_.target().vectorBytes / esize_);
    vecTy_ = llvm::FixedVectorType::get(accTy_, static_cast<unsigned>(lanes_));
    return true;
  }

  // Rows per block: the A rows one block reads stay in L2.
  int64_t rowBlock(int64_t mr) const {
    const int64_t rows = kBlockBytes / std::max<int64_t>(1, c_.k * esize_);
    return std::max(mr, rows / mr * mr);
  }

  llvm::Value* fma(llvm::Value* x, llvm::Value* y, llvm::Value* acc) {
    return b_.CreateIntrinsic(llvm::Intrinsic::fma, {vecTy_}, {x, y, acc});
  }
  llvm::Value* gep(llvm::Value* base, llvm::Value* index) { return b_.CreateInBoundsGEP(accTy_, base, index); }
  llvm::Align elemAlign() const { return llvm::Align(static_cast<uint64_t>(esize_)); }

  // Vector accumulators (entry allocas that SROA turns into registers), zeroed.
  std::vector<llvm::AllocaInst*> zeroAccumulators(int64_t count) {
    std::vector<llvm::AllocaInst*> accs;
    for (int64_t i = 0; i < count; ++i) {
      accs.push_back(e_.entryAlloca(vecTy_, "acc"));
      b_.CreateStore(llvm::Constant::getNullValue(vecTy_), accs.back());
    }
    return accs;
  }
  void accumulate(llvm::AllocaInst* acc, llvm::Value* x, llvm::Value* y) {
    b_.CreateStore(fma(x, y, b_.CreateLoad(vecTy_, acc)), acc);
  }

  // The epilogue over a tile of `rows` x `cols` results stored row-major with
  // row pitch `pitch` in `tile` (a stack array).
  Status tileEpilogue(llvm::Value* tile, int64_t pitch, llvm::Value* i0, llvm::Value* j0, int64_t rows, int64_t cols) {
    return e_.forLoop(rows, "er", [&](llvm::Value* r) {
      llvm::Value* rowBase = b_.CreateMul(r, i64(pitch));
      return e_.forLoop(cols, "ec", [&](llvm::Value* c) {
        llvm::Value* acc = b_.CreateLoad(accTy_, gep(tile, b_.CreateAdd(rowBase, c)));
        return epilogue(b_.CreateAdd(i0, r), b_.CreateAdd(j0, c), acc);
      });
    });
  }

  int64_t esize_ = 4, lanes_ = 1;
  llvm::FixedVectorType* vecTy_ = nullptr;
};

class OuterProductGemm : public MicroGemm {
 public:
  using MicroGemm::MicroGemm;

  Expected<bool> emit() {
    if (!setup()) return false;
    const int64_t regs = e_.target().vectorRegisters;
    nv_ = regs >= 32 ? 4 : 2;
    nr_ = nv_ * lanes_;
    mr_ = std::clamp<int64_t>((regs - nv_ - 1) / nv_, 1, 6);
    nPanels_ = (c_.n + nr_ - 1) / nr_;
    nFull_ = c_.n / nr_;
    lastCols_ = c_.n % nr_;
    panelElems_ = c_.k * nr_;
    pack_ = c_.bStrideN != 1 || (c_.m >= 4 * mr_ && c_.k * c_.n * esize_ >= kPackBytes);
    KernelInfo& info = e_.mutableInfo();
    info.units = batchCount_ * nPanels_;
    info.nsPerUnit = 2.0 * static_cast<double>(c_.m * c_.k * nr_) / kFlopsPerNs;
    info.scratchBytes = static_cast<uint64_t>((pack_ ? nPanels_ : lastCols_ ? 1 : 0) * panelElems_ * esize_);
    tile_ = e_.entryAlloca(llvm::ArrayType::get(accTy_, static_cast<uint64_t>(mr_ * nr_)), "tile");
    INGOT_RETURN_IF_ERROR(forBatchUnits(nPanels_, [&](llvm::Value* bi, llvm::Value* p0, llvm::Value* p1) {
      return batch(bi, p0, p1);
    }));
    return true;
  }

 private:
  Status batch(llvm::Value* bi, llvm::Value* p0, llvm::Value* p1) {
    std::tie(aOff_, bOff_) = batchOffsets(bi);
    llvm::Value* scratch = e_.scratchArg();
    llvm::Value* pFullEnd = min64(p1, i64(nFull_));
    auto panelAt = [&](llvm::Value* slot) { return b_.CreateGEP(accTy_, scratch, b_.CreateMul(slot, i64(panelElems_))); };
    if (pack_)
      INGOT_RETURN_IF_ERROR(e_.forLoop(p0, pFullEnd, 1, "pack", [&](llvm::Value* p) {
        return packPanel(p, panelAt(b_.CreateSub(p, p0)), nr_);
      }));
    llvm::Value* partial = nullptr;
    llvm::Value* hasPartial = nullptr;
    if (lastCols_) {
      partial = pack_ ? panelAt(b_.CreateSub(i64(nFull_), p0)) : scratch;
      hasPartial = b_.CreateICmpSGT(p1, i64(nFull_));
      INGOT_RETURN_IF_ERROR(ifThen(hasPartial, [&] { return packPanel(i64(nFull_), partial, lastCols_); }));
    }
    // All panels of the range against rows [r0, r1) in tiles of `rows`.
    auto sweep = [&](llvm::Value* r0, llvm::Value* r1, int64_t rows) -> Status {
      INGOT_RETURN_IF_ERROR(e_.forLoop(p0, pFullEnd, 1, "panel", [&](llvm::Value* p) {
        llvm::Value* panel = pack_ ? panelAt(b_.CreateSub(p, p0))
                                   : gep(e_.bindingPtr(c_.b), b_.CreateAdd(bOff_, b_.CreateMul(p, i64(nr_))));
        return e_.forLoop(r0, r1, rows, "i0", [&](llvm::Value* i0) {
          return tile(rows, i0, b_.CreateMul(p, i64(nr_)), panel, pack_ ? nr_ : c_.bStrideK, pack_, nr_);
        });
      }));
      if (!lastCols_) return Status::ok();
      return ifThen(hasPartial, [&] {
        return e_.forLoop(r0, r1, rows, "i0", [&](llvm::Value* i0) {
          return tile(rows, i0, i64(nFull_ * nr_), partial, nr_, true, lastCols_);
        });
      });
    };
    const int64_t mFull = c_.m / mr_ * mr_, mTail = c_.m % mr_;
    if (mFull > 0) {
      const int64_t mc = rowBlock(mr_);
      INGOT_RETURN_IF_ERROR(e_.forLoop(i64(0), i64(mFull), mc, "ic", [&](llvm::Value* ic) {
        return sweep(ic, min64(b_.CreateAdd(ic, i64(mc)), i64(mFull)), mr_);
      }));
    }
    if (mTail > 0) INGOT_RETURN_IF_ERROR(sweep(i64(mFull), i64(c_.m), mTail));
    return Status::ok();
  }

  // Copies columns [p*NR, p*NR + cols) of B into a K x NR panel at dst
  // (zero-padding columns cols..NR).
  Status packPanel(llvm::Value* p, llvm::Value* dst, int64_t cols) {
    llvm::Value* j0 = b_.CreateMul(p, i64(nr_));
    const bool vectors = cols == nr_ && c_.bStrideN == 1;
    return e_.forLoop(c_.k, "pk", [&](llvm::Value* k) -> Status {
      llvm::Value* src = b_.CreateAdd(bOff_, b_.CreateAdd(b_.CreateMul(k, i64(c_.bStrideK)), j0));
      llvm::Value* out = gep(dst, b_.CreateMul(k, i64(nr_)));
      if (vectors) {
        for (int64_t v = 0; v < nv_; ++v) {
          llvm::Value* x = b_.CreateAlignedLoad(vecTy_, elementPtr(c_.b, b_.CreateAdd(src, i64(v * lanes_))), elemAlign());
          b_.CreateAlignedStore(x, gep(out, i64(v * lanes_)), llvm::Align(e_.target().vectorBytes));
        }
        return Status::ok();
      }
      for (int64_t c = 0; c < nr_; ++c) {
        llvm::Value* x = llvm::Constant::getNullValue(accTy_);
        if (c < cols) {
          llvm::Value* at = c_.bStrideN == 1 ? b_.CreateAdd(src, i64(c))
                                             : b_.CreateAdd(b_.CreateSub(src, j0), b_.CreateMul(b_.CreateAdd(j0, i64(c)), i64(c_.bStrideN)));
          x = b_.CreateLoad(accTy_, elementPtr(c_.b, at));
        }
        b_.CreateStore(x, gep(out, i64(c)));
      }
      return Status::ok();
    });
  }

  // Rows [i0, i0 + rows) x the panel's columns [j0, j0 + cols): B's row k is
  // at panel + k * kStride (NR contiguous values).
  Status tile(int64_t rows, llvm::Value* i0, llvm::Value* j0, llvm::Value* panel, int64_t kStride, bool aligned,
              int64_t cols) {
    std::vector<llvm::AllocaInst*> acc = zeroAccumulators(rows * nv_);
    const llvm::Align bAlign = aligned ? llvm::Align(e_.target().vectorBytes) : elemAlign();
    llvm::Value* aBase = b_.CreateAdd(aOff_, b_.CreateMul(i0, i64(c_.aStrideM)));
    INGOT_RETURN_IF_ERROR(e_.forLoop(c_.k, "k", [&](llvm::Value* k) {
      llvm::Value* bRow = gep(panel, b_.CreateMul(k, i64(kStride)));
      std::vector<llvm::Value*> bv;
      for (int64_t v = 0; v < nv_; ++v) bv.push_back(b_.CreateAlignedLoad(vecTy_, gep(bRow, i64(v * lanes_)), bAlign));
      llvm::Value* aK = b_.CreateAdd(aBase, b_.CreateMul(k, i64(c_.aStrideK)));
      for (int64_t r = 0; r < rows; ++r) {
        llvm::Value* a = b_.CreateLoad(accTy_, elementPtr(c_.a, b_.CreateAdd(aK, i64(r * c_.aStrideM))));
        llvm::Value* splat = b_.CreateVectorSplat(static_cast<unsigned>(lanes_), a);
        for (int64_t v = 0; v < nv_; ++v) accumulate(acc[static_cast<size_t>(r * nv_ + v)], splat, bv[static_cast<size_t>(v)]);
      }
      return Status::ok();
    }));
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t v = 0; v < nv_; ++v)
        b_.CreateAlignedStore(b_.CreateLoad(vecTy_, acc[static_cast<size_t>(r * nv_ + v)]),
                              gep(tile_, i64(r * nr_ + v * lanes_)), elemAlign());
    return tileEpilogue(tile_, nr_, i0, j0, rows, cols);
  }

  int64_t nv_ = 2, nr_ = 16, mr_ = 6, nPanels_ = 0, nFull_ = 0, lastCols_ = 0, panelElems_ = 0;
  bool pack_ = false;
  llvm::AllocaInst* tile_ = nullptr;
  llvm::Value* aOff_ = nullptr;
  llvm::Value* bOff_ = nullptr;
};

class DotGemm : public MicroGemm {
 public:
  using MicroGemm::MicroGemm;

  Expected<bool> emit() {
    if (c_.aStrideK != 1 || c_.bStrideK != 1 || c_.bStrideN == 1 || !setup()) return false;
    if (c_.m * c_.k * esize_ >= kDotMaxABytes) return false;
    const bool wide = e_.target().vectorRegisters >= 32;
    mr_ = wide ? 4 : 3;
    nc_ = wide ? 6 : 4;
    nTiles_ = (c_.n + nc_ - 1) / nc_;
    nFull_ = c_.n / nc_;
    lastCols_ = c_.n % nc_;
    KernelInfo& info = e_.mutableInfo();
    info.units = batchCount_ * nTiles_;
    info.nsPerUnit = 2.0 * static_cast<double>(c_.m * c_.k * nc_) / kFlopsPerNs;
    tile_ = e_.entryAlloca(llvm::ArrayType::get(accTy_, static_cast<uint64_t>(mr_ * nc_)), "tile");
    INGOT_RETURN_IF_ERROR(forBatchUnits(nTiles_, [&](llvm::Value* bi, llvm::Value* t0, llvm::Value* t1) {
      return batch(bi, t0, t1);
    }));
    return true;
  }

 private:
  Status batch(llvm::Value* bi, llvm::Value* t0, llvm::Value* t1) {
    std::tie(aOff_, bOff_) = batchOffsets(bi);
    llvm::Value* tFullEnd = min64(t1, i64(nFull_));
    llvm::Value* hasPartial = lastCols_ ? b_.CreateICmpSGT(t1, i64(nFull_)) : nullptr;
    auto sweep = [&](llvm::Value* r0, llvm::Value* r1, int64_t rows) -> Status {
      INGOT_RETURN_IF_ERROR(e_.forLoop(t0, tFullEnd, 1, "ct", [&](llvm::Value* t) {
        return e_.forLoop(r0, r1, rows, "i0",
                          [&](llvm::Value* i0) { return tile(rows, nc_, i0, b_.CreateMul(t, i64(nc_))); });
      }));
      if (!lastCols_) return Status::ok();
      return ifThen(hasPartial, [&] {
        return e_.forLoop(r0, r1, rows, "i0",
                          [&](llvm::Value* i0) { return tile(rows, lastCols_, i0, i64(nFull_ * nc_)); });
      });
    };
    const int64_t mFull = c_.m / mr_ * mr_, mTail = c_.m % mr_;
    if (mFull > 0) {
      const int64_t mc = rowBlock(mr_);
      INGOT_RETURN_IF_ERROR(e_.forLoop(i64(0), i64(mFull), mc, "ic", [&](llvm::Value* ic) {
        return sweep(ic, min64(b_.CreateAdd(ic, i64(mc)), i64(mFull)), mr_);
      }));
    }
    if (mTail > 0) INGOT_RETURN_IF_ERROR(sweep(i64(mFull), i64(c_.m), mTail));
    return Status::ok();
  }

  // Outputs [i0, i0 + rows) x [j0, j0 + cols): dot products along k.
  Status tile(int64_t rows, int64_t cols, llvm::Value* i0, llvm::Value* j0) {
    std::vector<llvm::AllocaInst*> acc = zeroAccumulators(rows * cols);
    std::vector<llvm::Value*> aRow, bRow;
    for (int64_t r = 0; r < rows; ++r)
      aRow.push_back(b_.CreateAdd(aOff_, b_.CreateMul(b_.CreateAdd(i0, i64(r)), i64(c_.aStrideM))));
    for (int64_t c = 0; c < cols; ++c)
      bRow.push_back(b_.CreateAdd(bOff_, b_.CreateMul(b_.CreateAdd(j0, i64(c)), i64(c_.bStrideN))));
    const int64_t kMain = c_.k / lanes_ * lanes_, kTail = c_.k % lanes_;
    // One k step of `lanes_` (the last one masked to kTail lanes).
    auto step = [&](llvm::Value* k, bool masked) {
      llvm::Value* mask = nullptr;
      if (masked) {
        std::vector<llvm::Constant*> bits;
        for (int64_t l = 0; l < lanes_; ++l) bits.push_back(b_.getInt1(l < kTail));
        mask = llvm::ConstantVector::get(bits);
      }
      auto load = [&](int32_t binding, llvm::Value* row) -> llvm::Value* {
        llvm::Value* ptr = elementPtr(binding, b_.CreateAdd(row, k));
        if (!masked) return b_.CreateAlignedLoad(vecTy_, ptr, elemAlign());
        return b_.CreateMaskedLoad(vecTy_, ptr, elemAlign(), mask, llvm::Constant::getNullValue(vecTy_));
      };
      std::vector<llvm::Value*> av;
      for (int64_t r = 0; r < rows; ++r) av.push_back(load(c_.a, aRow[static_cast<size_t>(r)]));
      for (int64_t c = 0; c < cols; ++c) {
        llvm::Value* bv = load(c_.b, bRow[static_cast<size_t>(c)]);
        for (int64_t r = 0; r < rows; ++r) accumulate(acc[static_cast<size_t>(r * cols + c)], av[static_cast<size_t>(r)], bv);
      }
    };
    if (kMain > 0)
      INGOT_RETURN_IF_ERROR(e_.forLoop(i64(0), i64(kMain), lanes_, "kv", [&](llvm::Value* k) {
        step(k, false);
        return Status::ok();
      }));
    if (kTail > 0) step(i64(kMain), true);
    llvm::FastMathFlags fmf;
    fmf.setAllowReassoc();  // a tree reduction, not lane by lane
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < cols; ++c) {
        llvm::Value* sum = b_.CreateFAddReduce(llvm::ConstantFP::get(accTy_, 0.0),
                                               b_.CreateLoad(vecTy_, acc[static_cast<size_t>(r * cols + c)]));
        llvm::cast<llvm::Instruction>(sum)->setFastMathFlags(fmf);
        b_.CreateStore(sum, gep(tile_, i64(r * nc_ + c)));
      }
    return tileEpilogue(tile_, nc_, i0, j0, rows, cols);
  }

  int64_t mr_ = 3, nc_ = 4, nTiles_ = 0, nFull_ = 0, lastCols_ = 0;
  llvm::AllocaInst* tile_ = nullptr;
  llvm::Value* aOff_ = nullptr;
  llvm::Value* bOff_ = nullptr;
};

}  // namespace

Expected<bool> emitOuterProductGemm(KernelEmitter& e) {
  OuterProductGemm g(e);
  INGOT_RETURN_IF_ERROR(g.validate());
  return g.emit();
}

Expected<bool> emitDotGemm(KernelEmitter& e) {
  DotGemm g(e);
  INGOT_RETURN_IF_ERROR(g.validate());
  return g.emit();
}

}  // namespace ingot::backends::llvmcg
