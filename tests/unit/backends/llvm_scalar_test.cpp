// The LLVM backend's scalar operations against the dispatch-form interpreter
// (the oracle), on edge values: every UnaryOp, BinaryOp and Cast over f32,
// f64, i32, i64, bool, u8 (and the other small integers for casts). Each case
// is one elementwise dispatch over all values (unary, cast) or all pairs of
// values (binary); all cases of a test compile in one module. The edge values
// include a subnormal, so these tests compile with IEEE subnormals
// (flushDenormals = false); the last test checks the default, flushing mode.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <limits>

#include "backends/llvm/LlvmBackend.h"
#include "ir/kernel/KernelInterpreter.h"

using namespace ingot;
using kir::BinaryOp;
using kir::UnaryOp;

namespace {

backends::llvm_backend::LlvmOptions ieeeSubnormals() {
  backends::llvm_backend::LlvmOptions o;
  o.flushDenormals = false;
  return o;
}

std::vector<double> edgeValues(DType t) {
  const double inf = std::numeric_limits<double>::infinity();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  switch (t) {
    case DType::F32:
    case DType::F64:
      return {0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 1.5, 2.5, -2.5, 3.0, 0.3, -0.7, 0.99, 1e-3, 100.0, -100.0, 1e30,
              -1e30, 2147483648.0, -2147483649.0, 3e9, 1e20, -1e20, 1e-40, inf, -inf, nan};
    case DType::Bool: return {0, 1};
    case DType::U8: return {0, 1, 2, 3, 7, 8, 9, 100, 127, 128, 200, 254, 255};
    case DType::I32:
      return {0, 1, -1, 2, -2, 3, 7, -7, 31, 32, 33, 100, -100, 2147483647.0, -2147483648.0, -2147483647.0};
    default:  // i64 and the other integers (values truncate to the type)
      return {0, 1, -1, 2, -2, 3, 7, -7, 31, 32, 63, 64, 100, -100, 9.2e18, -9.2e18, 4294967296.0};
  }
}

// Writes v as dtype t at element i of a byte array.
void put(std::vector<std::byte>& bytes, DType t, size_t i, double v) {
  visitDType(t, [&](auto tag) {
    using T = decltype(tag);
    T x;
    if constexpr (std::is_floating_point_v<T>) x = static_cast<T>(v);
    else if constexpr (std::is_same_v<T, bool>) x = v != 0;
    else if (t == DType::I64 && v == 9.2e18) x = static_cast<T>(std::numeric_limits<int64_t>::max());
    else if (t == DType::I64 && v == -9.2e18) x = static_cast<T>(std::numeric_limits<int64_t>::min());
    else x = static_cast<T>(static_cast<int64_t>(v));
    std::memcpy(bytes.data() + i * sizeof(T), &x, sizeof(T));
  });
}

// A transcendental function: libm's float version against the interpreter's
// double evaluation, so a few ulp apart; everything else must be identical.
bool approximate(const kir::Dispatch& d) {
  for (const kir::Expr& e : d.exprs) {
    if (e.kind == kir::ExprKind::Binary && static_cast<BinaryOp>(e.op) == BinaryOp::Pow) return true;
    if (e.kind != kir::ExprKind::Unary) continue;
    switch (static_cast<UnaryOp>(e.op)) {
      case UnaryOp::Neg: case UnaryOp::Abs: case UnaryOp::Sign: case UnaryOp::Floor: case UnaryOp::Ceil:
      case UnaryOp::RoundEven: case UnaryOp::Not: case UnaryOp::BitNot: case UnaryOp::IsNaN: case UnaryOp::Sqrt:
        break;
      default: return true;
    }
  }
  return false;
}

template <class T>
bool sameFloat(T a, T b, bool approx) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  if (!approx) return std::memcmp(&a, &b, sizeof(T)) == 0;
  if (std::isinf(a) || std::isinf(b)) return a == b;
  const T tol = 8 * std::numeric_limits<T>::epsilon() * std::max<T>(std::fabs(a), std::fabs(b));
  return std::fabs(a - b) <= tol || std::fabs(a - b) <= std::numeric_limits<T>::min();
}

