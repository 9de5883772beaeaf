#include "tools/cli/ArtifactCommands.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <ostream>

#include "backends/opencl/OpenClExecutable.h"
#include "backends/vulkan/VulkanExecutable.h"
#include "runtime/CpuCode.h"
#include "support/Npy.h"
#include "tools/cli/Backends.h"
#include "tools/cli/Inputs.h"

namespace ingot::cli {

namespace {

using Clock = std::chrono::steady_clock;
double msSince(Clock::time_point t0) { return std::chrono::duration<double, std::milli>(Clock::now() - t0).count(); }

std::string slotText(const rt::TensorSlot& s) {
  return fmt::format("{}: {}{}", s.name, dtypeName(s.dtype), shapeToString(s.shape));
}

// The device for an artifact: --backend when given, else the first backend
// the artifact has code for that has a device here.
Expected<OpenDevice> deviceFor(const ParsedArgs& args, const rt::ArtifactContents& a) {
  if (args.has("--backend")) return openDeviceFromFlags(args);
  INGOT_ASSIGN_OR_RETURN(DeviceSettings settings, parseDeviceSettings(args));
  std::string reasons;
  for (const std::string& b : a.backends()) {
    Expected<OpenDevice> d = openDevice(b, settings);
    if (d.ok()) return d;
    reasons += "\n  " + d.status().message();
  }
  return invalidInput("no device for the artifact's code ({}):{}", fmt::join(a.backends(), ", "), reasons);
}

}  // namespace

bool isArtifactFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  char magic[8] = {};
  if (!f.read(magic, sizeof magic)) return false;
  return rt::looksLikeArtifact(std::as_bytes(std::span(magic)));
}

rt::CodeLoaders artifactCodeLoaders() {
  return {{"llvm", &rt::loadCpuCode},
          {"vulkan", &backends::vulkan::loadVulkanCode},
          {"opencl", &backends::opencl::loadOpenClCode}};
}

Expected<OpenedArtifact> openArtifact(const ParsedArgs& args, const std::string& path) {
  OpenedArtifact o;
  o.entry = args.get("--entry").value_or(std::string(rt::kInferEntry));
  const auto t0 = Clock::now();
  INGOT_ASSIGN_OR_RETURN(rt::ArtifactContents contents, rt::readArtifactFile(path));
  o.artifact = std::make_shared<const rt::ArtifactContents>(std::move(contents));
  o.readMs = msSince(t0);
  // Opening the device is not part of loading: an embedding application
  // opens it once for all its models.
  INGOT_ASSIGN_OR_RETURN(o.device, deviceFor(args, *o.artifact));
  const auto tLoad = Clock::now();
  Expected<std::unique_ptr<rt::LoadedModel>> model =
      rt::LoadedModel::create(o.artifact, *o.device.device, artifactCodeLoaders());
  if (!model.ok()) return model.status().withContext(path);
  o.model = std::move(*model);
  Expected<rt::Session*> session = o.model->session(o.entry);
  if (!session.ok()) return session.status().withContext(path);
  o.session = *session;
  o.loadMs = msSince(tLoad);
  return o;
}

