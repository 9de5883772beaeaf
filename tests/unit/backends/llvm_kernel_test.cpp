// The LLVM backend beyond single operations: loops and accumulators (a
// softmax-shaped dispatch), selects guarding out-of-range loads (padding),
// bool storage, multi-dimensional grids, errors (a verifier failure names the
// dispatch, undersized bindings are refused), and a whole graph with an
// opaque op run through the runtime against the reference backend.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>

#include "backends/llvm/LlvmBackend.h"
#include "backends/reference/ReferenceBackend.h"
#include "ir/TextParser.h"
#include "ir/kernel/KernelInterpreter.h"
#include "runtime/Session.h"

using namespace ingot;
using kir::BinaryOp;
using kir::UnaryOp;

namespace {

std::vector<float> iota(size_t n, float scale, float offset) {
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = std::sin(static_cast<float>(i) * scale) * 3 + offset;
  return v;
}

// Runs `d` on the interpreter and the JIT with the same float inputs and
// returns both outputs' bytes (the last binding is the output).
std::pair<std::vector<std::byte>, std::vector<std::byte>> runBoth(const kir::Dispatch& d,
                                                                  const std::vector<std::vector<float>>& inputs) {
  auto jit = backends::llvm_backend::compileDispatches({d}, {});
  REQUIRE(jit.ok());
  const kir::Binding& ob = d.bindings.back();
  std::vector<std::byte> outs[2];
  for (int k = 0; k < 2; ++k) {
    std::vector<std::vector<float>> in = inputs;
    outs[k].assign(static_cast<size_t>(ob.elements()) * dtypeSize(ob.dtype), std::byte{0});
    std::vector<std::byte*> ptrs;
    std::vector<uint64_t> sizes;
    for (auto& v : in) ptrs.push_back(reinterpret_cast<std::byte*>(v.data())), sizes.push_back(v.size() * 4);
    ptrs.push_back(outs[k].data()), sizes.push_back(outs[k].size());
    Status st = k == 0 ? kir::interpretDispatch(d, ptrs, sizes) : jit->run(0, ptrs, sizes);
    REQUIRE(st.isOk());
  }
  return {outs[0], outs[1]};
}

void checkClose(const std::vector<std::byte>& want, const std::vector<std::byte>& got, float tol) {
  REQUIRE(want.size() == got.size());
  for (size_t i = 0; i < want.size() / 4; ++i) {
    float a, b;
    std::memcpy(&a, want.data() + 4 * i, 4), std::memcpy(&b, got.data() + 4 * i, 4);
    INFO("element " << i);
    CHECK(std::fabs(a - b) <= tol * std::max(1.f, std::fabs(a)));
  }
}

}  // namespace

TEST_CASE("llvm: a softmax-shaped dispatch (accumulators, serial loops, lets) matches the interpreter") {
  kir::Dispatch d;
  d.name = "softmax";
  kir::KernelBuilder kb(d);
  const int64_t rows = 5, cols = 37;
  int32_t x = kb.addBinding({"x", DType::F32, {rows, cols}, false});
  int32_t y = kb.addBinding({"y", DType::F32, {rows, cols}, true});
  std::vector<kir::ExprId> g = kb.setGrid({rows});
  kir::ExprId base = kb.binary(BinaryOp::Mul, g[0], kb.constInt(cols));
  kir::VarId mx = kb.acc("max", kb.constFloat(-INFINITY));
  kir::VarId j = kb.beginFor("j", cols);
  kir::ExprId xj = kb.load(x, kb.binary(BinaryOp::Add, base, kb.var(j)));
  kb.assign(mx, kb.binary(BinaryOp::Max, kb.var(mx), xj));
  kb.endFor();
  kir::VarId sum = kb.acc("sum", kb.constFloat(0));
  j = kb.beginFor("j", cols);
  xj = kb.load(x, kb.binary(BinaryOp::Add, base, kb.var(j)));
  kb.assign(sum, kb.binary(BinaryOp::Add, kb.var(sum), kb.unary(UnaryOp::Exp, kb.binary(BinaryOp::Sub, xj, kb.var(mx)))));
  kb.endFor();
  kir::VarId norm = kb.let("norm", kb.binary(BinaryOp::Div, kb.constFloat(1), kb.var(sum)));
  j = kb.beginFor("j", cols);
  kir::ExprId at = kb.binary(BinaryOp::Add, base, kb.var(j));
  kb.store(y, at,
           kb.binary(BinaryOp::Mul, kb.unary(UnaryOp::Exp, kb.binary(BinaryOp::Sub, kb.load(x, at), kb.var(mx))),
                     kb.var(norm)));
  kb.endFor();
  REQUIRE(d.validate().isOk());
  auto [want, got] = runBoth(d, {iota(rows * cols, 0.37f, 0.5f)});
  checkClose(want, got, 1e-6f);
}

