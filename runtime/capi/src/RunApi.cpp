// Runs: ingot_entry_run binds tensors by signature position on an entry
// resolved once (no name lookups, no allocation: the hot path), and
// ingot_model_run is a thin layer that maps names to positions and ends in
// the same path. Both check every tensor's dtype and shape against the
// signature before the device is touched.
#include <algorithm>
#include <cstring>

#include "runtime/capi/src/Handles.h"

using namespace ingot;

namespace {

bool sameShape(const std::vector<int64_t>& dims, const Shape& shape) {
  return std::equal(dims.begin(), dims.end(), shape.begin(), shape.end());
}

// Worded as Session::setInputData and readOutput word theirs.
Status checkInput(const rt::TensorSlot& slot, const ingot_tensor& t) {
  if (t.dtype != slot.dtype)
    return invalidInput("input '{}': expected dtype {}, got {}", slot.name, dtypeName(slot.dtype), dtypeName(t.dtype));
  if (!sameShape(t.dims, slot.shape))
    return invalidInput("input '{}': expected shape {}, got {}", slot.name, shapeToString(slot.shape),
                        shapeToString(t.dims));
  return Status::ok();
}

Status checkOutput(const rt::TensorSlot& slot, const ingot_tensor& t) {
  if (t.dtype != slot.dtype || !sameShape(t.dims, slot.shape))
    return invalidInput("output '{}': expected {}{}, got {}{}", slot.name, dtypeName(slot.dtype),
                        shapeToString(slot.shape), dtypeName(t.dtype), shapeToString(t.dims));
  return Status::ok();
}

// The path every run ends in: `inputs` has one non-null tensor per input
// slot, `outputs` `numOutputs` (at most one per output slot, null where not
// wanted).
Status runEntry(ingot_entry& e, ingot_tensor* const* inputs, ingot_tensor* const* outputs, size_t numOutputs) {
  const rt::Plan& plan = *e.plan;
  for (size_t i = 0; i < plan.inputs.size(); ++i) {
    INGOT_RETURN_IF_ERROR(checkInput(plan.inputs[i], *inputs[i]));
    e.inputData[i] = inputs[i]->data;
  }
  for (size_t o = 0; o < numOutputs; ++o) {
    e.outputData[o] = nullptr;
    if (!outputs[o]) continue;
    INGOT_RETURN_IF_ERROR(checkOutput(plan.outputs[o], *outputs[o]));
    e.outputData[o] = outputs[o]->data;
  }
  std::lock_guard lock(e.model->device->mutex);
  INGOT_ASSIGN_OR_RETURN(rt::Session * session, e.model->loaded->sessionAt(e.index));
  return session->runWithData(e.inputData, std::span<void* const>(e.outputData.data(), numOutputs));
}

std::string_view nameOf(const ingot_entry& e) { return e.model->loaded->artifact().entries[e.index].name; }

Status runByPosition(ingot_entry& e, ingot_tensor* const* inputs, size_t numInputs, ingot_tensor* const* outputs,
                     size_t numOutputs) {
  const rt::Plan& plan = *e.plan;
  if (numInputs != plan.inputs.size())
    return invalidInput("{} inputs given, the entry has {}", numInputs, plan.inputs.size());
  if (numOutputs > plan.outputs.size())
    return invalidInput("{} outputs given, the entry has {}", numOutputs, plan.outputs.size());
  if (numInputs > 0 && !inputs) return invalidInput("the inputs are NULL but their count is {}", numInputs);
  if (numOutputs > 0 && !outputs) return invalidInput("the outputs are NULL but their count is {}", numOutputs);
  for (size_t i = 0; i < numInputs; ++i)
    if (!inputs[i]) return invalidInput("input {} ('{}') is NULL", i, plan.inputs[i].name);
  return runEntry(e, inputs, outputs, numOutputs);
}

// Index of the slot called `name`, slots.size() if none. Bindings usually
// come in signature order, so the slot at `hint` is tried first.
size_t findSlot(const std::vector<rt::TensorSlot>& slots, const char* name, size_t hint) {
  if (hint < slots.size() && slots[hint].name == name) return hint;
  for (size_t i = 0; i < slots.size(); ++i)
    if (slots[i].name == name) return i;
  return slots.size();
}

Status unknownSlot(const std::vector<rt::TensorSlot>& slots, const char* name, const char* what) {
  std::string names;
  for (const rt::TensorSlot& s : slots) names += (names.empty() ? "" : ", ") + s.name;
  return invalidInput("'{}' is not an {} of the model ({}s: {})", name, what, what, names);
}

// Places named bindings at their signature positions in `bound` (cleared
// first), rejecting NULLs, unknown names and names bound twice.
Status placeBindings(const std::vector<rt::TensorSlot>& slots, const ingot_binding* b, size_t n, const char* what,
                     std::vector<ingot_tensor*>& bound) {
  if (n > 0 && !b) return invalidInput("ingot_model_run: {} bindings are NULL but their count is {}", what, n);
  std::fill(bound.begin(), bound.end(), nullptr);
  for (size_t i = 0; i < n; ++i) {
    if (!b[i].name) return invalidInput("ingot_model_run: {} binding {} has a NULL name", what, i);
    if (!b[i].tensor) return invalidInput("ingot_model_run: {} '{}' has a NULL tensor", what, b[i].name);
    const size_t slot = findSlot(slots, b[i].name, i);
    if (slot == slots.size()) return unknownSlot(slots, b[i].name, what);
    if (bound[slot]) return invalidInput("ingot_model_run: {} '{}' is bound twice", what, b[i].name);
    bound[slot] = b[i].tensor;
  }
  return Status::ok();
}

Status runByName(ingot_entry& e, const ingot_binding* inputs, size_t numInputs, const ingot_binding* outputs,
                 size_t numOutputs) {
  const rt::Plan& plan = *e.plan;
  INGOT_RETURN_IF_ERROR(placeBindings(plan.inputs, inputs, numInputs, "input", e.boundInputs));
  INGOT_RETURN_IF_ERROR(placeBindings(plan.outputs, outputs, numOutputs, "output", e.boundOutputs));
  // Every input every run: a forgotten one is an error, never the previous
  // run's data.
  for (size_t i = 0; i < plan.inputs.size(); ++i)
    if (!e.boundInputs[i])
      return invalidInput("missing input '{}' ({}{})", plan.inputs[i].name, dtypeName(plan.inputs[i].dtype),
                          shapeToString(plan.inputs[i].shape));
  return runEntry(e, e.boundInputs.data(), e.boundOutputs.data(), e.boundOutputs.size());
}

Expected<ingot_entry*> findEntry(ingot_model& m, std::string_view name) {
  for (const std::unique_ptr<ingot_entry>& e : m.entries)
    if (nameOf(*e) == name) return e.get();
  INGOT_ASSIGN_OR_RETURN(size_t i, m.loaded->entryIndex(name));  // the error naming the entries there are
  return m.entries.at(i).get();
}

}  // namespace

