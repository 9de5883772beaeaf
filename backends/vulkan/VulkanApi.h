// The Vulkan entry points the device uses, loaded at run time from
// libvulkan.so.1 with dlopen: nothing links against the loader, so a
// machine without Vulkan gets a message from `ingot devices`, not a failed
// start. Types come from the Vulkan headers with VK_NO_PROTOTYPES.
#pragma once

#define VK_NO_PROTOTYPES
#include <vulkan/vulkan.h>

#include <string>

#include "support/Status.h"

namespace ingot::backends::vulkan {

#define INGOT_VK_GLOBAL_FNS(X) \
  X(vkCreateInstance)          \
  X(vkEnumerateInstanceLayerProperties) \
  X(vkEnumerateInstanceExtensionProperties)

#define INGOT_VK_INSTANCE_FNS(X)               \
  X(vkDestroyInstance)                         \
  X(vkEnumeratePhysicalDevices)                \
  X(vkGetPhysicalDeviceProperties)             \
  X(vkGetPhysicalDeviceFeatures)               \
  X(vkGetPhysicalDeviceFeatures2)              \
  X(vkGetPhysicalDeviceQueueFamilyProperties)  \
  X(vkGetPhysicalDeviceMemoryProperties)       \
  X(vkCreateDevice)                            \
  X(vkGetDeviceProcAddr)

#define INGOT_VK_DEVICE_FNS(X)                                                                             \
  X(vkDestroyDevice) X(vkGetDeviceQueue) X(vkCreateBuffer) X(vkDestroyBuffer) X(vkGetBufferMemoryRequirements) \
  X(vkAllocateMemory) X(vkFreeMemory) X(vkBindBufferMemory) X(vkMapMemory) X(vkUnmapMemory)                 \
  X(vkCreateShaderModule) X(vkDestroyShaderModule) X(vkCreateDescriptorSetLayout)                           \
  X(vkDestroyDescriptorSetLayout) X(vkCreatePipelineLayout) X(vkDestroyPipelineLayout)                      \
  X(vkCreateComputePipelines) X(vkDestroyPipeline) X(vkCreatePipelineCache) X(vkDestroyPipelineCache)       \
  X(vkCreateDescriptorPool) X(vkDestroyDescriptorPool) X(vkAllocateDescriptorSets)                          \
  X(vkUpdateDescriptorSets) X(vkCreateCommandPool) X(vkDestroyCommandPool) X(vkAllocateCommandBuffers)      \
  X(vkFreeCommandBuffers) X(vkBeginCommandBuffer) X(vkEndCommandBuffer) X(vkCmdBindPipeline)                \
  X(vkCmdBindDescriptorSets) X(vkCmdDispatch) X(vkCmdCopyBuffer) X(vkCmdPipelineBarrier) X(vkQueueSubmit)   \
  X(vkCreateFence) X(vkDestroyFence) X(vkWaitForFences) X(vkResetFences) X(vkDeviceWaitIdle)

#define INGOT_VK_DECLARE(name) PFN_##name name = nullptr;

// Process-wide: the loader library and its global functions (loaded once,
// never unloaded: drivers such as lavapipe do not survive dlclose well).
struct GlobalFns {
  PFN_vkGetInstanceProcAddr vkGetInstanceProcAddr = nullptr;
  PFN_vkEnumerateInstanceVersion vkEnumerateInstanceVersion = nullptr;  // null on a Vulkan 1.0 loader
  INGOT_VK_GLOBAL_FNS(INGOT_VK_DECLARE)
};

struct InstanceFns {
  INGOT_VK_INSTANCE_FNS(INGOT_VK_DECLARE)
  PFN_vkCreateDebugUtilsMessengerEXT vkCreateDebugUtilsMessengerEXT = nullptr;
  PFN_vkDestroyDebugUtilsMessengerEXT vkDestroyDebugUtilsMessengerEXT = nullptr;
};

struct DeviceFns {
  INGOT_VK_DEVICE_FNS(INGOT_VK_DECLARE)
};

// The loader, or why it cannot be used ("libvulkan.so.1 not found: ...").
Expected<const GlobalFns*> loadVulkan();
Status loadInstanceFns(const GlobalFns& g, VkInstance instance, InstanceFns& out);
Status loadDeviceFns(const InstanceFns& i, VkDevice device, DeviceFns& out);

// "VK_ERROR_OUT_OF_DEVICE_MEMORY" and friends, for messages.
std::string vkResultName(VkResult r);

}  // namespace ingot::backends::vulkan
