// The Vulkan backend's device side (runtime only: no glslang, no compiler):
// rt::Device, rt::Buffer and plan execution on a Vulkan compute queue.
//
// Per executable and device, created once on first use: a shader module,
// descriptor set layout, pipeline layout and compute pipeline per kernel
// (through the device's pipeline cache). Per (plan, buffers) -- a Session
// runs the same plan over the same buffers every time -- the whole plan is
// recorded once into a command buffer with one descriptor set per dispatch
// and replayed on every run: dispatch steps bind their buffer ranges as
// descriptor offsets, copy steps are vkCmdCopyBuffer, and a buffer memory
// barrier separates a step from an earlier one whose writes it reads or
// overwrites (or whose reads it overwrites). A final barrier makes the
// results visible to the host and to later transfers; execute() waits on a
// fence before returning.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "runtime/Device.h"

namespace ingot::backends::vulkan {

struct ProviderOptions {
  // Enable VK_LAYER_KHRONOS_validation and collect its messages
  // (validationMessages). Also on when INGOT_VULKAN_VALIDATION=1.
  bool validation = false;
  // Use device-local buffers with staging copies even where memory is
  // host-visible (tests the discrete-GPU path). Also INGOT_VULKAN_STAGING=1.
  bool forceStaging = false;
};

std::unique_ptr<rt::DeviceProvider> makeDeviceProvider(const ProviderOptions& options = {});

// The validation layer's warnings and errors so far on `device`'s instance
// (empty without validation); an error when `device` is not a Vulkan device.
Expected<std::vector<std::string>> validationMessages(const rt::Device& device);

}  // namespace ingot::backends::vulkan
