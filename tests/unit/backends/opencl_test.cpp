// The OpenCL backend: the OpenCL C it generates (no device needed), and runs
// on whatever OpenCL device is present (PoCL in CI) compared with the
// graph-level reference interpreter on seeded random inputs: elementwise
// chains, integer, bool and f64 kernels, reductions, GEMMs of edge sizes, a
// training step; replays and a second session over one executable (kernel
// arguments are reset when bindings change); a kernel that does not build
// (a Status with the build log and the dispatch); the on-disk binary cache
// (used on a second device, ignored when corrupt). Without an OpenCL device
// the device tests skip with a message.
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <functional>
#include <fstream>
#include <optional>
#include <random>

#include "tests/unit/backends/clike_test_graphs.h"
#include "backends/common/ProgramBuilder.h"
#include "backends/opencl/OpenClBackend.h"
#include "backends/reference/ReferenceBackend.h"
#include "ir/Interpreter.h"
#include "ir/TextParser.h"
#include "passes/TrainingStep.h"
#include "runtime/Session.h"
#include "tests/unit/tools/temp_dir.h"

using namespace ingot;
namespace cl = ingot::backends::opencl;

namespace {

// The first OpenCL device, or null (and a warning) without one. Binaries are
// cached in `cacheDir`, by default where the CLI caches them (PoCL builds
// slowly: a second run of the tests reuses the binaries).
std::unique_ptr<rt::Device> openclDevice(std::optional<std::string> cacheDir = std::nullopt) {
  cl::ProviderOptions o;
  o.cacheDir = cacheDir;
  auto d = cl::makeDeviceProvider(o)->enumerate();
  if (!d.ok() || d->empty()) {
    WARN("skipped: no OpenCL device: " << (d.ok() ? "no device" : d.status().message()));
    return nullptr;
  }
  return std::move(d->front());
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

void setElement(Tensor& t, int64_t i, double v) {
  visitDType(t.dtype(), [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_arithmetic_v<T>) t.data<T>()[i] = static_cast<T>(v);
  });
}

std::unique_ptr<ir::Graph> parse(const std::string& text) {
  auto g = ir::parseGraph(text);
  INFO(g.status().message());
  REQUIRE(g.ok());
  return std::move(*g);
}

void compareOutputs(const std::vector<Tensor>& want, const std::vector<Tensor>& got, double tol) {
  REQUIRE(got.size() == want.size());
  for (size_t o = 0; o < want.size(); ++o) {
    const Tensor &a = want[o], &b = got[o];
    REQUIRE(a.dtype() == b.dtype());
    REQUIRE(a.shape() == b.shape());
    for (int64_t i = 0; i < a.numElements(); ++i) {
      const double x = a.elementAsDouble(i), y = b.elementAsDouble(i);
      INFO("output " << o << " element " << i << ": reference " << x << ", opencl " << y);
      if (std::isnan(x)) CHECK(std::isnan(y));
      else CHECK(std::fabs(x - y) <= tol * std::max(1.0, std::fabs(x)));
    }
  }
}

using Inputs = std::map<std::string, Tensor, std::less<>>;

// Runs a text-IR graph on opencl and on the reference interpreter with the
// same random inputs (changed by `adjust` where given); outputs must agree
// within `tol` (relative, or absolute below 1), on every one of `runs` runs.
// `executable` may replace the compiled executable (same plan).
void checkGraph(rt::Device& dev, const std::string& text, double tol, int runs = 1, const cl::ClOptions& options = {},
                const std::function<void(Inputs&)>& adjust = {},
                const std::function<std::shared_ptr<rt::Executable>(const rt::Executable&)>& executable = {}) {
  auto g = parse(text);
  std::mt19937 rng(7);
  Inputs inputs;
  for (const ir::Value* in : g->inputs()) inputs[in->name()] = randomTensor(in->dtype(), in->shape(), rng);
  if (adjust) adjust(inputs);
  auto want = ir::interpretGraph(*g, inputs);
  REQUIRE(want.ok());
  auto program = cl::compileGraph(*g, options);
  INFO(program.status().message());
  REQUIRE(program.ok());
  if (executable) program->executable = executable(*program->executable);
  auto session = rt::Session::create(dev, program->executable, program->plan);
  INFO(session.status().message());
  REQUIRE(session.ok());
  for (const auto& [name, t] : inputs) REQUIRE((*session)->setInput(name, t).isOk());
  for (int r = 0; r < runs; ++r) {
    Status ran = (*session)->run();
    INFO(ran.message());
    REQUIRE(ran.isOk());
    auto got = (*session)->outputs();
    REQUIRE(got.ok());
    compareOutputs(*want, *got, tol);
  }
}

std::string sourcesOf(const std::string& text) {
  auto g = parse(text);
  auto s = cl::emitSources(*g);
  INFO(s.status().message());
  REQUIRE(s.ok());
  return *s;
}

}  // namespace

