// One OpenCL device opened for use: its context and in-order command queue
// (shared by the device's buffers and every executable run on it), what the
// device reports about itself, and CL error checking. Device-side code.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "backends/opencl/OpenClApi.h"
#include "runtime/Device.h"

namespace ingot::backends::opencl {

class Context {
 public:
  Context(const ClFns& fns, cl_device_id device) : fns_(fns), device_(device) {}
  ~Context();
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  // Every device of every platform, numbered in that order (opencl:N); an
  // error when there is no loader or no platform.
  static Expected<std::vector<std::shared_ptr<Context>>> enumerate();

  const ClFns& fns() const { return fns_; }
  cl_device_id device() const { return device_; }
  cl_context context() const { return context_; }
  cl_command_queue queue() const { return queue_; }
  const rt::DeviceInfo& info() const { return info_; }
  // "opencl device 0 (pthread-haswell): clFoo failed: CL_..." when err is not CL_SUCCESS.
  Status check(cl_int err, const std::string& what) const;

  // What the device reports (CL_DEVICE_* queries).
  const std::string& driverVersion() const { return driverVersion_; }
  size_t maxWorkGroupSize() const { return maxWorkGroupSize_; }
  size_t maxWorkItemSize0() const { return maxWorkItemSize0_; }
  uint64_t maxAllocation() const { return maxAllocation_; }
  uint32_t features() const { return features_; }  // Feature bits the device has
  // Options every program is built with (correctly rounded f32 division
  // and sqrt where the device offers it: 6 / 3 must be exactly 2).
  const std::string& buildOptions() const { return buildOptions_; }

  // Serializes use of the queue between buffers' transfers and plan runs.
  std::mutex& mutex() { return mutex_; }

 private:
  Status open(int index);

  const ClFns& fns_;
  cl_device_id device_ = nullptr;
  cl_context context_ = nullptr;
  cl_command_queue queue_ = nullptr;
  rt::DeviceInfo info_;
  std::string driverVersion_, buildOptions_;
  size_t maxWorkGroupSize_ = 1, maxWorkItemSize0_ = 1;
  uint64_t maxAllocation_ = 0;
  uint32_t features_ = 0;
  std::mutex mutex_;
};

}  // namespace ingot::backends::opencl
