// Models: loading an artifact onto a device, its signature, state and
// saving the trained weights as ONNX (runs are in RunApi.cpp). Every call
// that touches the device holds the device's mutex (models on one device
// take turns).
#include <algorithm>
#include <cstring>

#include "runtime/Artifact.h"
#include "runtime/OnnxWeights.h"
#include "runtime/capi/src/Handles.h"
#include "runtime/capi/src/RuntimeDevices.h"
#include "support/FileIO.h"

using namespace ingot;

namespace {

Expected<ingot_model*> loadModel(ingot_runtime& runtime, Expected<rt::ArtifactContents> contents) {
  if (!contents.ok()) return contents.status();
  auto artifact = std::make_shared<const rt::ArtifactContents>(std::move(contents).value());
  INGOT_ASSIGN_OR_RETURN(capi::RuntimeDevice * device, capi::chooseDevice(runtime, *artifact));
  auto model = std::make_unique<ingot_model>();
  model->runtime = &runtime;
  model->device = device;
  {
    std::lock_guard lock(device->mutex);
    INGOT_ASSIGN_OR_RETURN(model->loaded, rt::LoadedModel::create(artifact, *device->device, runtime.loaders));
  }
  for (size_t i = 0; i < artifact->entries.size(); ++i) {
    auto e = std::make_unique<ingot_entry>();
    e->model = model.get();
    e->index = i;
    e->plan = &model->loaded->planAt(i);
    e->boundInputs.resize(e->plan->inputs.size());
    e->boundOutputs.resize(e->plan->outputs.size());
    e->inputData.resize(e->plan->inputs.size());
    e->outputData.resize(e->plan->outputs.size());
    for (const rt::TensorSlot& slot : e->plan->state) {
      bool listed = false;
      for (const rt::TensorSlot* known : model->state) listed = listed || known->name == slot.name;
      if (!listed) model->state.push_back(&slot);
    }
    model->entries.push_back(std::move(e));
  }
  return model.release();
}

// Strings and dims point into the model's plans: valid while it lives.
void fillInfo(const rt::TensorSlot& s, ingot_tensor_info* out) {
  out->name = s.name.c_str();
  out->dtype = capi::dtypeToC(s.dtype);
  out->rank = s.shape.size();
  out->dims = s.shape.data();
}

enum class Side { Inputs, Outputs };

Expected<const std::vector<rt::TensorSlot>*> signature(const ingot_model& m, const char* entry, Side side) {
  INGOT_ASSIGN_OR_RETURN(const rt::Plan* plan, m.loaded->plan(capi::entryName(entry)));
  return side == Side::Inputs ? &plan->inputs : &plan->outputs;
}

Status slotCount(const char* function, const ingot_model* m, const char* entry, Side side, size_t* count) {
  if (!m) return capi::nullArgument(function, "model");
  if (!count) return capi::nullArgument(function, "count");
  INGOT_ASSIGN_OR_RETURN(auto slots, signature(*m, entry, side));
  *count = slots->size();
  return Status::ok();
}

Status slotInfo(const char* function, const ingot_model* m, const char* entry, Side side, size_t index,
                ingot_tensor_info* out) {
  if (!m) return capi::nullArgument(function, "model");
  if (!out) return capi::nullArgument(function, "out");
  INGOT_ASSIGN_OR_RETURN(auto slots, signature(*m, entry, side));
  if (index >= slots->size())
    return invalidInput("{}: entry '{}' has {} {}, no index {}", function, capi::entryName(entry), slots->size(),
                        side == Side::Inputs ? "inputs" : "outputs", index);
  fillInfo((*slots)[index], out);
  return Status::ok();
}

// The model's current weights written into the ONNX model it came from.
Expected<std::string> trainedOnnx(ingot_model& m) {
  const std::string& onnx = m.loaded->artifact().onnx;
  if (onnx.empty())
    return unsupported("the artifact carries no ONNX model (was it compiled from text IR?), so there is none to update");
  INGOT_ASSIGN_OR_RETURN(std::vector<rt::OnnxInitializerInfo> inits, rt::listOnnxInitializers(onnx));
  std::map<std::string, Tensor, std::less<>> state;
  {
    std::lock_guard lock(m.device->mutex);
    INGOT_ASSIGN_OR_RETURN(state, m.loaded->allState());
  }
  // State holds optimizer moments and step counts too; only weights that are
  // initializers of the ONNX graph go back into it.
  std::map<std::string, Tensor, std::less<>> weights;
  for (const rt::OnnxInitializerInfo& init : inits)
    if (auto it = state.find(init.name); it != state.end()) weights.emplace(init.name, std::move(it->second));
  return rt::replaceOnnxInitializers(onnx, weights);
}

}  // namespace

