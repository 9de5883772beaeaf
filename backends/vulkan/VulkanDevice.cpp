#include "backends/vulkan/VulkanDevice.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <list>

#include "backends/vulkan/VulkanContext.h"
#include "backends/vulkan/VulkanExecutable.h"

namespace ingot::backends::vulkan {

namespace {

bool envFlag(const char* name) {
  const char* v = std::getenv(name);
  return v && std::strcmp(v, "1") == 0;
}

uint64_t nextSerial() {
  static std::atomic<uint64_t> serial{1};
  return serial++;
}

class VulkanBuffer final : public rt::Buffer {
 public:
  VulkanBuffer(std::shared_ptr<Context> ctx, uint64_t size) : ctx_(std::move(ctx)), size_(size), serial_(nextSerial()) {}
  ~VulkanBuffer() override {
    if (buffer_) ctx_->destroyBuffer(buffer_, alloc_);
  }
  Status init() { return ctx_->createBuffer(size_, false, buffer_, alloc_); }
  uint64_t size() const override { return size_; }
  VkBuffer handle() const { return buffer_; }
  uint64_t serial() const { return serial_; }

  Status upload(const void* src, uint64_t bytes, uint64_t offset) override {
    INGOT_RETURN_IF_ERROR(checkRange(bytes, offset, "upload"));
    if (bytes == 0) return Status::ok();
    if (alloc_.mapped) {
      std::memcpy(alloc_.mapped + offset, src, bytes);
      return Status::ok();
    }
    return staged(bytes, [&](std::byte* p) { std::memcpy(p, src, bytes); }, nullptr, offset, true);
  }

  Status download(void* dst, uint64_t bytes, uint64_t offset) const override {
    INGOT_RETURN_IF_ERROR(checkRange(bytes, offset, "download"));
    if (bytes == 0) return Status::ok();
    if (alloc_.mapped) {
      std::memcpy(dst, alloc_.mapped + offset, bytes);
      return Status::ok();
    }
    return staged(bytes, nullptr, [&](const std::byte* p) { std::memcpy(dst, p, bytes); }, offset, false);
  }

 private:
  Status checkRange(uint64_t bytes, uint64_t offset, const char* what) const {
    if (offset > size_ || bytes > size_ - offset)
      return invalidInput("vulkan buffer {}: {} bytes at offset {} do not fit in {} bytes", what, bytes, offset, size_);
    return Status::ok();
  }

  // Through a host-visible staging buffer and a one-shot copy on the queue.
  Status staged(uint64_t bytes, const std::function<void(std::byte*)>& fill,
                const std::function<void(const std::byte*)>& drain, uint64_t offset, bool toDevice) const {
    VkBuffer staging = VK_NULL_HANDLE;
    Allocation a;
    INGOT_RETURN_IF_ERROR(ctx_->createBuffer(bytes, true, staging, a));
    if (fill) fill(a.mapped);
    Status s = ctx_->runOnce([&](VkCommandBuffer cmd) {
      VkBufferCopy region{toDevice ? 0 : offset, toDevice ? offset : 0, bytes};
      ctx_->fns().vkCmdCopyBuffer(cmd, toDevice ? staging : buffer_, toDevice ? buffer_ : staging, 1, &region);
      VkMemoryBarrier mb{VK_STRUCTURE_TYPE_MEMORY_BARRIER};
      mb.srcAccessMask = VK_ACCESS_TRANSFER_WRITE_BIT;
      mb.dstAccessMask = VK_ACCESS_HOST_READ_BIT | VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT |
                         VK_ACCESS_TRANSFER_READ_BIT | VK_ACCESS_TRANSFER_WRITE_BIT;
      ctx_->fns().vkCmdPipelineBarrier(cmd, VK_PIPELINE_STAGE_TRANSFER_BIT,
                                       VK_PIPELINE_STAGE_HOST_BIT | VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT |
                                           VK_PIPELINE_STAGE_TRANSFER_BIT,
                                       0, 1, &mb, 0, nullptr, 0, nullptr);
    });
    if (s.isOk() && drain) drain(a.mapped);
    ctx_->destroyBuffer(staging, a);
    return s;
  }

