#include "backends/vulkan/VulkanContext.h"

#include <algorithm>
#include <cstring>
#include <functional>

#include "backends/vulkan/VulkanExecutable.h"

namespace ingot::backends::vulkan {

namespace {

constexpr const char* kValidationLayer = "VK_LAYER_KHRONOS_validation";
// Memory blocks: buffers are sub-allocated from blocks of this size (or one
// block of their own when larger).
constexpr VkDeviceSize kBlockBytes = 64ull << 20;

VKAPI_ATTR VkBool32 VKAPI_CALL onDebugMessage(VkDebugUtilsMessageSeverityFlagBitsEXT severity,
                                              VkDebugUtilsMessageTypeFlagsEXT, const VkDebugUtilsMessengerCallbackDataEXT* data,
                                              void* user) {
  const char* level = severity >= VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT ? "error" : "warning";
  static_cast<Instance*>(user)->addMessage(fmt::format("{}: {}", level, data && data->pMessage ? data->pMessage : "?"));
  return VK_FALSE;
}

std::string versionText(uint32_t v) {
  return fmt::format("{}.{}.{}", VK_API_VERSION_MAJOR(v), VK_API_VERSION_MINOR(v), VK_API_VERSION_PATCH(v));
}

}  // namespace

Expected<std::shared_ptr<Instance>> Instance::create(bool validation) {
  INGOT_ASSIGN_OR_RETURN(const GlobalFns* g, loadVulkan());
  std::shared_ptr<Instance> inst(new Instance());
  uint32_t loaderVersion = VK_API_VERSION_1_0;
  if (g->vkEnumerateInstanceVersion) g->vkEnumerateInstanceVersion(&loaderVersion);
  if (loaderVersion < VK_API_VERSION_1_1)
    return unsupported("the Vulkan loader supports only Vulkan {}; 1.1 is needed", versionText(loaderVersion));
  inst->apiVersion_ = loaderVersion >= VK_API_VERSION_1_2 ? VK_API_VERSION_1_2 : VK_API_VERSION_1_1;
  std::vector<const char*> layers, extensions;
  if (validation) {
    uint32_t n = 0;
    g->vkEnumerateInstanceLayerProperties(&n, nullptr);
    std::vector<VkLayerProperties> props(n);
    g->vkEnumerateInstanceLayerProperties(&n, props.data());
    const bool found = std::any_of(props.begin(), props.end(),
                                   [](const VkLayerProperties& p) { return std::strcmp(p.layerName, kValidationLayer) == 0; });
    if (!found)
      return unsupported("Vulkan validation was requested but {} is not installed (Debian: vulkan-validationlayers)",
                         kValidationLayer);
    layers.push_back(kValidationLayer);
    extensions.push_back(VK_EXT_DEBUG_UTILS_EXTENSION_NAME);
  }
  VkApplicationInfo app{VK_STRUCTURE_TYPE_APPLICATION_INFO};
  app.pApplicationName = "ingot";
  app.pEngineName = "ingot";
  app.apiVersion = inst->apiVersion_;
  VkInstanceCreateInfo ci{VK_STRUCTURE_TYPE_INSTANCE_CREATE_INFO};
  ci.pApplicationInfo = &app;
  ci.enabledLayerCount = static_cast<uint32_t>(layers.size());
  ci.ppEnabledLayerNames = layers.data();
  ci.enabledExtensionCount = static_cast<uint32_t>(extensions.size());
  ci.ppEnabledExtensionNames = extensions.data();
  // The messenger also covers instance creation and destruction.
  VkDebugUtilsMessengerCreateInfoEXT mi{VK_STRUCTURE_TYPE_DEBUG_UTILS_MESSENGER_CREATE_INFO_EXT};
  mi.messageSeverity = VK_DEBUG_UTILS_MESSAGE_SEVERITY_WARNING_BIT_EXT | VK_DEBUG_UTILS_MESSAGE_SEVERITY_ERROR_BIT_EXT;
  mi.messageType = VK_DEBUG_UTILS_MESSAGE_TYPE_GENERAL_BIT_EXT | VK_DEBUG_UTILS_MESSAGE_TYPE_VALIDATION_BIT_EXT |
                   VK_DEBUG_UTILS_MESSAGE_TYPE_PERFORMANCE_BIT_EXT;
  mi.pfnUserCallback = &onDebugMessage;
  mi.pUserData = inst.get();
  if (validation) ci.pNext = &mi;
  VkResult r = g->vkCreateInstance(&ci, nullptr, &inst->instance_);
  if (r != VK_SUCCESS) {
    inst->instance_ = VK_NULL_HANDLE;
    if (r == VK_ERROR_INCOMPATIBLE_DRIVER)
      return unsupported("no Vulkan driver found (vkCreateInstance: {}); install one (mesa-vulkan-drivers has the "
                         "lavapipe CPU device)",
                         vkResultName(r));
    return unsupported("vkCreateInstance failed: {}", vkResultName(r));
  }
  INGOT_RETURN_IF_ERROR(loadInstanceFns(*g, inst->instance_, inst->fns_));
  if (validation) {
    if (!inst->fns_.vkCreateDebugUtilsMessengerEXT)
      return unsupported("Vulkan validation: VK_EXT_debug_utils is not available");
    r = inst->fns_.vkCreateDebugUtilsMessengerEXT(inst->instance_, &mi, nullptr, &inst->messenger_);
    if (r != VK_SUCCESS) return unsupported("vkCreateDebugUtilsMessengerEXT failed: {}", vkResultName(r));
  }
  return inst;
}

Instance::~Instance() {
  if (messenger_) fns_.vkDestroyDebugUtilsMessengerEXT(instance_, messenger_, nullptr);
  if (instance_) fns_.vkDestroyInstance(instance_, nullptr);
}

std::vector<std::string> Instance::messages() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return messages_;
}

