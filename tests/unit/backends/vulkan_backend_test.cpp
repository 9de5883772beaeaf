// The Vulkan backend on whatever Vulkan device is present (lavapipe in CI),
// with VK_LAYER_KHRONOS_validation enabled: every test fails on any
// validation message. Without a Vulkan device (or without the layer) the
// tests skip with a message. Graphs run on vulkan are compared with the
// graph-level reference interpreter on seeded random inputs: elementwise
// chains, broadcasts, reductions, softmax, GEMMs of edge sizes, integer and
// bool kernels; every dispatch's SPIR-V passes the validator (compileGlsl
// checks it); opaque ops are refused with Unsupported naming the op; the
// staging path (device-local memory) gives the same results.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstdlib>
#include <functional>
#include <random>

#include "tests/unit/backends/clike_test_graphs.h"
#include "backends/common/ProgramBuilder.h"
#include "backends/reference/ReferenceBackend.h"
#include "backends/vulkan/SpirvCompiler.h"
#include "backends/vulkan/VulkanBackend.h"
#include "ir/Interpreter.h"
#include "ir/TextParser.h"
#include "passes/TrainingStep.h"
#include "runtime/Session.h"

using namespace ingot;
namespace vk = ingot::backends::vulkan;

namespace {

// A validated device of its own for each check: devices are torn down
// before the process exits (a static one would outlive the validation
// layer's own globals at exit).
std::unique_ptr<rt::Device> vulkanDevice(bool staging = false) {
  vk::ProviderOptions o;
  o.validation = true;
  o.forceStaging = staging;
  auto d = vk::makeDeviceProvider(o)->enumerate();
  if (!d.ok() || d->empty()) {
    WARN("skipped: no Vulkan device with validation: " << (d.ok() ? "no device" : d.status().message()));
    return nullptr;
  }
  return std::move(d->front());
}

void checkNoValidationMessages(rt::Device& d) {
  auto m = vk::validationMessages(d);
  REQUIRE(m.ok());
  for (const std::string& s : *m) FAIL_CHECK("validation: " << s);
}

Tensor randomTensor(DType t, const Shape& shape, std::mt19937& rng) {
  Tensor out(t, shape);
  std::uniform_real_distribution<double> u(-3, 3);
  for (int64_t i = 0; i < out.numElements(); ++i) {
    double v = u(rng);
    if (isInteger(t)) v = std::round(v * 10);
    if (t == DType::Bool) v = v > 0;
    if (!isSigned(t) && isInteger(t)) v = std::fabs(v);
    visitDType(t, [&](auto tag) {
      using T = decltype(tag);
      if constexpr (std::is_arithmetic_v<T>) out.data<T>()[i] = static_cast<T>(v);
    });
  }
  return out;
}

using Inputs = std::map<std::string, Tensor, std::less<>>;

// Runs a text-IR graph on vulkan and on the reference interpreter with the
// same random inputs (changed by `adjust` where given); outputs must agree
// within `tol` (relative, or absolute below 1).
void checkGraph(const std::string& text, double tol = 1e-5, bool staging = false, int runs = 1,
                const std::function<void(Inputs&)>& adjust = {}, bool needsF64 = false) {
  std::unique_ptr<rt::Device> dev = vulkanDevice(staging);
  if (!dev) return;
  if (needsF64 && !dev->info().supportsF64) {
    WARN("skipped: the vulkan device has no f64");
    return;
  }
  auto g = ir::parseGraph(text);
  INFO(g.status().message());
  REQUIRE(g.ok());
  std::mt19937 rng(7);
  Inputs inputs;
  for (const ir::Value* in : (*g)->inputs()) inputs[in->name()] = randomTensor(in->dtype(), in->shape(), rng);
  if (adjust) adjust(inputs);
  auto want = ir::interpretGraph(**g, inputs);
  REQUIRE(want.ok());
  auto program = vk::compileGraph(**g);
  INFO(program.status().message());
  REQUIRE(program.ok());
  auto session = rt::Session::create(*dev, program->executable, program->plan);
  INFO(session.status().message());
  REQUIRE(session.ok());
  for (const auto& [name, t] : inputs) REQUIRE((*session)->setInput(name, t).isOk());
  for (int r = 0; r < runs; ++r) {  // replays of the recorded command buffer
    Status ran = (*session)->run();
    INFO(ran.message());
    REQUIRE(ran.isOk());
  }
  auto got = (*session)->outputs();
  REQUIRE(got.ok());
  REQUIRE(got->size() == want->size());
  for (size_t o = 0; o < want->size(); ++o) {
    const Tensor &a = (*want)[o], &b = (*got)[o];
    REQUIRE(a.dtype() == b.dtype());
    REQUIRE(a.shape() == b.shape());
    for (int64_t i = 0; i < a.numElements(); ++i) {
      const double x = a.elementAsDouble(i), y = b.elementAsDouble(i);
      INFO("output " << o << " element " << i << ": reference " << x << ", vulkan " << y);
      if (std::isnan(x)) CHECK(std::isnan(y));
      else CHECK(std::fabs(x - y) <= tol * std::max(1.0, std::fabs(x)));
    }
  }
  checkNoValidationMessages(*dev);
}

}  // namespace

