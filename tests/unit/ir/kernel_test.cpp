// The dispatch form: builder folding and interning, the validator, and the
// interpreter on hand-built dispatches with hand-computed results.
#include <catch2/catch.hpp>

#include <cstring>

#include "ir/OpRegistry.h"
#include "ir/kernel/Kernel.h"
#include "ir/kernel/KernelInterpreter.h"

using namespace ingot;
using namespace ingot::kir;

namespace {

// Host buffers for a dispatch's bindings.
struct Buffers {
  std::vector<std::vector<std::byte>> data;
  std::vector<std::byte*> ptrs;
  std::vector<uint64_t> bytes;
  explicit Buffers(const Dispatch& d) {
    for (const Binding& b : d.bindings) data.emplace_back(static_cast<size_t>(b.elements()) * dtypeSize(b.dtype));
    for (auto& v : data) {
      ptrs.push_back(v.data());
      bytes.push_back(v.size());
    }
  }
  template <class T>
  void set(size_t b, std::vector<T> values) {
    REQUIRE(values.size() * sizeof(T) == data[b].size());
    std::memcpy(data[b].data(), values.data(), data[b].size());
  }
  template <class T>
  std::vector<T> get(size_t b) const {
    std::vector<T> out(data[b].size() / sizeof(T));
    std::memcpy(out.data(), data[b].data(), data[b].size());
    return out;
  }
  Status run(const Dispatch& d) { return interpretDispatch(d, ptrs, bytes); }
};

}  // namespace

TEST_CASE("the builder folds index arithmetic and interns equal expressions") {
  Dispatch d;
  KernelBuilder b(d);
  std::vector<ExprId> g = b.setGrid({3, 1, 4});
  CHECK(b.expr(g[1]).kind == ExprKind::Const);  // extent-1 dims index 0
  ExprId flat = b.flatIndex({3, 1, 4}, g);
  CHECK(flat == b.flatIndex({3, 1, 4}, g));  // interned: same id
  CHECK(b.binary(BinaryOp::Add, flat, b.constInt(0)) == flat);
  CHECK(b.binary(BinaryOp::Mul, b.constInt(1), flat) == flat);
  CHECK(b.expr(b.binary(BinaryOp::Mul, b.constInt(6), b.constInt(7))).i == 42);
  // Float arithmetic is never folded (x + 0.0 is not x for x = -0.0).
  ExprId x = b.constFloat(2.0);
  CHECK(b.binary(BinaryOp::Add, x, b.constFloat(0.0)) != x);
  // unflatten inverts flatIndex: on constants both fold, so the round trip is exact.
  ExprId eleven = b.flatIndex({3, 4}, {b.constInt(2), b.constInt(3)});
  REQUIRE(b.expr(eleven).kind == ExprKind::Const);
  CHECK(b.expr(eleven).i == 11);
  std::vector<ExprId> back = b.unflatten({3, 4}, eleven);
  REQUIRE(back.size() == 2);
  CHECK(back[0] != back[1]);
  // (11 / 4 and (11 / 1) % 4 are not folded by the builder: division is
  // folded only by 1; check the structure instead.)
  CHECK(b.expr(back[0]).kind == ExprKind::Binary);
  CHECK(static_cast<BinaryOp>(b.expr(back[0]).op) == BinaryOp::Div);
  CHECK(static_cast<BinaryOp>(b.expr(back[1]).op) == BinaryOp::Rem);
}

TEST_CASE("the validator rejects malformed dispatches with the dispatch's name") {
  Dispatch d;
  d.name = "bad";
  KernelBuilder b(d);
  int32_t in = b.addBinding(Binding{"x", DType::F32, {4}, false});
  int32_t out = b.addBinding(Binding{"y", DType::F32, {4}, true});
  std::vector<ExprId> g = b.setGrid({4});
  SECTION("store to a read binding") {
    b.store(in, g[0], b.load(in, g[0]));
    CHECK_THAT(d.validate().message(), Catch::Contains("dispatch bad") && Catch::Contains("not written"));
  }
  SECTION("store of the wrong dtype") {
    b.store(out, g[0], b.cast(b.load(in, g[0]), DType::F64));
    CHECK_THAT(d.validate().message(), Catch::Contains("store of f64 into f32"));
  }
  SECTION("a loop variable used after its loop") {
    VarId j = b.beginFor("j", 4);
    b.endFor();
    b.store(out, b.var(j), b.load(in, g[0]));
    CHECK_THAT(d.validate().message(), Catch::Contains("used out of scope"));
  }
  SECTION("a binary op over mixed dtypes") {
    b.store(out, g[0], b.binary(BinaryOp::Add, b.load(in, g[0]), b.constFloat(1, DType::F64)));
    CHECK_THAT(d.validate().message(), Catch::Contains("add of f32 and f64"));
  }
  SECTION("a well-formed dispatch passes") {
    b.store(out, g[0], b.unary(UnaryOp::Exp, b.load(in, g[0])));
    CHECK(d.validate().isOk());
  }
}

