// 32-bit index arithmetic in the GLSL (vulkan) and OpenCL C kernels
// (clike::Emitter with kir::IndexRanges): dispatches whose indices fit in
// int32 compute them as int, with no 64-bit integer left in the GLSL (so the
// SPIR-V needs no Int64 capability); dispatches past int32 keep 64-bit
// indices. The large ones are only generated and validated, never run
// (their tensors would need 8 GiB and more). The numbers are checked by the
// backends' own tests and the conformance runs.
#include <catch2/catch.hpp>

#include "backends/common/ProgramBuilder.h"
#include "backends/opencl/OpenClSource.h"
#include "backends/vulkan/SpirvCompiler.h"
#include "backends/vulkan/VulkanBackend.h"
#include "ir/TextParser.h"

using namespace ingot;
namespace vk = ingot::backends::vulkan;
namespace cl = ingot::backends::opencl;

namespace {

std::vector<kir::Dispatch> dispatchesOf(const std::string& text) {
  auto g = ir::parseGraph(text);
  INFO(g.status().message());
  REQUIRE(g.ok());
  auto lp = backends::compileToDispatches(**g);
  INFO(lp.status().message());
  REQUIRE(lp.ok());
  std::vector<kir::Dispatch> out;
  for (const auto& ld : lp->lowered.dispatches) out.push_back(ld.dispatch);
  return out;
}

struct Sources {
  std::string glsl, spirvAsm, cl;
};

// Both languages' sources for a dispatch; the SPIR-V has passed the
// validator (compileDispatch checks it).
Sources sourcesOf(const kir::Dispatch& d, bool tiled = false) {
  auto k = vk::compileDispatch(d);
  INFO(k.status().message());
  REQUIRE(k.ok());
  CHECK(vk::validateSpirv(k->spirv).empty());
  cl::ClOptions o;
  o.tiledContractions = tiled;
  auto c = cl::generateOpenCl(d, o);
  INFO(c.status().message());
  REQUIRE(c.ok());
  return {k->glsl, vk::disassembleSpirv(k->spirv), c->source};
}

// The one dispatch of a graph, and its sources.
std::pair<kir::Dispatch, Sources> onlyDispatch(const std::string& text) {
  std::vector<kir::Dispatch> ds = dispatchesOf(text);
  REQUIRE(ds.size() == 1);
  Sources s = sourcesOf(ds[0]);
  return {ds[0], s};
}

bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

}  // namespace

TEST_CASE("vulkan and opencl: an MLP's index arithmetic is 32-bit, with no 64-bit integer in its shaders") {
  for (const kir::Dispatch& d : dispatchesOf(R"(graph @m {
  input %x : f32[32,784]
  input %w : f32[784,128]
  input %b : f32[128]
  %h = Gemm(%x, %w, %b) : f32[32,128]
  %r = Relu(%h) : f32[32,128]
  %y = Softmax(%r) {axis = 1} : f32[32,128]
  output %y
})")) {
    INFO(d.name);
    for (bool tiled : {false, true}) {
      Sources s = sourcesOf(d, tiled);
      INFO(s.glsl);
      INFO(s.cl);
      CHECK_FALSE(contains(s.glsl, "int64_t"));
      CHECK_FALSE(contains(s.glsl, "GL_EXT_shader_explicit_arithmetic_types_int64"));
      CHECK_FALSE(contains(s.spirvAsm, "Capability Int64"));
      // The vulkan backend's tiled contraction (on with 32-bit indices).
      CHECK(contains(s.glsl, d.contraction ? "int wg = " : "int gid = "));
      CHECK(contains(s.glsl, "shared float ta") == d.contraction.has_value());
      // OpenCL: only the kernel ABI's offsets are long.
      CHECK(contains(s.cl, tiled && d.contraction ? "int wg = " : "int gid = "));
      CHECK_FALSE(contains(s.cl, "long gid"));
      CHECK_FALSE(contains(s.cl, "(long)"));
    }
  }
}

TEST_CASE("vulkan and opencl: a launch past int32 keeps a 64-bit invocation index, grid variables that fit are 32-bit") {
  // 2^31 elements: every element index fits in int32, the launch's rounded
  // invocation index does not.
  auto [d, s] = onlyDispatch(R"(graph @big {
  input %x : f32[65536,32768]
  %y = Relu(%x) : f32[65536,32768]
  output %y
})");
  INFO(s.glsl);
  INFO(s.cl);
  CHECK(contains(s.glsl, "int64_t gid = "));
  CHECK(contains(s.spirvAsm, "Capability Int64"));
  CHECK(contains(s.cl, "long gid = "));
  const std::string g1 = "v" + std::to_string(d.gridVars.back());
  CHECK(contains(s.glsl, "int " + g1));
  CHECK(contains(s.cl, "int " + g1));
}

TEST_CASE("vulkan and opencl: element indices past int32 are 64-bit (code generated, never run)") {
  Sources s = onlyDispatch(R"(graph @huge {
  input %x : f32[65536,65536]
  input %b : f32[65536]
  %y = Add(%x, %b) : f32[65536,65536]
  output %y
})").second;
  INFO(s.glsl);
  INFO(s.cl);
  CHECK(contains(s.glsl, "int64_t gid = "));
  CHECK(contains(s.cl, "long gid = "));
  // The flat index g0 * 65536 + g1 reaches 2^32 - 1: computed in 64 bits
  // from the 32-bit grid variables.
  CHECK(contains(s.glsl, "int64_t t"));
  CHECK(contains(s.cl, "long t"));
}

TEST_CASE("vulkan and opencl: a contraction whose addresses pass int32 keeps 64-bit addresses") {
  // B (65536 x 40000) has 2.6e9 elements: its addresses need 64 bits, the
  // grid (16 x 40000) does not.
  std::vector<kir::Dispatch> ds = dispatchesOf(R"(graph @wide {
  input %a : f32[16,65536]
  input %b : f32[65536,40000]
  %y = MatMul(%a, %b) : f32[16,40000]
  output %y
})");
  REQUIRE(ds.size() == 1);
  REQUIRE(ds[0].contraction);
  for (bool tiled : {false, true}) {
    Sources s = sourcesOf(ds[0], tiled);
    INFO(s.glsl);
    INFO(s.cl);
    if (!tiled) {
      // The tiled form needs 32-bit indices on vulkan: a loop over k here.
      CHECK_FALSE(contains(s.glsl, "shared float"));
      CHECK(contains(s.glsl, "int gid = "));
      CHECK(contains(s.glsl, "int64_t ca = "));
      CHECK(contains(s.glsl, "for (int64_t k = "));
    }
    CHECK(contains(s.cl, tiled ? "long wg = " : "long ca = "));
  }
}

TEST_CASE("vulkan and opencl: Gather indices loaded as i64 stay 64-bit and are clamped before use") {
  Sources s = onlyDispatch(R"(graph @g {
  input %x : f32[40,3]
  input %i : i64[12]
  %g = Gather(%x, %i) {axis = 0} : f32[12,3]
  output %g
})").second;
  INFO(s.glsl);
  INFO(s.cl);
  CHECK(contains(s.glsl, "int64_t t"));  // the loaded index and its wrap-around
  CHECK(contains(s.glsl, "int gid = "));
  CHECK(contains(s.cl, "long t"));
  CHECK(contains(s.cl, "int gid = "));
}
