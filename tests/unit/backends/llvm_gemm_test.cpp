// The LLVM backend's contractions: plain GEMMs for every M, N and K in 1..33
// (both code shapes: B contiguous in j, and B transposed, contiguous in k),
// row tiles crossing their boundary, transposed A, batch broadcasting,
// integer accumulation and an epilogue. Inputs are small integers stored as
// floats, so every partial sum is exact and the results must equal a naive
// loop (and the interpreter) bit for bit, whatever the summation order.
#include <catch2/catch.hpp>

#include <cstring>
#include <random>

#include "backends/llvm/LlvmBackend.h"
#include "ir/kernel/KernelInterpreter.h"

using namespace ingot;

namespace {

struct Gemm {
  int64_t m, n, k;
  bool transA = false, transB = false;
  std::vector<int64_t> batch;                  // grid batch dims
  std::vector<int64_t> aBatch, bBatch;         // element strides (0 broadcasts)
  int64_t aElems = 0, bElems = 0;
  DType t = DType::F32;
  bool bias = false;  // epilogue: acc + bias[j], then relu
};

kir::Dispatch makeDispatch(const Gemm& g, const std::string& name) {
  kir::Dispatch d;
  d.name = name;
  kir::KernelBuilder kb(d);
  int32_t a = kb.addBinding({"a", g.t, {g.aElems}, false});
  int32_t b = kb.addBinding({"b", g.t, {g.bElems}, false});
  int32_t bias = g.bias ? kb.addBinding({"bias", g.t, {g.n}, false}) : -1;
  Shape gridShape = g.batch;
  gridShape.push_back(g.m);
  gridShape.push_back(g.n);
  int32_t c = kb.addBinding({"c", g.t, gridShape, true});
  std::vector<kir::ExprId> idx = kb.setGrid(gridShape);
  kir::Contraction con;
  con.a = a, con.b = b, con.m = g.m, con.n = g.n, con.k = g.k;
  con.aBatchStrides = g.aBatch, con.bBatchStrides = g.bBatch;
  con.aStrideM = g.transA ? 1 : g.k, con.aStrideK = g.transA ? g.m : 1;
  con.bStrideK = g.transB ? 1 : g.n, con.bStrideN = g.transB ? g.k : 1;
  con.accDType = g.t;
  d.contraction = con;
  kir::ExprId acc = kb.contractAcc(g.t);
  if (g.bias) {
    acc = kb.binary(kir::BinaryOp::Add, acc, kb.load(bias, idx.back()));
    acc = kb.select(kb.binary(kir::BinaryOp::Lt, acc, kb.constOf(g.t, 0)), kb.constOf(g.t, 0), acc);
  }
  kb.store(c, kb.flatIndex(gridShape, idx), acc);
  return d;
}

std::vector<std::byte> randomData(DType t, int64_t n, std::mt19937& rng) {
  std::uniform_int_distribution<int> dist(-3, 3);
  std::vector<std::byte> out(static_cast<size_t>(n) * dtypeSize(t));
  for (int64_t i = 0; i < n; ++i) {
    double v = dist(rng);
    visitDType(t, [&](auto tag) {
      using T = decltype(tag);
      T x = static_cast<T>(v);
      std::memcpy(out.data() + static_cast<size_t>(i) * sizeof(T), &x, sizeof(T));
    });
  }
  return out;
}

// A naive loop for a plain f32 GEMM (no batch, no epilogue).
std::vector<float> naive(const Gemm& g, const float* a, const float* b) {
  std::vector<float> c(static_cast<size_t>(g.m * g.n), 0.f);
  for (int64_t i = 0; i < g.m; ++i)
    for (int64_t j = 0; j < g.n; ++j) {
      float s = 0;
      for (int64_t k = 0; k < g.k; ++k)
        s += a[g.transA ? k * g.m + i : i * g.k + k] * b[g.transB ? j * g.k + k : k * g.n + j];
      c[static_cast<size_t>(i * g.n + j)] = s;
    }
  return c;
}

// Compiles all GEMMs in one module and compares each with the interpreter
// (and plain ones with the naive loop).
void check(const std::vector<Gemm>& gemms) {
  std::vector<kir::Dispatch> ds;
  for (size_t i = 0; i < gemms.size(); ++i) ds.push_back(makeDispatch(gemms[i], "g" + std::to_string(i)));
  auto jit = backends::llvm_backend::compileDispatches(ds, {});
  REQUIRE(jit.ok());
  std::mt19937 rng(42);
  for (size_t i = 0; i < gemms.size(); ++i) {
    const Gemm& g = gemms[i];
    const kir::Dispatch& d = ds[i];
    std::vector<std::vector<std::byte>> in;
    for (size_t b = 0; b + 1 < d.bindings.size(); ++b) in.push_back(randomData(g.t, d.bindings[b].elements(), rng));
    const size_t outBytes = static_cast<size_t>(d.bindings.back().elements()) * dtypeSize(g.t);
    std::vector<std::byte> want(outBytes), got(outBytes, std::byte{0x7f});
    auto run = [&](std::vector<std::byte>& out, bool useJit) {
      std::vector<std::byte*> ptrs;
      std::vector<uint64_t> sizes;
      for (auto& b : in) ptrs.push_back(b.data()), sizes.push_back(b.size());
      ptrs.push_back(out.data()), sizes.push_back(out.size());
      return useJit ? jit->run(i, ptrs, sizes) : kir::interpretDispatch(d, ptrs, sizes);
    };
    REQUIRE(run(want, false).isOk());
    REQUIRE(run(got, true).isOk());
    INFO("M " << g.m << " N " << g.n << " K " << g.k << " transA " << g.transA << " transB " << g.transB
              << " batch " << g.batch.size() << " dtype " << dtypeName(g.t));
    CHECK(std::memcmp(want.data(), got.data(), outBytes) == 0);
    if (g.batch.empty() && !g.bias && g.t == DType::F32) {
      std::vector<float> ref = naive(g, reinterpret_cast<const float*>(in[0].data()),
                                     reinterpret_cast<const float*>(in[1].data()));
      CHECK(std::memcmp(ref.data(), got.data(), outBytes) == 0);
    }
  }
}

Gemm plain(int64_t m, int64_t n, int64_t k, bool transB) {
  Gemm g{m, n, k};
  g.transB = transB;
  g.aElems = m * k, g.bElems = k * n;
  return g;
}

}  // namespace

