// Device choice shared by the runtime and model parts of the C API.
#pragma once

#include "runtime/capi/src/Handles.h"

namespace ingot::capi {

// The runtime's explicit device, or for "auto" the first device of the
// first backend (in the artifact's order) that has devices and a code
// loader; the error lists why each backend was passed over.
Expected<RuntimeDevice*> chooseDevice(ingot_runtime& r, const rt::ArtifactContents& artifact);
void fillDeviceInfo(const RuntimeDevice& d, ingot_device_info* out);

}  // namespace ingot::capi