TEST_CASE("llvm: selects guarding out-of-range loads (padding) and a 3-d grid match the interpreter") {
  // y[c, i, j] = (i-1, j-1) inside x ? x[c, i-1, j-1] : -1   (pad 1 on each side)
  kir::Dispatch d;
  d.name = "pad";
  kir::KernelBuilder kb(d);
  const int64_t c = 3, h = 4, w = 5;
  int32_t x = kb.addBinding({"x", DType::F32, {c, h, w}, false});
  int32_t y = kb.addBinding({"y", DType::F32, {c, h + 2, w + 2}, true});
  std::vector<kir::ExprId> g = kb.setGrid({c, h + 2, w + 2});
  kir::ExprId i = kb.binary(BinaryOp::Sub, g[1], kb.constInt(1));
  kir::ExprId jj = kb.binary(BinaryOp::Sub, g[2], kb.constInt(1));
  auto inRange = [&](kir::ExprId v, int64_t n) {
    return kb.binary(BinaryOp::And, kb.binary(BinaryOp::Ge, v, kb.constInt(0)), kb.binary(BinaryOp::Lt, v, kb.constInt(n)));
  };
  kir::ExprId inside = kb.binary(BinaryOp::And, inRange(i, h), inRange(jj, w));
  // Out of range at the border (e.g. -1 - w for the first element).
  kir::ExprId src = kb.flatIndex({c, h, w}, {g[0], i, jj});
  kb.store(y, kb.flatIndex({c, h + 2, w + 2}, g), kb.select(inside, kb.load(x, src), kb.constFloat(-1)));
  REQUIRE(d.validate().isOk());
  auto [want, got] = runBoth(d, {iota(c * h * w, 0.5f, 0)});
  CHECK(want == got);
}

TEST_CASE("llvm: bool bindings are stored as bytes 0/1") {
  kir::Dispatch d;
  d.name = "gt";
  kir::KernelBuilder kb(d);
  int32_t x = kb.addBinding({"x", DType::F32, {9}, false});
  int32_t y = kb.addBinding({"y", DType::Bool, {9}, true});
  std::vector<kir::ExprId> g = kb.setGrid({9});
  kb.store(y, g[0], kb.binary(BinaryOp::Gt, kb.load(x, g[0]), kb.constFloat(0)));
  auto [want, got] = runBoth(d, {iota(9, 1.1f, 0)});
  CHECK(want == got);
}

TEST_CASE("llvm: generated IR that fails the verifier is an error naming the dispatch, not an abort") {
  // A Let defined inside a loop and used after it: out of scope, which
  // validate() rejects; the code generator does not rely on validate(), and
  // LLVM's verifier catches the use that its definition does not dominate.
  kir::Dispatch d;
  d.name = "d7_bad_scope";
  kir::KernelBuilder kb(d);
  int32_t x = kb.addBinding({"x", DType::F32, {4}, false});
  int32_t y = kb.addBinding({"y", DType::F32, {1}, true});
  kb.setGrid({1});
  kir::VarId k = kb.beginFor("k", 4);
  kir::VarId v = kb.let("v", kb.load(x, kb.var(k)));
  kb.endFor();
  kb.store(y, kb.constInt(0), kb.var(v));
  auto jit = backends::llvm_backend::compileDispatches({d}, {});
  REQUIRE_FALSE(jit.ok());
  CHECK_THAT(jit.status().message(), Catch::Contains("d7_bad_scope") && Catch::Contains("does not verify"));
}

TEST_CASE("llvm: malformed dispatches and undersized bindings are errors") {
  kir::Dispatch d;
  d.name = "copy";
  kir::KernelBuilder kb(d);
  int32_t x = kb.addBinding({"x", DType::F32, {8}, false});
  int32_t y = kb.addBinding({"y", DType::F32, {8}, true});
  std::vector<kir::ExprId> g = kb.setGrid({8});
  kb.store(y, g[0], kb.load(x, g[0]));
  auto jit = backends::llvm_backend::compileDispatches({d}, {});
  REQUIRE(jit.ok());
  std::vector<float> a(8, 1.f), b(4, 0.f);
  std::vector<std::byte*> ptrs{reinterpret_cast<std::byte*>(a.data()), reinterpret_cast<std::byte*>(b.data())};
  std::vector<uint64_t> sizes{32, 16};
  Status st = jit->run(0, ptrs, sizes);
  CHECK_THAT(st.message(), Catch::Contains("copy") && Catch::Contains("needs 32"));
  CHECK_FALSE(jit->run(0, std::span<std::byte* const>(ptrs.data(), 1), std::span<const uint64_t>(sizes.data(), 1)).isOk());

  kir::Dispatch bad = d;
  bad.name = "bad";
  bad.body[0].binding = 9;  // no such binding
  auto badJit = backends::llvm_backend::compileDispatches({bad}, {});
  REQUIRE_FALSE(badJit.ok());
  CHECK_THAT(badJit.status().message(), Catch::Contains("bad"));
}

