// The host device's thread pool and how the LLVM backend uses it: the pool
// runs every task once per job (many jobs in a row, workers sleeping or
// spinning), scratch is per participant and aligned, thread counts resolve
// from the option, then INGOT_THREADS (rejected with a message when not a
// count), then the CPU count; JIT kernels split over 2 and 3 threads give
// the interpreter's results; and a whole Adam training step of the MLP
// 784->128->10 on a 2-thread llvm device tracks the reference backend.
#include <catch2/catch.hpp>

#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <random>
#include <thread>

#include "backends/llvm/LlvmBackend.h"
#include "backends/reference/ReferenceBackend.h"
#include "ir/OpRegistry.h"
#include "ir/Verifier.h"
#include "ir/kernel/KernelInterpreter.h"
#include "passes/TrainingStep.h"
#include "runtime/Session.h"
#include "runtime/ThreadPool.h"

using namespace ingot;

namespace {

// Sets INGOT_THREADS for one scope and restores what was there.
class ScopedEnv {
 public:
  explicit ScopedEnv(const char* value) {
    if (const char* old = std::getenv("INGOT_THREADS")) old_ = old, had_ = true;
    if (value) setenv("INGOT_THREADS", value, 1);
    else unsetenv("INGOT_THREADS");
  }
  ~ScopedEnv() {
    if (had_) setenv("INGOT_THREADS", old_.c_str(), 1);
    else unsetenv("INGOT_THREADS");
  }

 private:
  std::string old_;
  bool had_ = false;
};

Tensor randomTensor(Shape shape, std::mt19937& rng, float scale) {
  Tensor t(DType::F32, shape);
  std::uniform_real_distribution<float> dist(-scale, scale);
  auto* p = reinterpret_cast<float*>(t.rawData());
  for (int64_t i = 0; i < t.numElements(); ++i) p[i] = dist(rng);
  return t;
}

}  // namespace

TEST_CASE("thread pool: every task runs once per job, over many jobs, with per-participant scratch") {
  for (unsigned threads : {1u, 2u, 3u, 5u}) {
    rt::ThreadPool pool(threads);
    REQUIRE(pool.size() == threads);
    std::vector<std::atomic<int>> hits(threads);
    for (int job = 0; job < 2000; ++job) {
      // Some jobs after a pause long enough for workers to fall asleep.
      if (job % 500 == 499) std::this_thread::sleep_for(std::chrono::milliseconds(2));
      pool.run(threads, [&](unsigned i) { hits[i].fetch_add(1); });
    }
    for (unsigned i = 0; i < threads; ++i) CHECK(hits[i].load() == 2000);
    // Fewer tasks than threads: the others do nothing.
    std::atomic<int> ran{0};
    pool.run(1, [&](unsigned i) { ran += static_cast<int>(i) + 1; });
    CHECK(ran.load() == 1);
    pool.reserveScratch(1000);
    CHECK(pool.scratchBytes() >= 1000);
    for (unsigned i = 0; i < threads; ++i) {
      CHECK(reinterpret_cast<uintptr_t>(pool.scratch(i)) % 64 == 0);
      if (i > 0) CHECK(pool.scratch(i) != pool.scratch(0));
    }
  }
}

TEST_CASE("thread counts: option, then INGOT_THREADS, then online CPUs, bad values are errors") {
  {
    ScopedEnv env("3");
    CHECK(*rt::resolveThreadCount(0) == 3u);
    CHECK(*rt::resolveThreadCount(2) == 2u);  // the explicit option wins
    auto devices = backends::llvm_backend::makeDeviceProvider()->enumerate();
    REQUIRE(devices.ok());
    CHECK(devices->front()->info().computeUnits == 3u);
  }
  for (const char* bad : {"abc", "0", "2x", "-1", "100000"}) {
    ScopedEnv env(bad);
    auto n = rt::resolveThreadCount(0);
    REQUIRE_FALSE(n.ok());
    CHECK(n.status().message().find("INGOT_THREADS") != std::string::npos);
    auto devices = backends::llvm_backend::makeDeviceProvider()->enumerate();
    CHECK_FALSE(devices.ok());
  }
  {
    ScopedEnv env(nullptr);
    auto n = rt::resolveThreadCount(0);
    REQUIRE(n.ok());
    CHECK(*n >= 1u);
    backends::llvm_backend::DeviceOptions options;
    options.threads = 2;
    auto devices = backends::llvm_backend::makeDeviceProvider(options)->enumerate();
    REQUIRE(devices.ok());
    CHECK(devices->front()->info().computeUnits == 2u);
    CHECK(devices->front()->info().description.find("2 threads") != std::string::npos);
  }
}

