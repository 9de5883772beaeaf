// `ingot inspect`: what a model is: its signature, ops, parameters, opsets.
#include <map>
#include <ostream>

#include "frontend/OnnxImporter.h"
#include "ir/OpRegistry.h"
#include "ir/TextPrinter.h"
#include "tools/cli/ArtifactCommands.h"
#include "tools/cli/Cli.h"
#include "tools/cli/Inputs.h"

namespace ingot::cli {

namespace {

std::string dimsToString(const std::vector<std::variant<int64_t, std::string>>& dims) {
  std::string out = "[";
  for (size_t i = 0; i < dims.size(); ++i) {
    if (i) out += ",";
    if (const auto* d = std::get_if<int64_t>(&dims[i])) out += std::to_string(*d);
    else out += std::get<std::string>(dims[i]).empty() ? "?" : std::get<std::string>(dims[i]);
  }
  return out + "]";
}

int inspect(const ParsedArgs& args, CliIO& io) {
  const std::string& path = args.positional[0];
  if (isArtifactFile(path)) return inspectArtifact(args, io);
  auto given = collectInputs(args);
  if (!given.ok()) return reportError(given.status(), io);
  LoadOptions opts = given->load;

  // ONNX inputs may have symbolic dims; show them as declared, and bind the
  // ones the user left open to 1 so the rest of the model can be typed.
  std::vector<frontend::OnnxInputInfo> declared;
  bool boundForInspect = false;
  if (!isTextModel(path)) {
    auto d = frontend::describeOnnxInputs(path);
    if (!d.ok()) return reportError(d.status(), io);
    declared = std::move(*d);
    for (const auto& in : declared) {
      if (opts.inputShapes.count(in.name)) continue;
      Shape s;
      bool symbolic = false;
      for (size_t i = 0; i < in.dims.size(); ++i) {
        if (const auto* v = std::get_if<int64_t>(&in.dims[i])) {
          s.push_back(*v);
        } else if (i == 0 && opts.batch) {
          symbolic = true;
          s.push_back(*opts.batch);
        } else {
          symbolic = true;
          boundForInspect = true;  // shown as 1
          s.push_back(1);
        }
      }
      if (symbolic) opts.inputShapes[in.name] = s;
    }
  }
  auto model = loadModel(path, opts);
  if (!model.ok()) return reportError(model.status(), io);
  const ir::Graph& g = *model->graph;

  if (args.has("--ir")) {
    io.out << ir::printGraph(g);
    return kExitOk;
  }

  io.out << fmt::format("model: {} ({}{})\n", path, model->format,
                        model->producer.empty() ? "" : ", producer " + model->producer);
  if (!model->opsets.empty()) {
    io.out << "opsets:";
    for (const auto& [domain, v] : model->opsets) io.out << fmt::format(" {}:{}", domain.empty() ? "ai.onnx" : domain, v);
    io.out << fmt::format("  (ir_version {})\n", model->irVersion);
  }
  io.out << "inputs:\n";
  for (const ir::Value* in : g.inputs()) {
    std::string decl;
    for (const auto& d : declared)
      if (d.name == in->name()) decl = fmt::format("  declared {}{}", dtypeName(d.dtype), dimsToString(d.dims));
    io.out << fmt::format("  {}: {}{}\n", in->name(), in->type().toString(), decl);
  }
  io.out << "outputs:\n";
  for (const ir::Value* o : g.outputs()) io.out << fmt::format("  {}: {}\n", o->name(), o->type().toString());
  if (boundForInspect)
    io.out << "  (symbolic dims not bound with --shape/--batch are shown as 1)\n";

  int64_t paramCount = 0, paramBytes = 0;
  for (const ir::Value* p : g.params()) {
    paramCount += numElements(p->shape());
    paramBytes += numElements(p->shape()) * static_cast<int64_t>(dtypeSize(p->dtype()));
  }
  io.out << fmt::format("parameters: {} tensors, {} values, {} bytes\n", g.params().size(), paramCount, paramBytes);
  std::map<std::string, int> counts;
  for (const auto& n : g.nodes()) counts[n->opName()]++;
  io.out << fmt::format("ops: {} nodes\n", g.nodes().size());
  for (const auto& [op, c] : counts) {
    const ir::OpDef* def = ir::OpRegistry::builtin().find(op);
    io.out << fmt::format("  {:<16} {:>5}  ({})\n", op, c, def ? ir::fusionClassName(def->fusion) : "?");
  }
  return kExitOk;
}

}  // namespace

Command inspectCommand() {
  return Command{
      CommandSpec{"inspect", "MODEL", 1, 1,
                  "Show a model's inputs, outputs, shapes, dtypes, op counts, parameter count and opsets; for a "
                  "compiled artifact, its entry points, signature, targets and code.",
                  {
                      {"--ir", "", "print the model as ingot text IR instead"},
                      {"--shape", "NAME=DIMS", "bind an input's shape", true},
                      {"--batch", "N", "bind the leading symbolic dim of every input"},
                  },
                  ""},
      &inspect};
}

}  // namespace ingot::cli
