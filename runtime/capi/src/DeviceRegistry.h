// The backends the embeddable runtime knows: one row each, with the device
// provider that enumerates its devices and the code loader that turns the
// artifact's code for that backend into an executable. Adding a backend (or
// the loader for one) is one row in DeviceRegistry.cpp.
#pragma once

#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/Device.h"
#include "runtime/LoadedModel.h"

namespace ingot::capi {

struct ProviderSettings {
  unsigned threads = 1;  // CPU devices' worker threads (resolved, >= 1)
};

using CodeLoaderFn = Expected<std::shared_ptr<const rt::Executable>> (*)(std::string_view code, const rt::Plan& plan);

struct BackendRow {
  std::string_view backend;  // as in artifacts and device specs: "llvm", "vulkan", "opencl"
  std::unique_ptr<rt::DeviceProvider> (*makeProvider)(const ProviderSettings&);
  // Null: the devices are listed, but artifacts cannot run on them yet.
  CodeLoaderFn loadCode;
};

// In the order "auto" and device listings use.
std::span<const BackendRow> backendRows();
const BackendRow* findBackendRow(std::string_view backend);
// Every row's loader, keyed by backend, for rt::LoadedModel::create.
rt::CodeLoaders codeLoaders();

// A device opened by a runtime. Models on one device take turns on it: a
// device runs one plan at a time (the host device's thread pool is not
// reentrant, a Vulkan queue is not thread-safe).
struct RuntimeDevice {
  const BackendRow* row = nullptr;
  std::unique_ptr<rt::Device> device;
  std::mutex mutex;
};

// One backend's devices, enumerated once per runtime on first need.
struct BackendDevices {
  bool enumerated = false;
  std::string error;  // why there are none (no driver, ...)
  std::vector<std::unique_ptr<RuntimeDevice>> devices;
};

// Enumerates `row`'s devices into `into` unless done already.
void enumerateBackend(const BackendRow& row, const ProviderSettings& settings, BackendDevices& into);

}  // namespace ingot::capi