struct Case {
  kir::Dispatch d;
  std::vector<std::vector<std::byte>> inputs;  // one per read binding
  std::string what;
};

// out[i] = f(x[i] (, y[i])) over `n` elements; inputs filled by `fill`.
Case makeCase(std::string what, DType in, DType out, size_t n, int arity,
              const std::function<kir::ExprId(kir::KernelBuilder&, kir::ExprId, kir::ExprId)>& f) {
  Case c;
  c.what = std::move(what);
  c.d.name = "t";
  kir::KernelBuilder kb(c.d);
  const int64_t elems = static_cast<int64_t>(n);
  int32_t x = kb.addBinding({"x", in, {elems}, false});
  int32_t y = arity == 2 ? kb.addBinding({"y", in, {elems}, false}) : -1;
  int32_t o = kb.addBinding({"o", out, {elems}, true});
  std::vector<kir::ExprId> g = kb.setGrid({elems});
  kir::ExprId ex = kb.load(x, g[0]);
  kir::ExprId ey = arity == 2 ? kb.load(y, g[0]) : kir::kNoExpr;
  kb.store(o, g[0], f(kb, ex, ey));
  return c;
}

// Runs every case on the interpreter and the JIT and compares outputs.
void checkCases(std::vector<Case> cases) {
  // Cases the interpreter rejects (undefined op/dtype pairs) must be
  // rejected by the code generator too; they are checked one by one.
  std::vector<kir::Dispatch> defined;
  std::vector<size_t> index;
  for (size_t i = 0; i < cases.size(); ++i) {
    Case& c = cases[i];
    std::vector<std::vector<std::byte>> buffers = c.inputs;
    const kir::Binding& ob = c.d.bindings.back();
    buffers.emplace_back(static_cast<size_t>(ob.elements()) * dtypeSize(ob.dtype));
    std::vector<std::byte*> ptrs;
    std::vector<uint64_t> sizes;
    for (auto& b : buffers) ptrs.push_back(b.data()), sizes.push_back(b.size());
    Status st = kir::interpretDispatch(c.d, ptrs, sizes);
    if (!st.isOk()) {
      INFO(c.what << ": interpreter says " << st.message());
      auto jit = backends::llvm_backend::compileDispatches({c.d}, ieeeSubnormals());
      CHECK_FALSE(jit.ok());
      continue;
    }
    c.inputs.push_back(std::move(buffers.back()));  // the expected output
    c.d.name = "t" + std::to_string(i);
    defined.push_back(c.d);
    index.push_back(i);
  }
  auto jit = backends::llvm_backend::compileDispatches(defined, ieeeSubnormals());
  REQUIRE(jit.ok());
  for (size_t di = 0; di < defined.size(); ++di) {
    Case& c = cases[index[di]];
    std::vector<std::vector<std::byte>> buffers(c.inputs.begin(), c.inputs.end() - 1);
    const std::vector<std::byte>& expected = c.inputs.back();
    buffers.emplace_back(expected.size(), std::byte{0x5a});
    std::vector<std::byte*> ptrs;
    std::vector<uint64_t> sizes;
    for (auto& b : buffers) ptrs.push_back(b.data()), sizes.push_back(b.size());
    REQUIRE(jit->run(di, ptrs, sizes).isOk());
    const DType t = c.d.bindings.back().dtype;
    const bool approx = approximate(c.d);
    const std::vector<std::byte>& got = buffers.back();
    size_t bad = 0;
    std::string first;
    for (size_t i = 0; i < got.size() / dtypeSize(t); ++i) {
      bool same = true;
      if (t == DType::F32) {
        float a, b;
        std::memcpy(&a, got.data() + 4 * i, 4), std::memcpy(&b, expected.data() + 4 * i, 4);
        same = sameFloat(a, b, approx);
        if (!same && first.empty()) first = fmt::format("element {}: got {} expected {}", i, a, b);
      } else if (t == DType::F64) {
        double a, b;
        std::memcpy(&a, got.data() + 8 * i, 8), std::memcpy(&b, expected.data() + 8 * i, 8);
        same = sameFloat(a, b, approx);
        if (!same && first.empty()) first = fmt::format("element {}: got {} expected {}", i, a, b);
      } else {
        const size_t s = dtypeSize(t);
        same = std::memcmp(got.data() + s * i, expected.data() + s * i, s) == 0;
        if (!same && first.empty()) first = fmt::format("element {} differs", i);
      }
      bad += same ? 0 : 1;
    }
    INFO(c.what << ": " << first);
    CHECK(bad == 0);
  }
}

