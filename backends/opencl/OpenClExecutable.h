// What the OpenCL compiler hands the OpenCL device: one OpenCL C program per
// dispatch plus what the device needs to bind and launch it. A plain data
// type (strings and numbers), so it can be written into an artifact and run
// later by the runtime without the compiler. Device-side code: no compiler
// headers here. OpenClSource.h describes the kernel ABI.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "runtime/Device.h"
#include "runtime/PerDeviceState.h"

namespace ingot::backends::opencl {

inline constexpr std::string_view kBackend = "opencl";

// Optional device capabilities a kernel needs.
enum Feature : uint32_t {
  kFloat64 = 1u << 0,  // double values: cl_khr_fp64
  kInt64 = 1u << 1,    // 64-bit integers (every kernel's long offsets): a full-profile device
};
std::string featureNames(uint32_t features);  // "cl_khr_fp64, 64-bit integers"

struct OpenClKernel {
  std::string name;        // the dispatch's name (messages)
  std::string entry;       // the __kernel function in `source`
  std::string source;      // OpenCL C 1.2
  std::vector<uint64_t> bindingBytes;    // each binding's size from its static shape
  std::vector<uint32_t> elementBytes;    // each binding's element size (offsets are passed in elements)
  std::vector<bool> writes;              // parallels bindingBytes: the kernel writes the binding
  uint64_t invocations = 0;              // work-items that do work; 0: nothing to run
  // Work-group size: the preferred size when !fixedLocalSize (the device
  // lowers it to its limits and rounds the launch up: the kernel returns
  // past `invocations`); the exact size the kernel's local-memory tiles
  // need when fixedLocalSize (a device that cannot run it is an error).
  uint32_t localSize = 64;
  bool fixedLocalSize = false;
  uint32_t features = kInt64;
};

// The executable's bytes in an artifact (runtime/Artifact.h), and back: an
// executable for OpenCL devices, checked against the plan so a corrupt
// artifact is an error (the device builds the sources on first use).
class OpenClExecutable;
std::string encodeOpenClCode(const OpenClExecutable& exe);
Expected<std::shared_ptr<const rt::Executable>> loadOpenClCode(std::string_view bytes, const rt::Plan& plan);

class OpenClExecutable final : public rt::Executable {
 public:
  explicit OpenClExecutable(std::vector<OpenClKernel> kernels) : kernels_(std::move(kernels)) {}
  std::string_view backend() const override { return kBackend; }
  size_t numKernels() const override { return kernels_.size(); }
  std::string kernelName(size_t i) const override { return i < kernels_.size() ? kernels_[i].name : "?"; }
  const std::vector<OpenClKernel>& kernels() const { return kernels_; }

  // The objects a device made for this executable (built programs, kernels
  // and the arguments last set on them; OpenClDevice.cpp), made on first
  // use by `make` and kept as long as the executable. Keyed by the device's
  // context, which the state keeps alive, so a key is never reused while
  // its entry exists.
  struct DeviceState;
  Expected<std::shared_ptr<DeviceState>> stateFor(
      const void* context, const std::function<Expected<std::shared_ptr<DeviceState>>()>& make) const {
    return states_.get(context, make);
  }

 private:
  std::vector<OpenClKernel> kernels_;
  rt::PerDeviceState<DeviceState> states_;
};

}  // namespace ingot::backends::opencl