  std::shared_ptr<Context> ctx_;
  uint64_t size_ = 0;
  uint64_t serial_ = 0;
  VkBuffer buffer_ = VK_NULL_HANDLE;
  Allocation alloc_;
};

struct PreparedKernel {
  VkShaderModule module = VK_NULL_HANDLE;
  VkDescriptorSetLayout setLayout = VK_NULL_HANDLE;
  VkPipelineLayout layout = VK_NULL_HANDLE;
  VkPipeline pipeline = VK_NULL_HANDLE;
};

struct Recording {
  std::vector<uint64_t> key;
  VkCommandBuffer cmd = VK_NULL_HANDLE;
  VkDescriptorPool pool = VK_NULL_HANDLE;
};

// Recordings kept per executable (a few sessions over one executable).
constexpr size_t kMaxRecordings = 4;

}  // namespace

struct VulkanExecutable::DeviceState {
  std::shared_ptr<Context> ctx;
  std::vector<PreparedKernel> kernels;
  std::mutex mutex;
  std::list<Recording> recordings;  // most recently used first

  ~DeviceState() {
    const DeviceFns& f = ctx->fns();
    VkDevice d = ctx->device();
    f.vkDeviceWaitIdle(d);
    {
      std::lock_guard<std::mutex> lock(ctx->mutex());
      for (Recording& r : recordings) free(r);
    }
    for (PreparedKernel& k : kernels) {
      if (k.pipeline) f.vkDestroyPipeline(d, k.pipeline, nullptr);
      if (k.layout) f.vkDestroyPipelineLayout(d, k.layout, nullptr);
      if (k.setLayout) f.vkDestroyDescriptorSetLayout(d, k.setLayout, nullptr);
      if (k.module) f.vkDestroyShaderModule(d, k.module, nullptr);
    }
  }
  // The caller holds ctx->mutex() (the command pool is not thread-safe).
  void free(Recording& r) {
    if (r.cmd) ctx->fns().vkFreeCommandBuffers(ctx->device(), ctx->commandPool(), 1, &r.cmd);
    if (r.pool) ctx->fns().vkDestroyDescriptorPool(ctx->device(), r.pool, nullptr);
    r = Recording{};
  }
};

using DeviceState = VulkanExecutable::DeviceState;

namespace {

Expected<std::shared_ptr<DeviceState>> prepare(const std::shared_ptr<Context>& ctx, const VulkanExecutable& exe) {
  auto st = std::make_shared<DeviceState>();
  st->ctx = ctx;
  const DeviceFns& f = ctx->fns();
  VkDevice d = ctx->device();
  for (const VulkanKernel& k : exe.kernels()) {
    if (uint32_t missing = k.features & ~ctx->features())
      return unsupported("vulkan device {} ({}) lacks {}, needed by kernel {}", ctx->info().index, ctx->info().name,
                         featureNames(missing), k.name);
    if (k.workgroupSize > ctx->properties().limits.maxComputeWorkGroupInvocations ||
        k.workgroupSize > ctx->properties().limits.maxComputeWorkGroupSize[0])
      return unsupported("vulkan device {}: kernel {} needs workgroups of {} invocations", ctx->info().index, k.name,
                         k.workgroupSize);
    PreparedKernel& p = st->kernels.emplace_back();
    VkShaderModuleCreateInfo mi{VK_STRUCTURE_TYPE_SHADER_MODULE_CREATE_INFO};
    mi.codeSize = k.spirv.size() * sizeof(uint32_t);
    mi.pCode = k.spirv.data();
    INGOT_RETURN_IF_ERROR(ctx->check(f.vkCreateShaderModule(d, &mi, nullptr, &p.module), "vkCreateShaderModule"));
    std::vector<VkDescriptorSetLayoutBinding> bindings(k.bindingBytes.size());
    for (size_t i = 0; i < bindings.size(); ++i) {
      bindings[i].binding = static_cast<uint32_t>(i);
      bindings[i].descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
      bindings[i].descriptorCount = 1;
      bindings[i].stageFlags = VK_SHADER_STAGE_COMPUTE_BIT;
    }
    VkDescriptorSetLayoutCreateInfo li{VK_STRUCTURE_TYPE_DESCRIPTOR_SET_LAYOUT_CREATE_INFO};
    li.bindingCount = static_cast<uint32_t>(bindings.size());
    li.pBindings = bindings.data();
    INGOT_RETURN_IF_ERROR(
        ctx->check(f.vkCreateDescriptorSetLayout(d, &li, nullptr, &p.setLayout), "vkCreateDescriptorSetLayout"));
    VkPipelineLayoutCreateInfo pli{VK_STRUCTURE_TYPE_PIPELINE_LAYOUT_CREATE_INFO};
    pli.setLayoutCount = 1;
    pli.pSetLayouts = &p.setLayout;
    INGOT_RETURN_IF_ERROR(ctx->check(f.vkCreatePipelineLayout(d, &pli, nullptr, &p.layout), "vkCreatePipelineLayout"));
    VkComputePipelineCreateInfo ci{VK_STRUCTURE_TYPE_COMPUTE_PIPELINE_CREATE_INFO};
    ci.stage.sType = VK_STRUCTURE_TYPE_PIPELINE_SHADER_STAGE_CREATE_INFO;
    ci.stage.stage = VK_SHADER_STAGE_COMPUTE_BIT;
    ci.stage.module = p.module;
    ci.stage.pName = "main";
    ci.layout = p.layout;
    INGOT_RETURN_IF_ERROR(ctx->check(f.vkCreateComputePipelines(d, ctx->pipelineCache(), 1, &ci, nullptr, &p.pipeline),
                                     "vkCreateComputePipelines"));
  }
  return st;
}

struct Range {
  VkBuffer buffer;
  uint64_t lo, hi;
  bool overlaps(const Range& o) const { return buffer == o.buffer && lo < o.hi && o.lo < hi; }
};

// Records the plan into a command buffer (see VulkanDevice.h).
class Recorder {
 public:
  Recorder(DeviceState& st, const VulkanExecutable& exe, const rt::Plan& plan, std::span<rt::Buffer* const> buffers)
      : st_(st), ctx_(*st.ctx), f_(st.ctx->fns()), exe_(exe), plan_(plan), buffers_(buffers) {}

