#include "backends/opencl/OpenClProgram.h"

#include <algorithm>

namespace ingot::backends::opencl {

namespace {

std::string buildLog(const ClFns& f, cl_program p, cl_device_id d) {
  size_t size = 0;
  if (f.clGetProgramBuildInfo(p, d, CL_PROGRAM_BUILD_LOG, 0, nullptr, &size) != CL_SUCCESS || size == 0) return "";
  std::string log(size, '\0');
  if (f.clGetProgramBuildInfo(p, d, CL_PROGRAM_BUILD_LOG, size, log.data(), nullptr) != CL_SUCCESS) return "";
  while (!log.empty() && (log.back() == '\0' || log.back() == '\n')) log.pop_back();
  return log;
}

// The program's device binary, or "" when the driver gives none.
std::string programBinary(const ClFns& f, cl_program p) {
  size_t size = 0;
  if (f.clGetProgramInfo(p, CL_PROGRAM_BINARY_SIZES, sizeof(size), &size, nullptr) != CL_SUCCESS || size == 0)
    return "";
  std::string binary(size, '\0');
  unsigned char* ptr = reinterpret_cast<unsigned char*>(binary.data());
  if (f.clGetProgramInfo(p, CL_PROGRAM_BINARIES, sizeof(ptr), &ptr, nullptr) != CL_SUCCESS) return "";
  return binary;
}

// The program from a cached binary, or null when there is none or the
// driver rejects it (stale: another driver build; corrupt).
cl_program fromBinary(const Context& ctx, const std::string& binary) {
  const ClFns& f = ctx.fns();
  cl_device_id dev = ctx.device();
  const size_t size = binary.size();
  const unsigned char* ptr = reinterpret_cast<const unsigned char*>(binary.data());
  cl_int status = CL_SUCCESS, err = CL_SUCCESS;
  cl_program p = f.clCreateProgramWithBinary(ctx.context(), 1, &dev, &size, &ptr, &status, &err);
  if (err != CL_SUCCESS || status != CL_SUCCESS || !p) {
    if (p) f.clReleaseProgram(p);
    return nullptr;
  }
  if (f.clBuildProgram(p, 1, &dev, ctx.buildOptions().c_str(), nullptr, nullptr) != CL_SUCCESS) {
    f.clReleaseProgram(p);
    return nullptr;
  }
  return p;
}

Expected<cl_program> fromSource(const Context& ctx, const OpenClKernel& k) {
  const ClFns& f = ctx.fns();
  cl_device_id dev = ctx.device();
  const char* src = k.source.c_str();
  const size_t len = k.source.size();
  cl_int err = CL_SUCCESS;
  cl_program p = f.clCreateProgramWithSource(ctx.context(), 1, &src, &len, &err);
  INGOT_RETURN_IF_ERROR(ctx.check(err, "clCreateProgramWithSource for kernel " + k.name));
  err = f.clBuildProgram(p, 1, &dev, ctx.buildOptions().c_str(), nullptr, nullptr);
  if (err != CL_SUCCESS) {
    std::string log = buildLog(f, p, dev);
    f.clReleaseProgram(p);
    return unsupported("opencl device {} ({}) cannot build the kernel of dispatch {}: {}\nbuild log:\n{}",
                       ctx.info().index, ctx.info().name, k.name, clErrorName(err), log.empty() ? "(empty)" : log);
  }
  return p;
}

// What makes a device binary reusable: the same device, driver and options.
std::string cacheKey(const Context& ctx) {
  return ctx.info().name + "\n" + ctx.driverVersion() + "\n" + ctx.buildOptions();
}

}  // namespace

void storeBinary(const Context& ctx, const OpenClKernel& k, BuiltKernel& built, const BinaryCache& cache) {
  if (!built.storePending) return;
  built.storePending = false;
  cache.store(cacheKey(ctx), k.source, programBinary(ctx.fns(), built.program));
}

void releaseKernel(const ClFns& f, BuiltKernel& k) {
  if (k.kernel) f.clReleaseKernel(k.kernel);
  if (k.program) f.clReleaseProgram(k.program);
  k = BuiltKernel{};
}

Expected<BuiltKernel> buildKernel(const Context& ctx, const OpenClKernel& k, const BinaryCache& cache) {
  const ClFns& f = ctx.fns();
  if (uint32_t missing = k.features & ~ctx.features())
    return unsupported("opencl device {} ({}) lacks {}, needed by the kernel of dispatch {}", ctx.info().index,
                       ctx.info().name, featureNames(missing), k.name);
  const std::string key = cacheKey(ctx);
  BuiltKernel out;
  if (auto binary = cache.load(key, k.source)) {
    out.program = fromBinary(ctx, *binary);
    out.fromCache = out.program != nullptr;
  }
  if (!out.program) {
    INGOT_ASSIGN_OR_RETURN(out.program, fromSource(ctx, k));
    out.storePending = cache.enabled();
  }
  cl_int err = CL_SUCCESS;
  out.kernel = f.clCreateKernel(out.program, k.entry.c_str(), &err);
  if (Status s = ctx.check(err, "clCreateKernel " + k.entry); !s.isOk()) {
    releaseKernel(f, out);
    return s;
  }
  size_t kernelMax = 0;
  err = f.clGetKernelWorkGroupInfo(out.kernel, ctx.device(), CL_KERNEL_WORK_GROUP_SIZE, sizeof(kernelMax), &kernelMax,
                                   nullptr);
  if (err != CL_SUCCESS || kernelMax == 0) kernelMax = ctx.maxWorkGroupSize();
  const size_t limit = std::min({kernelMax, ctx.maxWorkGroupSize(), ctx.maxWorkItemSize0()});
  if (k.fixedLocalSize && k.localSize > limit) {
    releaseKernel(f, out);
    return unsupported("opencl device {} ({}) runs the kernel of dispatch {} in work-groups of at most {}, and it "
                       "needs {}",
                       ctx.info().index, ctx.info().name, k.name, limit, k.localSize);
  }
  out.localSize = std::max<size_t>(1, std::min<size_t>(k.localSize, limit));
  out.globalSize = (k.invocations + out.localSize - 1) / out.localSize * out.localSize;
  return out;
}

}  // namespace ingot::backends::opencl
