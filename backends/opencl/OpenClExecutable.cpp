#include "backends/opencl/OpenClExecutable.h"

namespace ingot::backends::opencl {

std::string featureNames(uint32_t f) {
  std::string s;
  if (f & kFloat64) s += "cl_khr_fp64";
  if (f & kInt64) s += std::string(s.empty() ? "" : ", ") + "64-bit integers";
  return s;
}

Expected<std::shared_ptr<OpenClExecutable::DeviceState>> OpenClExecutable::stateFor(
    const void* context, const std::function<Expected<std::shared_ptr<DeviceState>>()>& make) const {
  std::lock_guard<std::mutex> lock(mutex_);
  for (const auto& [key, state] : states_)
    if (key == context) return state;
  INGOT_ASSIGN_OR_RETURN(std::shared_ptr<DeviceState> state, make());
  states_.emplace_back(context, state);
  return state;
}

}  // namespace ingot::backends::opencl
