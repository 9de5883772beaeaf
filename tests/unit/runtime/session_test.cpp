// The runtime core on its own: a host executable with hand-written kernels,
// no compiler involved (the runtime must not need one).
#include <catch2/catch.hpp>

#include <cstring>

#include "runtime/HostDevice.h"
#include "runtime/Session.h"

using namespace ingot;
using namespace ingot::rt;

namespace {

// kernel 0: out[i] = 2 * in[i] (f32), kernel 1: out = in + state
std::shared_ptr<HostExecutable> makeExecutable() {
  HostKernel twice = [](const HostKernelArgs& a) {
    auto* in = reinterpret_cast<const float*>(a.bindings[0]);
    auto* out = reinterpret_cast<float*>(a.bindings[1]);
    for (uint64_t i = 0; i < a.bindingBytes[1] / 4; ++i) out[i] = 2 * in[i];
    return Status::ok();
  };
  HostKernel addState = [](const HostKernelArgs& a) {
    auto* in = reinterpret_cast<const float*>(a.bindings[0]);
    auto* st = reinterpret_cast<const float*>(a.bindings[1]);
    auto* out = reinterpret_cast<float*>(a.bindings[2]);
    for (uint64_t i = 0; i < a.bindingBytes[2] / 4; ++i) out[i] = in[i] + st[i];
    return Status::ok();
  };
  return std::make_shared<HostExecutable>("test", std::vector<std::string>{"twice", "add_state"},
                                          std::vector<HostKernel>{twice, addState});
}

Plan makePlan() {
  Plan p;
  p.buffers = {{"x", 12, BufferRole::Input, -1},
               {"t", 12, BufferRole::Temporary, -1},
               {"w", 12, BufferRole::State, 0},
               {"y", 12, BufferRole::Output, -1},
               {"x_copy", 12, BufferRole::Output, -1}};
  p.initialData.push_back(Tensor::fromVector<float>({3}, {10, 20, 30}));
  p.steps.push_back(DispatchStep{0, {{0, 0, 12}, {1, 0, 12}}, {1, 1, 1}, {}});
  p.steps.push_back(DispatchStep{1, {{1, 0, 12}, {2, 0, 12}, {3, 0, 12}}, {1, 1, 1}, {}});
  p.steps.push_back(CopyStep{0, 4, 0, 0, 12});
  p.inputs.push_back(TensorSlot{"x", DType::F32, {3}, 0});
  p.outputs.push_back(TensorSlot{"y", DType::F32, {3}, 3});
  p.outputs.push_back(TensorSlot{"x_copy", DType::F32, {3}, 4});
  return p;
}

}  // namespace

TEST_CASE("a session runs dispatches and copies in plan order") {
  HostDevice dev("test", "host", "test device");
  auto s = Session::create(dev, makeExecutable(), makePlan());
  REQUIRE(s.ok());
  REQUIRE((*s)->setInput("x", Tensor::fromVector<float>({3}, {1, 2, 3})).isOk());
  REQUIRE((*s)->run().isOk());
  auto y = (*s)->output("y");
  REQUIRE(y.ok());
  // y = 2x + w = {12, 24, 36}
  CHECK(std::vector<float>(y->values<float>().begin(), y->values<float>().end()) == std::vector<float>{12, 24, 36});
  auto xc = (*s)->output("x_copy");
  REQUIRE(xc.ok());
  CHECK(xc->values<float>()[2] == 3.0f);
}

TEST_CASE("session input errors name the input and expected vs got") {
  HostDevice dev("test", "host", "test device");
  auto s = Session::create(dev, makeExecutable(), makePlan());
  REQUIRE(s.ok());
  auto& session = **s;
  Status missing = session.run();
  CHECK_THAT(missing.message(), Catch::Contains("missing input 'x'"));
  Status dtype = session.setInput("x", Tensor::fromVector<double>({3}, {1, 2, 3}));
  CHECK_THAT(dtype.message(), Catch::Contains("'x'") && Catch::Contains("expected dtype f32, got f64"));
  Status shape = session.setInput("x", Tensor::fromVector<float>({4}, {1, 2, 3, 4}));
  CHECK_THAT(shape.message(), Catch::Contains("expected shape [3], got [4]"));
  Status name = session.setInput("z", Tensor::fromVector<float>({3}, {1, 2, 3}));
  CHECK_THAT(name.message(), Catch::Contains("'z' is not an input") && Catch::Contains("inputs: x"));
  CHECK_FALSE(session.output("nope").ok());
}

TEST_CASE("corrupt plans are rejected before anything runs") {
  HostDevice dev("test", "host", "test device");
  SECTION("kernel index") {
    Plan p = makePlan();
    std::get<DispatchStep>(p.steps[0]).kernel = 7;
    CHECK_THAT(Session::create(dev, makeExecutable(), p).status().message(), Catch::Contains("kernel 7"));
  }
  SECTION("binding") {
    Plan p = makePlan();
    std::get<DispatchStep>(p.steps[1]).bindings[2].buffer = 99;
    CHECK_THAT(Session::create(dev, makeExecutable(), p).status().message(), Catch::Contains("missing buffer 99"));
  }
  SECTION("binding range") {
    Plan p = makePlan();
    std::get<DispatchStep>(p.steps[1]).bindings[2].offset = 4;
    CHECK_THAT(Session::create(dev, makeExecutable(), p).status().message(),
               Catch::Contains("12 bytes at offset 4 overflows buffer 3"));
  }
  SECTION("copy bounds") {
    Plan p = makePlan();
    std::get<CopyStep>(p.steps[2]).bytes = 13;
    CHECK_THAT(Session::create(dev, makeExecutable(), p).status().message(), Catch::Contains("out of bounds"));
  }
  SECTION("copy into a constant") {
    // Sessions may view a constant's data in place of a copy: nothing may write it.
    Plan p = makePlan();
    p.buffers[4].role = BufferRole::Constant;
    CHECK_THAT(Session::create(dev, makeExecutable(), p).status().message(),
               Catch::Contains("copy into constant buffer 4 ('x_copy')"));
  }
  SECTION("initial data size") {
    Plan p = makePlan();
    p.buffers[2].bytes = 16;
    CHECK_THAT(Session::create(dev, makeExecutable(), p).status().message(), Catch::Contains("initial data"));
  }
  SECTION("wrong backend") {
    HostDevice other("other", "host", "");
    CHECK_THAT(Session::create(other, makeExecutable(), makePlan()).status().message(),
               Catch::Contains("cannot run code compiled for backend 'test'"));
  }
}

TEST_CASE("a failing kernel's status names the kernel") {
  HostKernel fail = [](const HostKernelArgs&) { return runtimeError("boom"); };
  auto exe = std::make_shared<HostExecutable>("test", std::vector<std::string>{"failing"}, std::vector<HostKernel>{fail});
  Plan p;
  p.buffers = {{"x", 4, BufferRole::Output, -1}};
  p.steps.push_back(DispatchStep{0, {{0, 0, 4}}, {1, 1, 1}, {}});
  p.outputs.push_back(TensorSlot{"x", DType::F32, {1}, 0});
  HostDevice dev("test", "host", "");
  auto s = Session::create(dev, exe, p);
  REQUIRE(s.ok());
  CHECK_THAT((*s)->run().message(), Catch::Contains("kernel 'failing': boom"));
}
