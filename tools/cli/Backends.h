// The backends this build of the CLI knows: one table entry each, with the
// compiler side and the device side. Commands never switch on backend names.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "ir/Graph.h"
#include "runtime/Device.h"
#include "runtime/Plan.h"

namespace ingot::cli {

using TensorMap = std::map<std::string, Tensor, std::less<>>;

struct BackendEntry {
  std::string name;
  std::string description;
  int speedRank = 0;  // higher is faster; `ingot run` without --backend picks the fastest available
  std::function<std::unique_ptr<rt::DeviceProvider>()> makeProvider;
  std::function<Expected<rt::Program>(const ir::Graph&)> compile;
};

const std::vector<BackendEntry>& backendTable();
const BackendEntry* findBackend(const std::string& name);
std::string backendNames();  // "reference, llvm, ..."

// A device of a backend, opened for running.
struct OpenDevice {
  const BackendEntry* backend = nullptr;
  std::unique_ptr<rt::Device> device;
};
// `spec` is "NAME" or "NAME:INDEX"; empty picks the fastest backend that has a
// device. Errors say which backends and devices exist.
Expected<OpenDevice> openDevice(const std::string& spec);

// Compiles `g` for the device's backend and runs it once.
Expected<std::vector<Tensor>> compileAndRun(const OpenDevice& dev, const ir::Graph& g,
                                            const TensorMap& inputs);

}  // namespace ingot::cli
