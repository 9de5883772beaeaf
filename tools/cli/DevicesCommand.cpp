// `ingot devices`: every backend of this build and the devices it sees.
#include <ostream>

#include "tools/cli/Backends.h"
#include "tools/cli/Cli.h"

namespace ingot::cli {

namespace {

int listDevices(const ParsedArgs&, CliIO& io) {
  for (const auto& b : backendTable()) {
    io.out << fmt::format("{}: {}\n", b.name, b.description);
    auto devices = b.makeProvider(DeviceSettings{})->enumerate();
    if (!devices.ok()) {
      io.out << fmt::format("  unavailable: {}\n", devices.status().message());
      continue;
    }
    if (devices->empty()) io.out << "  no devices\n";
    for (const auto& d : *devices)
      io.out << fmt::format("  {}  {}  ({})\n", d->info().id(), d->info().name, d->info().description);
  }
  return kExitOk;
}

}  // namespace

Command devicesCommand() {
  return Command{CommandSpec{"devices", "", 0, 0,
                             "List every backend in this build and the devices it can see, with the "
                             "reason when a backend has none.",
                             {}, ""},
                 &listDevices};
}

}  // namespace ingot::cli