  Status record(Recording& out) {
    INGOT_RETURN_IF_ERROR(validate());
    INGOT_RETURN_IF_ERROR(allocateSets(out));
    VkCommandBufferAllocateInfo ai{VK_STRUCTURE_TYPE_COMMAND_BUFFER_ALLOCATE_INFO};
    ai.commandPool = ctx_.commandPool();
    ai.level = VK_COMMAND_BUFFER_LEVEL_PRIMARY;
    ai.commandBufferCount = 1;
    INGOT_RETURN_IF_ERROR(ctx_.check(f_.vkAllocateCommandBuffers(ctx_.device(), &ai, &out.cmd), "vkAllocateCommandBuffers"));
    VkCommandBuffer cmd = out.cmd;
    VkCommandBufferBeginInfo bi{VK_STRUCTURE_TYPE_COMMAND_BUFFER_BEGIN_INFO};
    INGOT_RETURN_IF_ERROR(ctx_.check(f_.vkBeginCommandBuffer(cmd, &bi), "vkBeginCommandBuffer"));
    size_t set = 0;
    for (const rt::PlanStep& step : plan_.steps) {
      if (const auto* c = std::get_if<rt::CopyStep>(&step)) {
        if (c->bytes == 0) continue;
        Range src{handle(c->src), c->srcOffset, c->srcOffset + c->bytes};
        Range dst{handle(c->dst), c->dstOffset, c->dstOffset + c->bytes};
        barrierIfNeeded(cmd, {src}, {dst});
        VkBufferCopy region{c->srcOffset, c->dstOffset, c->bytes};
        f_.vkCmdCopyBuffer(cmd, src.buffer, dst.buffer, 1, &region);
        continue;
      }
      const auto& s = std::get<rt::DispatchStep>(step);
      const VulkanKernel& k = exe_.kernels()[s.kernel];
      if (k.invocations == 0) continue;
      std::vector<Range> reads, writes;
      for (size_t b = 0; b < s.bindings.size(); ++b) {
        const rt::BufferRange& r = s.bindings[b];
        Range range{handle(r.buffer), r.offset, r.offset + r.bytes};
        reads.push_back(range);
        if (k.writes[b]) writes.push_back(range);
      }
      barrierIfNeeded(cmd, reads, writes);
      const PreparedKernel& p = st_.kernels[s.kernel];
      f_.vkCmdBindPipeline(cmd, VK_PIPELINE_BIND_POINT_COMPUTE, p.pipeline);
      if (!s.bindings.empty())
        f_.vkCmdBindDescriptorSets(cmd, VK_PIPELINE_BIND_POINT_COMPUTE, p.layout, 0, 1, &sets_[set++], 0, nullptr);
      const uint64_t groups = (k.invocations + k.workgroupSize - 1) / k.workgroupSize;
      const uint64_t gx = std::min<uint64_t>(groups, ctx_.properties().limits.maxComputeWorkGroupCount[0]);
      f_.vkCmdDispatch(cmd, static_cast<uint32_t>(gx), static_cast<uint32_t>((groups + gx - 1) / gx), 1);
    }
    // Results to the host (download), and everything to later transfers and runs.
    VkMemoryBarrier mb{VK_STRUCTURE_TYPE_MEMORY_BARRIER};
    mb.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT;
    mb.dstAccessMask = VK_ACCESS_HOST_READ_BIT | VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT |
                       VK_ACCESS_TRANSFER_READ_BIT | VK_ACCESS_TRANSFER_WRITE_BIT;
    f_.vkCmdPipelineBarrier(cmd, VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT,
                            VK_PIPELINE_STAGE_HOST_BIT | VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT,
                            0, 1, &mb, 0, nullptr, 0, nullptr);
    return ctx_.check(f_.vkEndCommandBuffer(cmd), "vkEndCommandBuffer");
  }

