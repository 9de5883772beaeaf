#include "backends/vulkan/VulkanApi.h"

#include <dlfcn.h>

namespace ingot::backends::vulkan {

Expected<const GlobalFns*> loadVulkan() {
  // Loaded once per process (thread-safe static); an error is remembered.
  static const Expected<GlobalFns> fns = []() -> Expected<GlobalFns> {
    void* lib = dlopen("libvulkan.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!lib) {
      const char* err = dlerror();
      return unsupported("no Vulkan loader: libvulkan.so.1 cannot be opened ({}); install libvulkan1 and a driver "
                         "(mesa-vulkan-drivers has the lavapipe CPU device)",
                         err ? err : "unknown error");
    }
    GlobalFns g;
    g.vkGetInstanceProcAddr = reinterpret_cast<PFN_vkGetInstanceProcAddr>(dlsym(lib, "vkGetInstanceProcAddr"));
    if (!g.vkGetInstanceProcAddr) return unsupported("libvulkan.so.1 has no vkGetInstanceProcAddr");
#define INGOT_VK_LOAD_GLOBAL(name)                                                           \
  g.name = reinterpret_cast<PFN_##name>(g.vkGetInstanceProcAddr(VK_NULL_HANDLE, #name)); \
  if (!g.name) return unsupported("the Vulkan loader has no {}", #name);
    INGOT_VK_GLOBAL_FNS(INGOT_VK_LOAD_GLOBAL)
#undef INGOT_VK_LOAD_GLOBAL
    g.vkEnumerateInstanceVersion =
        reinterpret_cast<PFN_vkEnumerateInstanceVersion>(g.vkGetInstanceProcAddr(VK_NULL_HANDLE, "vkEnumerateInstanceVersion"));
    return g;
  }();
  if (!fns.ok()) return fns.status();
  return &*fns;
}

Status loadInstanceFns(const GlobalFns& g, VkInstance instance, InstanceFns& out) {
#define INGOT_VK_LOAD_INSTANCE(name)                                                 \
  out.name = reinterpret_cast<PFN_##name>(g.vkGetInstanceProcAddr(instance, #name)); \
  if (!out.name) return unsupported("the Vulkan instance has no {}", #name);
  INGOT_VK_INSTANCE_FNS(INGOT_VK_LOAD_INSTANCE)
#undef INGOT_VK_LOAD_INSTANCE
  // Present only when VK_EXT_debug_utils is enabled (validation runs).
  out.vkCreateDebugUtilsMessengerEXT = reinterpret_cast<PFN_vkCreateDebugUtilsMessengerEXT>(
      g.vkGetInstanceProcAddr(instance, "vkCreateDebugUtilsMessengerEXT"));
  out.vkDestroyDebugUtilsMessengerEXT = reinterpret_cast<PFN_vkDestroyDebugUtilsMessengerEXT>(
      g.vkGetInstanceProcAddr(instance, "vkDestroyDebugUtilsMessengerEXT"));
  return Status::ok();
}

Status loadDeviceFns(const InstanceFns& i, VkDevice device, DeviceFns& out) {
#define INGOT_VK_LOAD_DEVICE(name)                                              \
  out.name = reinterpret_cast<PFN_##name>(i.vkGetDeviceProcAddr(device, #name)); \
  if (!out.name) return unsupported("the Vulkan device has no {}", #name);
  INGOT_VK_DEVICE_FNS(INGOT_VK_LOAD_DEVICE)
#undef INGOT_VK_LOAD_DEVICE
  return Status::ok();
}

std::string vkResultName(VkResult r) {
  switch (r) {
    case VK_SUCCESS: return "VK_SUCCESS";
    case VK_NOT_READY: return "VK_NOT_READY";
    case VK_TIMEOUT: return "VK_TIMEOUT";
    case VK_INCOMPLETE: return "VK_INCOMPLETE";
    case VK_ERROR_OUT_OF_HOST_MEMORY: return "VK_ERROR_OUT_OF_HOST_MEMORY";
    case VK_ERROR_OUT_OF_DEVICE_MEMORY: return "VK_ERROR_OUT_OF_DEVICE_MEMORY";
    case VK_ERROR_INITIALIZATION_FAILED: return "VK_ERROR_INITIALIZATION_FAILED";
    case VK_ERROR_DEVICE_LOST: return "VK_ERROR_DEVICE_LOST";
    case VK_ERROR_MEMORY_MAP_FAILED: return "VK_ERROR_MEMORY_MAP_FAILED";
    case VK_ERROR_LAYER_NOT_PRESENT: return "VK_ERROR_LAYER_NOT_PRESENT";
    case VK_ERROR_EXTENSION_NOT_PRESENT: return "VK_ERROR_EXTENSION_NOT_PRESENT";
    case VK_ERROR_FEATURE_NOT_PRESENT: return "VK_ERROR_FEATURE_NOT_PRESENT";
    case VK_ERROR_INCOMPATIBLE_DRIVER: return "VK_ERROR_INCOMPATIBLE_DRIVER";
    case VK_ERROR_TOO_MANY_OBJECTS: return "VK_ERROR_TOO_MANY_OBJECTS";
    case VK_ERROR_OUT_OF_POOL_MEMORY: return "VK_ERROR_OUT_OF_POOL_MEMORY";
    default: return "VkResult " + std::to_string(static_cast<int>(r));
  }
}

}  // namespace ingot::backends::vulkan
