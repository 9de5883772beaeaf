// Weights are shared, not copied per reference: a loaded artifact's plans
// share one decoded tensor per weight (runtime/Plan.h SharedTensor), and on
// the host device a session's Constant buffers view that tensor while its
// State buffers are copies (runtime/Session.cpp). Links only the runtime.
#include <catch2/catch.hpp>

#include <cstring>

#include "runtime/Artifact.h"
#include "runtime/HostDevice.h"
#include "runtime/LoadedModel.h"
#include "runtime/Session.h"

using namespace ingot;
using namespace ingot::rt;

namespace {

// What a kernel saw: the address of each binding, per run.
struct SeenBindings {
  std::vector<std::vector<const std::byte*>> runs;
};

// Kernel 0: y = x + c + w over f32[4], recording the bindings' addresses.
std::shared_ptr<HostExecutable> makeExecutable(const std::string& backend, std::shared_ptr<SeenBindings> seen) {
  HostKernel add = [seen](const HostKernelArgs& a) {
    seen->runs.emplace_back(a.bindings.begin(), a.bindings.end());
    auto* x = reinterpret_cast<const float*>(a.bindings[0]);
    auto* c = reinterpret_cast<const float*>(a.bindings[1]);
    auto* w = reinterpret_cast<const float*>(a.bindings[2]);
    auto* y = reinterpret_cast<float*>(a.bindings[3]);
    for (int i = 0; i < 4; ++i) y[i] = x[i] + c[i] + w[i];
    return Status::ok();
  };
  return std::make_shared<HostExecutable>(backend, std::vector<std::string>{"add"}, std::vector<HostKernel>{add});
}

// x (input), c (constant, initial data 0), w (state, initial data 1), y (output).
Plan makePlan() {
  Plan p;
  p.buffers = {{"x", 16, BufferRole::Input, -1},
               {"c", 16, BufferRole::Constant, 0},
               {"w", 16, BufferRole::State, 1},
               {"y", 16, BufferRole::Output, -1}};
  p.initialData.push_back(Tensor::fromVector<float>({4}, {1, 2, 3, 4}));
  p.initialData.push_back(Tensor::fromVector<float>({4}, {10, 20, 30, 40}));
  p.steps.push_back(DispatchStep{0, {{0, 0, 16}, {1, 0, 16}, {2, 0, 16}, {3, 0, 16}}, {1, 1, 1}, {}});
  p.inputs = {{"x", DType::F32, {4}, 0}};
  p.outputs = {{"y", DType::F32, {4}, 3}};
  p.state = {{"w", DType::F32, {4}, 2}};
  return p;
}

std::vector<float> runOnce(Session& s) {
  REQUIRE(s.setInput("x", Tensor::fromVector<float>({4}, {0, 0, 0, 0})).isOk());
  REQUIRE(s.run().isOk());
  auto y = s.output("y");
  REQUIRE(y.ok());
  return {y->values<float>().begin(), y->values<float>().end()};
}

ArtifactContents threeEntriesTwoTargets() {
  ArtifactContents a;
  a.producer = "ingot test";
  a.model = "shared.onnx";
  for (const char* entry : {"infer", "train_step", "eval_step"}) {
    EntryPoint e;
    e.name = entry;
    for (const char* backend : {"llvm", "opencl"}) e.targets.push_back({backend, makePlan(), "code"});
    a.entries.push_back(std::move(e));
  }
  return a;
}

Expected<ArtifactContents> roundTrip(const ArtifactContents& a) {
  INGOT_ASSIGN_OR_RETURN(std::string bytes, serializeArtifact(a));
  return parseArtifact(std::as_bytes(std::span(bytes.data(), bytes.size())), "shared.ingot");
}

}  // namespace

TEST_CASE("a loaded artifact's plans share each weight: one tensor for every entry point and target") {
  auto loaded = roundTrip(threeEntriesTwoTargets());
  REQUIRE(loaded.ok());
  const Plan& first = loaded->entries[0].targets[0].plan;
  REQUIRE(first.initialData.size() == 2);
  CHECK(first.initialData[0]->identical(Tensor::fromVector<float>({4}, {1, 2, 3, 4})));
  for (const EntryPoint& e : loaded->entries)
    for (const EntryCode& c : e.targets) {
      INFO(e.name << " for " << c.backend);
      REQUIRE(c.plan.initialData.size() == 2);
      CHECK(c.plan.initialData[0].sameAs(first.initialData[0]));
      CHECK(c.plan.initialData[1].sameAs(first.initialData[1]));
      CHECK(c.plan.initialData[0]->rawData() == first.initialData[0]->rawData());
    }
  CHECK_FALSE(first.initialData[0].sameAs(first.initialData[1]));
  // Copying a plan (as LoadedModel does for each session) shares too.
  const Plan copy = first;
  CHECK(copy.initialData[1].sameAs(first.initialData[1]));
  // And writing the loaded artifact back gives the same bytes.
  CHECK(*serializeArtifact(*loaded) == *serializeArtifact(threeEntriesTwoTargets()));
}