 private:
  VkBuffer handle(uint32_t b) const { return static_cast<VulkanBuffer*>(buffers_[b])->handle(); }

  Status validate() const {
    const VkPhysicalDeviceLimits& l = ctx_.properties().limits;
    auto inBounds = [&](uint32_t b, uint64_t offset, uint64_t bytes) {
      return b < buffers_.size() && offset <= buffers_[b]->size() && bytes <= buffers_[b]->size() - offset;
    };
    for (const rt::PlanStep& step : plan_.steps) {
      if (const auto* c = std::get_if<rt::CopyStep>(&step)) {
        if (!inBounds(c->src, c->srcOffset, c->bytes) || !inBounds(c->dst, c->dstOffset, c->bytes))
          return invalidInput("vulkan: plan copy of {} bytes is out of bounds", c->bytes);
        if (c->src == c->dst && c->srcOffset < c->dstOffset + c->bytes && c->dstOffset < c->srcOffset + c->bytes)
          return invalidInput("vulkan: plan copy within buffer {} overlaps itself", c->src);
        continue;
      }
      const auto& s = std::get<rt::DispatchStep>(step);
      if (s.kernel >= exe_.kernels().size()) return invalidInput("vulkan: plan dispatches missing kernel {}", s.kernel);
      const VulkanKernel& k = exe_.kernels()[s.kernel];
      if (s.bindings.size() != k.bindingBytes.size())
        return invalidInput("vulkan: kernel {} has {} bindings, the plan gives {}", k.name, k.bindingBytes.size(),
                            s.bindings.size());
      for (size_t b = 0; b < s.bindings.size(); ++b) {
        const rt::BufferRange& r = s.bindings[b];
        if (!inBounds(r.buffer, r.offset, r.bytes) || r.bytes < k.bindingBytes[b])
          return invalidInput("vulkan: kernel {} binding {}: range of {} bytes at {} in buffer {} is out of bounds or "
                              "smaller than its {} bytes",
                              k.name, b, r.bytes, r.offset, r.buffer, k.bindingBytes[b]);
        if (r.offset % l.minStorageBufferOffsetAlignment != 0)
          return unsupported("vulkan device {}: kernel {} binding {} starts at offset {}, not a multiple of the "
                             "device's minStorageBufferOffsetAlignment {}",
                             ctx_.info().index, k.name, b, r.offset, l.minStorageBufferOffsetAlignment);
        if (r.bytes > l.maxStorageBufferRange)
          return unsupported("vulkan device {}: kernel {} binding {} has {} bytes, above the device's "
                             "maxStorageBufferRange {}",
                             ctx_.info().index, k.name, b, r.bytes, l.maxStorageBufferRange);
      }
      const uint64_t groups = (k.invocations + k.workgroupSize - 1) / k.workgroupSize;
      const uint64_t gx = std::max<uint64_t>(1, std::min<uint64_t>(groups, l.maxComputeWorkGroupCount[0]));
      if ((groups + gx - 1) / gx > l.maxComputeWorkGroupCount[1])
        return unsupported("vulkan device {}: kernel {} needs {} workgroups, more than the device allows",
                           ctx_.info().index, k.name, groups);
    }
    return Status::ok();
  }