void Instance::addMessage(std::string m) {
  std::lock_guard<std::mutex> lock(mutex_);
  messages_.push_back(std::move(m));
}

Status Context::check(VkResult r, const char* what) const {
  if (r == VK_SUCCESS) return Status::ok();
  return runtimeError("vulkan device {} ({}): {} failed: {}", info_.index, info_.name, what, vkResultName(r));
}

Expected<std::shared_ptr<Context>> Context::create(std::shared_ptr<Instance> instance, VkPhysicalDevice pd, int index,
                                                   bool forceStaging) {
  std::shared_ptr<Context> c(new Context());
  c->instance_ = std::move(instance);
  INGOT_RETURN_IF_ERROR(c->init(pd, index, forceStaging));
  return c;
}

Status Context::init(VkPhysicalDevice pd, int index, bool forceStaging) {
  const InstanceFns& fi = instance_->fns();
  physical_ = pd;
  fi.vkGetPhysicalDeviceProperties(pd, &props_);
  fi.vkGetPhysicalDeviceMemoryProperties(pd, &memProps_);
  info_.backend = std::string(kBackend);
  info_.index = index;
  info_.name = props_.deviceName;
  if (props_.apiVersion < VK_API_VERSION_1_1)
    return unsupported("vulkan device {} ({}) supports only Vulkan {}; 1.1 is needed", index, info_.name,
                       versionText(props_.apiVersion));

  // A queue family with compute (prefer one without graphics: a dedicated
  // compute queue on GPUs that have one).
  uint32_t nq = 0;
  fi.vkGetPhysicalDeviceQueueFamilyProperties(pd, &nq, nullptr);
  std::vector<VkQueueFamilyProperties> qf(nq);
  fi.vkGetPhysicalDeviceQueueFamilyProperties(pd, &nq, qf.data());
  int family = -1;
  for (uint32_t i = 0; i < nq; ++i) {
    if (!(qf[i].queueFlags & VK_QUEUE_COMPUTE_BIT)) continue;
    if (family < 0 || !(qf[i].queueFlags & VK_QUEUE_GRAPHICS_BIT)) family = static_cast<int>(i);
  }
  if (family < 0) return unsupported("vulkan device {} ({}) has no compute queue", index, info_.name);
  queueFamily_ = static_cast<uint32_t>(family);

  // Enable every optional feature the shaders may use that the device has;
  // a kernel needing a missing one is refused when it is prepared.
  VkPhysicalDeviceVulkan12Features f12{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES};
  VkPhysicalDeviceVulkan11Features f11{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_1_FEATURES};
  VkPhysicalDeviceFeatures2 f2{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2};
  const bool v12 = props_.apiVersion >= VK_API_VERSION_1_2 && instance_->apiVersion() >= VK_API_VERSION_1_2;
  if (v12) {
    f2.pNext = &f11;
    f11.pNext = &f12;
  }
  fi.vkGetPhysicalDeviceFeatures2(pd, &f2);
  VkPhysicalDeviceVulkan12Features e12{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_2_FEATURES};
  VkPhysicalDeviceVulkan11Features e11{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_VULKAN_1_1_FEATURES};
  VkPhysicalDeviceFeatures2 e2{VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_FEATURES_2};
  e2.features.shaderFloat64 = f2.features.shaderFloat64;
  e2.features.shaderInt64 = f2.features.shaderInt64;
  e2.features.shaderInt16 = f2.features.shaderInt16;
  features_ |= f2.features.shaderFloat64 ? uint32_t{kFloat64} : 0u;
  features_ |= f2.features.shaderInt64 ? uint32_t{kInt64} : 0u;
  features_ |= f2.features.shaderInt16 ? uint32_t{kInt16} : 0u;
  if (v12) {
    e2.pNext = &e11;
    e11.pNext = &e12;
    e11.storageBuffer16BitAccess = f11.storageBuffer16BitAccess;
    e12.storageBuffer8BitAccess = f12.storageBuffer8BitAccess;
    e12.shaderInt8 = f12.shaderInt8;
    features_ |= f11.storageBuffer16BitAccess ? uint32_t{kStorage16} : 0u;
    features_ |= f12.storageBuffer8BitAccess ? uint32_t{kStorage8} : 0u;
    features_ |= f12.shaderInt8 ? uint32_t{kInt8} : 0u;
  }
  const float priority = 1.0f;
  VkDeviceQueueCreateInfo qi{VK_STRUCTURE_TYPE_DEVICE_QUEUE_CREATE_INFO};
  qi.queueFamilyIndex = queueFamily_;
  qi.queueCount = 1;
  qi.pQueuePriorities = &priority;
  VkDeviceCreateInfo di{VK_STRUCTURE_TYPE_DEVICE_CREATE_INFO};
  di.pNext = &e2;
  di.queueCreateInfoCount = 1;
  di.pQueueCreateInfos = &qi;
  VkResult r = fi.vkCreateDevice(pd, &di, nullptr, &device_);
  if (r != VK_SUCCESS) {
    device_ = VK_NULL_HANDLE;
    return unsupported("vulkan device {} ({}): vkCreateDevice failed: {}", index, info_.name, vkResultName(r));
  }
  INGOT_RETURN_IF_ERROR(loadDeviceFns(fi, device_, fns_));
  fns_.vkGetDeviceQueue(device_, queueFamily_, 0, &queue_);

  VkCommandPoolCreateInfo pi{VK_STRUCTURE_TYPE_COMMAND_POOL_CREATE_INFO};
  pi.flags = VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT;
  pi.queueFamilyIndex = queueFamily_;
  INGOT_RETURN_IF_ERROR(check(fns_.vkCreateCommandPool(device_, &pi, nullptr, &commandPool_), "vkCreateCommandPool"));
  VkPipelineCacheCreateInfo ci{VK_STRUCTURE_TYPE_PIPELINE_CACHE_CREATE_INFO};
  INGOT_RETURN_IF_ERROR(check(fns_.vkCreatePipelineCache(device_, &ci, nullptr, &pipelineCache_), "vkCreatePipelineCache"));
  VkFenceCreateInfo fci{VK_STRUCTURE_TYPE_FENCE_CREATE_INFO};
  INGOT_RETURN_IF_ERROR(check(fns_.vkCreateFence(device_, &fci, nullptr, &fence_), "vkCreateFence"));

  // Memory: host-visible, coherent, device-local memory when there is some
  // (CPU devices, integrated GPUs, resizable BAR); otherwise device-local
  // buffers with host-visible staging for uploads and downloads.
  const VkMemoryPropertyFlags host = VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VK_MEMORY_PROPERTY_HOST_COHERENT_BIT;
  uint64_t largestLocal = 0;
  for (uint32_t i = 0; i < memProps_.memoryTypeCount; ++i) {
    const VkMemoryPropertyFlags f = memProps_.memoryTypes[i].propertyFlags;
    const bool local = f & VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT;
    if (local) largestLocal = std::max<uint64_t>(largestLocal, memProps_.memoryHeaps[memProps_.memoryTypes[i].heapIndex].size);
    if ((f & host) == host && stagingType_ == UINT32_MAX) stagingType_ = i;
    if (local && (f & host) == host && deviceType_ == UINT32_MAX && !forceStaging) deviceType_ = i;
  }
  hostVisible_ = deviceType_ != UINT32_MAX;
  if (!hostVisible_)
    for (uint32_t i = 0; i < memProps_.memoryTypeCount && deviceType_ == UINT32_MAX; ++i)
      if (memProps_.memoryTypes[i].propertyFlags & VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT) deviceType_ = i;
  if (deviceType_ == UINT32_MAX || stagingType_ == UINT32_MAX)
    return unsupported("vulkan device {} ({}) has no usable memory type", index, info_.name);

  const VkPhysicalDeviceLimits& l = props_.limits;
  info_.supportsF64 = features_ & kFloat64;
  info_.memoryBytes = largestLocal;
  info_.description = fmt::format(
      "Vulkan {}, driver {:#x}, vendor {:#06x}; max workgroup {} invocations, {} KiB shared memory, storage buffers "
      "up to {} MiB, offset alignment {}; {}{}memory",
      versionText(props_.apiVersion), props_.driverVersion, props_.vendorID, l.maxComputeWorkGroupInvocations,
      l.maxComputeSharedMemorySize / 1024, l.maxStorageBufferRange >> 20, l.minStorageBufferOffsetAlignment,
      featureNames(features_).empty() ? "" : featureNames(features_) + "; ",
      hostVisible_ ? "host-visible " : "device-local (staged) ");
  return Status::ok();
}

