// What the Vulkan compiler hands the Vulkan device: one SPIR-V module per
// dispatch plus what the device needs to bind and launch it (GlslShader.h
// describes the shader ABI). Device-side code: no glslang here.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "runtime/Device.h"
#include "runtime/PerDeviceState.h"

namespace ingot::backends::vulkan {

inline constexpr std::string_view kBackend = "vulkan";

// Optional device features a kernel's SPIR-V declares (its OpCapability list).
enum Feature : uint32_t {
  kFloat64 = 1u << 0,
  kInt64 = 1u << 1,
  kInt16 = 1u << 2,
  kInt8 = 1u << 3,
  kStorage8 = 1u << 4,
  kStorage16 = 1u << 5,
};
std::string featureNames(uint32_t features);  // "shaderInt64, shaderFloat64"
// The features a SPIR-V module needs, from its capabilities.
uint32_t spirvFeatures(const std::vector<uint32_t>& words);

struct VulkanKernel {
  std::string name;
  std::vector<uint32_t> spirv;
  std::vector<uint64_t> bindingBytes;  // each binding's size from its static shape
  std::vector<bool> writes;            // parallels bindingBytes: the kernel writes the binding
  uint64_t invocations = 0;            // grid points, one invocation each
  uint32_t workgroupSize = 64;
  uint32_t features = 0;
};

// The executable's bytes in an artifact (runtime/Artifact.h), and back: an
// executable for Vulkan devices, checked against the plan (kernel count,
// SPIR-V header) so a corrupt artifact is an error, not a driver crash.
class VulkanExecutable;
std::string encodeVulkanCode(const VulkanExecutable& exe);
Expected<std::shared_ptr<const rt::Executable>> loadVulkanCode(std::string_view bytes, const rt::Plan& plan);

class VulkanExecutable final : public rt::Executable {
 public:
  explicit VulkanExecutable(std::vector<VulkanKernel> kernels) : kernels_(std::move(kernels)) {}
  std::string_view backend() const override { return kBackend; }
  size_t numKernels() const override { return kernels_.size(); }
  std::string kernelName(size_t i) const override { return i < kernels_.size() ? kernels_[i].name : "?"; }
  const std::vector<VulkanKernel>& kernels() const { return kernels_; }

  // The objects a device made for this executable (pipelines, recorded
  // command buffers; VulkanDevice.cpp), made on first use by `make` and
  // kept as long as the executable. Keyed by the device's context, which
  // the state keeps alive, so a key is never reused while its entry exists.
  struct DeviceState;
  Expected<std::shared_ptr<DeviceState>> stateFor(
      const void* context, const std::function<Expected<std::shared_ptr<DeviceState>>()>& make) const {
    return states_.get(context, make);
  }

 private:
  std::vector<VulkanKernel> kernels_;
  rt::PerDeviceState<DeviceState> states_;
};

}  // namespace ingot::backends::vulkan
