#include "ir/kernel/IndexRange.h"

#include <algorithm>
#include <initializer_list>

namespace ingot::kir {

namespace {

constexpr int64_t kMin64 = std::numeric_limits<int64_t>::min();
constexpr int64_t kMax64 = std::numeric_limits<int64_t>::max();

// Exact results or nothing: an operation whose exact value leaves int64 makes
// the whole range unknown (the caller then takes the dtype's full range).
struct Exact {
  bool ok = true;
  int64_t add(int64_t a, int64_t b) { return check(__builtin_add_overflow(a, b, &r_)); }
  int64_t sub(int64_t a, int64_t b) { return check(__builtin_sub_overflow(a, b, &r_)); }
  int64_t mul(int64_t a, int64_t b) { return check(__builtin_mul_overflow(a, b, &r_)); }
  int64_t div(int64_t a, int64_t b) {  // b != 0
    if (a == kMin64 && b == -1) return check(true);
    return a / b;
  }
  int64_t neg(int64_t a) { return sub(0, a); }

 private:
  int64_t r_ = 0;
  int64_t check(bool overflow) {
    ok &= !overflow;
    return overflow ? 0 : r_;
  }
};

IntRange hull(std::initializer_list<int64_t> vs) {
  return IntRange::of(std::min(vs), std::max(vs));
}

// Truncating division over y's values that share a sign (y excludes 0):
// x / y is monotone in x for a fixed y and in y for a fixed x, so the
// extremes are at the corners.
IntRange divideSameSign(const IntRange& x, const IntRange& y, Exact& ex) {
  return hull({ex.div(x.lo, y.lo), ex.div(x.lo, y.hi), ex.div(x.hi, y.lo), ex.div(x.hi, y.hi)});
}

// Div of the dispatch form: truncating, 0 for a zero divisor.
IntRange divide(const IntRange& x, const IntRange& y, Exact& ex) {
  IntRange r;
  if (y.lo <= -1) r = r.join(divideSameSign(x, IntRange::of(y.lo, std::min<int64_t>(y.hi, -1)), ex));
  if (y.hi >= 1) r = r.join(divideSameSign(x, IntRange::of(std::max<int64_t>(y.lo, 1), y.hi), ex));
  if (y.lo <= 0 && y.hi >= 0) r = r.join(IntRange::of(0, 0));
  return r;
}

// Rem: the dividend's sign, |r| < |y| and |r| <= |x|; 0 for y = 0.
IntRange remainder(const IntRange& x, const IntRange& y, Exact& ex) {
  const int64_t ymax = std::max(y.hi, ex.neg(y.lo));  // the largest |y|
  const int64_t xmax = std::max(x.hi, ex.neg(x.lo));
  const int64_t b = std::min(std::max<int64_t>(ymax - 1, 0), xmax);
  return IntRange::of(x.lo >= 0 ? 0 : std::max(x.lo, -b), x.hi <= 0 ? 0 : std::min(x.hi, b));
}

// The smallest 2^k - 1 at least v (v >= 0): the largest or/xor of values in [0, v].
int64_t allOnesCovering(int64_t v) {
  int64_t m = 0;
  while (m < v) m = m * 2 + 1;
  return m;
}

IntRange bitwise(kir::BinaryOp op, const IntRange& x, const IntRange& y) {
  const bool xp = x.lo >= 0, yp = y.lo >= 0;
  if (op == BinaryOp::BitAnd) {
    // And with a non-negative value is within [0, that value].
    if (xp && yp) return IntRange::of(0, std::min(x.hi, y.hi));
    if (xp) return IntRange::of(0, x.hi);
    if (yp) return IntRange::of(0, y.hi);
  } else if (xp && yp) {
    return IntRange::of(0, allOnesCovering(std::max(x.hi, y.hi)));
  }
  // Bitwise ops of sign-extended 32-bit values are sign-extended 32-bit values.
  if (x.fitsI32() && y.fitsI32()) return IntRange::full(DType::I32);
  return IntRange::full(DType::I64);
}

IntRange binaryRange(BinaryOp op, const IntRange& x, const IntRange& y, DType t) {
  if (x.empty() || y.empty()) return {};
  if (isComparison(op) || t == DType::Bool) return IntRange::of(0, 1);
  Exact ex;
  IntRange r;
  switch (op) {
    case BinaryOp::Add: r = IntRange::of(ex.add(x.lo, y.lo), ex.add(x.hi, y.hi)); break;
    case BinaryOp::Sub: r = IntRange::of(ex.sub(x.lo, y.hi), ex.sub(x.hi, y.lo)); break;
    case BinaryOp::Mul:
      r = hull({ex.mul(x.lo, y.lo), ex.mul(x.lo, y.hi), ex.mul(x.hi, y.lo), ex.mul(x.hi, y.hi)});
      break;
    case BinaryOp::Div: r = divide(x, y, ex); break;
    case BinaryOp::Rem: r = remainder(x, y, ex); break;
    case BinaryOp::Max: r = IntRange::of(std::max(x.lo, y.lo), std::max(x.hi, y.hi)); break;
    case BinaryOp::Min: r = IntRange::of(std::min(x.lo, y.lo), std::min(x.hi, y.hi)); break;
    case BinaryOp::BitAnd:
    case BinaryOp::BitOr:
    case BinaryOp::BitXor: r = bitwise(op, x, y); break;
    case BinaryOp::Shr:
      // A logical shift of a non-negative value (or by >= the width: 0).
      if (x.lo >= 0) r = IntRange::of(0, x.hi);
      else ex.ok = false;
      break;
    default: ex.ok = false; break;  // Shl, Pow (not defined on ints)
  }
  const IntRange all = IntRange::full(t);
  return ex.ok && r.within(all.lo, all.hi) ? r : all;
}

IntRange unaryRange(UnaryOp op, const IntRange& x, DType t) {
  if (x.empty()) return {};
  if (t == DType::Bool) return IntRange::of(0, 1);
  Exact ex;
  IntRange r;
  switch (op) {
    case UnaryOp::Neg: r = IntRange::of(ex.neg(x.hi), ex.neg(x.lo)); break;
    case UnaryOp::Abs:
      if (x.lo >= 0) r = x;
      else if (x.hi <= 0) r = IntRange::of(ex.neg(x.hi), ex.neg(x.lo));
      else r = IntRange::of(0, std::max(x.hi, ex.neg(x.lo)));
      break;
    case UnaryOp::Sign: r = IntRange::of(x.lo < 0 ? -1 : x.lo > 0 ? 1 : 0, x.hi < 0 ? -1 : x.hi > 0 ? 1 : 0); break;
    case UnaryOp::BitNot:
      if (isSigned(t)) r = IntRange::of(~x.hi, ~x.lo);
      else ex.ok = false;
      break;
    default: ex.ok = false; break;
  }
  const IntRange all = IntRange::full(t);
  return ex.ok && r.within(all.lo, all.hi) ? r : all;
}

bool intLike(DType t) { return isInteger(t) || t == DType::Bool; }

}  // namespace

IntRange IntRange::full(DType t) {
  switch (t) {
    case DType::Bool: return of(0, 1);
    case DType::I8: return of(-128, 127);
    case DType::U8: return of(0, 255);
    case DType::I16: return of(-32768, 32767);
    case DType::U16: return of(0, 65535);
    case DType::I32: return of(std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max());
    case DType::U32: return of(0, std::numeric_limits<uint32_t>::max());
    default: return of(kMin64, kMax64);
  }
}

IntRange IntRange::join(const IntRange& o) const {
  if (empty()) return o;
  if (o.empty()) return *this;
  return of(std::min(lo, o.lo), std::max(hi, o.hi));
}

IndexRanges IndexRanges::analyze(const Dispatch& d) {
  IndexRanges r;
  r.d_ = &d;
  r.computeExprRanges();
  r.computeNarrow();
  r.computeContraction();
  return r;
}

bool IndexRanges::fitsI32(ExprId id) const {
  return d_->expr(id).dtype == DType::I64 && expr(id).fitsI32();
}

bool IndexRanges::narrowVar(VarId v) const {
  return d_->vars[static_cast<size_t>(v)].dtype == DType::I64 && var(v).fitsI32();
}

// One forward pass over the expressions (operands come before their users)
// per round; Let and Acc variables collect the ranges of what is assigned to
// them until nothing changes.
void IndexRanges::computeExprRanges() {
  const Dispatch& d = *d_;
  vars_.assign(d.vars.size(), IntRange{});
  for (size_t i = 0; i < d.grid.size() && i < d.gridVars.size(); ++i)
    vars_[static_cast<size_t>(d.gridVars[i])] = IntRange::of(0, std::max<int64_t>(d.grid[i] - 1, 0));
  // Assignments (Let, Acc, Assign) as (variable, value); loop extents go
  // straight into the loop variable's range.
  std::vector<std::pair<VarId, ExprId>> assigns;
  auto collect = [&](auto&& self, const std::vector<Stmt>& body) -> void {
    for (const Stmt& s : body) {
      if (s.kind == StmtKind::For) {
        vars_[static_cast<size_t>(s.var)] = IntRange::of(0, std::max<int64_t>(s.extent - 1, 0));
        self(self, s.body);
      } else if (s.kind != StmtKind::Store) {
        assigns.emplace_back(s.var, s.value);
      }
    }
  };
  collect(collect, d.body);

  exprs_.assign(d.exprs.size(), IntRange{});
  auto pass = [&] {
    for (size_t i = 0; i < d.exprs.size(); ++i) {
      const Expr& e = d.exprs[i];
      auto at = [&](ExprId id) { return exprs_[static_cast<size_t>(id)]; };
      IntRange r = IntRange::full(e.dtype);
      switch (e.kind) {
        case ExprKind::Const:
          if (intLike(e.dtype) && e.dtype != DType::U64) r = IntRange::of(e.i, e.i);
          break;
        case ExprKind::Var: r = vars_[static_cast<size_t>(e.i)]; break;
        case ExprKind::Select: r = at(e.b).join(at(e.c)); break;
        case ExprKind::Cast: {
          const DType from = d.expr(e.a).dtype;
          const IntRange all = IntRange::full(e.dtype);
          // Integer conversions keep values the target holds; float
          // conversions saturate (anything the target holds).
          if (intLike(from) && intLike(e.dtype) && from != DType::U64 && at(e.a).within(all.lo, all.hi)) r = at(e.a);
          break;
        }
        case ExprKind::Unary:
          if (intLike(e.dtype)) r = unaryRange(static_cast<UnaryOp>(e.op), at(e.a), e.dtype);
          break;
        case ExprKind::Binary:
          if (intLike(e.dtype) && intLike(d.expr(e.a).dtype))
            r = binaryRange(static_cast<BinaryOp>(e.op), at(e.a), at(e.b), e.dtype);
          else if (e.dtype == DType::Bool) r = IntRange::of(0, 1);
          break;
        case ExprKind::Load:
        case ExprKind::ContractAcc: break;
      }
      if (e.dtype == DType::U64) r = IntRange::full(DType::U64);
      exprs_[i] = r;
    }
  };
  // Ranges only grow from round to round; after kRounds a variable still
  // growing (a counter) gets its dtype's full range, which cannot grow, so
  // at most one more round per variable ends it.
  constexpr int kRounds = 8;
  for (int round = 0;; ++round) {
    pass();
    bool changed = false;
    for (const auto& [v, value] : assigns) {
      IntRange& vr = vars_[static_cast<size_t>(v)];
      const IntRange next = vr.join(exprs_[static_cast<size_t>(value)]);
      if (next == vr) continue;
      changed = true;
      vr = round < kRounds ? next : IntRange::full(d.vars[static_cast<size_t>(v)].dtype);
    }
    if (!changed) break;
  }
}

void IndexRanges::computeNarrow() {
  const Dispatch& d = *d_;
  narrow_.assign(d.exprs.size(), false);
  for (size_t i = 0; i < d.exprs.size(); ++i) {
    const Expr& e = d.exprs[i];
    if (e.dtype != DType::I64 || !exprs_[i].fitsI32()) continue;
    auto operandFits = [&](ExprId id) { return id == kNoExpr || d.expr(id).dtype != DType::I64 || fitsI32(id); };
    switch (e.kind) {
      case ExprKind::Const: narrow_[i] = true; break;
      case ExprKind::Var: narrow_[i] = narrowVar(static_cast<VarId>(e.i)); break;
      case ExprKind::Cast: narrow_[i] = true; break;  // from a narrower dtype: the value fits
      case ExprKind::Unary:
      case ExprKind::Select: narrow_[i] = operandFits(e.a) && operandFits(e.b) && operandFits(e.c); break;
      case ExprKind::Binary: {
        const auto op = static_cast<BinaryOp>(e.op);
        narrow_[i] = op != BinaryOp::Shl && op != BinaryOp::Shr && operandFits(e.a) && operandFits(e.b);
        break;
      }
      case ExprKind::Load:
      case ExprKind::ContractAcc: break;
    }
  }
}

void IndexRanges::computeContraction() {
  const Dispatch& d = *d_;
  if (!d.contraction) return;
  const Contraction& c = *d.contraction;
  const size_t nb = c.aBatchStrides.size();
  if (d.grid.size() != nb + 2 || c.bBatchStrides.size() != nb) {
    contractionFits_ = false;
    return;
  }
  // The address sums term by term; each partial sum's range must fit.
  auto fits = [&](const std::vector<int64_t>& batchStrides, int64_t strideRow, int64_t rows, int64_t strideK) {
    Exact ex;
    IntRange sum = IntRange::of(0, 0);
    auto add = [&](int64_t extent, int64_t stride) {
      const int64_t last = ex.mul(std::max<int64_t>(extent - 1, 0), stride);
      sum = IntRange::of(ex.add(sum.lo, std::min<int64_t>(last, 0)), ex.add(sum.hi, std::max<int64_t>(last, 0)));
      return ex.ok && sum.fitsI32();
    };
    for (size_t i = 0; i < nb; ++i)
      if (!add(d.grid[i], batchStrides[i])) return false;
    return add(rows, strideRow) && add(c.k, strideK);
  };
  contractionFits_ = c.k <= std::numeric_limits<int32_t>::max() && fits(c.aBatchStrides, c.aStrideM, c.m, c.aStrideK) &&
                     fits(c.bBatchStrides, c.bStrideN, c.n, c.bStrideK);
}

}  // namespace ingot::kir
