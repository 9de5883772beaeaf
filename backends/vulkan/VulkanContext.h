// The Vulkan objects behind a device, shared (by shared_ptr) by the device,
// its buffers and the per-executable state, so that whatever is destroyed
// last tears down in the right order: buffers and pipelines before the
// logical device, the device before the instance.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "backends/vulkan/VulkanApi.h"
#include "runtime/Device.h"

namespace ingot::backends::vulkan {

// A VkInstance, with the validation layer and a messenger collecting its
// warnings and errors when validation is on.
class Instance {
 public:
  static Expected<std::shared_ptr<Instance>> create(bool validation);
  ~Instance();
  const InstanceFns& fns() const { return fns_; }
  VkInstance handle() const { return instance_; }
  uint32_t apiVersion() const { return apiVersion_; }
  bool validation() const { return messenger_ != VK_NULL_HANDLE; }
  std::vector<std::string> messages() const;
  void addMessage(std::string m);

 private:
  Instance() = default;
  InstanceFns fns_;
  VkInstance instance_ = VK_NULL_HANDLE;
  VkDebugUtilsMessengerEXT messenger_ = VK_NULL_HANDLE;
  uint32_t apiVersion_ = VK_API_VERSION_1_1;
  mutable std::mutex mutex_;
  std::vector<std::string> messages_;
};

// A sub-range of one of the context's large memory blocks.
struct Allocation {
  size_t block = 0;
  VkDeviceMemory memory = VK_NULL_HANDLE;
  VkDeviceSize offset = 0;
  std::byte* mapped = nullptr;  // host pointer when the memory is host-visible
};

// A logical device with one compute queue, a command pool, a pipeline cache
// and a block allocator (buffers are sub-allocated from few large
// allocations, not one per tensor).
class Context {
 public:
  // `forceStaging` uses the staging path even where memory is host-visible
  // (tests of the path discrete GPUs take).
  static Expected<std::shared_ptr<Context>> create(std::shared_ptr<Instance> instance, VkPhysicalDevice pd,
                                                   int index, bool forceStaging);
  ~Context();
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  const DeviceFns& fns() const { return fns_; }
  VkDevice device() const { return device_; }
  const VkPhysicalDeviceProperties& properties() const { return props_; }
  const rt::DeviceInfo& info() const { return info_; }
  uint32_t features() const { return features_; }  // Feature bits enabled on the device
  VkPipelineCache pipelineCache() const { return pipelineCache_; }
  VkCommandPool commandPool() const { return commandPool_; }
  Instance& instance() const { return *instance_; }
  // Buffers live in host-visible memory (mapped); otherwise in device-local
  // memory reached through staging copies.
  bool hostVisible() const { return hostVisible_; }
  std::mutex& mutex() const { return mutex_; }  // guards the queue and the command pool

  // A buffer of `bytes` (at least 16) in device memory (or, with `staging`,
  // host-visible memory for transfers) with its allocation.
  Status createBuffer(uint64_t bytes, bool staging, VkBuffer& buffer, Allocation& alloc);
  void destroyBuffer(VkBuffer buffer, const Allocation& alloc);
  // Submits `cmd` and waits for it (the caller holds mutex()).
  Status submitAndWait(VkCommandBuffer cmd);
  // Records with `record`, submits and waits: uploads and downloads on the staging path.
  Status runOnce(const std::function<void(VkCommandBuffer)>& record);
  Status check(VkResult r, const char* what) const;

 private:
  Context() = default;
  Status init(VkPhysicalDevice pd, int index, bool forceStaging);
  Expected<Allocation> allocate(const VkMemoryRequirements& req, bool staging);
  void release(const Allocation& a);

  struct Block {
    VkDeviceMemory memory = VK_NULL_HANDLE;
    VkDeviceSize size = 0, used = 0;
    uint32_t type = 0;
    size_t live = 0;
    std::byte* mapped = nullptr;
  };

  std::shared_ptr<Instance> instance_;
  DeviceFns fns_;
  VkPhysicalDevice physical_ = VK_NULL_HANDLE;
  VkPhysicalDeviceProperties props_{};
  VkPhysicalDeviceMemoryProperties memProps_{};
  rt::DeviceInfo info_;
  VkDevice device_ = VK_NULL_HANDLE;
  VkQueue queue_ = VK_NULL_HANDLE;
  uint32_t queueFamily_ = 0;
  VkCommandPool commandPool_ = VK_NULL_HANDLE;
  VkPipelineCache pipelineCache_ = VK_NULL_HANDLE;
  VkFence fence_ = VK_NULL_HANDLE;
  uint32_t features_ = 0;
  bool hostVisible_ = true;
  uint32_t deviceType_ = UINT32_MAX, stagingType_ = UINT32_MAX;  // memory type indices
  mutable std::mutex mutex_;
  std::mutex allocMutex_;
  std::vector<Block> blocks_;
};

// The devices of every physical device (compute queue required).
Expected<std::vector<std::shared_ptr<Context>>> enumerateContexts(bool validation, bool forceStaging);

}  // namespace ingot::backends::vulkan