TEST_CASE("many references to one weight load as one copy of it") {
  // 20,000 references to one 128 KiB weight (the amplification that the
  // loader's old copy budget stopped): each reference shares the tensor, so
  // loading costs the weight once plus a pointer per reference.
  ArtifactContents a;
  a.producer = "ingot test";
  a.model = "many.onnx";
  Plan p;
  p.initialData.assign(20000, SharedTensor(Tensor(DType::F32, {32768})));
  a.entries.push_back({"infer", {{"llvm", p, "code"}}});
  auto loaded = roundTrip(a);
  REQUIRE(loaded.ok());
  const Plan& back = loaded->entries[0].targets[0].plan;
  REQUIRE(back.initialData.size() == 20000);
  CHECK(back.initialData.front().sameAs(back.initialData.back()));
}

TEST_CASE("on the host device a constant buffer views the plan's data and a state buffer is a copy") {
  auto seen = std::make_shared<SeenBindings>();
  HostDevice dev("test", "host", "test device");
  const Plan plan = makePlan();
  auto s1 = Session::create(dev, makeExecutable("test", seen), plan);
  auto s2 = Session::create(dev, makeExecutable("test", seen), plan);
  REQUIRE(s1.ok());
  REQUIRE(s2.ok());
  CHECK(runOnce(**s1) == std::vector<float>{11, 22, 33, 44});
  CHECK(runOnce(**s2) == std::vector<float>{11, 22, 33, 44});
  REQUIRE(seen->runs.size() == 2);
  const std::byte* constant = plan.initialData[0]->rawData();
  const std::byte* state = plan.initialData[1]->rawData();
  for (const auto& bindings : seen->runs) {
    CHECK(bindings[1] == constant);  // no copy: both sessions read the plan's bytes
    CHECK(bindings[2] != state);     // each session's own copy
  }
  CHECK(seen->runs[0][2] != seen->runs[1][2]);
  // State written in one session changes neither the plan nor the other session.
  REQUIRE((*s1)->setState("w", Tensor::fromVector<float>({4}, {0, 0, 0, 0})).isOk());
  CHECK(runOnce(**s1) == std::vector<float>{1, 2, 3, 4});
  CHECK(runOnce(**s2) == std::vector<float>{11, 22, 33, 44});
  CHECK(plan.initialData[1]->identical(Tensor::fromVector<float>({4}, {10, 20, 30, 40})));
}

TEST_CASE("with guard pages, constants are copied into guarded buffers, not viewed") {
  auto seen = std::make_shared<SeenBindings>();
  HostDevice dev("test", "host", "guarded test device", 1, GuardSide::After);
  const Plan plan = makePlan();
  auto s = Session::create(dev, makeExecutable("test", seen), plan);
  REQUIRE(s.ok());
  CHECK(runOnce(**s) == std::vector<float>{11, 22, 33, 44});
  REQUIRE(seen->runs.size() == 1);
  CHECK(seen->runs[0][1] != plan.initialData[0]->rawData());
  std::vector<std::byte> mine(16);
  CHECK(dev.viewHostMemory(mine.data(), mine.size()) == nullptr);
}

TEST_CASE("a loaded model's entry points read the same constant bytes and keep their own state") {
  auto seen = std::make_shared<SeenBindings>();
  auto artifact = roundTrip(threeEntriesTwoTargets());
  REQUIRE(artifact.ok());
  auto shared = std::make_shared<const ArtifactContents>(std::move(*artifact));
  HostDevice dev("llvm", "host", "test device");
  CodeLoaders loaders;
  loaders["llvm"] = [seen](std::string_view, const Plan&) -> Expected<std::shared_ptr<const Executable>> {
    return std::shared_ptr<const Executable>(makeExecutable("llvm", seen));
  };
  auto model = LoadedModel::create(shared, dev, loaders);
  REQUIRE(model.ok());
  for (const char* entry : {"infer", "train_step", "eval_step"}) {
    auto s = (*model)->session(entry);
    REQUIRE(s.ok());
    CHECK(runOnce(**s) == std::vector<float>{11, 22, 33, 44});
  }
  REQUIRE(seen->runs.size() == 3);
  const std::byte* constant = shared->entries[0].target("llvm")->plan.initialData[0]->rawData();
  for (const auto& bindings : seen->runs) CHECK(bindings[1] == constant);
  CHECK(seen->runs[0][2] != seen->runs[1][2]);
  CHECK(seen->runs[1][2] != seen->runs[2][2]);
}