int runArtifact(const ParsedArgs& args, CliIO& io) {
  const std::string& path = args.positional[0];
  if (args.has("--shape") || args.has("--batch"))
    return reportError(invalidInput("{}: an artifact's shapes are fixed when it is compiled; --shape and --batch "
                                    "apply to model files",
                                    path),
                       io);
  auto given = collectInputs(args);
  if (!given.ok()) return reportError(given.status(), io);
  auto seed = randomInputsSeed(args);
  if (!seed.ok()) return reportError(seed.status(), io);
  int64_t repeat = 1;
  if (auto r = args.get("--repeat")) {
    auto v = parseInt("--repeat", *r, 1, 1000000);
    if (!v.ok()) return reportError(v.status(), io);
    repeat = *v;
  }
  auto opened = openArtifact(args, path);
  if (!opened.ok()) return reportError(opened.status(), io);
  rt::Session& s = *opened->session;
  const std::string& entry = opened->entry;
  const rt::DeviceInfo& device = opened->device.device->info();

  std::vector<InputSpec> specs;
  for (const rt::TensorSlot& in : s.plan().inputs) specs.push_back({in.name, in.dtype, in.shape});
  auto inputs = completeInputs(specs, given->tensors, *seed);
  if (!inputs.ok()) return reportError(inputs.status().withContext(path), io);
  for (const auto& [name, t] : *inputs)
    if (Status st = s.setInput(name, t); !st.isOk()) return reportError(st, io);
  std::vector<double> runMs;
  for (int64_t i = 0; i < repeat; ++i) {
    const auto t = Clock::now();
    if (Status st = s.run(); !st.isOk()) return reportError(st.withContext(path), io);
    runMs.push_back(msSince(t));
  }
  auto outputs = s.outputs();
  if (!outputs.ok()) return reportError(outputs.status(), io);

  io.out << fmt::format("ran {} '{}' on {} ({}): read and check {:.2f} ms, load {:.2f} ms, first run {:.3f} ms\n", path,
                        entry, device.id(), device.name, opened->readMs, opened->loadMs, runMs.front());
  if (repeat > 1) {
    std::vector<double> sorted(runMs.begin() + 1, runMs.end());
    std::sort(sorted.begin(), sorted.end());
    io.out << fmt::format("  {} more runs: median {:.4f} ms, min {:.4f} ms, max {:.4f} ms\n", sorted.size(),
                          sorted[sorted.size() / 2], sorted.front(), sorted.back());
  }
  std::optional<std::string> outDir = args.get("--output-dir");
  if (outDir) {
    std::error_code ec;
    std::filesystem::create_directories(*outDir, ec);
    if (ec) return reportError(invalidInput("--output-dir {}: {}", *outDir, ec.message()), io);
  }
  for (size_t i = 0; i < outputs->size(); ++i) {
    const std::string& name = s.plan().outputs[i].name;
    io.out << fmt::format("  {}: {}\n", name, summarizeTensor((*outputs)[i]));
    if (outDir) {
      std::string file = (std::filesystem::path(*outDir) / (sanitizeFileName(name) + ".npy")).string();
      if (Status st = writeNpyFile(file, (*outputs)[i]); !st.isOk()) return reportError(st, io);
      io.out << fmt::format("    -> {}\n", file);
    }
  }
  return kExitOk;
}

int inspectArtifact(const ParsedArgs& args, CliIO& io) {
  const std::string& path = args.positional[0];
  if (args.has("--ir") || args.has("--shape") || args.has("--batch"))
    return reportError(invalidInput("{}: an artifact holds compiled code, not a graph: --ir, --shape and --batch "
                                    "apply to model files",
                                    path),
                       io);
  auto a = rt::readArtifactFile(path);
  if (!a.ok()) return reportError(a.status(), io);
  io.out << fmt::format("artifact: {} (format version {}, {}, from {})\n", path, rt::kArtifactVersion, a->producer,
                        a->model);
  io.out << fmt::format("code for: {}\n", fmt::join(a->backends(), ", "));
  if (!a->onnx.empty()) io.out << fmt::format("source ONNX model: {} bytes (trained weights can be saved)\n", a->onnx.size());
  for (const rt::EntryPoint& e : a->entries) {
    io.out << fmt::format("entry point {}:\n", e.name);
    if (e.targets.empty()) continue;
    const rt::Plan& p = e.targets.front().plan;
    for (const rt::TensorSlot& s : p.inputs) io.out << "  input  " << slotText(s) << "\n";
    for (const rt::TensorSlot& s : p.outputs) io.out << "  output " << slotText(s) << "\n";
    uint64_t stateBytes = 0;
    for (const rt::TensorSlot& s : p.state) stateBytes += p.buffers[s.buffer].bytes;
    if (!p.state.empty())
      io.out << fmt::format("  state  {} tensors, {} bytes (weights, optimizer moments)\n", p.state.size(), stateBytes);
    for (const rt::EntryCode& c : e.targets) {
      uint64_t temp = 0, constant = 0;
      size_t dispatches = 0;
      for (const rt::PlanBuffer& b : c.plan.buffers) {
        if (b.role == rt::BufferRole::Temporary) temp += b.bytes;
        if (b.role == rt::BufferRole::Constant) constant += b.bytes;
      }
      for (const rt::PlanStep& st : c.plan.steps) dispatches += std::holds_alternative<rt::DispatchStep>(st);
      std::string detail;
      if (c.backend == "llvm") {
        auto code = rt::decodeCpuCode(c.code);
        if (!code.ok()) return reportError(code.status().withContext(fmt::format("{}: {}", path, e.name)), io);
        const std::vector<std::string> missing = rt::missingCpuFeatures(code->features);
        detail = fmt::format(", CPU {} ({}), object {} bytes{}", code->cpu, fmt::join(code->features, " "),
                             code->object.size(),
                             missing.empty() ? "" : fmt::format("; this CPU lacks {}", fmt::join(missing, ", ")));
      }
      io.out << fmt::format("  {}: {} dispatches, {} steps, temporaries {} bytes, constants {} bytes, code {} bytes{}\n",
                            c.backend, dispatches, c.plan.steps.size(), temp, constant, c.code.size(), detail);
    }
  }
  return kExitOk;
}

}  // namespace ingot::cli