  Status allocateSets(Recording& out) {
    std::vector<VkDescriptorSetLayout> layouts;
    uint32_t descriptors = 0;
    for (const rt::PlanStep& step : plan_.steps) {
      const auto* s = std::get_if<rt::DispatchStep>(&step);
      if (!s || exe_.kernels()[s->kernel].invocations == 0 || s->bindings.empty()) continue;
      layouts.push_back(st_.kernels[s->kernel].setLayout);
      descriptors += static_cast<uint32_t>(s->bindings.size());
    }
    if (layouts.empty()) return Status::ok();
    VkDescriptorPoolSize size{VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, descriptors};
    VkDescriptorPoolCreateInfo pi{VK_STRUCTURE_TYPE_DESCRIPTOR_POOL_CREATE_INFO};
    pi.maxSets = static_cast<uint32_t>(layouts.size());
    pi.poolSizeCount = 1;
    pi.pPoolSizes = &size;
    INGOT_RETURN_IF_ERROR(ctx_.check(f_.vkCreateDescriptorPool(ctx_.device(), &pi, nullptr, &out.pool), "vkCreateDescriptorPool"));
    sets_.resize(layouts.size());
    VkDescriptorSetAllocateInfo ai{VK_STRUCTURE_TYPE_DESCRIPTOR_SET_ALLOCATE_INFO};
    ai.descriptorPool = out.pool;
    ai.descriptorSetCount = static_cast<uint32_t>(layouts.size());
    ai.pSetLayouts = layouts.data();
    INGOT_RETURN_IF_ERROR(ctx_.check(f_.vkAllocateDescriptorSets(ctx_.device(), &ai, sets_.data()), "vkAllocateDescriptorSets"));
    std::vector<VkDescriptorBufferInfo> infos;
    infos.reserve(descriptors);
    std::vector<VkWriteDescriptorSet> writes;
    size_t set = 0;
    for (const rt::PlanStep& step : plan_.steps) {
      const auto* s = std::get_if<rt::DispatchStep>(&step);
      if (!s || exe_.kernels()[s->kernel].invocations == 0 || s->bindings.empty()) continue;
      for (size_t b = 0; b < s->bindings.size(); ++b) {
        const rt::BufferRange& r = s->bindings[b];
        // An empty binding is never accessed; it still needs a valid range.
        if (r.bytes == 0) infos.push_back({handle(r.buffer), 0, VK_WHOLE_SIZE});
        else infos.push_back({handle(r.buffer), r.offset, r.bytes});
        VkWriteDescriptorSet w{VK_STRUCTURE_TYPE_WRITE_DESCRIPTOR_SET};
        w.dstSet = sets_[set];
        w.dstBinding = static_cast<uint32_t>(b);
        w.descriptorCount = 1;
        w.descriptorType = VK_DESCRIPTOR_TYPE_STORAGE_BUFFER;
        w.pBufferInfo = &infos.back();
        writes.push_back(w);
      }
      ++set;
    }
    f_.vkUpdateDescriptorSets(ctx_.device(), static_cast<uint32_t>(writes.size()), writes.data(), 0, nullptr);
    return Status::ok();
  }