TEST_CASE("opencl: generated OpenCL C has the kernel ABI, and fp64 only where doubles are used") {
  const std::string f32 = sourcesOf(R"(graph @m {
  input %x : f32[3,10]
  input %w : f32[10,4]
  input %b : f32[4]
  %h = Gemm(%x, %w, %b) : f32[3,4]
  %r = Relu(%h) : f32[3,4]
  output %r
})");
  CHECK_THAT(f32, Catch::Contains("__kernel void ig_d0_dense(__global const float* b0_base, long o0, "));
  CHECK_THAT(f32, Catch::Contains("__global float* b3 = b3_base + o3;"));
  // Indices that fit in int32 are computed as int (clike::Emitter).
  CHECK_THAT(f32, Catch::Contains("int gid = ((int)(get_global_id(0)));"));
  CHECK_THAT(f32, Catch::Contains("if (gid >= 12) return;"));
  CHECK_THAT(f32, Catch::Contains("for (int k = 0; k < 10; ++k) {"));
  CHECK_THAT(f32, !Catch::Contains("cl_khr_fp64"));
  // Outputs of at least 8 x 8: local-memory tiles, in work-groups of exactly 16 x 16.
  const std::string tiled = sourcesOf(R"(graph @t {
  input %x : f32[20,30]
  input %w : f32[30,10]
  %h = MatMul(%x, %w) : f32[20,10]
  output %h
})");
  CHECK_THAT(tiled, Catch::Contains("__local float ta[16][17];") && Catch::Contains("barrier(CLK_LOCAL_MEM_FENCE);"));
  CHECK_THAT(tiled, Catch::Contains("int wg = ((int)(get_group_id(0)));"));
  CHECK_THAT(tiled, Catch::Contains("512 work-items in work-groups of 256\n"));
  const std::string f64 = sourcesOf(R"(graph @d {
  input %x : f64[5]
  %e = Exp(%x) : f64[5]
  %t = Tanh(%e) : f64[5]
  output %t
})");
  CHECK_THAT(f64, Catch::StartsWith("// dispatch") && Catch::Contains("#pragma OPENCL EXTENSION cl_khr_fp64 : enable\n"));
  CHECK_THAT(f64, Catch::Contains("__global const double*") && Catch::Contains("tanh(") && Catch::Contains("exp("));
  const std::string boolInt = sourcesOf(R"(graph @b {
  input %a : i32[4]
  input %b : i32[4]
  %l = Less(%a, %b) : bool[4]
  output %l
})");
  CHECK_THAT(boolInt, Catch::Contains("__global uchar* b2"));
  CHECK_THAT(boolInt, Catch::Contains("(uchar)(("));
}

TEST_CASE("opencl: an opaque op is Unsupported and names the op") {
  auto g = parse(R"(graph @cs {
  input %x : f32[2,5]
  %y = CumSum(%x) {axis = 1} : f32[2,5]
  %z = Relu(%y) : f32[2,5]
  output %z
})");
  auto p = cl::compileGraph(*g);
  REQUIRE(!p.ok());
  CHECK(p.status().kind() == ErrorKind::Unsupported);
  CHECK_THAT(p.status().message(), Catch::Contains("CumSum") && Catch::Contains("opencl"));
  auto listing = cl::emitSources(*g);
  REQUIRE(listing.ok());
  CHECK_THAT(*listing, Catch::Contains("not supported on opencl"));
}

