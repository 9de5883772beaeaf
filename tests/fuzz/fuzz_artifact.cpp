// libFuzzer target: the artifact loader (runtime/Artifact.h) and what a
// loader does next without running code: decode the CPU code
// (runtime/CpuCode.h), link its ELF object (runtime/ElfLoader.h, with a
// dummy address for every external symbol), check each plan against the
// kernel count, and walk the embedded ONNX model (runtime/OnnxWeights.h).
//
// Every section is CRC-checked, so nearly every mutation stops at a checksum.
// Each input is therefore parsed twice: as it is (which tests the checks
// themselves) and, when that differs, with the header's file size and every
// checksum recomputed, which lets mutations reach the decoders behind them.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <map>
#include <span>
#include <string>
#include <string_view>

#include "fuzz_common.h"
#include "runtime/Artifact.h"
#include "runtime/CpuCode.h"
#include "runtime/ElfLoader.h"
#include "runtime/OnnxWeights.h"
#include "support/ByteStream.h"

namespace ingot::fuzz {
namespace {

// The artifact layout (docs/ARTIFACT.md): a 64-byte header
//   magic[8] version:u32 sections:u32 fileSize:u64 tableOffset:u64
//   tableCrc:u32 headerCrc:u32 (of the 36 bytes before it)
// then the section table, 64 bytes per section:
//   name[40] offset:u64 size:u64 crc:u32 reserved:u32
constexpr size_t kHeaderBytes = 64;
constexpr size_t kEntryBytes = 64;

template <typename T>
T load(const std::string& b, size_t at) {
  T v;
  std::memcpy(&v, b.data() + at, sizeof v);
  return v;
}
template <typename T>
void store(std::string& b, size_t at, T v) {
  std::memcpy(b.data() + at, &v, sizeof v);
}

// Recomputes what a mutation broke but the loader checks first: the file
// size, each section's CRC (for sections inside the file), the table's CRC
// and the header's. Leaves anything it cannot make sense of alone.
void fixChecksums(std::string& b) {
  if (b.size() < kHeaderBytes) return;
  store<uint64_t>(b, 16, b.size());
  const uint32_t n = load<uint32_t>(b, 12);
  const uint64_t table = load<uint64_t>(b, 24);
  if (table <= b.size() && n <= (b.size() - table) / kEntryBytes) {
    for (uint32_t i = 0; i < n; ++i) {
      const size_t e = table + size_t{i} * kEntryBytes;
      const uint64_t offset = load<uint64_t>(b, e + 40), size = load<uint64_t>(b, e + 48);
      if (offset <= b.size() && size <= b.size() - offset)
        store<uint32_t>(b, e + 56, crc32(std::string_view(b).substr(offset, size)));
    }
    store<uint32_t>(b, 32, crc32(std::string_view(b).substr(table, size_t{n} * kEntryBytes)));
  }
  store<uint32_t>(b, 36, crc32(std::string_view(b).substr(0, 36)));
}

// The runtime's protobuf-free walker over the embedded ONNX model: list the
// initializers, then replace the first one of a plain dtype and small shape
// with zeros (as `ingot_model_save_onnx` does with trained weights).
void checkOnnxWeights(std::string_view onnx) {
  auto inits = rt::listOnnxInitializers(onnx);
  if (!inits.ok()) return checkError(inits.status(), "listOnnxInitializers");
  for (const rt::OnnxInitializerInfo& info : *inits) {
    std::optional<DType> dtype;
    switch (info.onnxDataType) {
      case 1: dtype = DType::F32; break;
      case 6: dtype = DType::I32; break;
      case 7: dtype = DType::I64; break;
      case 11: dtype = DType::F64; break;
      default: break;
    }
    bool small = info.shape.size() <= 8;
    int64_t elements = 1;
    for (int64_t d : info.shape) {
      if (d < 0 || d > 4096 || elements * d > 4096) small = false;
      if (!small) break;
      elements *= d;
    }
    if (!dtype || !small) continue;
    std::map<std::string, Tensor, std::less<>> values;
    values.emplace(info.name, Tensor(*dtype, info.shape));
    auto out = rt::replaceOnnxInitializers(onnx, values);
    if (!out.ok()) checkError(out.status(), "replaceOnnxInitializers");
    break;
  }
}

// What loading the "llvm" code does, up to (not including) running it.
void checkCpuCode(std::string_view bytes, const rt::Plan& plan) {
  auto code = rt::decodeCpuCode(bytes);
  if (!code.ok()) return checkError(code.status(), "decodeCpuCode");
  (void)rt::missingCpuFeatures(code->features);
  checkError(plan.validate(code->kernels.size()), "Plan::validate");
  auto object = rt::loadElfObject(code->object, dummySymbol, "fuzz");
  if (!object.ok()) return checkError(object.status(), "loadElfObject");
  for (const rt::NativeKernelInfo& k : code->kernels) (void)(*object)->symbol(k.symbol);
}

void checkArtifact(std::string_view bytes) {
  auto a = rt::parseArtifact(std::as_bytes(std::span(bytes.data(), bytes.size())), "fuzz.ingot");
  if (!a.ok()) return checkError(a.status(), "parseArtifact");
  (void)a->backends();
  for (const rt::EntryPoint& e : a->entries)
    for (const rt::EntryCode& c : e.targets)
      if (c.backend == "llvm") checkCpuCode(c.code, c.plan);
  if (!a->onnx.empty()) checkOnnxWeights(a->onnx);
}

}  // namespace
}  // namespace ingot::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  ingot::fuzz::checkArtifact(bytes);
  std::string fixed(bytes);
  ingot::fuzz::fixChecksums(fixed);
  if (fixed != bytes) ingot::fuzz::checkArtifact(fixed);
  return 0;
}