TEST_CASE("vulkan: elementwise chains and broadcasts match the reference") {
  checkGraph(R"(graph @ew {
  input %a : f32[3,50]
  input %b : f32[50]
  %s = Add(%a, %b) : f32[3,50]
  %m = Mul(%s, %a) : f32[3,50]
  %t = Tanh(%m) : f32[3,50]
  %e = Exp(%b) : f32[50]
  %d = Div(%t, %e) : f32[3,50]
  %r = Relu(%d) : f32[3,50]
  %q = Sqrt(%e) : f32[50]
  %y = Sub(%r, %q) : f32[3,50]
  output %y
})",
             1e-5);
  checkGraph(R"(graph @more {
  input %a : f32[4,1,6]
  input %b : f32[5,1]
  %mx = Max(%a, %b) : f32[4,5,6]
  %mn = Min(%a, %b) : f32[4,5,6]
  %p = Pow(%mx, %mn) : f32[4,5,6]
  %f = Floor(%mn) : f32[4,5,6]
  %g = Erf(%a) : f32[4,1,6]
  %s = Sigmoid(%p) : f32[4,5,6]
  %y = Add(%s, %g) : f32[4,5,6]
  output %y, %f
})",
             1e-4);
}

TEST_CASE("vulkan: integer, bool and cast kernels match the reference exactly") {
  checkGraph(R"(graph @ints {
  input %a : i32[40]
  input %b : i32[40]
  %d = Div(%a, %b) : i32[40]
  %r = Mod(%a, %b) {fmod = 0} : i32[40]
  %lt = Less(%a, %b) : bool[40]
  %w = Where(%lt, %d, %r) : i32[40]
  %n = Not(%lt) : bool[40]
  %c = Cast(%w) {to = "f32"} : f32[40]
  %i = Cast(%c) {to = "i64"} : i64[40]
  output %w, %n, %i
})",
             0);
  checkGraph(R"(graph @small {
  input %a : u8[30]
  input %b : i16[30]
  %c = Cast(%a) {to = "i16"} : i16[30]
  %s = Add(%c, %b) : i16[30]
  %f = Cast(%s) {to = "f32"} : f32[30]
  %y = Cast(%f) {to = "i8"} : i8[30]
  output %s, %y
})",
             0);
}

// The i64 values of clike_test_graphs.h stay 64-bit where index arithmetic is 32-bit.
TEST_CASE("vulkan: i64 values used as indices and i64 arithmetic match the reference exactly") {
  checkGraph(clike_test::kI64IndexGraph, 0);
}

TEST_CASE("vulkan: reductions and softmax match the reference") {
  checkGraph(R"(graph @red {
  input %x : f32[6,37]
  %s = ReduceSum(%x) {axes = [1], keepdims = 0} : f32[6]
  %m = ReduceMax(%x) {axes = [0], keepdims = 1} : f32[1,37]
  %y = Softmax(%x) {axis = 1} : f32[6,37]
  %l = LogSoftmax(%x) {axis = 0} : f32[6,37]
  output %s, %m, %y, %l
})",
             1e-5);
}

// The work-group reduction form (clike::Emitter::groupReductionLanes): one
// workgroup per output, lanes splitting the reduction, a tree in shared
// memory. Opt-in (INGOT_VULKAN_GROUP_REDUCTIONS=1, GlslShader.h says why);
// with it the shaders use it (so these tests cannot pass by falling back),
// without it they do not.
TEST_CASE("vulkan: reductions of few outputs run in workgroups with a tree in shared memory") {
  std::optional<clike_test::ScopedEnv> on(std::in_place, "INGOT_VULKAN_GROUP_REDUCTIONS", "1");
  auto shaders = [](const char* text) {
    auto g = ir::parseGraph(text);
    REQUIRE(g.ok());
    auto s = vk::emitShaders(**g, vk::ShaderKind::Glsl);
    INFO(s.status().message());
    REQUIRE(s.ok());
    return *s;
  };
  const std::string src = shaders(clike_test::kGroupReductionGraph);
  CHECK_THAT(src, Catch::Contains("shared float ig_red0[64];") && Catch::Contains("shared float ig_red0[256];"));
  CHECK_THAT(src, Catch::Contains("256 invocations in workgroups of 256\n"));  // 100000 elements, one output
  CHECK_THAT(src, Catch::Contains("512 invocations in workgroups of 256\n") && Catch::Contains("shared float ig_red1[256];"));
  CHECK_THAT(src, Catch::Contains("+= lanes) {"));
  // A reduced extent of 1 and a short reduction keep one invocation per output.
  CHECK_THAT(src, Catch::Contains("700 invocations in workgroups of 64") && Catch::Contains("300 invocations in workgroups of 64"));
  const std::string ints = shaders(clike_test::kGroupReductionIntGraph);
  CHECK_THAT(ints, Catch::Contains("shared int ig_red0[256];") && Catch::Contains("shared uint ig_red0[64];"));
  // No 64-bit integer crosses a barrier: the i64 sum keeps the point form.
  CHECK_THAT(ints, Catch::Contains("(-> %ws)): 1 invocations in workgroups of 64\n") && !Catch::Contains("shared int64_t"));
  on.reset();
  const std::string off = shaders(clike_test::kGroupReductionGraph);
  CHECK_THAT(off, !Catch::Contains("shared"));
}