TEST_CASE("opencl: elementwise, integer, bool, cast and f64 kernels match the reference") {
  auto dev = openclDevice();
  if (!dev) return;
  checkGraph(*dev, R"(graph @ew {
  input %a : f32[4,1,6]
  input %b : f32[5,1]
  %mx = Max(%a, %b) : f32[4,5,6]
  %mn = Min(%a, %b) : f32[4,5,6]
  %p = Pow(%mx, %mn) : f32[4,5,6]
  %f = Floor(%mn) : f32[4,5,6]
  %g = Erf(%a) : f32[4,1,6]
  %s = Sigmoid(%p) : f32[4,5,6]
  %t = Tanh(%s) : f32[4,5,6]
  %y = Add(%t, %g) : f32[4,5,6]
  output %y, %f
})",
             1e-5);
  checkGraph(*dev, R"(graph @ints {
  input %a : i32[70]
  input %b : i32[70]
  %d = Div(%a, %b) : i32[70]
  %r = Mod(%a, %b) {fmod = 0} : i32[70]
  %lt = Less(%a, %b) : bool[70]
  %w = Where(%lt, %d, %r) : i32[70]
  %n = Not(%lt) : bool[70]
  %c = Cast(%w) {to = "f32"} : f32[70]
  %i = Cast(%c) {to = "i64"} : i64[70]
  output %w, %n, %i
})",
             0);
  checkGraph(*dev, R"(graph @small {
  input %a : u8[30]
  input %b : i16[30]
  %c = Cast(%a) {to = "i16"} : i16[30]
  %s = Add(%c, %b) : i16[30]
  %f = Cast(%s) {to = "f32"} : f32[30]
  %y = Cast(%f) {to = "i8"} : i8[30]
  output %s, %y
})",
             0);
  if (dev->info().supportsF64)
    checkGraph(*dev, R"(graph @f64 {
  input %a : f64[3,17]
  input %b : f64[17]
  %e = Exp(%a) : f64[3,17]
  %l = Log(%e) : f64[3,17]
  %p = Pow(%e, %b) : f64[3,17]
  %s = Softmax(%a) {axis = 1} : f64[3,17]
  %y = Add(%l, %s) : f64[3,17]
  output %y, %p
})",
               1e-12);
}

// The i64 values of clike_test_graphs.h stay 64-bit where index arithmetic is 32-bit.
TEST_CASE("opencl: i64 values used as indices and i64 arithmetic match the reference exactly") {
  auto dev = openclDevice();
  if (!dev) return;
  checkGraph(*dev, clike_test::kI64IndexGraph, 0);
}

