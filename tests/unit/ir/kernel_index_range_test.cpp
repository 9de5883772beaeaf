// kir::IndexRanges: the interval analysis that decides which i64
// expressions the C-like backends compute in 32 bits, on hand-built
// dispatches with hand-computed ranges.
#include <catch2/catch.hpp>

#include <limits>

#include "ir/kernel/IndexRange.h"
#include "ir/kernel/Kernel.h"

using namespace ingot;
using namespace ingot::kir;

namespace {

constexpr int64_t kI32Max = std::numeric_limits<int32_t>::max();

int32_t addBinding(KernelBuilder& b, DType t, Shape shape, bool write) {
  Binding x;
  x.name = write ? "y" : "x";
  x.dtype = t;
  x.shape = std::move(shape);
  x.write = write;
  return b.addBinding(x);
}

}  // namespace

TEST_CASE("index ranges: grid and loop variables, flat indices and their arithmetic") {
  Dispatch d;
  KernelBuilder b(d);
  const int32_t in = addBinding(b, DType::F32, {6, 7}, false);
  const int32_t out = addBinding(b, DType::F32, {6}, true);
  std::vector<ExprId> g = b.setGrid({6});
  VarId j = b.beginFor("j", 7);
  ExprId flat = b.flatIndex({6, 7}, {g[0], b.var(j)});
  ExprId back = b.binary(BinaryOp::Sub, b.constInt(41), flat);
  ExprId q = b.binary(BinaryOp::Div, back, b.constInt(-4));
  ExprId r = b.binary(BinaryOp::Rem, back, b.constInt(5));
  b.store(out, g[0], b.load(in, flat));
  b.endFor();
  REQUIRE(d.validate().isOk());
  IndexRanges ranges = IndexRanges::analyze(d);
  CHECK(ranges.expr(g[0]) == IntRange::of(0, 5));
  CHECK(ranges.var(j) == IntRange::of(0, 6));
  CHECK(ranges.expr(flat) == IntRange::of(0, 41));
  CHECK(ranges.expr(back) == IntRange::of(0, 41));
  CHECK(ranges.expr(q) == IntRange::of(-10, 0));  // truncating: 41 / -4 = -10
  CHECK(ranges.expr(r) == IntRange::of(0, 4));
  for (ExprId e : {g[0], flat, back, q, r}) CHECK(ranges.narrow(e));
  CHECK(ranges.narrowVar(j));
}

TEST_CASE("index ranges: a loaded i64 stays 64-bit, its clamp into a binding fits") {
  Dispatch d;
  KernelBuilder b(d);
  const int32_t data = addBinding(b, DType::F32, {10}, false);
  const int32_t idx = addBinding(b, DType::I64, {4}, false);
  const int32_t out = addBinding(b, DType::F32, {4}, true);
  std::vector<ExprId> g = b.setGrid({4});
  ExprId raw = b.load(idx, g[0]);
  ExprId wrapped = b.select(b.binary(BinaryOp::Lt, raw, b.constInt(0)), b.binary(BinaryOp::Add, raw, b.constInt(10)), raw);
  ExprId clamped = b.binary(BinaryOp::Min, b.binary(BinaryOp::Max, wrapped, b.constInt(0)), b.constInt(9));
  b.store(out, g[0], b.load(data, clamped));
  REQUIRE(d.validate().isOk());
  IndexRanges ranges = IndexRanges::analyze(d);
  CHECK_FALSE(ranges.fitsI32(raw));
  CHECK_FALSE(ranges.narrow(raw));
  CHECK_FALSE(ranges.narrow(wrapped));
  CHECK(ranges.expr(clamped) == IntRange::of(0, 9));
  CHECK(ranges.fitsI32(clamped));
  // Computed in 64 bits (its operand does not fit), used as a 32-bit index.
  CHECK_FALSE(ranges.narrow(clamped));
}

TEST_CASE("index ranges: sizes past int32 and wrapping arithmetic keep 64 bits") {
  Dispatch d;
  KernelBuilder b(d);
  const int32_t in = addBinding(b, DType::F32, {65536, 65536}, false);
  const int32_t out = addBinding(b, DType::F32, {65536, 65536}, true);
  std::vector<ExprId> g = b.setGrid({65536, 65536});
  ExprId flat = b.flatIndex({65536, 65536}, g);
  ExprId shifted = b.binary(BinaryOp::Shl, g[1], b.constInt(1));
  ExprId big = b.binary(BinaryOp::Mul, g[0], b.constInt(std::numeric_limits<int64_t>::max()));
  b.store(out, flat, b.load(in, b.binary(BinaryOp::Add, flat, b.binary(BinaryOp::Sub, shifted, shifted))));
  (void)big;
  REQUIRE(d.validate().isOk());
  IndexRanges ranges = IndexRanges::analyze(d);
  CHECK(ranges.narrow(g[0]));
  CHECK(ranges.narrow(g[1]));
  CHECK(ranges.expr(flat) == IntRange::of(0, int64_t{65536} * 65536 - 1));
  CHECK_FALSE(ranges.narrow(flat));
  CHECK_FALSE(ranges.narrow(shifted));                   // shifts depend on the width
  CHECK(ranges.expr(big) == IntRange::full(DType::I64));  // overflows: wraps
}