Context::~Context() {
  if (!device_) return;
  fns_.vkDeviceWaitIdle(device_);
  for (Block& b : blocks_)
    if (b.memory) fns_.vkFreeMemory(device_, b.memory, nullptr);
  if (fence_) fns_.vkDestroyFence(device_, fence_, nullptr);
  if (pipelineCache_) fns_.vkDestroyPipelineCache(device_, pipelineCache_, nullptr);
  if (commandPool_) fns_.vkDestroyCommandPool(device_, commandPool_, nullptr);
  fns_.vkDestroyDevice(device_, nullptr);
}

Expected<Allocation> Context::allocate(const VkMemoryRequirements& req, bool staging) {
  const uint32_t type = staging ? stagingType_ : deviceType_;
  if (!(req.memoryTypeBits & (1u << type)))
    return unsupported("vulkan device {}: buffers cannot use the chosen memory type", info_.index);
  std::lock_guard<std::mutex> lock(allocMutex_);
  const VkDeviceSize align = std::max<VkDeviceSize>(req.alignment, 256);
  for (size_t i = 0; i < blocks_.size(); ++i) {
    Block& b = blocks_[i];
    if (!b.memory || b.type != type) continue;
    const VkDeviceSize offset = (b.used + align - 1) / align * align;
    if (offset + req.size > b.size) continue;
    b.used = offset + req.size;
    ++b.live;
    return Allocation{i, b.memory, offset, b.mapped ? b.mapped + offset : nullptr};
  }
  Block b;
  b.type = type;
  b.size = std::max(kBlockBytes, req.size);
  VkMemoryAllocateInfo ai{VK_STRUCTURE_TYPE_MEMORY_ALLOCATE_INFO};
  ai.allocationSize = b.size;
  ai.memoryTypeIndex = type;
  VkResult r = fns_.vkAllocateMemory(device_, &ai, nullptr, &b.memory);
  if (r != VK_SUCCESS)
    return runtimeError("vulkan device {} ({}): cannot allocate {} bytes of device memory: {}", info_.index, info_.name,
                        b.size, vkResultName(r));
  if (memProps_.memoryTypes[type].propertyFlags & VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT) {
    void* p = nullptr;
    r = fns_.vkMapMemory(device_, b.memory, 0, VK_WHOLE_SIZE, 0, &p);
    if (r != VK_SUCCESS) {
      fns_.vkFreeMemory(device_, b.memory, nullptr);
      return runtimeError("vulkan device {}: vkMapMemory failed: {}", info_.index, vkResultName(r));
    }
    b.mapped = static_cast<std::byte*>(p);
  }
  b.used = req.size;
  b.live = 1;
  // Reuse a freed slot so block indices stay stable.
  size_t slot = blocks_.size();
  for (size_t i = 0; i < blocks_.size(); ++i)
    if (!blocks_[i].memory) slot = i;
  if (slot == blocks_.size()) blocks_.push_back(b);
  else blocks_[slot] = b;
  return Allocation{slot, b.memory, 0, b.mapped};
}