  // A barrier before a step that reads or writes what an earlier step since
  // the last barrier wrote (RAW, WAW), or writes what one read (WAR).
  void barrierIfNeeded(VkCommandBuffer cmd, const std::vector<Range>& reads, const std::vector<Range>& writes) {
    bool hazard = false;
    for (const Range& w : pendingWrites_) {
      for (const Range& r : reads) hazard |= w.overlaps(r);
      for (const Range& x : writes) hazard |= w.overlaps(x);
    }
    for (const Range& r : pendingReads_)
      for (const Range& x : writes) hazard |= r.overlaps(x);
    if (hazard) {
      std::vector<VkBufferMemoryBarrier> bs;
      for (const Range& w : pendingWrites_) {
        VkBufferMemoryBarrier b{VK_STRUCTURE_TYPE_BUFFER_MEMORY_BARRIER};
        b.srcAccessMask = VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_WRITE_BIT;
        b.dstAccessMask = VK_ACCESS_SHADER_READ_BIT | VK_ACCESS_SHADER_WRITE_BIT | VK_ACCESS_TRANSFER_READ_BIT |
                          VK_ACCESS_TRANSFER_WRITE_BIT;
        b.srcQueueFamilyIndex = b.dstQueueFamilyIndex = VK_QUEUE_FAMILY_IGNORED;
        b.buffer = w.buffer;
        b.offset = w.lo;
        b.size = w.hi - w.lo;
        bs.push_back(b);
      }
      const VkPipelineStageFlags stages = VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT | VK_PIPELINE_STAGE_TRANSFER_BIT;
      f_.vkCmdPipelineBarrier(cmd, stages, stages, 0, 0, nullptr, static_cast<uint32_t>(bs.size()), bs.data(), 0, nullptr);
      pendingWrites_.clear();
      pendingReads_.clear();
    }
    for (const Range& r : reads)
      if (r.hi > r.lo) pendingReads_.push_back(r);
    for (const Range& w : writes)
      if (w.hi > w.lo) pendingWrites_.push_back(w);
  }

  DeviceState& st_;
  Context& ctx_;
  const DeviceFns& f_;
  const VulkanExecutable& exe_;
  const rt::Plan& plan_;
  std::span<rt::Buffer* const> buffers_;
  std::vector<VkDescriptorSet> sets_;
  std::vector<Range> pendingWrites_, pendingReads_;
};

// What identifies a recording: the buffers (by serial, never reused) and
// every step's kernel and ranges.
std::vector<uint64_t> recordingKey(const rt::Plan& plan, std::span<rt::Buffer* const> buffers) {
  std::vector<uint64_t> key;
  for (rt::Buffer* b : buffers) key.push_back(static_cast<VulkanBuffer*>(b)->serial());
  for (const rt::PlanStep& step : plan.steps) {
    if (const auto* c = std::get_if<rt::CopyStep>(&step)) {
      key.insert(key.end(), {~0ull, c->src, c->dst, c->srcOffset, c->dstOffset, c->bytes});
      continue;
    }
    const auto& s = std::get<rt::DispatchStep>(step);
    key.push_back(s.kernel);
    for (const rt::BufferRange& r : s.bindings) key.insert(key.end(), {r.buffer, r.offset, r.bytes});
  }
  return key;
}

class VulkanDevice final : public rt::Device {
 public:
  explicit VulkanDevice(std::shared_ptr<Context> ctx) : ctx_(std::move(ctx)) {}
  const rt::DeviceInfo& info() const override { return ctx_->info(); }
  Context& context() const { return *ctx_; }

