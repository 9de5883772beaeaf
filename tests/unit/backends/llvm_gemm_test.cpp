// The LLVM backend's contractions: plain GEMMs for every M, N and K in 1..33
// in all four transpose layouts (the micro-kernels' two forms: the dot form
// for A·Bᵀ, the outer-product form with B in place or packed, and their M,
// N and K tails), primes around the tile sizes, sizes that cross the row
// blocks and the packing threshold, batch broadcasting, integer
// accumulation (the loop nests), an epilogue, phase 1's loop nests
// (LlvmOptions::loopContractions), and the same kernels split over a thread
// pool. Inputs are small integers stored as floats, so every partial sum is
// exact and the results must equal a naive loop (and the interpreter) bit
// for bit, whatever the summation order or the split. Each kernel also runs
// with its bindings against inaccessible pages, so an access out of bounds
// crashes the test.
#include <catch2/catch.hpp>

#include <cstring>
#include <random>

#include "backends/llvm/LlvmBackend.h"
#include "ir/kernel/KernelInterpreter.h"
#include "runtime/ThreadPool.h"
#include "support/GuardedMemory.h"

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
// (and plain ones with the naive loop); with a pool, the JIT splits the
// large ones over its threads.
void check(const std::vector<Gemm>& gemms, const backends::llvm_backend::LlvmOptions& options = {},
           rt::ThreadPool* pool = nullptr) {
  std::vector<kir::Dispatch> ds;
  for (size_t i = 0; i < gemms.size(); ++i) ds.push_back(makeDispatch(gemms[i], "g" + std::to_string(i)));
  auto jit = backends::llvm_backend::compileDispatches(ds, options);
  INFO(jit.status().message());
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
      return useJit ? jit->run(i, ptrs, sizes, pool) : kir::interpretDispatch(d, ptrs, sizes);
    };
    REQUIRE(run(want, false).isOk());
    REQUIRE(run(got, true).isOk());
    INFO("M " << g.m << " N " << g.n << " K " << g.k << " transA " << g.transA << " transB " << g.transB
              << " batch " << g.batch.size() << " dtype " << dtypeName(g.t));
    CHECK(std::memcmp(want.data(), got.data(), outBytes) == 0);
    // Again with every binding against an inaccessible page, after its end
    // and then before its start: a read or write out of bounds faults
    // (ASan cannot see the JIT's code; see support/GuardedMemory.h).
    for (GuardSide side : {GuardSide::After, GuardSide::Before}) {
      std::vector<GuardedBytes> guarded;
      std::vector<std::byte*> ptrs;
      std::vector<uint64_t> sizes;
      for (size_t b = 0; b <= in.size(); ++b) {
        const size_t bytes = b < in.size() ? in[b].size() : outBytes;
        auto block = GuardedBytes::create(bytes, side);
        REQUIRE(block.ok());
        if (b < in.size()) std::memcpy(block->data(), in[b].data(), bytes);
        ptrs.push_back(block->data()), sizes.push_back(bytes);
        guarded.push_back(std::move(block).value());
      }
      REQUIRE(jit->run(i, ptrs, sizes, pool).isOk());
      CHECK(std::memcmp(want.data(), ptrs.back(), outBytes) == 0);
    }
    if (g.batch.empty() && !g.bias && g.t == DType::F32) {
      std::vector<float> ref = naive(g, reinterpret_cast<const float*>(in[0].data()),
                                     reinterpret_cast<const float*>(in[1].data()));
      CHECK(std::memcmp(ref.data(), got.data(), outBytes) == 0);
    }
  }
}

Gemm plain(int64_t m, int64_t n, int64_t k, bool transB, bool transA = false) {
  Gemm g{m, n, k};
  g.transB = transB;
  g.transA = transA;
  g.aElems = m * k, g.bElems = k * n;
  return g;
}

// Large enough to cross the micro-kernels' row blocks and (for B not
// transposed) the packing threshold, and to be split over threads.
std::vector<Gemm> largeGemms() {
  std::vector<Gemm> gemms;
  for (bool transA : {false, true})
    for (bool transB : {false, true}) {
      gemms.push_back(plain(61, 131, 1031, transB, transA));  // B 540 KB: packed
      gemms.push_back(plain(97, 257, 300, transB, transA));   // B in place, several row blocks
      gemms.push_back(plain(67, 37, 1000, transB, transA));
      // A 1.65 MB: A·Bᵀ leaves the dot form for the outer-product one.
      gemms.push_back(plain(523, 29, 790, transB, transA));
    }
  Gemm bg = plain(13, 35, 40, false);
  bg.batch = {2, 3};
  bg.aBatch = {0, 13 * 40};
  bg.bBatch = {40 * 35, 0};
  bg.aElems = 3 * 13 * 40, bg.bElems = 2 * 40 * 35;
  bg.bias = true;
  gemms.push_back(bg);
  return gemms;
}

}  // namespace

// Every M and N in 1..33 in every transpose layout, each meeting four
// partners, K cycling through 1..33: all tails of both micro-kernel forms
// (M mod 6 and 3, N mod 16 and 4, K mod 8). Every function is specialized
// to its shape, so each case is an O3 compile: the M x N plane is sampled
// rather than enumerated (that would take minutes).
TEST_CASE("llvm gemm: every M and N in 1..33 in all four transpose layouts") {
  for (bool transA : {false, true})
    for (bool transB : {false, true}) {
      std::vector<Gemm> gemms;
      for (int64_t m = 1; m <= 33; ++m)
        for (int64_t n : {m, 34 - m, (m * 5) % 33 + 1, (m * 11 + 3) % 33 + 1})
          gemms.push_back(plain(m, n, (m * 7 + n * 3 + transA * 5) % 33 + 1, transB, transA));
      check(gemms);
    }
}

TEST_CASE("llvm gemm: large sizes (row blocks, packed panels) alone and split over 2 and 3 threads") {
  check(largeGemms());
  for (unsigned threads : {2u, 3u}) {
    rt::ThreadPool pool(threads);
    check(largeGemms(), {}, &pool);
  }
}

TEST_CASE("llvm gemm: phase 1's loop nests (the benchmark's baseline) still compute the same") {
  backends::llvm_backend::LlvmOptions loops;
  loops.loopContractions = true;
  std::vector<Gemm> gemms;
  for (bool transB : {false, true})
    for (int64_t m : {1, 5, 17}) gemms.push_back(plain(m, m + 4, 2 * m + 3, transB));
  check(gemms, loops);
}

TEST_CASE("llvm gemm: every K in 1..33 at several M, N, and primes around the tile sizes") {
  std::vector<Gemm> gemms;
  for (bool transB : {false, true}) {
    for (int64_t k = 1; k <= 33; ++k)
      for (auto [m, n] : {std::pair<int64_t, int64_t>{1, 1}, {3, 5}, {4, 16}, {7, 33}})
        gemms.push_back(plain(m, n, k, transB));
    for (int64_t p : {31, 37, 61, 67, 127, 131})
      gemms.push_back(plain(p % 13 + 1, p, p, transB));
    // Primes around the tiles (6 x 16 and 3 x 4 on AVX2, 8-lane K steps).
    for (int64_t p : {5, 7, 11, 13, 17, 19, 23, 29, 47, 53})
      gemms.push_back(plain(p, 64 / p + p, 3 * p, transB));
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