extern "C" {

INGOT_API ingot_status* ingot_model_load_file(ingot_runtime* runtime, const char* path, ingot_model** out) {
  return capi::guarded("ingot_model_load_file", [&]() -> Status {
    if (!runtime) return capi::nullArgument("ingot_model_load_file", "runtime");
    if (!path) return capi::nullArgument("ingot_model_load_file", "path");
    if (!out) return capi::nullArgument("ingot_model_load_file", "out");
    INGOT_ASSIGN_OR_RETURN(*out, loadModel(*runtime, rt::readArtifactFile(path)));
    return Status::ok();
  });
}

INGOT_API ingot_status* ingot_model_load_memory(ingot_runtime* runtime, const void* data, size_t size,
                                                ingot_model** out) {
  return capi::guarded("ingot_model_load_memory", [&]() -> Status {
    if (!runtime) return capi::nullArgument("ingot_model_load_memory", "runtime");
    if (!data && size > 0) return capi::nullArgument("ingot_model_load_memory", "data");
    if (!out) return capi::nullArgument("ingot_model_load_memory", "out");
    // parseArtifact copies what it keeps, so the caller's bytes may go away.
    std::span<const std::byte> bytes(static_cast<const std::byte*>(data), size);
    INGOT_ASSIGN_OR_RETURN(*out, loadModel(*runtime, rt::parseArtifact(bytes, "<memory>")));
    return Status::ok();
  });
}

INGOT_API void ingot_model_destroy(ingot_model* model) {
  if (!model) return;
  try {
    std::lock_guard lock(model->device->mutex);  // frees device buffers
    model->loaded.reset();
  } catch (...) {
    // std::mutex::lock can only fail on a system error; the model is freed anyway.
  }
  delete model;
}

INGOT_API ingot_status* ingot_model_device(const ingot_model* model, ingot_device_info* out) {
  return capi::guarded("ingot_model_device", [&]() -> Status {
    if (!model) return capi::nullArgument("ingot_model_device", "model");
    if (!out) return capi::nullArgument("ingot_model_device", "out");
    capi::fillDeviceInfo(*model->device, out);
    return Status::ok();
  });
}

INGOT_API size_t ingot_model_entry_count(const ingot_model* model) {
  return model ? model->loaded->artifact().entries.size() : 0;
}

INGOT_API const char* ingot_model_entry_name(const ingot_model* model, size_t index) {
  if (!model || index >= model->loaded->artifact().entries.size()) return nullptr;
  return model->loaded->artifact().entries[index].name.c_str();
}

INGOT_API ingot_status* ingot_model_input_count(const ingot_model* model, const char* entry, size_t* count) {
  return capi::guarded("ingot_model_input_count",
                       [&] { return slotCount("ingot_model_input_count", model, entry, Side::Inputs, count); });
}
INGOT_API ingot_status* ingot_model_input_info(const ingot_model* model, const char* entry, size_t index,
                                               ingot_tensor_info* out) {
  return capi::guarded("ingot_model_input_info",
                       [&] { return slotInfo("ingot_model_input_info", model, entry, Side::Inputs, index, out); });
}
INGOT_API ingot_status* ingot_model_output_count(const ingot_model* model, const char* entry, size_t* count) {
  return capi::guarded("ingot_model_output_count",
                       [&] { return slotCount("ingot_model_output_count", model, entry, Side::Outputs, count); });
}
INGOT_API ingot_status* ingot_model_output_info(const ingot_model* model, const char* entry, size_t index,
                                                ingot_tensor_info* out) {
  return capi::guarded("ingot_model_output_info",
                       [&] { return slotInfo("ingot_model_output_info", model, entry, Side::Outputs, index, out); });
}

INGOT_API ingot_status* ingot_model_read_state(ingot_model* model, const char* name, ingot_tensor** out) {
  return capi::guarded("ingot_model_read_state", [&]() -> Status {
    if (!model) return capi::nullArgument("ingot_model_read_state", "model");
    if (!name) return capi::nullArgument("ingot_model_read_state", "name");
    if (!out) return capi::nullArgument("ingot_model_read_state", "out");
    Tensor value;
    {
      std::lock_guard lock(model->device->mutex);
      INGOT_ASSIGN_OR_RETURN(value, model->loaded->state(name));
    }
    auto t = std::make_unique<ingot_tensor>();
    t->dtype = value.dtype();
    t->dims = value.shape();
    t->bytes = value.byteSize();
    t->owned.reset(new (std::align_val_t{64}) std::byte[std::max<size_t>(t->bytes, 1)]);
    std::memcpy(t->owned.get(), value.rawData(), t->bytes);
    t->data = t->owned.get();
    *out = t.release();
    return Status::ok();
  });
}

INGOT_API size_t ingot_model_state_count(const ingot_model* model) { return model ? model->state.size() : 0; }

INGOT_API ingot_status* ingot_model_state_info(const ingot_model* model, size_t index, ingot_tensor_info* out) {
  return capi::guarded("ingot_model_state_info", [&]() -> Status {
    if (!model) return capi::nullArgument("ingot_model_state_info", "model");
    if (!out) return capi::nullArgument("ingot_model_state_info", "out");
    if (index >= model->state.size())
      return invalidInput("ingot_model_state_info: the model has {} state tensors, no index {}", model->state.size(),
                          index);
    fillInfo(*model->state[index], out);
    return Status::ok();
  });
}

INGOT_API ingot_status* ingot_model_write_state(ingot_model* model, const char* name, const ingot_tensor* value) {
  return capi::guarded("ingot_model_write_state", [&]() -> Status {
    if (!model) return capi::nullArgument("ingot_model_write_state", "model");
    if (!name) return capi::nullArgument("ingot_model_write_state", "name");
    if (!value) return capi::nullArgument("ingot_model_write_state", "value");
    Tensor t(value->dtype, value->dims);
    std::memcpy(t.rawData(), value->data, t.byteSize());
    std::lock_guard lock(model->device->mutex);
    return model->loaded->setState(name, t);
  });
}

INGOT_API ingot_status* ingot_model_save_onnx(ingot_model* model, const char* path) {
  return capi::guarded("ingot_model_save_onnx", [&]() -> Status {
    if (!model) return capi::nullArgument("ingot_model_save_onnx", "model");
    if (!path) return capi::nullArgument("ingot_model_save_onnx", "path");
    auto bytes = trainedOnnx(*model);
    if (!bytes.ok()) return bytes.status().withContext(fmt::format("saving {}", path));
    return writeFileBytes(path, *bytes);
  });
}

}  // extern "C"
