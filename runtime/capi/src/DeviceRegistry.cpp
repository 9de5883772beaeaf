#include "runtime/capi/src/DeviceRegistry.h"

#include "backends/vulkan/VulkanDevice.h"
#include "backends/vulkan/VulkanExecutable.h"
#include "runtime/CpuCode.h"
#include "runtime/HostDevice.h"
#if INGOT_CAPI_HAVE_OPENCL
#include "backends/opencl/OpenClDevice.h"
#include "backends/opencl/OpenClExecutable.h"
#endif

namespace ingot::capi {

namespace {

// The "llvm" backend's device: the host CPU running the artifact's machine
// code. The llvm backend's own provider lives in the compiler library (it
// links LLVM to name the CPU); this one needs only the runtime.
class HostCpuProvider final : public rt::DeviceProvider {
 public:
  explicit HostCpuProvider(unsigned threads) : threads_(threads) {}
  std::string_view backend() const override { return "llvm"; }
  Expected<std::vector<std::unique_ptr<rt::Device>>> enumerate() const override {
    std::vector<std::unique_ptr<rt::Device>> out;
    out.push_back(std::make_unique<rt::HostDevice>(
        "llvm", "host",
        fmt::format("native code for the host CPU, {} thread{}", threads_, threads_ == 1 ? "" : "s"), threads_));
    return out;
  }

 private:
  unsigned threads_;
};

std::unique_ptr<rt::DeviceProvider> hostCpuProvider(const ProviderSettings& s) {
  return std::make_unique<HostCpuProvider>(s.threads);
}
std::unique_ptr<rt::DeviceProvider> vulkanProvider(const ProviderSettings&) {
  return backends::vulkan::makeDeviceProvider();
}
#if INGOT_CAPI_HAVE_OPENCL
std::unique_ptr<rt::DeviceProvider> openclProvider(const ProviderSettings&) {
  return backends::opencl::makeDeviceProvider();
}
#endif

// The CPU first: "auto" follows the artifact's order, listings this one.
constexpr BackendRow kRows[] = {
    {"llvm", &hostCpuProvider, &rt::loadCpuCode},
    {"vulkan", &vulkanProvider, &backends::vulkan::loadVulkanCode},
#if INGOT_CAPI_HAVE_OPENCL
    {"opencl", &openclProvider, &backends::opencl::loadOpenClCode},
#endif
};

}  // namespace

std::span<const BackendRow> backendRows() { return kRows; }

const BackendRow* findBackendRow(std::string_view backend) {
  for (const BackendRow& r : kRows)
    if (r.backend == backend) return &r;
  return nullptr;
}

rt::CodeLoaders codeLoaders() {
  rt::CodeLoaders out;
  for (const BackendRow& r : kRows)
    if (r.loadCode) out.emplace(std::string(r.backend), r.loadCode);
  return out;
}

void enumerateBackend(const BackendRow& row, const ProviderSettings& settings, BackendDevices& into) {
  if (into.enumerated) return;
  // Built aside and moved in at the end, so an exception (out of memory)
  // leaves `into` as it was and a later call tries again.
  BackendDevices found;
  auto devices = row.makeProvider(settings)->enumerate();
  if (!devices.ok()) found.error = devices.status().message();
  else if (devices->empty()) found.error = "no devices";
  else
    for (auto& d : *devices) {
      auto rd = std::make_unique<RuntimeDevice>();
      rd->row = &row;
      rd->device = std::move(d);
      found.devices.push_back(std::move(rd));
    }
  found.enumerated = true;
  into = std::move(found);
}

}  // namespace ingot::capi