TEST_CASE("the interpreter runs a batched contraction with a broadcast operand and an epilogue") {
  // C[b, i, j] = sum_k A[b, i, k] * B[k, j] + 1, A: [2,2,3], B: [3,2] (no batch dim: stride 0).
  Dispatch d;
  d.name = "bmm";
  KernelBuilder b(d);
  int32_t a = b.addBinding(Binding{"a", DType::F32, {2, 2, 3}, false});
  int32_t bb = b.addBinding(Binding{"b", DType::F32, {3, 2}, false});
  int32_t c = b.addBinding(Binding{"c", DType::F32, {2, 2, 2}, true});
  std::vector<ExprId> g = b.setGrid({2, 2, 2});
  Contraction con;
  con.a = a;
  con.b = bb;
  con.m = 2;
  con.n = 2;
  con.k = 3;
  con.aBatchStrides = {6};
  con.bBatchStrides = {0};
  con.aStrideM = 3;
  con.aStrideK = 1;
  con.bStrideK = 2;
  con.bStrideN = 1;
  d.contraction = con;
  b.store(c, b.flatIndex({2, 2, 2}, g), b.binary(BinaryOp::Add, b.contractAcc(DType::F32), b.constFloat(1)));
  REQUIRE(d.validate().isOk());
  Buffers buf(d);
  buf.set<float>(0, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12});
  buf.set<float>(1, {1, 0, 0, 1, 1, 1});
  REQUIRE(buf.run(d).isOk());
  // Row [x, y, z] times B gives [x + z, y + z]; plus 1: [1,2,3] -> [5, 6].
  CHECK(buf.get<float>(2) == std::vector<float>{5, 6, 11, 12, 17, 18, 23, 24});
}

TEST_CASE("the interpreter bounds-checks loads and stores") {
  Dispatch d;
  d.name = "oob";
  KernelBuilder b(d);
  int32_t in = b.addBinding(Binding{"x", DType::F32, {4}, false});
  int32_t out = b.addBinding(Binding{"y", DType::F32, {4}, true});
  std::vector<ExprId> g = b.setGrid({4});
  b.store(out, g[0], b.load(in, b.binary(BinaryOp::Add, g[0], b.constInt(1))));
  Buffers buf(d);
  Status s = buf.run(d);
  CHECK_THAT(s.message(), Catch::Contains("dispatch oob") && Catch::Contains("element 4 of $0") &&
                              Catch::Contains("out of bounds"));
}

TEST_CASE("integer semantics match the reference kernels") {
  Dispatch d;
  d.name = "ints";
  KernelBuilder b(d);
  int32_t x = b.addBinding(Binding{"x", DType::I32, {4}, false});
  int32_t y = b.addBinding(Binding{"y", DType::I32, {4}, false});
  int32_t q = b.addBinding(Binding{"q", DType::I32, {4}, true});
  int32_t r = b.addBinding(Binding{"r", DType::I32, {4}, true});
  std::vector<ExprId> g = b.setGrid({4});
  ExprId lx = b.load(x, g[0]), ly = b.load(y, g[0]);
  b.store(q, g[0], b.binary(BinaryOp::Div, lx, ly));
  b.store(r, g[0], b.binary(BinaryOp::Rem, lx, ly));
  Buffers buf(d);
  buf.set<int32_t>(0, {7, -7, 5, std::numeric_limits<int32_t>::min()});
  buf.set<int32_t>(1, {2, 2, 0, -1});
  REQUIRE(buf.run(d).isOk());
  // Truncating division; x/0 = 0 and x%0 = 0; INT_MIN / -1 wraps to INT_MIN.
  CHECK(buf.get<int32_t>(2) == std::vector<int32_t>{3, -3, 0, std::numeric_limits<int32_t>::min()});
  CHECK(buf.get<int32_t>(3) == std::vector<int32_t>{1, -1, 0, 0});
}

TEST_CASE("opaque dispatches run the op's reference kernel") {
  Dispatch d;
  d.name = "cumsum";
  d.bindings = {Binding{"x", DType::F32, {4}, false}, Binding{"y", DType::F32, {4}, true}};
  OpaqueOp op;
  op.op = ir::OpRegistry::builtin().find("CumSum");
  REQUIRE(op.op);
  op.attrs["axis"] = ir::Attribute(int64_t{0});
  op.operandPresent = {true};
  op.label = "CumSum";
  d.opaque = op;
  Buffers buf(d);
  buf.set<float>(0, {1, 2, 3, 4});
  REQUIRE(buf.run(d).isOk());
  CHECK(buf.get<float>(1) == std::vector<float>{1, 3, 6, 10});
}