std::vector<std::byte> fillValues(DType t, const std::vector<double>& v) {
  std::vector<std::byte> b(v.size() * dtypeSize(t));
  for (size_t i = 0; i < v.size(); ++i) put(b, t, i, v[i]);
  return b;
}

constexpr DType kTypes[] = {DType::F32, DType::F64, DType::I32, DType::I64, DType::Bool, DType::U8};

}  // namespace

TEST_CASE("llvm: every unary op on every dtype matches the interpreter") {
  std::vector<Case> cases;
  for (DType t : kTypes) {
    for (int op = 0; op <= static_cast<int>(UnaryOp::IsNaN); ++op) {
      const auto u = static_cast<UnaryOp>(op);
      const std::vector<double> vals = edgeValues(t);
      const DType out = u == UnaryOp::IsNaN ? DType::Bool : t;
      Case c = makeCase(fmt::format("{} {}", kir::unaryOpName(u), dtypeName(t)), t, out, vals.size(), 1,
                        [&](kir::KernelBuilder& kb, kir::ExprId x, kir::ExprId) { return kb.unary(u, x); });
      c.inputs.push_back(fillValues(t, vals));
      cases.push_back(std::move(c));
    }
  }
  checkCases(std::move(cases));
}

TEST_CASE("llvm: every binary op on every dtype matches the interpreter, on all pairs of edge values") {
  std::vector<Case> cases;
  for (DType t : kTypes) {
    const std::vector<double> vals = edgeValues(t);
    std::vector<double> xs, ys;
    for (double a : vals)
      for (double b : vals) xs.push_back(a), ys.push_back(b);
    for (int op = 0; op <= static_cast<int>(BinaryOp::Shr); ++op) {
      const auto bop = static_cast<BinaryOp>(op);
      const DType out = kir::isComparison(bop) ? DType::Bool : t;
      Case c = makeCase(fmt::format("{} {}", kir::binaryOpName(bop), dtypeName(t)), t, out, xs.size(), 2,
                        [&](kir::KernelBuilder& kb, kir::ExprId x, kir::ExprId y) { return kb.binary(bop, x, y); });
      c.inputs.push_back(fillValues(t, xs));
      c.inputs.push_back(fillValues(t, ys));
      cases.push_back(std::move(c));
    }
  }
  checkCases(std::move(cases));
}

TEST_CASE("llvm: casts between all computed dtypes match the interpreter (saturating, NaN to 0, x != 0 to bool)") {
  const DType all[] = {DType::F32, DType::F64, DType::I32, DType::I64, DType::Bool, DType::U8,
                       DType::I8,  DType::I16, DType::U16, DType::U32, DType::U64};
  std::vector<Case> cases;
  for (DType from : all) {
    const std::vector<double> vals = edgeValues(from);
    for (DType to : all) {
      if (from == to) continue;
      Case c = makeCase(fmt::format("cast {} -> {}", dtypeName(from), dtypeName(to)), from, to, vals.size(), 1,
                        [&](kir::KernelBuilder& kb, kir::ExprId x, kir::ExprId) { return kb.cast(x, to); });
      c.inputs.push_back(fillValues(from, vals));
      cases.push_back(std::move(c));
    }
  }
  checkCases(std::move(cases));
}

