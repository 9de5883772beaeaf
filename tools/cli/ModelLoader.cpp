#include "tools/cli/ModelLoader.h"

#include <filesystem>

#include "frontend/OnnxImporter.h"
#include "ir/TextParser.h"
#include "ir/Verifier.h"
#include "support/FileIO.h"

namespace ingot::cli {

bool isTextModel(const std::string& path) {
  auto ends = [&](std::string_view s) {
    return path.size() >= s.size() && path.compare(path.size() - s.size(), s.size(), s) == 0;
  };
  return ends(".txt") || ends(".ingot.txt") || ends(".ir");
}

namespace {

// Text models have static shapes: --shape and --batch may only restate them.
Status checkTextShapes(const ir::Graph& g, const LoadOptions& opts, const std::string& path) {
  for (const auto& [name, shape] : opts.inputShapes) {
    const ir::Value* v = g.findValue(name);
    if (!v || v->kind() != ir::ValueKind::Input)
      return invalidInput("{}: the model has no input '{}'", path, name);
    if (v->shape() != shape)
      return invalidInput("{}: input '{}' has the static shape {}, but {} was given", path, name,
                          shapeToString(v->shape()), shapeToString(shape));
  }
  if (opts.batch)
    for (const ir::Value* in : g.inputs())
      if (in->shape().empty() || in->shape()[0] != *opts.batch)
        return invalidInput("{}: --batch {} does not match input '{}' of static shape {}", path, *opts.batch,
                            in->name(), shapeToString(in->shape()));
  return Status::ok();
}

}  // namespace

Expected<LoadedModel> loadModel(const std::string& path, const LoadOptions& opts) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return invalidInput("cannot open model '{}': no such file", path);
  LoadedModel m;
  if (isTextModel(path)) {
    INGOT_ASSIGN_OR_RETURN(std::string text, readFileBytes(path));
    INGOT_ASSIGN_OR_RETURN(m.graph, ir::parseGraph(text, path));
    m.format = "text";
    INGOT_RETURN_IF_ERROR(checkTextShapes(*m.graph, opts, path));
  } else {
    frontend::ImportOptions io;
    io.inputShapes = opts.inputShapes;
    io.batch = opts.batch;
    auto imported = frontend::importOnnxFile(path, io);
    if (!imported.ok() && imported.status().kind() == ErrorKind::Unsupported &&
        imported.status().message().find("must be a constant") != std::string::npos) {
      for (const auto& [name, t] : opts.knownInputValues)
        if (isInteger(t.dtype())) {
          io.constantInputs[name] = t;
          m.foldedInputs.push_back(name);
        }
      if (!m.foldedInputs.empty()) imported = frontend::importOnnxFile(path, io);
    }
    if (!imported.ok()) return imported.status();
    frontend::ImportedModel im = std::move(imported).value();
    m.graph = std::move(im.graph);
    m.format = "onnx";
    m.opsets = std::move(im.opsets);
    m.producer = std::move(im.producer);
    m.irVersion = im.irVersion;
    m.boundDims = std::move(im.boundDims);
  }
  Status v = ir::verifyGraph(*m.graph);
  if (!v.isOk()) return v.withContext(path);
  return m;
}

}  // namespace ingot::cli