void Context::release(const Allocation& a) {
  std::lock_guard<std::mutex> lock(allocMutex_);
  if (a.block >= blocks_.size()) return;
  Block& b = blocks_[a.block];
  if (b.live > 0 && --b.live == 0) {
    // An empty block is returned to the driver (mapped memory is unmapped by vkFreeMemory).
    fns_.vkFreeMemory(device_, b.memory, nullptr);
    b = Block{};
  }
}

Status Context::createBuffer(uint64_t bytes, bool staging, VkBuffer& buffer, Allocation& alloc) {
  VkBufferCreateInfo bi{VK_STRUCTURE_TYPE_BUFFER_CREATE_INFO};
  bi.size = std::max<uint64_t>(16, (bytes + 15) / 16 * 16);
  bi.usage = VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VK_BUFFER_USAGE_TRANSFER_SRC_BIT | VK_BUFFER_USAGE_TRANSFER_DST_BIT;
  bi.sharingMode = VK_SHARING_MODE_EXCLUSIVE;
  INGOT_RETURN_IF_ERROR(check(fns_.vkCreateBuffer(device_, &bi, nullptr, &buffer), "vkCreateBuffer"));
  VkMemoryRequirements req;
  fns_.vkGetBufferMemoryRequirements(device_, buffer, &req);
  auto a = allocate(req, staging);
  if (!a.ok()) {
    fns_.vkDestroyBuffer(device_, buffer, nullptr);
    buffer = VK_NULL_HANDLE;
    return a.status();
  }
  alloc = *a;
  VkResult r = fns_.vkBindBufferMemory(device_, buffer, alloc.memory, alloc.offset);
  if (r != VK_SUCCESS) {
    destroyBuffer(buffer, alloc);
    buffer = VK_NULL_HANDLE;
    return check(r, "vkBindBufferMemory");
  }
  return Status::ok();
}