TEST_CASE("llvm: a large elementwise dispatch split over 2 and 3 threads matches the interpreter") {
  kir::Dispatch d;
  d.name = "scale";
  kir::KernelBuilder kb(d);
  const Shape shape{1001, 257};
  int32_t in = kb.addBinding({"x", DType::F32, shape, false});
  int32_t out = kb.addBinding({"y", DType::F32, shape, true});
  std::vector<kir::ExprId> idx = kb.setGrid(shape);
  kir::ExprId flat = kb.flatIndex(shape, idx);
  kir::ExprId x = kb.load(in, flat);
  kb.store(out, flat, kb.binary(kir::BinaryOp::Add, kb.binary(kir::BinaryOp::Mul, x, kb.constFloat(2)),
                                kb.cast(idx[0], DType::F32)));
  auto jit = backends::llvm_backend::compileDispatches({d}, {});
  REQUIRE(jit.ok());
  std::mt19937 rng(5);
  Tensor xt = randomTensor(shape, rng, 4);
  std::vector<float> want(static_cast<size_t>(numElements(shape)));
  {
    std::vector<std::byte*> ptrs{xt.rawData(), reinterpret_cast<std::byte*>(want.data())};
    std::vector<uint64_t> sizes{want.size() * 4, want.size() * 4};
    REQUIRE(kir::interpretDispatch(d, ptrs, sizes).isOk());
  }
  for (unsigned threads : {2u, 3u}) {
    rt::ThreadPool pool(threads);
    std::vector<float> got(want.size(), -1.f);
    std::vector<std::byte*> ptrs{xt.rawData(), reinterpret_cast<std::byte*>(got.data())};
    std::vector<uint64_t> sizes{want.size() * 4, want.size() * 4};
    REQUIRE(jit->run(0, ptrs, sizes, &pool).isOk());
    CHECK(std::memcmp(want.data(), got.data(), want.size() * 4) == 0);
  }
}

TEST_CASE("llvm: Adam training steps of the MLP 784-128-10 on 2 threads track the reference backend") {
  constexpr int64_t kBatch = 32;
  auto makeModel = [] {
    std::mt19937 rng(11);
    auto g = std::make_unique<ir::Graph>("mlp");
    const ir::OpRegistry& ops = ir::OpRegistry::builtin();
    auto node = [&](const char* op, std::vector<ir::Value*> operands, ir::AttrMap attrs, const char* name) {
      auto n = g->addNode(*ops.find(op), std::move(operands), std::move(attrs), {name});
      REQUIRE(n.ok());
      return (*n)->result();
    };
    auto x = g->addInput("x", {DType::F32, {kBatch, 784}});
    auto w1 = g->addParam("fc1.weight", randomTensor({128, 784}, rng, 0.035f));
    auto b1 = g->addParam("fc1.bias", randomTensor({128}, rng, 0.035f));
    auto w2 = g->addParam("fc2.weight", randomTensor({10, 128}, rng, 0.088f));
    auto b2 = g->addParam("fc2.bias", randomTensor({10}, rng, 0.088f));
    const ir::AttrMap transB{{"transB", ir::Attribute(int64_t{1})}};
    ir::Value* h = node("Gemm", {*x, *w1, *b1}, transB, "h");
    ir::Value* r = node("Relu", {h}, {}, "r");
    ir::Value* z = node("Gemm", {r, *w2, *b2}, transB, "z");
    g->addOutput(node("Softmax", {z}, {{"axis", ir::Attribute(int64_t{1})}}, "y"));
    REQUIRE(ir::verifyGraph(*g).isOk());
    return g;
  };
  auto model = makeModel();
  auto step = passes::buildTrainingStep(*model, passes::TrainingOptions{});
  REQUIRE(step.ok());
  backends::llvm_backend::DeviceOptions two;
  two.threads = 2;
  auto llvmDevices = backends::llvm_backend::makeDeviceProvider(two)->enumerate();
  auto refDevices = backends::reference::makeDeviceProvider()->enumerate();
  REQUIRE(llvmDevices.ok());
  REQUIRE(refDevices.ok());
  auto llvmProgram = backends::llvm_backend::compileGraph(*step->graph);
  INFO(llvmProgram.status().message());
  REQUIRE(llvmProgram.ok());
  auto refProgram = backends::reference::compileGraph(*step->graph);
  REQUIRE(refProgram.ok());
  auto a = rt::Session::create(*llvmDevices->front(), llvmProgram->executable, llvmProgram->plan);
  auto b = rt::Session::create(*refDevices->front(), refProgram->executable, refProgram->plan);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  std::mt19937 rng(12);
  for (int s = 0; s < 3; ++s) {
    Tensor x = randomTensor({kBatch, 784}, rng, 1);
    Tensor labels(DType::I64, {kBatch});
    for (int64_t i = 0; i < kBatch; ++i) reinterpret_cast<int64_t*>(labels.rawData())[i] = (i * 7 + s) % 10;
    for (auto* session : {a->get(), b->get()}) {
      REQUIRE(session->setInput(step->input, x).isOk());
      REQUIRE(session->setInput(step->labels, labels).isOk());
      REQUIRE(session->run().isOk());
    }
    auto la = (*a)->output(step->loss), lb = (*b)->output(step->loss);
    REQUIRE(la.ok());
    REQUIRE(lb.ok());
    CHECK(la->elementAsDouble(0) == Approx(lb->elementAsDouble(0)).epsilon(1e-4));
  }
  for (const std::string& name : step->params) {
    INFO(name);
    auto wa = (*a)->state(name), wb = (*b)->state(name);
    REQUIRE(wa.ok());
    REQUIRE(wb.ok());
    // Adam moves each weight by about lr = 1e-3 per step whatever the
    // gradient's size, so a gradient within rounding of 0 may legitimately
    // step the other way; allow a handful of those.
    int64_t off = 0;
    for (int64_t i = 0; i < wa->numElements(); ++i)
      off += std::fabs(wa->elementAsDouble(i) - wb->elementAsDouble(i)) > 1e-5;
    CHECK(off <= wa->numElements() / 1000);
  }
}