TEST_CASE("llvm: selects, constants and small-integer arithmetic match the interpreter") {
  std::vector<Case> cases;
  for (DType t : {DType::I8, DType::I16, DType::U16, DType::U32, DType::U64}) {
    const std::vector<double> vals = edgeValues(t);
    std::vector<double> xs, ys;
    for (double a : vals)
      for (double b : vals) xs.push_back(a), ys.push_back(b);
    for (BinaryOp bop : {BinaryOp::Add, BinaryOp::Mul, BinaryOp::Div, BinaryOp::Rem, BinaryOp::Max, BinaryOp::Lt,
                         BinaryOp::Shl, BinaryOp::Shr}) {
      const DType out = kir::isComparison(bop) ? DType::Bool : t;
      Case c = makeCase(fmt::format("{} {}", kir::binaryOpName(bop), dtypeName(t)), t, out, xs.size(), 2,
                        [&](kir::KernelBuilder& kb, kir::ExprId x, kir::ExprId y) { return kb.binary(bop, x, y); });
      c.inputs.push_back(fillValues(t, xs));
      c.inputs.push_back(fillValues(t, ys));
      cases.push_back(std::move(c));
    }
  }
  // relu(x) * 2.5 - 1 as select/const chains in f32 and f64.
  for (DType t : {DType::F32, DType::F64}) {
    const std::vector<double> vals = edgeValues(t);
    Case c = makeCase(fmt::format("select chain {}", dtypeName(t)), t, t, vals.size(), 1,
                      [&](kir::KernelBuilder& kb, kir::ExprId x, kir::ExprId) {
                        kir::ExprId relu = kb.select(kb.binary(BinaryOp::Lt, x, kb.constFloat(0, t)),
                                                     kb.constFloat(0, t), x);
                        return kb.binary(BinaryOp::Sub, kb.binary(BinaryOp::Mul, relu, kb.constFloat(2.5, t)),
                                         kb.constFloat(1, t));
                      });
    c.inputs.push_back(fillValues(t, vals));
    cases.push_back(std::move(c));
  }
  checkCases(std::move(cases));
}

TEST_CASE("llvm: by default subnormal inputs and results are flushed to zero, IEEE on request") {
  // y = x * 0.5 on a subnormal, a normal, and a normal whose half is subnormal.
  const std::vector<double> xs = {1e-40, 1.0, 2e-38};
  for (bool flush : {true, false}) {
    INFO("flushDenormals = " << flush);
    Case c = makeCase("half f32", DType::F32, DType::F32, xs.size(), 1,
                      [](kir::KernelBuilder& kb, kir::ExprId x, kir::ExprId) {
                        return kb.binary(BinaryOp::Mul, x, kb.constFloat(0.5, DType::F32));
                      });
    backends::llvm_backend::LlvmOptions options;
    options.flushDenormals = flush;
    auto jit = backends::llvm_backend::compileDispatches({c.d}, options);
    REQUIRE(jit.ok());
    std::vector<std::byte> in = fillValues(DType::F32, xs), out(xs.size() * 4);
    std::vector<std::byte*> ptrs = {in.data(), out.data()};
    std::vector<uint64_t> sizes = {in.size(), out.size()};
    REQUIRE(jit->run(0, ptrs, sizes).isOk());
    float y[3];
    std::memcpy(y, out.data(), sizeof y);
    CHECK(y[1] == 0.5f);
    if (flush) {
      CHECK(y[0] == 0.0f);
      CHECK(y[2] == 0.0f);
    } else {
      CHECK(y[0] == 0.5f * 1e-40f);
      CHECK(y[2] == 1e-38f);
    }
  }
  // The caller's floating-point mode is restored after the kernel.
  volatile float tiny = 1e-40f;
  CHECK(tiny * 1.0f != 0.0f);
}
