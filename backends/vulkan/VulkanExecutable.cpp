#include "backends/vulkan/VulkanExecutable.h"

#include "support/ByteStream.h"

namespace ingot::backends::vulkan {

std::string featureNames(uint32_t f) {
  static const std::pair<uint32_t, const char*> kNames[] = {
      {kFloat64, "shaderFloat64"}, {kInt64, "shaderInt64"},          {kInt16, "shaderInt16"},
      {kInt8, "shaderInt8"},       {kStorage8, "storageBuffer8BitAccess"}, {kStorage16, "storageBuffer16BitAccess"}};
  std::string s;
  for (const auto& [bit, name] : kNames)
    if (f & bit) s += (s.empty() ? "" : ", ") + std::string(name);
  return s;
}

uint32_t spirvFeatures(const std::vector<uint32_t>& words) {
  // Header: 5 words; then instructions, each (word count << 16 | opcode).
  constexpr uint32_t kOpCapability = 17;
  uint32_t f = 0;
  for (size_t i = 5; i < words.size();) {
    const uint32_t count = words[i] >> 16, op = words[i] & 0xffff;
    if (count == 0) break;
    if (op == kOpCapability && i + 1 < words.size()) {
      switch (words[i + 1]) {
        case 10: f |= kFloat64; break;    // Float64
        case 11: f |= kInt64; break;      // Int64
        case 22: f |= kInt16; break;      // Int16
        case 39: f |= kInt8; break;       // Int8
        case 4433: f |= kStorage16; break;  // StorageBuffer16BitAccess
        case 4448: f |= kStorage8; break;   // StorageBuffer8BitAccess
        default: break;
      }
    }
    i += count;
  }
  return f;
}

namespace {
constexpr uint32_t kVulkanCodeVersion = 1;
constexpr uint32_t kSpirvMagic = 0x07230203;
}  // namespace

std::string encodeVulkanCode(const VulkanExecutable& exe) {
  ByteWriter w;
  w.u32(kVulkanCodeVersion);
  w.u64(exe.kernels().size());
  for (const VulkanKernel& k : exe.kernels()) {
    w.str(k.name);
    w.u64(k.spirv.size());
    for (uint32_t word : k.spirv) w.u32(word);
    w.u64(k.bindingBytes.size());
    for (size_t b = 0; b < k.bindingBytes.size(); ++b) {
      w.u64(k.bindingBytes[b]);
      w.u8(b < k.writes.size() && k.writes[b] ? 1 : 0);
    }
    w.u64(k.invocations);
    w.u32(k.workgroupSize);
    w.u32(k.features);
  }
  return std::move(w.bytes());
}

Expected<std::shared_ptr<const rt::Executable>> loadVulkanCode(std::string_view bytes, const rt::Plan& plan) {
  ByteReader r(bytes, "vulkan code");
  const uint32_t version = r.u32("version");
  if (r.ok() && version != kVulkanCodeVersion)
    return invalidInput("vulkan code: encoding version {}, this runtime reads {}", version, kVulkanCodeVersion);
  std::vector<VulkanKernel> kernels;
  const uint64_t n = r.count("kernels", 8 + 8 + 8 + 8 + 4 + 4);
  for (uint64_t i = 0; i < n && r.ok(); ++i) {
    VulkanKernel k;
    k.name = r.str("kernel name");
    const uint64_t words = r.count("SPIR-V words", 4);
    k.spirv.reserve(words);
    for (uint64_t j = 0; j < words; ++j) k.spirv.push_back(r.u32("SPIR-V word"));
    const uint64_t nb = r.count("bindings", 9);
    for (uint64_t b = 0; b < nb; ++b) {
      k.bindingBytes.push_back(r.u64("binding bytes"));
      k.writes.push_back(r.u8("binding writes") != 0);
    }
    k.invocations = r.u64("invocations");
    k.workgroupSize = r.u32("workgroup size");
    k.features = r.u32("features");
    if (r.ok() && (k.spirv.size() < 5 || k.spirv[0] != kSpirvMagic))
      r.fail(fmt::format("kernel {}: not SPIR-V", k.name));
    if (r.ok() && (k.workgroupSize == 0 || k.workgroupSize > 1024))
      r.fail(fmt::format("kernel {}: workgroup size {}", k.name, k.workgroupSize));
    // The device checks features against its own; recompute them from the
    // module rather than trusting the recorded bits.
    if (r.ok()) k.features = spirvFeatures(k.spirv);
    kernels.push_back(std::move(k));
  }
  INGOT_RETURN_IF_ERROR(r.finish());
  auto exe = std::make_shared<VulkanExecutable>(std::move(kernels));
  INGOT_RETURN_IF_ERROR(plan.validate(exe->numKernels()));
  return std::shared_ptr<const rt::Executable>(std::move(exe));
}

}  // namespace ingot::backends::vulkan
