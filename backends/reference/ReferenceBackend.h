// The reference backend: each graph node becomes one dispatch whose kernel is
// the op's reference kernel, run on the runtime's host device. It is the
// slowest backend and the one every other backend is checked against
// end to end (plan, buffers, session), not only kernel by kernel.
#pragma once

#include <memory>

#include "ir/Graph.h"
#include "runtime/Device.h"
#include "runtime/Plan.h"

namespace ingot::backends::reference {

using CompiledModel = rt::Program;

// Compiles a verified graph. Graph inputs become Input buffers, parameters
// State buffers initialized from their data (named in Plan::state), graph
// outputs Output buffers; each state update is a copy at the end of the plan.
Expected<CompiledModel> compileGraph(const ir::Graph& g);

// The host device that runs reference executables.
std::unique_ptr<rt::DeviceProvider> makeDeviceProvider();

}  // namespace ingot::backends::reference