extern "C" {

INGOT_API ingot_status* ingot_model_get_entry(ingot_model* model, const char* name, ingot_entry** out) {
  return capi::guarded("ingot_model_get_entry", [&]() -> Status {
    if (!model) return capi::nullArgument("ingot_model_get_entry", "model");
    if (!out) return capi::nullArgument("ingot_model_get_entry", "out");
    INGOT_ASSIGN_OR_RETURN(*out, findEntry(*model, capi::entryName(name)));
    return Status::ok();
  });
}

INGOT_API const char* ingot_entry_name(const ingot_entry* entry) { return entry ? nameOf(*entry).data() : nullptr; }

INGOT_API ingot_status* ingot_entry_run(ingot_entry* entry, ingot_tensor* const* inputs, size_t num_inputs,
                                        ingot_tensor* const* outputs, size_t num_outputs) {
  return capi::guarded("ingot_entry_run", [&]() -> Status {
    if (!entry) return capi::nullArgument("ingot_entry_run", "entry");
    Status s = runByPosition(*entry, inputs, num_inputs, outputs, num_outputs);
    // The context is formatted only on failure: runs are the hot path.
    if (!s.isOk()) return s.withContext(fmt::format("entry '{}'", nameOf(*entry)));
    return s;
  });
}

INGOT_API ingot_status* ingot_model_run(ingot_model* model, const char* entry, const ingot_binding* inputs,
                                        size_t num_inputs, const ingot_binding* outputs, size_t num_outputs) {
  return capi::guarded("ingot_model_run", [&]() -> Status {
    if (!model) return capi::nullArgument("ingot_model_run", "model");
    const std::string_view name = capi::entryName(entry);
    Expected<ingot_entry*> e = findEntry(*model, name);
    Status s = e.ok() ? runByName(**e, inputs, num_inputs, outputs, num_outputs) : e.status();
    if (!s.isOk()) return s.withContext(fmt::format("entry '{}'", name));
    return s;
  });
}

}  // extern "C"