TEST_CASE("llvm: a graph with an opaque op runs through the runtime and matches the reference backend") {
  auto g = ir::parseGraph(R"(graph @g {
  input %x : f32[3,4]
  %c = Constant() {value = tensor<f32[]> [2]} : f32[]
  %m = Mul(%x, %c) : f32[3,4]
  %s = CumSum(%m) {axis = 1} : f32[3,4]
  %t = Transpose(%s) {perm = [1, 0]} : f32[4,3]
  %y = Tanh(%t) : f32[4,3]
  output %y
})");
  REQUIRE(g.ok());
  backends::llvm_backend::CompileStats stats;
  auto prog = backends::llvm_backend::compileGraph(**g, {}, &stats);
  REQUIRE(prog.ok());
  CHECK(stats.opaque == 1);
  CHECK(stats.compiled == 3);
  Tensor x = Tensor::fromVector<float>({3, 4}, iota(12, 0.9f, 0.1f));
  std::vector<Tensor> results;
  // makeDeviceProvider is overloaded in the llvm backend: name the type.
  using ProviderFn = std::unique_ptr<rt::DeviceProvider> (*)();
  const ProviderFn llvmProvider = &backends::llvm_backend::makeDeviceProvider;
  for (ProviderFn provider : {llvmProvider, ProviderFn(&backends::reference::makeDeviceProvider)}) {
    auto devices = (*provider)()->enumerate();
    REQUIRE(devices.ok());
    auto program = provider == llvmProvider
                       ? backends::llvm_backend::compileGraph(**g)
                       : backends::reference::compileGraph(**g);
    REQUIRE(program.ok());
    auto session = rt::Session::create(*devices->front(), program->executable, std::move(program->plan));
    REQUIRE(session.ok());
    REQUIRE((*session)->setInput("x", x).isOk());
    REQUIRE((*session)->run().isOk());
    auto y = (*session)->output("y");
    REQUIRE(y.ok());
    results.push_back(std::move(*y));
  }
  auto a = results[0].values<float>(), b = results[1].values<float>();
  REQUIRE(a.size() == b.size());
  for (size_t i = 0; i < a.size(); ++i) CHECK(a[i] == Approx(b[i]).epsilon(1e-6));
}

// --guard-pages compiles with LlvmOptions::temporaryBuffers: each temporary
// gets a buffer of its own (so a guard page separates it from the next)
// instead of an offset in the shared arena, and the results do not change.
TEST_CASE("llvm: temporaryBuffers gives every temporary its own buffer, guarded runs match the arena plan") {
  auto g = ir::parseGraph(R"(graph @g {
  input %x : f32[5,12]
  input %w1 : f32[12,7]
  input %w2 : f32[7,3]
  %h = MatMul(%x, %w1) : f32[5,7]
  %e = Exp(%h) : f32[5,7]
  %r = Relu(%h) : f32[5,7]
  %s = Add(%e, %r) : f32[5,7]
  %z = MatMul(%s, %w2) : f32[5,3]
  %y = Softmax(%z) {axis = 1} : f32[5,3]
  output %y
})");
  REQUIRE(g.ok());
  const Tensor x = Tensor::fromVector<float>({5, 12}, iota(60, 0.7f, 0.1f));
  const Tensor w1 = Tensor::fromVector<float>({12, 7}, iota(84, 0.3f, -0.2f));
  const Tensor w2 = Tensor::fromVector<float>({7, 3}, iota(21, 0.5f, 0.0f));
  std::vector<Tensor> results;
  for (bool own : {false, true}) {
    backends::llvm_backend::LlvmOptions options;
    options.temporaryBuffers = own;
    auto program = backends::llvm_backend::compileGraph(**g, options);
    REQUIRE(program.ok());
    size_t temporaries = 0;
    bool arena = false;
    for (const rt::PlanBuffer& b : program->plan.buffers) {
      temporaries += b.role == rt::BufferRole::Temporary;
      arena = arena || b.name == "activations";
    }
    INFO("temporaryBuffers " << own);
    CHECK(arena == !own);
    if (own) CHECK(temporaries >= 2);  // at least %h and %s (or what fusion leaves)
    else CHECK(temporaries == 1);
    backends::llvm_backend::DeviceOptions device;
    device.threads = 1;
    device.guard = own ? std::optional<GuardSide>(GuardSide::After) : std::nullopt;
    auto devices = backends::llvm_backend::makeDeviceProvider(device)->enumerate();
    REQUIRE(devices.ok());
    auto session = rt::Session::create(*devices->front(), program->executable, std::move(program->plan));
    REQUIRE(session.ok());
    REQUIRE((*session)->setInput("x", x).isOk());
    REQUIRE((*session)->setInput("w1", w1).isOk());
    REQUIRE((*session)->setInput("w2", w2).isOk());
    REQUIRE((*session)->run().isOk());
    auto y = (*session)->output("y");
    REQUIRE(y.ok());
    results.push_back(std::move(*y));
  }
  CHECK(results[0].identical(results[1]));
}