TEST_CASE("vulkan: reductions in the work-group form match the reference, with NaNs, integers and doubles") {
  const clike_test::ScopedEnv on("INGOT_VULKAN_GROUP_REDUCTIONS", "1");
  checkGraph(clike_test::kGroupReductionGraph, 1e-5);
  checkGraph(clike_test::kGroupReductionNanGraph, 1e-6, false, 1, [](Inputs& in) {
    for (int64_t i : clike_test::kNanAt) in["n"].data<float>()[i] = NAN;
  });
  checkGraph(clike_test::kGroupReductionIntGraph, 0);
  checkGraph(clike_test::kGroupReductionF64Graph, 1e-12, false, 1, {}, /*needsF64=*/true);
}

TEST_CASE("vulkan: GEMMs of edge sizes (1, odd, batched, transposed) match the reference") {
  // Outputs of at least 8 x 8 run in the shared-memory tiled form; 272 x 256
  // and 16 x 4096 are sizes lavapipe miscomputed with 64-bit indices
  // (GlslShader.h).
  for (auto [m, k, n] : {std::tuple{1, 1, 1}, {1, 7, 3}, {3, 5, 7}, {17, 33, 65}, {64, 64, 64}, {5, 130, 2},
                         {272, 64, 256}, {16, 64, 4096}}) {
    INFO(m << "x" << k << "x" << n);
    checkGraph(fmt::format(R"(graph @mm {{
  input %a : f32[{0},{1}]
  input %b : f32[{1},{2}]
  input %c : f32[{2}]
  %y = Gemm(%a, %b, %c) : f32[{0},{2}]
  %r = Relu(%y) : f32[{0},{2}]
  output %r
}})",
                           m, k, n),
               1e-4);
  }
  checkGraph(R"(graph @bmm {
  input %a : f32[2,3,4,5]
  input %b : f32[3,5,6]
  %y = MatMul(%a, %b) : f32[2,3,4,6]
  output %y
})",
             1e-4);
  checkGraph(R"(graph @gemmt {
  input %a : f32[9,4]
  input %b : f32[11,9]
  %y = Gemm(%a, %b) {transA = 1, transB = 1} : f32[4,11]
  output %y
})",
             1e-4);
}

TEST_CASE("vulkan: the staging path (device-local buffers) and replays give the same results") {
  const std::string mlp = R"(graph @mlp {
  input %x : f32[4,20]
  input %w : f32[20,8]
  input %b : f32[8]
  %h = Gemm(%x, %w, %b) : f32[4,8]
  %r = Relu(%h) : f32[4,8]
  %y = Softmax(%r) {axis = 1} : f32[4,8]
  output %y, %h
})";
  checkGraph(mlp, 1e-5, /*staging=*/true, /*runs=*/3);
  checkGraph(mlp, 1e-5, false, 3);
}

TEST_CASE("vulkan: an opaque op is Unsupported and names the op, and the SPIR-V of every dispatch validates") {
  auto g = ir::parseGraph(R"(graph @cs {
  input %x : f32[2,5]
  %y = CumSum(%x) {axis = 1} : f32[2,5]
  %z = Relu(%y) : f32[2,5]
  output %z
})");
  INFO(g.status().message());
  REQUIRE(g.ok());
  auto p = vk::compileGraph(**g);
  REQUIRE(!p.ok());
  CHECK(p.status().kind() == ErrorKind::Unsupported);
  CHECK_THAT(p.status().message(), Catch::Contains("CumSum"));

  auto mlp = ir::parseGraph(R"(graph @m {
  input %x : f32[3,10]
  input %w : f32[10,4]
  %h = MatMul(%x, %w) : f32[3,4]
  %t = Tanh(%h) : f32[3,4]
  %y = Softmax(%t) {axis = 1} : f32[3,4]
  output %y
})");
  REQUIRE(mlp.ok());
  auto lp = backends::compileToDispatches(**mlp);
  REQUIRE(lp.ok());
  for (const auto& ld : lp->lowered.dispatches) {
    auto k = vk::compileDispatch(ld.dispatch);
    INFO(k.status().message());
    REQUIRE(k.ok());
    CHECK(vk::validateSpirv(k->spirv).empty());
    CHECK_THAT(vk::disassembleSpirv(k->spirv), Catch::Contains("OpEntryPoint GLCompute"));
  }
}