void Context::destroyBuffer(VkBuffer buffer, const Allocation& alloc) {
  if (buffer) fns_.vkDestroyBuffer(device_, buffer, nullptr);
  release(alloc);
}

Status Context::submitAndWait(VkCommandBuffer cmd) {
  VkSubmitInfo si{VK_STRUCTURE_TYPE_SUBMIT_INFO};
  si.commandBufferCount = 1;
  si.pCommandBuffers = &cmd;
  INGOT_RETURN_IF_ERROR(check(fns_.vkQueueSubmit(queue_, 1, &si, fence_), "vkQueueSubmit"));
  VkResult r = fns_.vkWaitForFences(device_, 1, &fence_, VK_TRUE, UINT64_MAX);
  Status s = check(r, "vkWaitForFences");
  fns_.vkResetFences(device_, 1, &fence_);
  return s;
}

Status Context::runOnce(const std::function<void(VkCommandBuffer)>& record) {
  std::lock_guard<std::mutex> lock(mutex_);
  VkCommandBufferAllocateInfo ai{VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO};
  ai.commandPool = commandPool_;
  ai.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
  ai.commandBufferCount = 1;
  VkCommandBuffer cmd = VK_NULL_HANDLE;
  INGOT_RETURN_IF_ERROR(check(fns_.vkAllocateCommandBuffers(device_, &ai, &cmd), "vkAllocateCommandBuffers"));
  VkCommandBufferBeginInfo bi{VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
  bi.flags = VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT;
  Status s = check(fns_.vkBeginCommandBuffer(cmd, &bi), "vkBeginCommandBuffer");
  if (s.isOk()) {
    record(cmd);
    s = check(fns_.vkEndCommandBuffer(cmd), "vkEndCommandBuffer");
  }
  if (s.isOk()) s = submitAndWait(cmd);
  fns_.vkFreeCommandBuffers(device_, commandPool_, 1, &cmd);
  return s;
}

Expected<std::vector<std::shared_ptr<Context>>> enumerateContexts(bool validation, bool forceStaging) {
  INGOT_ASSIGN_OR_RETURN(std::shared_ptr<Instance> inst, Instance::create(validation));
  uint32_t n = 0;
  VkResult r = inst->fns().vkEnumeratePhysicalDevices(inst->handle(), &n, nullptr);
  if (r != VK_SUCCESS) return unsupported("vkEnumeratePhysicalDevices failed: {}", vkResultName(r));
  std::vector<VkPhysicalDevice> pds(n);
  inst->fns().vkEnumeratePhysicalDevices(inst->handle(), &n, pds.data());
  if (n == 0) return unsupported("the Vulkan loader found no device (install a driver; mesa-vulkan-drivers has lavapipe)");
  std::vector<std::shared_ptr<Context>> out;
  std::string why;
  for (uint32_t i = 0; i < n; ++i) {
    auto c = Context::create(inst, pds[i], static_cast<int>(out.size()), forceStaging);
    if (c.ok()) out.push_back(std::move(*c));
    else why += (why.empty() ? "" : "; ") + c.status().message();
  }
  if (out.empty()) return unsupported("no usable Vulkan device: {}", why);
  return out;
}

}  // namespace ingot::backends::vulkan