TEST_CASE("index ranges: accumulators take the union of what is assigned, counters the full range") {
  Dispatch d;
  KernelBuilder b(d);
  const int32_t in = addBinding(b, DType::F32, {3, 50}, false);
  const int32_t out = addBinding(b, DType::I64, {3}, true);
  std::vector<ExprId> g = b.setGrid({3});
  VarId best = b.acc("best_at", b.constInt(0));
  VarId count = b.acc("count", b.constInt(0));
  VarId j = b.beginFor("j", 50);
  ExprId v = b.load(in, b.flatIndex({3, 50}, {g[0], b.var(j)}));
  b.assign(best, b.select(b.binary(BinaryOp::Lt, v, b.constFloat(0)), b.var(j), b.var(best)));
  b.assign(count, b.binary(BinaryOp::Add, b.var(count), b.constInt(1)));
  b.endFor();
  b.store(out, g[0], b.binary(BinaryOp::Add, b.var(best), b.var(count)));
  REQUIRE(d.validate().isOk());
  IndexRanges ranges = IndexRanges::analyze(d);
  CHECK(ranges.var(best) == IntRange::of(0, 49));
  CHECK(ranges.narrowVar(best));
  CHECK(ranges.var(count) == IntRange::full(DType::I64));
  CHECK_FALSE(ranges.narrowVar(count));
}

TEST_CASE("index ranges: contraction addresses") {
  auto gemm = [](int64_t m, int64_t k, int64_t n) {
    Dispatch d;
    KernelBuilder b(d);
    const int32_t a = addBinding(b, DType::F32, {m, k}, false);
    const int32_t w = addBinding(b, DType::F32, {k, n}, false);
    const int32_t y = addBinding(b, DType::F32, {m, n}, true);
    std::vector<ExprId> g = b.setGrid({m, n});
    Contraction c;
    c.a = a;
    c.b = w;
    c.m = m;
    c.n = n;
    c.k = k;
    c.aStrideM = k;
    c.aStrideK = 1;
    c.bStrideK = n;
    c.bStrideN = 1;
    d.contraction = c;
    b.store(y, b.flatIndex({m, n}, g), b.contractAcc(DType::F32));
    REQUIRE(d.validate().isOk());
    return IndexRanges::analyze(d).contractionFitsI32();
  };
  CHECK(gemm(256, 256, 256));
  CHECK(gemm(1, kI32Max, 1));
  CHECK_FALSE(gemm(2, kI32Max, 1));   // A's last element is past int32
  CHECK_FALSE(gemm(1, 65536, 65536));  // so is B's
}

TEST_CASE("index ranges: interval arithmetic on the edges") {
  CHECK(IntRange::of(3, 2).empty());
  CHECK(IntRange::of(3, 2).fitsI32());
  CHECK(IntRange::of(0, kI32Max).fitsI32());
  CHECK_FALSE(IntRange::of(0, kI32Max + 1).fitsI32());
  CHECK(IntRange::of(std::numeric_limits<int32_t>::min(), 0).fitsI32());
  CHECK(IntRange::full(DType::U8) == IntRange::of(0, 255));
  CHECK(IntRange::of(1, 2).join(IntRange{}) == IntRange::of(1, 2));

  // Division by a range that spans 0 (0 gives 0), and INT32_MIN / -1 leaves int32.
  Dispatch d;
  KernelBuilder b(d);
  const int32_t in = addBinding(b, DType::I32, {4}, false);
  const int32_t out = addBinding(b, DType::I64, {4}, true);
  std::vector<ExprId> g = b.setGrid({4});
  ExprId x = b.cast(b.load(in, g[0]), DType::I64);
  ExprId spans = b.binary(BinaryOp::Sub, g[0], b.constInt(1));  // [-1, 2]
  ExprId q = b.binary(BinaryOp::Div, b.constInt(10), spans);
  ExprId minOverMinusOne = b.binary(BinaryOp::Div, x, b.constInt(-1));
  ExprId neg = b.unary(UnaryOp::Neg, x);
  b.store(out, g[0], b.binary(BinaryOp::Add, b.binary(BinaryOp::Add, q, minOverMinusOne), neg));
  REQUIRE(d.validate().isOk());
  IndexRanges ranges = IndexRanges::analyze(d);
  CHECK(ranges.expr(x) == IntRange::full(DType::I32));
  CHECK(ranges.narrow(x));
  CHECK(ranges.expr(q) == IntRange::of(-10, 10));
  CHECK(ranges.narrow(q));
  CHECK_FALSE(ranges.fitsI32(minOverMinusOne));
  CHECK_FALSE(ranges.narrow(neg));  // -INT32_MIN does not fit
}
