// Value ranges of a dispatch's integer expressions, and from them which of
// its i64 expressions a backend may compute in 32 bits.
//
// The dispatch form computes every index in i64 (Kernel.h). GPUs run 64-bit
// integer arithmetic at a fraction of 32-bit speed, and CPU emulations of
// them (lavapipe, PoCL) vectorize it poorly, so the C-like backends compute
// an i64 expression as a 32-bit int when that provably gives the same value.
// The proof is an interval analysis: grid variables lie in [0, extent), loop
// variables in [0, extent), constants are themselves, loads and float
// conversions may be anything their dtype holds, Let variables take their
// value's range and accumulators the union of everything assigned to them
// (a fixed point; one that keeps growing is given its dtype's full range).
// Every operation's range is computed in exact arithmetic; a result that
// can leave its dtype (wrapping) gets the dtype's full range.
//
// An i64 expression is *narrow* (computed as int32) when its own range and
// the ranges of all its i64 operands lie in int32: then each operation on
// the 32-bit values computes the same mathematical result as on the 64-bit
// ones, with no intermediate wrapping. Values that do not fit (an int64
// tensor element, a Gather index before it is clamped) stay 64-bit; a clamp
// of such a value into [0, n) fits and is narrowed where it is used. Shifts
// are never narrowed (their result depends on the width).
#pragma once

#include <cstdint>
#include <limits>
#include <vector>

#include "ir/kernel/Kernel.h"

namespace ingot::kir {

// A closed interval of integers; empty when lo > hi (a value never computed,
// e.g. in a loop of extent 0).
struct IntRange {
  int64_t lo = 1, hi = 0;

  static IntRange of(int64_t lo, int64_t hi) { return {lo, hi}; }
  // Every value of dtype t (bool: 0 and 1). u64 values above INT64_MAX cannot
  // be represented: u64 gets the whole i64 range, which never fits in 32 bits.
  static IntRange full(DType t);
  bool empty() const { return lo > hi; }
  bool within(int64_t l, int64_t h) const { return empty() || (lo >= l && hi <= h); }
  bool fitsI32() const { return within(std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max()); }
  IntRange join(const IntRange& o) const;
  bool operator==(const IntRange& o) const { return (empty() && o.empty()) || (lo == o.lo && hi == o.hi); }
};

class IndexRanges {
 public:
  // Analyzes a validated, non-opaque dispatch.
  static IndexRanges analyze(const Dispatch& d);

  // The range of an integer or bool expression or variable (the dtype's full
  // range for anything the analysis cannot bound; floats get the i64 range).
  const IntRange& expr(ExprId id) const { return exprs_[static_cast<size_t>(id)]; }
  const IntRange& var(VarId v) const { return vars_[static_cast<size_t>(v)]; }
  // The i64 expression's value lies in int32 (false for other dtypes).
  bool fitsI32(ExprId id) const;
  // The i64 expression is computed in 32 bits (see the file comment): it
  // fits, and so do its i64 operands. Constants that fit and narrow
  // variables are narrow; loads and contraction values never are.
  bool narrow(ExprId id) const { return narrow_[static_cast<size_t>(id)]; }
  // The i64 variable's value lies in int32, so it is declared 32-bit.
  bool narrowVar(VarId v) const;
  // Every element address of the contraction's operands -- batch base +
  // row * strideM + k * strideK over the whole grid and k, and the sums on
  // the way there -- and K itself lie in int32 (true without a contraction).
  bool contractionFitsI32() const { return contractionFits_; }

 private:
  const Dispatch* d_ = nullptr;
  std::vector<IntRange> exprs_, vars_;
  std::vector<bool> narrow_;
  bool contractionFits_ = true;

  void computeExprRanges();
  void computeNarrow();
  void computeContraction();
};

}  // namespace ingot::kir