TEST_CASE("opencl: reductions and softmax match the reference") {
  auto dev = openclDevice();
  if (!dev) return;
  checkGraph(*dev, R"(graph @red {
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
// work-group per output, lanes splitting the reduction, a tree in local
// memory. Opt-in (ClOptions::groupReductions or
// INGOT_OPENCL_GROUP_REDUCTIONS=1; OpenClSource.h says why); with it the
// sources use it (so these tests cannot pass by falling back), without it
// they do not.
TEST_CASE("opencl: reductions of few outputs run in work-groups with a tree in local memory") {
  std::optional<clike_test::ScopedEnv> on(std::in_place, "INGOT_OPENCL_GROUP_REDUCTIONS", "1");
  const std::string src = sourcesOf(clike_test::kGroupReductionGraph);
  CHECK_THAT(src, Catch::Contains("__local float ig_red0[64];") && Catch::Contains("__local float ig_red0[256];"));
  CHECK_THAT(src, Catch::Contains("int lanes = (int)get_local_size(0);"));
  // 100000 elements into one output: one work-group of 256.
  CHECK_THAT(src, Catch::Contains("256 work-items in work-groups of 256 (or the device's limit)\n"));
  // Softmax: the max and the sum in the tree, the stores split over the lanes.
  CHECK_THAT(src, Catch::Contains("512 work-items in work-groups of 256") && Catch::Contains("__local float ig_red1[256];"));
  CHECK_THAT(src, Catch::Contains("+= lanes) {"));
  // A reduced extent of 1 and a short reduction keep one work-item per output.
  CHECK_THAT(src, Catch::Contains("700 work-items in work-groups of 64") && Catch::Contains("300 work-items in work-groups of 64"));
  const std::string ints = sourcesOf(clike_test::kGroupReductionIntGraph);
  CHECK_THAT(ints, Catch::Contains("__local int ig_red0[256];") && Catch::Contains("__local long ig_red0[128];"));
  CHECK_THAT(ints, Catch::Contains("__local uint ig_red0[64];"));  // u8 widened

  on.reset();
  auto g = parse(clike_test::kGroupReductionGraph);
  auto lp = backends::compileToDispatches(*g);
  REQUIRE(lp.ok());
  cl::ClOptions opted;
  opted.groupReductions = true;
  bool used = false;
  for (const auto& ld : lp->lowered.dispatches) {
    auto byDefault = cl::generateOpenCl(ld.dispatch, {});
    REQUIRE(byDefault.ok());
    CHECK_THAT(byDefault->source, !Catch::Contains("__local"));
    auto c = cl::generateOpenCl(ld.dispatch, opted);
    REQUIRE(c.ok());
    used = used || c->source.find("__local") != std::string::npos;
  }
  CHECK(used);  // the option alone turns it on
}

TEST_CASE("opencl: reductions in the work-group form match the reference, with NaNs, integers and doubles") {
  const clike_test::ScopedEnv on("INGOT_OPENCL_GROUP_REDUCTIONS", "1");
  auto dev = openclDevice();
  if (!dev) return;
  checkGraph(*dev, clike_test::kGroupReductionGraph, 1e-5);
  checkGraph(*dev, clike_test::kGroupReductionNanGraph, 1e-6, 1, {}, [](Inputs& in) {
    for (int64_t i : clike_test::kNanAt) in["n"].data<float>()[i] = NAN;
  });
  checkGraph(*dev, clike_test::kGroupReductionIntGraph, 0);
  if (dev->info().supportsF64) checkGraph(*dev, clike_test::kGroupReductionF64Graph, 1e-12);
}

// The kernels read their work-group's size: a device that runs smaller
// work-groups (48, not a power of two, or 1) gets the same results. (With
// one work-item per group the 100000-element sum is one serial f32 loop, as
// in the point form, which is ~1e-5 off the reference's double sum: hence
// 1e-4 here.)
TEST_CASE("opencl: work-group reductions give the same results in smaller work-groups") {
  const clike_test::ScopedEnv on("INGOT_OPENCL_GROUP_REDUCTIONS", "1");
  auto dev = openclDevice();
  if (!dev) return;
  for (uint32_t size : {48u, 1u}) {
    INFO("work-groups of " << size);
    checkGraph(*dev, clike_test::kGroupReductionGraph, 1e-4, 1, {}, {}, [&](const rt::Executable& e) {
      std::vector<cl::OpenClKernel> kernels = dynamic_cast<const cl::OpenClExecutable&>(e).kernels();
      for (cl::OpenClKernel& k : kernels)
        if (k.source.find("ig_red0") != std::string::npos) k.localSize = size;
      return std::make_shared<cl::OpenClExecutable>(std::move(kernels));
    });
  }
}

// Both contraction forms: the loop per output element, and local-memory
// tiles (taken for float outputs of at least 8 x 8), on sizes around the tile.
TEST_CASE("opencl: GEMMs of edge sizes, batched and transposed, match the reference in both forms") {
  auto dev = openclDevice();
  if (!dev) return;
  for (bool tiled : {false, true}) {
    cl::ClOptions options;
    options.tiledContractions = tiled;
    INFO((tiled ? "tiled" : "loop"));
    for (auto [m, k, n] : {std::tuple{1, 1, 1}, {1, 7, 3}, {8, 1, 8}, {16, 16, 16}, {17, 33, 65}, {64, 64, 64},
                           {5, 130, 2}, {31, 100, 9}}) {
      INFO(m << "x" << k << "x" << n);
      checkGraph(*dev, fmt::format(R"(graph @mm {{
  input %a : f32[{0},{1}]
  input %b : f32[{1},{2}]
  input %c : f32[{2}]
  %y = Gemm(%a, %b, %c) : f32[{0},{2}]
  %r = Relu(%y) : f32[{0},{2}]
  output %r
}})",
                                   m, k, n),
                 1e-4, 1, options);
    }
    checkGraph(*dev, R"(graph @bmm {
  input %a : f32[2,3,20,5]
  input %b : f32[3,5,24]
  %y = MatMul(%a, %b) : f32[2,3,20,24]
  output %y
})",
               1e-4, 1, options);
    checkGraph(*dev, R"(graph @gemmt {
  input %a : f32[9,40]
  input %b : f32[11,9]
  %y = Gemm(%a, %b) {transA = 1, transB = 1} : f32[40,11]
  %s = Sigmoid(%y) : f32[40,11]
  output %s
})",
               1e-4, 1, options);
    if (dev->info().supportsF64)
      checkGraph(*dev, R"(graph @dmm {
  input %a : f64[19,23]
  input %b : f64[23,18]
  %y = MatMul(%a, %b) : f64[19,18]
  output %y
})",
                 1e-12, 1, options);
    checkGraph(*dev, R"(graph @imm {
  input %a : i32[12,7]
  input %b : i32[7,10]
  %y = MatMul(%a, %b) : i32[12,10]
  output %y
})",
               0, 1, options);
  }
}

