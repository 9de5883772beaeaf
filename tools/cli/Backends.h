// The backends this build of the CLI knows: one table entry each, with the
// compiler side and the device side. Commands never switch on backend names.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ir/Graph.h"
#include "runtime/Device.h"
#include "runtime/Plan.h"
#include "support/GuardedMemory.h"
#include "tools/cli/Args.h"

namespace ingot::cli {

using TensorMap = std::map<std::string, Tensor, std::less<>>;

// How the user asked devices to be set up (flags shared by the commands that
// run models).
struct DeviceSettings {
  // CPU backends' worker threads, the calling thread included; 0: the
  // backend's default (INGOT_THREADS, else every online CPU).
  unsigned threads = 0;
  // --guard-pages after|before: the llvm backend's buffers against
  // inaccessible pages (rt::HostDevice).
  std::optional<GuardSide> guard;
};

struct BackendEntry {
  std::string name;
  std::string description;
  int speedRank = 0;  // higher is faster; `ingot run` without --backend picks the fastest available
  std::function<std::unique_ptr<rt::DeviceProvider>(const DeviceSettings&)> makeProvider;
  // The compiler side; the settings matter where a device option needs the
  // plan's help (--guard-pages: every temporary in its own buffer).
  std::function<Expected<rt::Program>(const ir::Graph&, const DeviceSettings&)> compile;
};

const std::vector<BackendEntry>& backendTable();
const BackendEntry* findBackend(const std::string& name);
std::string backendNames();  // "reference, llvm, ..."

// A device of a backend, opened for running.
struct OpenDevice {
  const BackendEntry* backend = nullptr;
  std::unique_ptr<rt::Device> device;
  DeviceSettings settings;  // what the device was opened with
  // Compiles `g` for this device's backend, as the settings require.
  Expected<rt::Program> compile(const ir::Graph& g) const { return backend->compile(g, settings); }
  // compile() as a function object (for the trainer and evaluator); it
  // holds the backend entry (static) and a copy of the settings, so it does
  // not depend on this OpenDevice staying where it is.
  std::function<Expected<rt::Program>(const ir::Graph&)> compiler() const {
    return [entry = backend, settings = settings](const ir::Graph& g) { return entry->compile(g, settings); };
  }
};
// `spec` is "NAME", "NAME:INDEX" or "NAME:TEXT" (the first device whose name
// contains TEXT, ignoring case); empty picks the fastest backend that has a
// device. Errors say which backends and devices exist.
Expected<OpenDevice> openDevice(const std::string& spec, const DeviceSettings& settings = {});
// --threads N (1..1024) and --guard-pages SIDE when given.
Expected<DeviceSettings> parseDeviceSettings(const ParsedArgs& args);
// The device named by --backend (default: the fastest), set up per --threads.
Expected<OpenDevice> openDeviceFromFlags(const ParsedArgs& args);
// `spec` with the --backend, --threads and --guard-pages flags that
// openDeviceFromFlags reads, first in its flag table.
CommandSpec withDeviceFlags(CommandSpec spec);
// The --guard-pages flag alone (for commands that open devices their own way).
FlagSpec guardPagesFlag();

// Compiles `g` for the device's backend and runs it once.
Expected<std::vector<Tensor>> compileAndRun(const OpenDevice& dev, const ir::Graph& g,
                                            const TensorMap& inputs);

}  // namespace ingot::cli
