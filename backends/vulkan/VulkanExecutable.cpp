#include "backends/vulkan/VulkanExecutable.h"

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

Expected<std::shared_ptr<VulkanExecutable::DeviceState>> VulkanExecutable::stateFor(
    const void* context, const std::function<Expected<std::shared_ptr<DeviceState>>()>& make) const {
  std::lock_guard<std::mutex> lock(mutex_);
  for (const auto& [key, state] : states_)
    if (key == context) return state;
  INGOT_ASSIGN_OR_RETURN(std::shared_ptr<DeviceState> state, make());
  states_.emplace_back(context, state);
  return state;
}

}  // namespace ingot::backends::vulkan
