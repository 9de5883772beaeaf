#include "backends/opencl/OpenClDevice.h"

#include <algorithm>
#include <atomic>

#include "backends/opencl/OpenClBinaryCache.h"
#include "backends/opencl/OpenClContext.h"
#include "backends/opencl/OpenClExecutable.h"
#include "backends/opencl/OpenClProgram.h"

namespace ingot::backends::opencl {

namespace {

uint64_t nextSerial() {
  static std::atomic<uint64_t> serial{1};
  return serial++;
}

class OpenClBuffer final : public rt::Buffer {
 public:
  OpenClBuffer(std::shared_ptr<Context> ctx, uint64_t size) : ctx_(std::move(ctx)), size_(size), serial_(nextSerial()) {}
  ~OpenClBuffer() override {
    if (mem_) ctx_->fns().clReleaseMemObject(mem_);
  }

  Status init() {
    const rt::DeviceInfo& info = ctx_->info();
    if (ctx_->maxAllocation() != 0 && size_ > ctx_->maxAllocation())
      return unsupported("opencl device {} ({}): a buffer of {} bytes is larger than the device's largest allocation "
                         "({} bytes)",
                         info.index, info.name, size_, ctx_->maxAllocation());
    cl_int err = CL_SUCCESS;
    // OpenCL has no empty buffers; an empty tensor's buffer is never accessed.
    mem_ = ctx_->fns().clCreateBuffer(ctx_->context(), CL_MEM_READ_WRITE, std::max<uint64_t>(size_, 1), nullptr, &err);
    if (err != CL_SUCCESS || !mem_) {
      mem_ = nullptr;
      return unsupported("opencl device {} ({}): cannot allocate a buffer of {} bytes: {}", info.index, info.name,
                         size_, clErrorName(err));
    }
    return Status::ok();
  }

  uint64_t size() const override { return size_; }
  cl_mem handle() const { return mem_; }
  uint64_t serial() const { return serial_; }

  Status upload(const void* src, uint64_t bytes, uint64_t offset) override {
    INGOT_RETURN_IF_ERROR(checkRange(bytes, offset, "upload"));
    if (bytes == 0) return Status::ok();
    std::lock_guard<std::mutex> lock(ctx_->mutex());
    return ctx_->check(
        ctx_->fns().clEnqueueWriteBuffer(ctx_->queue(), mem_, CL_TRUE, offset, bytes, src, 0, nullptr, nullptr),
        "clEnqueueWriteBuffer");
  }

  Status download(void* dst, uint64_t bytes, uint64_t offset) const override {
    INGOT_RETURN_IF_ERROR(checkRange(bytes, offset, "download"));
    if (bytes == 0) return Status::ok();
    std::lock_guard<std::mutex> lock(ctx_->mutex());
    return ctx_->check(
        ctx_->fns().clEnqueueReadBuffer(ctx_->queue(), mem_, CL_TRUE, offset, bytes, dst, 0, nullptr, nullptr),
        "clEnqueueReadBuffer");
  }

 private:
  Status checkRange(uint64_t bytes, uint64_t offset, const char* what) const {
    if (offset > size_ || bytes > size_ - offset)
      return invalidInput("opencl buffer {}: {} bytes at offset {} do not fit in {} bytes", what, bytes, offset, size_);
    return Status::ok();
  }

  std::shared_ptr<Context> ctx_;
  uint64_t size_ = 0;
  uint64_t serial_ = 0;
  cl_mem mem_ = nullptr;
};

// The arguments last set on a kernel: per binding, the buffer (by serial,
// never reused) and the element offset.
using ArgKey = std::vector<std::pair<uint64_t, uint64_t>>;

}  // namespace

struct OpenClExecutable::DeviceState {
  std::shared_ptr<Context> ctx;
  std::vector<BuiltKernel> kernels;
  std::vector<ArgKey> args;  // parallels kernels
  std::mutex mutex;

