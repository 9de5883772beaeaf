// Memory planning on a deep MLP: temporaries reuse memory (the arena is far
// below the sum of all intermediates), no two values alive at the same time
// share bytes unless one is written in place over the other, and offsets
// respect the alignment.
#include <catch2/catch.hpp>

#include <random>

#include "ir/OpRegistry.h"
#include "passes/Fusion.h"
#include "passes/Lowering.h"
#include "passes/MemoryPlanning.h"

using namespace ingot;

namespace {

// x[batch, widths[0]] -> Gemm+Relu ... -> Gemm -> Softmax: layers = widths.size() - 1.
std::unique_ptr<ir::Graph> deepMlp(int64_t batch, const std::vector<int64_t>& widths) {
  const ir::OpRegistry& reg = ir::OpRegistry::builtin();
  auto g = std::make_unique<ir::Graph>("mlp");
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> dist(-0.1f, 0.1f);
  auto random = [&](Shape s) {
    Tensor t(DType::F32, s);
    for (int64_t i = 0; i < t.numElements(); ++i) t.data<float>()[i] = dist(rng);
    return t;
  };
  ir::Value* h = *g->addInput("x", {DType::F32, {batch, widths[0]}});
  for (size_t l = 0; l + 1 < widths.size(); ++l) {
    ir::Value* w = *g->addParam(fmt::format("w{}", l), random({widths[l], widths[l + 1]}));
    ir::Value* b = *g->addParam(fmt::format("b{}", l), random({widths[l + 1]}));
    h = (*g->addNode(*reg.find("Gemm"), {h, w, b}, {}))->result();
    const bool last = l + 2 == widths.size();
    h = (*g->addNode(*reg.find(last ? "Softmax" : "Relu"), {h}, {}))->result();
  }
  g->addOutput(h);
  return g;
}

// Every pair of temporaries alive at the same step occupies disjoint bytes,
// unless one was planned in place over the other.
void checkNoOverlap(const passes::MemoryPlan& plan, uint64_t alignment) {
  std::vector<std::pair<const ir::Value*, const passes::ValuePlacement*>> temps;
  for (const auto& [v, p] : plan.placements)
    if (p.storage == passes::StorageClass::Temporary) temps.emplace_back(v, &p);
  for (size_t i = 0; i < temps.size(); ++i) {
    const auto* a = temps[i].second;
    CHECK(a->offset % alignment == 0);
    CHECK(a->offset + a->bytes <= plan.arenaBytes);
    for (size_t j = i + 1; j < temps.size(); ++j) {
      const auto* b = temps[j].second;
      const bool liveTogether = a->firstStep <= b->lastStep && b->firstStep <= a->lastStep;
      const bool bytesOverlap = a->offset < b->offset + b->bytes && b->offset < a->offset + a->bytes;
      const bool inPlace = a->inPlaceOf == temps[j].first || b->inPlaceOf == temps[i].first;
      if (liveTogether && bytesOverlap && !inPlace)
        FAIL_CHECK("%" << temps[i].first->name() << " and %" << temps[j].first->name() << " overlap while both live");
    }
  }
}

}  // namespace

TEST_CASE("a 6-layer MLP at batch 256 reuses activation memory") {
  const std::vector<int64_t> widths = {784, 512, 512, 256, 256, 128, 10};
  auto g = deepMlp(256, widths);
  // Unfused: Gemm and Relu are separate dispatches; each Relu runs in place.
  auto lowered = passes::lowerGraph(*g);
  REQUIRE(lowered.ok());
  REQUIRE(lowered->dispatches.size() == 12);
  auto plan = passes::planMemory(*g, *lowered);
  REQUIRE(plan.ok());
  // Temporaries: 6 Gemm results and 5 Relu results; the Softmax writes the output.
  uint64_t sum = 0;
  for (size_t l = 1; l < widths.size(); ++l) sum += 256 * widths[l] * 4 * (l + 1 < widths.size() ? 2 : 1);
  CHECK(plan->temporaryBytes == sum);
  CHECK(plan->temporaryCount == 11);
  CHECK(plan->inPlaceCount == 5);
  // At most two layers' activations are alive at once: the biggest pair is
  // 784->512->512: the [256,512] Gemm result (Relu in place) and the next.
  CHECK(plan->arenaBytes == 2 * 256 * 512 * 4);
  CHECK(plan->arenaBytes * 3 < plan->temporaryBytes);  // 1 MiB of 3.26 MiB
  checkNoOverlap(*plan, 64);

  // Without reuse the arena is the sum (aligned), which the --no-reuse flag shows.
  auto noReuse = passes::planMemory(*g, *lowered, {64, false, false});
  REQUIRE(noReuse.ok());
  CHECK(noReuse->arenaBytes == sum);
  CHECK(noReuse->inPlaceCount == 0);
  checkNoOverlap(*noReuse, 64);
}

TEST_CASE("after fusion the MLP's temporaries are the hidden activations only") {
  const std::vector<int64_t> widths = {784, 512, 512, 256, 256, 128, 10};
  auto g = deepMlp(256, widths);
  auto report = passes::fuseGraph(*g);
  REQUIRE(report.ok());
  auto lowered = passes::lowerGraph(*g);
  REQUIRE(lowered.ok());
  // Five dense groups, then the last Gemm and the Softmax.
  CHECK(lowered->dispatches.size() == 7);
  CHECK(lowered->opaqueCount() == 0);
  auto plan = passes::planMemory(*g, *lowered);
  REQUIRE(plan.ok());
  CHECK(plan->temporaryCount == 6);
  CHECK(plan->arenaBytes == 2 * 256 * 512 * 4);
  checkNoOverlap(*plan, 64);
}

TEST_CASE("values used again later are not overwritten in place") {
  // t = Exp(x); u = Neg(t); y = Add(u, t): Neg must not write over t, which Add reads later.
  const ir::OpRegistry& reg = ir::OpRegistry::builtin();
  ir::Graph g;
  ir::Value* x = *g.addInput("x", {DType::F32, {64}});
  ir::Value* t = (*g.addNode(*reg.find("Exp"), {x}, {}))->result();
  ir::Value* u = (*g.addNode(*reg.find("Neg"), {t}, {}))->result();
  ir::Value* y = (*g.addNode(*reg.find("Add"), {u, t}, {}))->result();
  g.addOutput(y);
  auto lowered = passes::lowerGraph(g);
  REQUIRE(lowered.ok());
  auto plan = passes::planMemory(g, *lowered);
  REQUIRE(plan.ok());
  CHECK(plan->find(u)->inPlaceOf == nullptr);
  CHECK(plan->find(u)->offset != plan->find(t)->offset);
  checkNoOverlap(*plan, 64);
}