// Cross-entropy and Adam need ops without a loop-level form (NLL loss,
// ArgMax, OneHot) and f64 pow, which the vulkan backend does not run yet; an
// MSE regression with SGD and momentum runs entirely on the device.
TEST_CASE("vulkan: 10 SGD training steps of an MSE regression MLP match the reference backend") {
  std::unique_ptr<rt::Device> dev = vulkanDevice();
  if (!dev) return;
  auto model = ir::parseGraph(R"(graph @mlp {
  input %x : f32[16,8]
  param %w1 : f32[6,8] = [0.1, -0.2, 0.3, 0.05, -0.1, 0.2, 0.15, -0.3, 0.2, 0.1, -0.05, 0.3, -0.2, 0.1, 0.25, -0.15, -0.3, 0.2, 0.1, -0.1, 0.05, 0.3, -0.25, 0.1, 0.2, -0.1, 0.15, -0.2, 0.3, 0.05, -0.05, 0.1, 0.1, 0.3, -0.2, 0.2, -0.1, 0.15, 0.05, -0.3, -0.15, 0.05, 0.2, -0.3, 0.1, 0.2, -0.2, 0.1]
  param %b1 : f32[6] = [0.01, -0.02, 0.03, 0, 0.01, -0.01]
  param %w2 : f32[1,6] = [0.2, -0.1, 0.3, 0.1, -0.2, 0.05]
  param %b2 : f32[1] = [0.1]
  %h = Gemm(%x, %w1, %b1) {transB = 1} : f32[16,6]
  %r = Relu(%h) : f32[16,6]
  %z = Gemm(%r, %w2, %b2) {transB = 1} : f32[16,1]
  %y = Sigmoid(%z) : f32[16,1]
  output %y
})");
  INFO(model.status().message());
  REQUIRE(model.ok());
  passes::TrainingOptions training;
  training.loss = passes::LossKind::MeanSquaredError;
  training.optimizer.kind = passes::OptimizerKind::Sgd;
  training.optimizer.lr = 0.5;
  training.optimizer.momentum = 0.9;
  auto step = passes::buildTrainingStep(**model, training);
  INFO(step.status().message());
  REQUIRE(step.ok());
  auto ref = backends::reference::compileGraph(*step->graph);
  auto vkp = vk::compileGraph(*step->graph);
  INFO(vkp.status().message());
  REQUIRE(ref.ok());
  REQUIRE(vkp.ok());
  auto host = backends::reference::makeDeviceProvider()->enumerate();
  REQUIRE(host.ok());
  auto rs = rt::Session::create(*host->front(), ref->executable, ref->plan);
  auto vs = rt::Session::create(*dev, vkp->executable, vkp->plan);
  INFO(vs.status().message());
  REQUIRE(rs.ok());
  REQUIRE(vs.ok());
  std::mt19937 rng(3);
  for (int k = 0; k < 10; ++k) {
    Tensor x = randomTensor(DType::F32, {16, 8}, rng);
    Tensor labels(DType::F32, {16, 1});
    for (int i = 0; i < 16; ++i) labels.data<float>()[i] = static_cast<float>(rng() % 2);
    for (rt::Session* s : {rs->get(), vs->get()}) {
      REQUIRE(s->setInput(step->input, x).isOk());
      REQUIRE(s->setInput(step->labels, labels).isOk());
      Status ran = s->run();
      INFO(ran.message());
      REQUIRE(ran.isOk());
    }
    CHECK((*vs)->output(step->loss)->elementAsDouble(0) ==
          Approx((*rs)->output(step->loss)->elementAsDouble(0)).epsilon(1e-4));
  }
  bool moved = false;
  for (const std::string& name : step->state) {
    auto a = (*rs)->state(name), b = (*vs)->state(name);
    REQUIRE(a.ok());
    REQUIRE(b.ok());
    for (int64_t i = 0; i < a->numElements(); ++i) {
      INFO(name << "[" << i << "]");
      CHECK(b->elementAsDouble(i) == Approx(a->elementAsDouble(i)).epsilon(1e-3).margin(1e-5));
    }
    if (name == "w1") moved = std::fabs(b->elementAsDouble(0) - 0.1) > 1e-3;
  }
  CHECK(moved);  // training changed the weights
  checkNoValidationMessages(*dev);
}
