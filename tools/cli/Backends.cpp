#include "tools/cli/Backends.h"

#include <algorithm>
#include <cctype>

#include "backends/llvm/LlvmBackend.h"
#include "backends/lowered/LoweredBackend.h"
#include "backends/opencl/OpenClBackend.h"
#include "backends/reference/ReferenceBackend.h"
#include "backends/vulkan/VulkanBackend.h"
#include "runtime/Session.h"
#include "tools/cli/Args.h"

namespace ingot::cli {

const std::vector<BackendEntry>& backendTable() {
  static const std::vector<BackendEntry> table = {
      {"reference", "reference interpreter kernels, node by node (the oracle)", 0,
       [](const DeviceSettings&) { return backends::reference::makeDeviceProvider(); },
       [](const ir::Graph& g, const DeviceSettings&) { return backends::reference::compileGraph(g); }},
      {"lowered", "the full pipeline (fusion, lowering, memory planning), dispatches interpreted", -1,
       [](const DeviceSettings&) { return backends::lowered::makeDeviceProvider(); },
       [](const ir::Graph& g, const DeviceSettings&) { return backends::lowered::compileGraph(g); }},
      {"llvm", "LLVM-compiled native code for the host CPU", 10,
       [](const DeviceSettings& s) {
         return backends::llvm_backend::makeDeviceProvider(backends::llvm_backend::DeviceOptions{s.threads, s.guard});
       },
       [](const ir::Graph& g, const DeviceSettings& s) {
         backends::llvm_backend::LlvmOptions options;
         options.temporaryBuffers = s.guard.has_value();
         return backends::llvm_backend::compileGraph(g, options);
       }},
      {"vulkan", "GLSL compute shaders as SPIR-V on a Vulkan device (lavapipe on CPUs)", 5,
       [](const DeviceSettings&) { return backends::vulkan::makeDeviceProvider(); },
       [](const ir::Graph& g, const DeviceSettings&) { return backends::vulkan::compileGraph(g); }},
      {"opencl", "OpenCL C kernels on an OpenCL device (PoCL on CPUs)", 4,
       [](const DeviceSettings&) { return backends::opencl::makeDeviceProvider(); },
       [](const ir::Graph& g, const DeviceSettings&) { return backends::opencl::compileGraph(g); }},
  };
  return table;
}

const BackendEntry* findBackend(const std::string& name) {
  for (const auto& b : backendTable())
    if (b.name == name) return &b;
  return nullptr;
}

std::string backendNames() {
  std::string out;
  for (const auto& b : backendTable()) out += (out.empty() ? "" : ", ") + b.name;
  return out;
}

Expected<DeviceSettings> parseDeviceSettings(const ParsedArgs& args) {
  DeviceSettings s;
  if (auto threads = args.get("--threads")) {
    INGOT_ASSIGN_OR_RETURN(int64_t n, parseInt("--threads", *threads, 1, 1024));
    s.threads = static_cast<unsigned>(n);
  }
  if (auto side = args.get("--guard-pages")) {
    if (*side == "after") s.guard = GuardSide::After;
    else if (*side == "before") s.guard = GuardSide::Before;
    else return invalidInput("--guard-pages: '{}' is not a side: use after or before", *side);
  }
  return s;
}

FlagSpec guardPagesFlag() {
  return {"--guard-pages", "SIDE",
          "after|before: put every llvm device buffer against an inaccessible page after its end (or before its "
          "start), so a kernel that reads or writes out of bounds crashes (a debugging aid)"};
}

CommandSpec withDeviceFlags(CommandSpec spec) {
  const FlagSpec device[] = {
      {"--backend", "NAME[:N|:DEVICE]", "backend to run on, and its device by index or by (part of) its name, "
                                          "e.g. vulkan:1, vulkan:llvmpipe; default: the fastest available"},
      {"--threads", "N", "worker threads of CPU backends (default: $INGOT_THREADS, else every CPU)"},
      guardPagesFlag(),
  };
  spec.flags.insert(spec.flags.begin(), std::begin(device), std::end(device));
  return spec;
}

Expected<OpenDevice> openDeviceFromFlags(const ParsedArgs& args) {
  INGOT_ASSIGN_OR_RETURN(DeviceSettings settings, parseDeviceSettings(args));
  return openDevice(args.get("--backend").value_or(""), settings);
}

Expected<OpenDevice> openDevice(const std::string& spec, const DeviceSettings& settings) {
  // NAME, NAME:INDEX or NAME:TEXT (the first device whose name contains TEXT,
  // ignoring case: "vulkan:llvmpipe", "opencl:pthread").
  std::string name = spec;
  std::optional<int64_t> index;
  std::string nameFilter;
  if (size_t colon = spec.find(':'); colon != std::string::npos) {
    name = spec.substr(0, colon);
    std::string sel = spec.substr(colon + 1);
    if (sel.empty()) return invalidInput("--backend {}: expected NAME, NAME:INDEX or NAME:DEVICE-NAME", spec);
    if (sel.find_first_not_of("0123456789") == std::string::npos) {
      if (sel.size() > 6) return invalidInput("--backend {}: device index out of range", spec);
      index = std::stoll(sel);
    } else {
      nameFilter = sel;
    }
  }
  auto lower = [](std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  };
  std::vector<const BackendEntry*> candidates;
  if (name.empty()) {
    for (const auto& b : backendTable()) candidates.push_back(&b);
    std::stable_sort(candidates.begin(), candidates.end(),
                     [](const BackendEntry* a, const BackendEntry* b) { return a->speedRank > b->speedRank; });
  } else {
    const BackendEntry* b = findBackend(name);
    if (!b) return invalidInput("unknown backend '{}' (this build has: {})", name, backendNames());
    candidates.push_back(b);
  }
  std::string reasons;
  for (const BackendEntry* b : candidates) {
    auto devices = b->makeProvider(settings)->enumerate();
    if (!devices.ok()) {
      reasons += fmt::format("\n  {}: {}", b->name, devices.status().message());
      continue;
    }
    if (!nameFilter.empty()) {
      std::string names;
      for (auto& d : *devices) {
        if (lower(d->info().name).find(lower(nameFilter)) != std::string::npos) return OpenDevice{b, std::move(d), settings};
        names += fmt::format("{}{} ('{}')", names.empty() ? "" : ", ", d->info().id(), d->info().name);
      }
      reasons += fmt::format("\n  {}: no device named like '{}' (devices: {})", b->name, nameFilter,
                             names.empty() ? "none" : names);
      continue;
    }
    const size_t i = static_cast<size_t>(index.value_or(0));
    if (i >= devices->size()) {
      reasons += fmt::format("\n  {}: no device {} ({} found)", b->name, i, devices->size());
      continue;
    }
    return OpenDevice{b, std::move((*devices)[i]), settings};
  }
  return invalidInput("no usable device for '{}':{}", spec.empty() ? "auto" : spec, reasons);
}

Expected<std::vector<Tensor>> compileAndRun(const OpenDevice& dev, const ir::Graph& g,
                                            const TensorMap& inputs) {
  INGOT_ASSIGN_OR_RETURN(rt::Program program, dev.compile(g));
  INGOT_ASSIGN_OR_RETURN(std::unique_ptr<rt::Session> session,
                         rt::Session::create(*dev.device, program.executable, std::move(program.plan)));
  for (const auto& [name, t] : inputs) INGOT_RETURN_IF_ERROR(session->setInput(name, t));
  INGOT_RETURN_IF_ERROR(session->run());
  return session->outputs();
}

}  // namespace ingot::cli
