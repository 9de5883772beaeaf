// Ahead-of-time code from the llvm backend (llvm_backend::emitCode): LLVM IR,
// assembly and ELF objects with one symbol per dispatch, for a chosen CPU.
#include <catch2/catch.hpp>

#include <cstring>

#include "backends/llvm/LlvmBackend.h"
#include "ir/TextParser.h"

using namespace ingot;
namespace lb = ingot::backends::llvm_backend;

namespace {

std::unique_ptr<ir::Graph> model() {
  auto g = ir::parseGraph(R"(graph @m {
  input %x : f32[64,256]
  input %w : f32[256,128]
  %y = MatMul(%x, %w) : f32[64,128]
  %z = Relu(%y) : f32[64,128]
  output %z
}
)");
  INFO(g.status().message());
  REQUIRE(g.ok());
  return std::move(g).value();
}

std::string emit(lb::CodeKind kind, const std::string& cpu) {
  lb::CodeOptions o;
  o.kind = kind;
  o.cpu = cpu;
  auto code = lb::emitCode(*model(), o);
  INFO(code.status().message());
  REQUIRE(code.ok());
  return *code;
}

}  // namespace

TEST_CASE("llvm code emission: IR, assembly and an ELF object with the kernels' symbols") {
  const std::string ir = emit(lb::CodeKind::LlvmIr, "native");
  CHECK(ir.find("define void @ingot_k0_") != std::string::npos);
  const std::string obj = emit(lb::CodeKind::Object, "x86-64-v3");
  REQUIRE(obj.size() > 64);
  CHECK(std::memcmp(obj.data(), "\x7f" "ELF", 4) == 0);
  CHECK(obj.find("ingot_k0_") != std::string::npos);  // in the symbol table
}

TEST_CASE("llvm code emission: --cpu decides the instruction set") {
  // Generic x86-64 has SSE2 only: no 256-bit registers; x86-64-v3 (AVX2) uses them.
  const std::string generic = emit(lb::CodeKind::Assembly, "x86-64");
  const std::string avx2 = emit(lb::CodeKind::Assembly, "x86-64-v3");
  CHECK(generic.find("ymm") == std::string::npos);
  CHECK(generic.find("xmm") != std::string::npos);
  CHECK(avx2.find("ymm") != std::string::npos);
  CHECK(avx2.find("vfmadd") != std::string::npos);
}

TEST_CASE("llvm code emission: an unknown CPU is an error naming it") {
  lb::CodeOptions o;
  o.cpu = "pentium9";
  auto code = lb::emitCode(*model(), o);
  REQUIRE(!code.ok());
  CHECK(code.status().kind() == ErrorKind::InvalidInput);
  CHECK(code.status().message().find("pentium9") != std::string::npos);
}
