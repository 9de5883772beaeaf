#include "backends/opencl/OpenClContext.h"

#include "backends/opencl/OpenClExecutable.h"

namespace ingot::backends::opencl {

namespace {

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\0' || s.back() == ' ')) s.pop_back();
  return s;
}

std::string deviceString(const ClFns& f, cl_device_id d, cl_device_info what) {
  size_t size = 0;
  if (f.clGetDeviceInfo(d, what, 0, nullptr, &size) != CL_SUCCESS || size == 0) return "";
  std::string s(size, '\0');
  if (f.clGetDeviceInfo(d, what, size, s.data(), nullptr) != CL_SUCCESS) return "";
  return trimmed(std::move(s));
}

template <typename T>
T deviceValue(const ClFns& f, cl_device_id d, cl_device_info what, T fallback) {
  T v{};
  return f.clGetDeviceInfo(d, what, sizeof(T), &v, nullptr) == CL_SUCCESS ? v : fallback;
}

std::string platformString(const ClFns& f, cl_platform_id p, cl_platform_info what) {
  size_t size = 0;
  if (f.clGetPlatformInfo(p, what, 0, nullptr, &size) != CL_SUCCESS || size == 0) return "";
  std::string s(size, '\0');
  if (f.clGetPlatformInfo(p, what, size, s.data(), nullptr) != CL_SUCCESS) return "";
  return trimmed(std::move(s));
}

}  // namespace

Context::~Context() {
  if (queue_) {
    fns_.clFinish(queue_);
    fns_.clReleaseCommandQueue(queue_);
  }
  if (context_) fns_.clReleaseContext(context_);
}

Status Context::check(cl_int err, const std::string& what) const {
  if (err == CL_SUCCESS) return Status::ok();
  Status s = runtimeError("opencl device {} ({}): {} failed: {}", info_.index, info_.name, what, clErrorName(err));
  return s;
}

Status Context::open(int index) {
  const ClFns& f = fns_;
  info_.backend = std::string(kBackend);
  info_.index = index;
  info_.name = deviceString(f, device_, CL_DEVICE_NAME);
  driverVersion_ = deviceString(f, device_, CL_DRIVER_VERSION);
  const std::string vendor = deviceString(f, device_, CL_DEVICE_VENDOR);
  const std::string version = deviceString(f, device_, CL_DEVICE_VERSION);
  const std::string extensions = " " + deviceString(f, device_, CL_DEVICE_EXTENSIONS) + " ";
  const std::string profile = deviceString(f, device_, CL_DEVICE_PROFILE);
  maxWorkGroupSize_ = deviceValue<size_t>(f, device_, CL_DEVICE_MAX_WORK_GROUP_SIZE, 1);
  size_t sizes[3] = {1, 1, 1};
  if (f.clGetDeviceInfo(device_, CL_DEVICE_MAX_WORK_ITEM_SIZES, sizeof(sizes), sizes, nullptr) == CL_SUCCESS)
    maxWorkItemSize0_ = sizes[0];
  maxAllocation_ = deviceValue<cl_ulong>(f, device_, CL_DEVICE_MAX_MEM_ALLOC_SIZE, 0);
  info_.memoryBytes = deviceValue<cl_ulong>(f, device_, CL_DEVICE_GLOBAL_MEM_SIZE, 0);
  info_.computeUnits = deviceValue<cl_uint>(f, device_, CL_DEVICE_MAX_COMPUTE_UNITS, 1);
  const cl_device_fp_config fp64 = deviceValue<cl_device_fp_config>(f, device_, CL_DEVICE_DOUBLE_FP_CONFIG, 0);
  if (fp64 != 0 && extensions.find(" cl_khr_fp64 ") != std::string::npos) features_ |= kFloat64;
  if (profile == "FULL_PROFILE" || extensions.find(" cles_khr_int64 ") != std::string::npos) features_ |= kInt64;
  info_.supportsF64 = (features_ & kFloat64) != 0;
  const cl_device_fp_config fp32 = deviceValue<cl_device_fp_config>(f, device_, CL_DEVICE_SINGLE_FP_CONFIG, 0);
  if (fp32 & CL_FP_CORRECTLY_ROUNDED_DIVIDE_SQRT) buildOptions_ = "-cl-fp32-correctly-rounded-divide-sqrt";
  info_.description = fmt::format("{}, {}, driver {}, {} compute units, work-groups up to {}{}", vendor, version,
                                  driverVersion_, info_.computeUnits, maxWorkGroupSize_,
                                  info_.supportsF64 ? ", fp64" : "");
  cl_int err = CL_SUCCESS;
  context_ = f.clCreateContext(nullptr, 1, &device_, nullptr, nullptr, &err);
  INGOT_RETURN_IF_ERROR(check(err, "clCreateContext"));
  // In order: a plan's steps run one after another with no events between
  // them (each step sees the previous ones' writes).
  queue_ = f.clCreateCommandQueue(context_, device_, 0, &err);
  return check(err, "clCreateCommandQueue");
}

Expected<std::vector<std::shared_ptr<Context>>> Context::enumerate() {
  INGOT_ASSIGN_OR_RETURN(const ClFns* f, loadOpenCl());
  cl_uint numPlatforms = 0;
  cl_int err = f->clGetPlatformIDs(0, nullptr, &numPlatforms);
  if (err == -1001 /* CL_PLATFORM_NOT_FOUND_KHR */ || (err == CL_SUCCESS && numPlatforms == 0))
    return unsupported("no OpenCL platform: the loader found no driver (install one, e.g. pocl-opencl-icd for "
                       "a CPU device)");
  if (err != CL_SUCCESS) return runtimeError("opencl: clGetPlatformIDs failed: {}", clErrorName(err));
  std::vector<cl_platform_id> platforms(numPlatforms);
  err = f->clGetPlatformIDs(numPlatforms, platforms.data(), nullptr);
  if (err != CL_SUCCESS) return runtimeError("opencl: clGetPlatformIDs failed: {}", clErrorName(err));
  std::vector<std::shared_ptr<Context>> out;
  std::string failures;
  for (cl_platform_id p : platforms) {
    cl_uint n = 0;
    if (f->clGetDeviceIDs(p, CL_DEVICE_TYPE_ALL, 0, nullptr, &n) != CL_SUCCESS || n == 0) continue;
    std::vector<cl_device_id> devices(n);
    if (f->clGetDeviceIDs(p, CL_DEVICE_TYPE_ALL, n, devices.data(), nullptr) != CL_SUCCESS) continue;
    for (cl_device_id d : devices) {
      auto ctx = std::make_shared<Context>(*f, d);
      Status s = ctx->open(static_cast<int>(out.size()));
      if (!s.isOk()) {
        failures += fmt::format("\n  {} ({}): {}", ctx->info_.name, platformString(*f, p, CL_PLATFORM_NAME),
                                s.message());
        continue;
      }
      out.push_back(std::move(ctx));
    }
  }
  if (out.empty() && !failures.empty()) return runtimeError("no usable OpenCL device:{}", failures);
  return out;
}

}  // namespace ingot::backends::opencl