TEST_CASE("opencl: replays, and a second session over the same executable, give the same results") {
  auto dev = openclDevice();
  if (!dev) return;
  auto g = parse(R"(graph @mlp {
  input %x : f32[4,20]
  input %w : f32[20,8]
  input %b : f32[8]
  %h = Gemm(%x, %w, %b) : f32[4,8]
  %r = Relu(%h) : f32[4,8]
  %y = Softmax(%r) {axis = 1} : f32[4,8]
  output %y, %h
})");
  auto program = cl::compileGraph(*g);
  REQUIRE(program.ok());
  std::mt19937 rng(11);
  std::vector<std::unique_ptr<rt::Session>> sessions;
  std::vector<std::map<std::string, Tensor, std::less<>>> inputs(2);
  for (int s = 0; s < 2; ++s) {
    auto session = rt::Session::create(*dev, program->executable, program->plan);
    REQUIRE(session.ok());
    for (const ir::Value* in : g->inputs()) {
      inputs[s][in->name()] = randomTensor(in->dtype(), in->shape(), rng);
      REQUIRE((*session)->setInput(in->name(), inputs[s][in->name()]).isOk());
    }
    sessions.push_back(std::move(*session));
  }
  // Alternating runs: each switches the kernels' arguments to its buffers.
  for (int r = 0; r < 4; ++r) {
    const int s = r % 2;
    Status ran = sessions[s]->run();
    INFO(ran.message());
    REQUIRE(ran.isOk());
    auto want = ir::interpretGraph(*g, inputs[s]);
    REQUIRE(want.ok());
    auto got = sessions[s]->outputs();
    REQUIRE(got.ok());
    compareOutputs(*want, *got, 1e-5);
  }
}