// Every function is specialized to its shape, so each case costs an O3
// compile: the M x N plane is sampled (each M and N in 1..33 meets three
// partners, K cycling through 1..33) rather than enumerated.
TEST_CASE("llvm gemm: every M and N in 1..33 with K varying through 1..33, both B layouts") {
  for (bool transB : {false, true}) {
    std::vector<Gemm> gemms;
    for (int64_t m = 1; m <= 33; ++m)
      for (int64_t n : {m, 34 - m, (m * 5) % 33 + 1}) gemms.push_back(plain(m, n, (m * 7 + n * 3) % 33 + 1, transB));
    check(gemms);
  }
}

TEST_CASE("llvm gemm: every K in 1..33 at several M, N, and primes around the tile sizes") {
  std::vector<Gemm> gemms;
  for (bool transB : {false, true}) {
    for (int64_t k = 1; k <= 33; ++k)
      for (auto [m, n] : {std::pair<int64_t, int64_t>{1, 1}, {3, 5}, {4, 16}, {7, 33}})
        gemms.push_back(plain(m, n, k, transB));
    for (int64_t p : {31, 37, 61, 67, 127, 131})
      gemms.push_back(plain(p % 13 + 1, p, p, transB));
    // Across the rows form's 256-column tile.
    gemms.push_back(plain(2, 257, 3, transB));
    gemms.push_back(plain(3, 513, 5, transB));
  }
  check(gemms);
}

TEST_CASE("llvm gemm: transposed A, batch broadcasting, f64 and integer accumulation, an epilogue") {
  std::vector<Gemm> gemms;
  for (bool transA : {false, true})
    for (bool transB : {false, true}) {
      Gemm g = plain(5, 9, 17, transB);
      g.transA = transA;
      gemms.push_back(g);
      // grid [2, 3, M, N]: A broadcast over the first batch dim, B over the second.
      Gemm bg = plain(6, 7, 19, transB);
      bg.transA = transA;
      bg.batch = {2, 3};
      bg.aBatch = {0, 6 * 19};
      bg.bBatch = {19 * 7, 0};
      bg.aElems = 3 * 6 * 19, bg.bElems = 2 * 19 * 7;
      gemms.push_back(bg);
    }
  for (DType t : {DType::F64, DType::I32, DType::I64}) {
    for (bool transB : {false, true}) {
      Gemm g = plain(5, 11, 23, transB);
      g.t = t;
      gemms.push_back(g);
    }
  }
  for (bool transB : {false, true}) {
    Gemm g = plain(3, 21, 40, transB);
    g.bias = true;
    gemms.push_back(g);
  }
  check(gemms);
}