  ~DeviceState() {
    if (ctx->queue()) ctx->fns().clFinish(ctx->queue());
    for (BuiltKernel& k : kernels) releaseKernel(ctx->fns(), k);
  }
};

using DeviceState = OpenClExecutable::DeviceState;

namespace {

Expected<std::shared_ptr<DeviceState>> prepare(const std::shared_ptr<Context>& ctx, const OpenClExecutable& exe,
                                               const BinaryCache& cache, std::atomic<uint64_t>& fromCache) {
  auto st = std::make_shared<DeviceState>();
  st->ctx = ctx;
  for (const OpenClKernel& k : exe.kernels()) {
    INGOT_ASSIGN_OR_RETURN(BuiltKernel b, buildKernel(*ctx, k, cache));
    if (b.fromCache) ++fromCache;
    st->kernels.push_back(b);
  }
  st->args.resize(st->kernels.size());
  return st;
}

Status validatePlan(const OpenClExecutable& exe, const rt::Plan& plan, std::span<rt::Buffer* const> buffers) {
  auto inBounds = [&](uint32_t b, uint64_t offset, uint64_t bytes) {
    return b < buffers.size() && offset <= buffers[b]->size() && bytes <= buffers[b]->size() - offset;
  };
  for (const rt::PlanStep& step : plan.steps) {
    if (const auto* c = std::get_if<rt::CopyStep>(&step)) {
      if (!inBounds(c->src, c->srcOffset, c->bytes) || !inBounds(c->dst, c->dstOffset, c->bytes))
        return invalidInput("opencl: plan copy of {} bytes is out of bounds", c->bytes);
      if (c->src == c->dst && c->srcOffset < c->dstOffset + c->bytes && c->dstOffset < c->srcOffset + c->bytes)
        return invalidInput("opencl: plan copy within buffer {} overlaps itself", c->src);
      continue;
    }
    const auto& s = std::get<rt::DispatchStep>(step);
    if (s.kernel >= exe.kernels().size()) return invalidInput("opencl: plan dispatches missing kernel {}", s.kernel);
    const OpenClKernel& k = exe.kernels()[s.kernel];
    if (s.bindings.size() != k.bindingBytes.size() || k.elementBytes.size() != k.bindingBytes.size())
      return invalidInput("opencl: kernel {} has {} bindings, the plan gives {}", k.name, k.bindingBytes.size(),
                          s.bindings.size());
    for (size_t b = 0; b < s.bindings.size(); ++b) {
      const rt::BufferRange& r = s.bindings[b];
      if (!inBounds(r.buffer, r.offset, r.bytes) || r.bytes < k.bindingBytes[b])
        return invalidInput("opencl: kernel {} binding {}: range of {} bytes at {} in buffer {} is out of bounds or "
                            "smaller than its {} bytes",
                            k.name, b, r.bytes, r.offset, r.buffer, k.bindingBytes[b]);
      if (k.elementBytes[b] == 0 || r.offset % k.elementBytes[b] != 0)
        return invalidInput("opencl: kernel {} binding {} starts at byte {}, not a whole element of {} bytes", k.name,
                            b, r.offset, k.elementBytes[b]);
    }
  }
  return Status::ok();
}

class OpenClDevice final : public rt::Device {
 public:
  OpenClDevice(std::shared_ptr<Context> ctx, std::string cacheDir) : ctx_(std::move(ctx)), cache_(std::move(cacheDir)) {}
  const rt::DeviceInfo& info() const override { return ctx_->info(); }
  uint64_t programsFromCache() const { return fromCache_; }

  Expected<std::unique_ptr<rt::Buffer>> allocate(uint64_t bytes) override {
    auto b = std::make_unique<OpenClBuffer>(ctx_, bytes);
    INGOT_RETURN_IF_ERROR(b->init());
    return std::unique_ptr<rt::Buffer>(std::move(b));
  }

  bool accepts(const rt::Executable& exe) const override { return dynamic_cast<const OpenClExecutable*>(&exe) != nullptr; }

  Status execute(const rt::Executable& exe, const rt::Plan& plan, std::span<rt::Buffer* const> buffers) override {
    const auto* cexe = dynamic_cast<const OpenClExecutable*>(&exe);
    if (!cexe) return invalidInput("the opencl device cannot run {} kernels", exe.backend());
    if (buffers.size() != plan.buffers.size())
      return invalidInput("opencl: {} buffers for a plan of {}", buffers.size(), plan.buffers.size());
    for (rt::Buffer* b : buffers)
      if (!dynamic_cast<OpenClBuffer*>(b)) return invalidInput("opencl: a buffer of another device was passed");
    INGOT_RETURN_IF_ERROR(validatePlan(*cexe, plan, buffers));
    INGOT_ASSIGN_OR_RETURN(std::shared_ptr<DeviceState> st,
                           cexe->stateFor(ctx_.get(), [&] { return prepare(ctx_, *cexe, cache_, fromCache_); }));
    std::lock_guard<std::mutex> stateLock(st->mutex);
    std::lock_guard<std::mutex> lock(ctx_->mutex());
    cl_event last = nullptr;
    Status s = enqueuePlan(*st, *cexe, plan, buffers, last);
    if (s.isOk() && last) s = waitFor(last);
    if (last) ctx_->fns().clReleaseEvent(last);
    if (s.isOk())
      for (size_t i = 0; i < st->kernels.size(); ++i) storeBinary(*ctx_, cexe->kernels()[i], st->kernels[i], cache_);
    // After a failure, nothing of this run may still be in flight.
    if (!s.isOk()) ctx_->fns().clFinish(ctx_->queue());
    return s;
  }

 private:
  static cl_mem handle(std::span<rt::Buffer* const> buffers, uint32_t b) {
    return static_cast<OpenClBuffer*>(buffers[b])->handle();
  }