TEST_CASE("opencl: a kernel that does not build is a Status with the build log and the dispatch") {
  auto dev = openclDevice();
  if (!dev) return;
  cl::OpenClKernel k;
  k.name = "d0_broken";
  k.entry = "ig_d0_broken";
  k.source = "__kernel void ig_d0_broken(__global float* b0_base, long o0) { b0_base[0] = undeclared_thing; }\n";
  k.bindingBytes = {4};
  k.elementBytes = {4};
  k.writes = {true};
  k.invocations = 1;
  auto exe = std::make_shared<cl::OpenClExecutable>(std::vector<cl::OpenClKernel>{k});
  rt::Plan plan;
  plan.buffers.push_back(rt::PlanBuffer{"y", 4, rt::BufferRole::Output, -1});
  plan.steps.push_back(rt::DispatchStep{0, {rt::BufferRange{0, 0, 4}}, {1, 1, 1}, {}});
  auto buffer = dev->allocate(4);
  REQUIRE(buffer.ok());
  rt::Buffer* buffers[] = {buffer->get()};
  Status s = dev->execute(*exe, plan, buffers);
  REQUIRE(!s.isOk());
  CHECK(s.kind() == ErrorKind::Unsupported);
  CHECK_THAT(s.message(), Catch::Contains("d0_broken") && Catch::Contains("build log") &&
                              Catch::Contains("undeclared_thing"));
  // A binding that is not at a whole element is refused before anything runs.
  k.source = "__kernel void ig_d0_broken(__global float* b0_base, long o0) { b0_base[o0] = 1.0f; }\n";
  auto exe2 = std::make_shared<cl::OpenClExecutable>(std::vector<cl::OpenClKernel>{k});
  auto big = dev->allocate(8);
  REQUIRE(big.ok());
  plan.buffers[0].bytes = 8;
  plan.steps[0] = rt::DispatchStep{0, {rt::BufferRange{0, 2, 4}}, {1, 1, 1}, {}};
  rt::Buffer* bigBuffers[] = {big->get()};
  Status misaligned = dev->execute(*exe2, plan, bigBuffers);
  CHECK(misaligned.kind() == ErrorKind::InvalidInput);
  CHECK_THAT(misaligned.message(), Catch::Contains("not a whole element"));
  plan.steps[0] = rt::DispatchStep{0, {rt::BufferRange{0, 4, 4}}, {1, 1, 1}, {}};
  REQUIRE(dev->execute(*exe2, plan, bigBuffers).isOk());
  float got[2] = {0, 0};
  REQUIRE((*big)->download(got, 8, 0).isOk());
  CHECK(got[1] == 1.0f);  // the element offset argument reached the kernel
}

TEST_CASE("opencl: device binaries are cached on disk, reused by another device, and a corrupt one is ignored") {
  testing::TempDir dir;
  auto first = openclDevice(dir.str());
  if (!first) return;
  const std::string text = R"(graph @c {
  input %x : f32[3,9]
  %e = Exp(%x) : f32[3,9]
  %y = Softmax(%e) {axis = 1} : f32[3,9]
  output %y
})";
  checkGraph(*first, text, 1e-5);
  CHECK(*cl::programsFromCache(*first) == 0);
  size_t files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir.path)) files += e.path().extension() == ".clbin";
  CHECK(files >= 1);

  auto second = openclDevice(dir.str());  // a new context: programs are built again, from the cache
  REQUIRE(second);
  checkGraph(*second, text, 1e-5);
  CHECK(*cl::programsFromCache(*second) == files);

  // Every cached file truncated or overwritten: ignored, rebuilt, rewritten.
  bool truncate = true;
  for (const auto& e : std::filesystem::directory_iterator(dir.path)) {
    if (truncate) std::filesystem::resize_file(e.path(), std::filesystem::file_size(e.path()) / 2);
    else std::ofstream(e.path(), std::ios::binary | std::ios::trunc) << "INGOTCL1 not a binary";
    truncate = !truncate;
  }
  auto third = openclDevice(dir.str());
  REQUIRE(third);
  checkGraph(*third, text, 1e-5);
  CHECK(*cl::programsFromCache(*third) == 0);
  auto fourth = openclDevice(dir.str());
  REQUIRE(fourth);
  checkGraph(*fourth, text, 1e-5);
  CHECK(*cl::programsFromCache(*fourth) == files);
}

