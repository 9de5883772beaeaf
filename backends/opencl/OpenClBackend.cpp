#include "backends/opencl/OpenClBackend.h"

#include <cstdlib>

#include <fmt/format.h>

#include "backends/common/ProgramBuilder.h"
#include "backends/opencl/OpenClSource.h"

namespace ingot::backends::opencl {

Expected<OpenClKernel> compileDispatch(const kir::Dispatch& d, const ClOptions& options) {
  INGOT_ASSIGN_OR_RETURN(ClSource s, generateOpenCl(d, options));
  // A debugging aid: the generated programs on stderr.
  if (const char* e = std::getenv("INGOT_OPENCL_PRINT_SOURCE"); e && std::string(e) == "1")
    fmt::print(stderr, "{}\n", s.source);
  OpenClKernel k;
  k.name = d.name;
  k.entry = std::move(s.entry);
  k.source = std::move(s.source);
  k.invocations = s.invocations;
  k.localSize = s.localSize;
  k.fixedLocalSize = s.fixedLocalSize;
  k.features = kInt64 | (s.usesF64 ? kFloat64 : 0u);
  for (const kir::Binding& b : d.bindings) {
    k.bindingBytes.push_back(static_cast<uint64_t>(b.elements()) * dtypeSize(b.dtype));
    k.elementBytes.push_back(static_cast<uint32_t>(dtypeSize(b.dtype)));
    k.writes.push_back(b.write);
  }
  return k;
}

Expected<rt::Program> compileGraph(const ir::Graph& g) { return compileGraph(g, ClOptions{}); }

Expected<rt::Program> compileGraph(const ir::Graph& g, const ClOptions& options) {
  INGOT_ASSIGN_OR_RETURN(LoweredProgram lp, compileToDispatches(g));
  // Every unsupported dispatch is reported at once.
  std::vector<OpenClKernel> kernels;
  std::string unsupportedOps;
  for (const auto& ld : lp.lowered.dispatches) {
    auto k = compileDispatch(ld.dispatch, options);
    if (!k.ok()) {
      if (k.status().kind() != ErrorKind::Unsupported) return k.status();
      unsupportedOps += "\n  " + k.status().message();
      continue;
    }
    kernels.push_back(std::move(*k));
  }
  if (!unsupportedOps.empty()) return unsupported("the opencl backend cannot compile this graph:{}", unsupportedOps);
  rt::Program p;
  p.plan = std::move(lp.plan);
  p.executable = std::make_shared<OpenClExecutable>(std::move(kernels));
  return p;
}

Expected<std::string> emitSources(const ir::Graph& g) {
  INGOT_ASSIGN_OR_RETURN(LoweredProgram lp, compileToDispatches(g));
  std::string out;
  for (const auto& ld : lp.lowered.dispatches) {
    const kir::Dispatch& d = ld.dispatch;
    auto k = compileDispatch(d);
    if (!k.ok()) {
      if (k.status().kind() != ErrorKind::Unsupported) return k.status();
      out += fmt::format("// dispatch {}: not supported on opencl: {}\n\n", d.name, k.status().message());
      continue;
    }
    out += fmt::format("// dispatch {} ({}): kernel {}, {} work-items in work-groups of {}{}\n", d.name, d.label,
                       k->entry, k->invocations, k->localSize, k->fixedLocalSize ? "" : " (or the device's limit)");
    out += k->source + "\n";
  }
  return out;
}

Expected<rt::EntryCode> compileArtifactCode(const ir::Graph& g) {
  INGOT_ASSIGN_OR_RETURN(rt::Program p, compileGraph(g));
  const auto* exe = dynamic_cast<const OpenClExecutable*>(p.executable.get());
  if (!exe) return internalError("opencl backend: compileGraph made no OpenClExecutable");
  rt::EntryCode entry;
  entry.backend = std::string(kBackend);
  entry.code = encodeOpenClCode(*exe);
  entry.plan = std::move(p.plan);
  return entry;
}

}  // namespace ingot::backends::opencl