  Status enqueuePlan(DeviceState& st, const OpenClExecutable& exe, const rt::Plan& plan,
                     std::span<rt::Buffer* const> buffers, cl_event& last) {
    const ClFns& f = ctx_->fns();
    cl_command_queue q = ctx_->queue();
    auto keep = [&](cl_event ev) {
      if (last) f.clReleaseEvent(last);
      last = ev;
    };
    for (const rt::PlanStep& step : plan.steps) {
      if (const auto* c = std::get_if<rt::CopyStep>(&step)) {
        if (c->bytes == 0) continue;
        cl_event ev = nullptr;
        INGOT_RETURN_IF_ERROR(ctx_->check(f.clEnqueueCopyBuffer(q, handle(buffers, c->src), handle(buffers, c->dst),
                                                                c->srcOffset, c->dstOffset, c->bytes, 0, nullptr, &ev),
                                          "clEnqueueCopyBuffer"));
        keep(ev);
        continue;
      }
      const auto& s = std::get<rt::DispatchStep>(step);
      const OpenClKernel& k = exe.kernels()[s.kernel];
      BuiltKernel& bk = st.kernels[s.kernel];
      if (k.invocations == 0) continue;
      INGOT_RETURN_IF_ERROR(setArgs(st, s, k, buffers));
      cl_event ev = nullptr;
      INGOT_RETURN_IF_ERROR(ctx_->check(
          f.clEnqueueNDRangeKernel(q, bk.kernel, 1, nullptr, &bk.globalSize, &bk.localSize, 0, nullptr, &ev),
          "clEnqueueNDRangeKernel for dispatch " + k.name));
      keep(ev);
    }
    return Status::ok();
  }

  // Sets a kernel's arguments where they differ from what is set (OpenClSource.h: a buffer and an element
  // offset per binding).
  Status setArgs(DeviceState& st, const rt::DispatchStep& s, const OpenClKernel& k, std::span<rt::Buffer* const> buffers) {
    ArgKey key;
    for (size_t b = 0; b < s.bindings.size(); ++b) {
      const rt::BufferRange& r = s.bindings[b];
      key.emplace_back(static_cast<OpenClBuffer*>(buffers[r.buffer])->serial(), r.offset / k.elementBytes[b]);
    }
    ArgKey& current = st.args[s.kernel];
    if (current == key) return Status::ok();
    current.clear();  // a failure below leaves the arguments unknown
    const ClFns& f = ctx_->fns();
    cl_kernel kernel = st.kernels[s.kernel].kernel;
    for (size_t b = 0; b < s.bindings.size(); ++b) {
      cl_mem mem = handle(buffers, s.bindings[b].buffer);
      const cl_long offset = static_cast<cl_long>(key[b].second);
      INGOT_RETURN_IF_ERROR(ctx_->check(f.clSetKernelArg(kernel, static_cast<cl_uint>(2 * b), sizeof(cl_mem), &mem),
                                        "clSetKernelArg for dispatch " + k.name));
      INGOT_RETURN_IF_ERROR(ctx_->check(
          f.clSetKernelArg(kernel, static_cast<cl_uint>(2 * b + 1), sizeof(cl_long), &offset),
          "clSetKernelArg for dispatch " + k.name));
    }
    current = std::move(key);
    return Status::ok();
  }

  // Waits for the run's last command; in order, every earlier one is done too.
  Status waitFor(cl_event ev) {
    const ClFns& f = ctx_->fns();
    INGOT_RETURN_IF_ERROR(ctx_->check(f.clWaitForEvents(1, &ev), "clWaitForEvents"));
    cl_int status = CL_COMPLETE;
    INGOT_RETURN_IF_ERROR(ctx_->check(
        f.clGetEventInfo(ev, CL_EVENT_COMMAND_EXECUTION_STATUS, sizeof(status), &status, nullptr), "clGetEventInfo"));
    if (status < 0) return ctx_->check(status, "running the plan");
    return Status::ok();
  }

  std::shared_ptr<Context> ctx_;
  BinaryCache cache_;
  std::atomic<uint64_t> fromCache_{0};
};

class OpenClProvider final : public rt::DeviceProvider {
 public:
  explicit OpenClProvider(ProviderOptions o) : options_(std::move(o)) {}
  std::string_view backend() const override { return kBackend; }
  Expected<std::vector<std::unique_ptr<rt::Device>>> enumerate() const override {
    INGOT_ASSIGN_OR_RETURN(auto contexts, Context::enumerate());
    const std::string dir = options_.cacheDir ? *options_.cacheDir : defaultCacheDir();
    std::vector<std::unique_ptr<rt::Device>> out;
    for (auto& c : contexts) out.push_back(std::make_unique<OpenClDevice>(std::move(c), dir));
    return out;
  }

 private:
  ProviderOptions options_;
};

}  // namespace

std::unique_ptr<rt::DeviceProvider> makeDeviceProvider(const ProviderOptions& options) {
  return std::make_unique<OpenClProvider>(options);
}

Expected<uint64_t> programsFromCache(const rt::Device& device) {
  const auto* d = dynamic_cast<const OpenClDevice*>(&device);
  if (!d) return invalidInput("not an opencl device");
  return d->programsFromCache();
}

}  // namespace ingot::backends::opencl