TEST_CASE("opencl: 10 Adam steps of a cross-entropy MLP match the reference backend") {
  auto dev = openclDevice();
  if (!dev) return;
  auto model = parse(R"(graph @mlp {
  input %x : f32[16,8]
  param %w1 : f32[6,8] = [0.1, -0.2, 0.3, 0.05, -0.1, 0.2, 0.15, -0.3, 0.2, 0.1, -0.05, 0.3, -0.2, 0.1, 0.25, -0.15, -0.3, 0.2, 0.1, -0.1, 0.05, 0.3, -0.25, 0.1, 0.2, -0.1, 0.15, -0.2, 0.3, 0.05, -0.05, 0.1, 0.1, 0.3, -0.2, 0.2, -0.1, 0.15, 0.05, -0.3, -0.15, 0.05, 0.2, -0.3, 0.1, 0.2, -0.2, 0.1]
  param %b1 : f32[6] = [0.01, -0.02, 0.03, 0, 0.01, -0.01]
  param %w2 : f32[3,6] = [0.2, -0.1, 0.3, 0.1, -0.2, 0.05, -0.1, 0.2, 0.1, -0.3, 0.05, 0.1, 0.3, 0.1, -0.2, 0.2, 0.1, -0.05]
  param %b2 : f32[3] = [0.1, 0, -0.1]
  %h = Gemm(%x, %w1, %b1) {transB = 1} : f32[16,6]
  %r = Relu(%h) : f32[16,6]
  %z = Gemm(%r, %w2, %b2) {transB = 1} : f32[16,3]
  %y = Softmax(%z) {axis = 1} : f32[16,3]
  output %y
})");
  passes::TrainingOptions training;
  training.loss = passes::LossKind::CrossEntropy;
  training.optimizer.kind = passes::OptimizerKind::Adam;
  training.optimizer.lr = 0.01;
  auto step = passes::buildTrainingStep(*model, training);
  INFO(step.status().message());
  REQUIRE(step.ok());
  auto ref = backends::reference::compileGraph(*step->graph);
  auto clp = cl::compileGraph(*step->graph);
  INFO(clp.status().message());
  REQUIRE(ref.ok());
  REQUIRE(clp.ok());
  auto host = backends::reference::makeDeviceProvider()->enumerate();
  REQUIRE(host.ok());
  auto rs = rt::Session::create(*host->front(), ref->executable, ref->plan);
  auto cs = rt::Session::create(*dev, clp->executable, clp->plan);
  INFO(cs.status().message());
  REQUIRE(rs.ok());
  REQUIRE(cs.ok());
  std::mt19937 rng(3);
  for (int k = 0; k < 10; ++k) {
    Tensor x = randomTensor(DType::F32, {16, 8}, rng);
    // Class indices, or one-hot rows, as the step's labels input wants.
    const ir::Value* in = nullptr;
    for (const ir::Value* v : step->graph->inputs())
      if (v->name() == step->labels) in = v;
    REQUIRE(in);
    Tensor labels(in->dtype(), in->shape());
    for (int i = 0; i < 16; ++i) {
      const int c = static_cast<int>(rng() % 3);
      if (in->shape().size() == 1) setElement(labels, i, c);
      else setElement(labels, i * 3 + c, 1.0);
    }
    for (rt::Session* s : {rs->get(), cs->get()}) {
      REQUIRE(s->setInput(step->input, x).isOk());
      REQUIRE(s->setInput(step->labels, labels).isOk());
      Status ran = s->run();
      INFO(ran.message());
      REQUIRE(ran.isOk());
    }
    CHECK((*cs)->output(step->loss)->elementAsDouble(0) ==
          Approx((*rs)->output(step->loss)->elementAsDouble(0)).epsilon(1e-4));
  }
  for (const std::string& name : step->state) {
    auto a = (*rs)->state(name), b = (*cs)->state(name);
    REQUIRE(a.ok());
    REQUIRE(b.ok());
    for (int64_t i = 0; i < a->numElements(); ++i) {
      INFO(name << "[" << i << "]");
      CHECK(b->elementAsDouble(i) == Approx(a->elementAsDouble(i)).epsilon(1e-3).margin(1e-5));
    }
  }
}