  Expected<std::unique_ptr<rt::Buffer>> allocate(uint64_t bytes) override {
    auto b = std::make_unique<VulkanBuffer>(ctx_, bytes);
    INGOT_RETURN_IF_ERROR(b->init());
    return std::unique_ptr<rt::Buffer>(std::move(b));
  }

  bool accepts(const rt::Executable& exe) const override { return dynamic_cast<const VulkanExecutable*>(&exe) != nullptr; }

  Status execute(const rt::Executable& exe, const rt::Plan& plan, std::span<rt::Buffer* const> buffers) override {
    const auto* vexe = dynamic_cast<const VulkanExecutable*>(&exe);
    if (!vexe) return invalidInput("the vulkan device cannot run {} kernels", exe.backend());
    if (buffers.size() != plan.buffers.size())
      return invalidInput("vulkan: {} buffers for a plan of {}", buffers.size(), plan.buffers.size());
    for (rt::Buffer* b : buffers)
      if (!dynamic_cast<VulkanBuffer*>(b)) return invalidInput("vulkan: a buffer of another device was passed");
    INGOT_ASSIGN_OR_RETURN(std::shared_ptr<DeviceState> st,
                           vexe->stateFor(ctx_.get(), [&] { return prepare(ctx_, *vexe); }));
    std::vector<uint64_t> key = recordingKey(plan, buffers);
    std::lock_guard<std::mutex> stateLock(st->mutex);
    std::lock_guard<std::mutex> lock(ctx_->mutex());
    auto it = std::find_if(st->recordings.begin(), st->recordings.end(), [&](const Recording& r) { return r.key == key; });
    if (it == st->recordings.end()) {
      Recording r;
      r.key = std::move(key);
      Status s = Recorder(*st, *vexe, plan, buffers).record(r);
      if (!s.isOk()) {
        st->free(r);
        return s;
      }
      st->recordings.push_front(std::move(r));
      while (st->recordings.size() > kMaxRecordings) {
        st->free(st->recordings.back());
        st->recordings.pop_back();
      }
      it = st->recordings.begin();
    } else if (it != st->recordings.begin()) {
      st->recordings.splice(st->recordings.begin(), st->recordings, it);
      it = st->recordings.begin();
    }
    return ctx_->submitAndWait(it->cmd);
  }

 private:
  std::shared_ptr<Context> ctx_;
};

class VulkanProvider final : public rt::DeviceProvider {
 public:
  explicit VulkanProvider(ProviderOptions o) : options_(o) {}
  std::string_view backend() const override { return kBackend; }
  Expected<std::vector<std::unique_ptr<rt::Device>>> enumerate() const override {
    const bool validation = options_.validation || envFlag("INGOT_VULKAN_VALIDATION");
    const bool staging = options_.forceStaging || envFlag("INGOT_VULKAN_STAGING");
    INGOT_ASSIGN_OR_RETURN(auto contexts, enumerateContexts(validation, staging));
    std::vector<std::unique_ptr<rt::Device>> out;
    for (auto& c : contexts) out.push_back(std::make_unique<VulkanDevice>(std::move(c)));
    return out;
  }

 private:
  ProviderOptions options_;
};

}  // namespace

std::unique_ptr<rt::DeviceProvider> makeDeviceProvider(const ProviderOptions& options) {
  return std::make_unique<VulkanProvider>(options);
}

Expected<std::vector<std::string>> validationMessages(const rt::Device& device) {
  const auto* d = dynamic_cast<const VulkanDevice*>(&device);
  if (!d) return invalidInput("not a vulkan device");
  return d->context().instance().messages();
}

}  // namespace ingot::backends::vulkan
