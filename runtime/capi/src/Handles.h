// The C API's handle types and the one place where C++ errors become
// ingot_status values. Every exported function runs its body through
// `guarded`, so no exception (std::bad_alloc included) crosses into C.
#pragma once

#include <memory>
#include <mutex>
#include <new>
#include <optional>
#include <string>
#include <vector>

#include "ingot/ingot.h"
#include "runtime/LoadedModel.h"
#include "runtime/capi/src/DeviceRegistry.h"
#include "support/Status.h"

struct ingot_status {
  ingot_status_code code = INGOT_STATUS_INTERNAL;
  std::string message;
};

struct ingot_runtime_options {
  uint32_t threads = 0;
  std::string device = "auto";
};

struct ingot_runtime {
  unsigned threads = 1;    // resolved: options, INGOT_THREADS or the CPU count
  std::string deviceSpec;  // as given, for messages
  // Set when the options named a device; "auto" chooses per model.
  ingot::capi::RuntimeDevice* chosen = nullptr;
  ingot::rt::CodeLoaders loaders;
  // Guards `devices` (enumerated lazily, per backend) and `listed`.
  std::mutex mutex;
  std::vector<ingot::capi::BackendDevices> devices;  // parallel to backendRows()
  std::vector<ingot::capi::RuntimeDevice*> listed;   // every device, for ingot_runtime_device_info
  bool listedAll = false;
};

// An entry point resolved once (ingot_model_get_entry), so a run looks up
// no names. Owned by its model.
struct ingot_entry {
  ingot_model* model = nullptr;
  size_t index = 0;                       // in the artifact's entry points
  const ingot::rt::Plan* plan = nullptr;  // its signature on the model's device
  // Run scratch, sized once at load so a run allocates nothing: tensors in
  // signature order (ingot_model_run's name binding) and their memory
  // (Session::runWithData).
  std::vector<ingot_tensor*> boundInputs, boundOutputs;
  std::vector<const void*> inputData;
  std::vector<void*> outputData;
};

struct ingot_model {
  ingot_runtime* runtime = nullptr;
  ingot::capi::RuntimeDevice* device = nullptr;
  std::unique_ptr<ingot::rt::LoadedModel> loaded;
  std::vector<std::unique_ptr<ingot_entry>> entries;  // parallel to the artifact's entry points
  // Every persistent state tensor once (the union over entry points, in
  // entry order), for ingot_model_state_info.
  std::vector<const ingot::rt::TensorSlot*> state;
};

struct ingot_tensor {
  ingot::DType dtype = ingot::DType::F32;
  std::vector<int64_t> dims;
  void* data = nullptr;
  size_t bytes = 0;
  struct AlignedDelete {
    void operator()(std::byte* p) const { ::operator delete[](p, std::align_val_t{64}); }
  };
  std::unique_ptr<std::byte[], AlignedDelete> owned;  // null for a wrapped tensor
};

namespace ingot::capi {

// A new status; if even that allocation fails, a shared immutable
// out-of-memory status that ingot_status_destroy knows not to free.
ingot_status* makeStatus(ingot_status_code code, const std::string& message) noexcept;
ingot_status* outOfMemoryStatus() noexcept;
bool isStaticStatus(const ingot_status* s) noexcept;
// NULL for success.
ingot_status* toStatus(const Status& s) noexcept;

// "ingot_model_run: `model` is NULL"
Status nullArgument(const char* function, const char* argument);

template <typename Body>
ingot_status* guarded(const char* function, Body&& body) noexcept {
  try {
    return toStatus(body());
  } catch (const std::bad_alloc&) {
    return outOfMemoryStatus();
  } catch (const std::exception& e) {
    return makeStatus(INGOT_STATUS_INTERNAL, std::string(function) + ": internal error: " + e.what());
  } catch (...) {
    return makeStatus(INGOT_STATUS_INTERNAL, std::string(function) + ": internal error: unknown exception");
  }
}

Expected<DType> dtypeFromC(ingot_dtype d);
ingot_dtype dtypeToC(DType d);

// The entry name a C caller meant: NULL is "infer".
std::string_view entryName(const char* entry);

}  // namespace ingot::capi
