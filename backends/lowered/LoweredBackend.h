// The lowered backend: the full compiler pipeline (standard passes, fusion,
// lowering to the dispatch form, memory planning) with each dispatch run by
// the dispatch-form interpreter (ir/kernel/KernelInterpreter.h) on the host.
// It is slow; it exists so that fusion, lowering and memory planning are
// checked against the graph-level reference on every conformance case,
// independently of any code generator.
#pragma once

#include <memory>

#include "ir/Graph.h"
#include "runtime/Device.h"
#include "runtime/Plan.h"

namespace ingot::backends::lowered {

Expected<rt::Program> compileGraph(const ir::Graph& g);
std::unique_ptr<rt::DeviceProvider> makeDeviceProvider();

}  // namespace ingot::backends::lowered
