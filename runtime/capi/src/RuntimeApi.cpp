// Runtimes and devices: creating a runtime resolves the thread count and an
// explicit device choice; devices are enumerated per backend on first need
// (a Vulkan instance is not created for a CPU-only application).
#include <algorithm>
#include <cctype>

#include "runtime/ThreadPool.h"
#include "runtime/capi/src/Handles.h"
#include "runtime/capi/src/RuntimeDevices.h"

using namespace ingot;
using capi::BackendDevices;
using capi::RuntimeDevice;

namespace ingot::capi {

namespace {

BackendDevices& devicesOf(ingot_runtime& r, const BackendRow& row) {
  const size_t i = static_cast<size_t>(&row - backendRows().data());
  enumerateBackend(row, ProviderSettings{r.threads}, r.devices[i]);
  return r.devices[i];
}

bool containsIgnoringCase(std::string_view haystack, std::string_view needle) {
  auto it = std::search(haystack.begin(), haystack.end(), needle.begin(), needle.end(),
                        [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) ==
                                                    std::tolower(static_cast<unsigned char>(b)); });
  return it != haystack.end();
}

// "vulkan:1" -> the row and 1; "llvm" -> the row and 0; anything else (a
// device name) -> no row.
struct BackendSpec {
  const BackendRow* row = nullptr;
  size_t index = 0;
};
Expected<BackendSpec> parseBackendSpec(const std::string& spec) {
  const size_t colon = spec.find(':');
  const BackendRow* row = findBackendRow(std::string_view(spec).substr(0, colon));
  if (!row) return BackendSpec{};
  if (colon == std::string::npos) return BackendSpec{row, 0};
  const std::string idx = spec.substr(colon + 1);
  if (idx.empty() || idx.size() > 6 || idx.find_first_not_of("0123456789") != std::string::npos)
    return invalidInput("device '{}': expected BACKEND or BACKEND:INDEX (an index of 0 or more)", spec);
  return BackendSpec{row, static_cast<size_t>(std::stoul(idx))};
}

// Resolves an explicit device spec (not "auto") when the runtime is created.
Expected<RuntimeDevice*> resolveSpec(ingot_runtime& r, const std::string& spec) {
  INGOT_ASSIGN_OR_RETURN(BackendSpec b, parseBackendSpec(spec));
  if (b.row) {
    BackendDevices& devs = devicesOf(r, *b.row);
    if (b.index < devs.devices.size()) return devs.devices[b.index].get();
    if (devs.devices.empty()) return invalidInput("device '{}': {} has no devices: {}", spec, b.row->backend, devs.error);
    return invalidInput("device '{}': {} has {} device(s)", spec, b.row->backend, devs.devices.size());
  }
  std::string seen;
  for (const BackendRow& row : backendRows()) {
    BackendDevices& devs = devicesOf(r, row);
    for (auto& d : devs.devices) {
      if (containsIgnoringCase(d->device->info().name, spec)) return d.get();
      seen += fmt::format("\n  {} '{}'", d->device->info().id(), d->device->info().name);
    }
    if (devs.devices.empty()) seen += fmt::format("\n  {}: {}", row.backend, devs.error);
  }
  return invalidInput("device '{}': no backend of that name and no device whose name contains it; devices:{}", spec,
                      seen);
}

}  // namespace

Expected<RuntimeDevice*> chooseDevice(ingot_runtime& r, const rt::ArtifactContents& artifact) {
  std::lock_guard lock(r.mutex);
  if (r.chosen) return r.chosen;
  const std::vector<std::string> backends = artifact.backends();
  std::string reasons;
  for (const std::string& backend : backends) {
    const BackendRow* row = findBackendRow(backend);
    if (!row) {
      reasons += fmt::format("\n  {}: not a backend of this runtime", backend);
      continue;
    }
    if (!row->loadCode) {
      reasons += fmt::format("\n  {}: this runtime cannot load its code yet", backend);
      continue;
    }
    BackendDevices& devs = devicesOf(r, *row);
    if (!devs.devices.empty()) return devs.devices.front().get();
    reasons += fmt::format("\n  {}: {}", backend, devs.error);
  }
  if (backends.empty()) return invalidInput("the artifact has no compiled code");
  return invalidInput("no device can run the artifact (device \"auto\"):{}", reasons);
}

void fillDeviceInfo(const RuntimeDevice& d, ingot_device_info* out) {
  const rt::DeviceInfo& info = d.device->info();
  out->backend = info.backend.c_str();
  out->name = info.name.c_str();
  out->index = info.index;
  out->description = info.description.c_str();
  out->can_run_models = d.row->loadCode ? 1 : 0;
}

}  // namespace ingot::capi

namespace {

// Enumerates every backend (once) and flattens the devices for listing.
void listAllDevices(ingot_runtime& r) {
  if (r.listedAll) return;
  std::vector<RuntimeDevice*> all;
  for (const capi::BackendRow& row : capi::backendRows())
    for (auto& d : capi::devicesOf(r, row).devices) all.push_back(d.get());
  r.listed = std::move(all);
  r.listedAll = true;
}

}  // namespace

extern "C" {

INGOT_API ingot_status* ingot_runtime_create(const ingot_runtime_options* options, ingot_runtime** out) {
  return capi::guarded("ingot_runtime_create", [&]() -> Status {
    if (!out) return capi::nullArgument("ingot_runtime_create", "out");
    const ingot_runtime_options defaults;
    const ingot_runtime_options& o = options ? *options : defaults;
    auto r = std::make_unique<ingot_runtime>();
    INGOT_ASSIGN_OR_RETURN(r->threads, rt::resolveThreadCount(o.threads));
    r->deviceSpec = o.device;
    r->loaders = capi::codeLoaders();
    r->devices.resize(capi::backendRows().size());
    if (!o.device.empty() && o.device != "auto") {
      INGOT_ASSIGN_OR_RETURN(r->chosen, capi::resolveSpec(*r, o.device));
    }
    *out = r.release();
    return Status::ok();
  });
}

INGOT_API void ingot_runtime_destroy(ingot_runtime* runtime) { delete runtime; }

INGOT_API ingot_status* ingot_runtime_device_count(ingot_runtime* runtime, size_t* count) {
  return capi::guarded("ingot_runtime_device_count", [&]() -> Status {
    if (!runtime) return capi::nullArgument("ingot_runtime_device_count", "runtime");
    if (!count) return capi::nullArgument("ingot_runtime_device_count", "count");
    std::lock_guard lock(runtime->mutex);
    listAllDevices(*runtime);
    *count = runtime->listed.size();
    return Status::ok();
  });
}

INGOT_API ingot_status* ingot_runtime_device_info(ingot_runtime* runtime, size_t index, ingot_device_info* out) {
  return capi::guarded("ingot_runtime_device_info", [&]() -> Status {
    if (!runtime) return capi::nullArgument("ingot_runtime_device_info", "runtime");
    if (!out) return capi::nullArgument("ingot_runtime_device_info", "out");
    std::lock_guard lock(runtime->mutex);
    listAllDevices(*runtime);
    if (index >= runtime->listed.size())
      return invalidInput("ingot_runtime_device_info: device {} of {}", index, runtime->listed.size());
    capi::fillDeviceInfo(*runtime->listed[index], out);
    return Status::ok();
  });
}

}  // extern "C"
