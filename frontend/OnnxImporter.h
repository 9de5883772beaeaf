// The ONNX importer: an ONNX model (file or bytes) -> a graph IR with static
// shapes. Symbolic input dims are bound from the options; ops are mapped by
// a versioned rule table (OnnxOpTable.cpp); constant subgraphs (including
// the Shape -> Gather -> Concat -> Reshape chains of PyTorch exports) are
// folded so that shape-like inputs become static attributes.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "frontend/OnnxExporter.h"  // the frontend's whole API from one include
#include "frontend/OnnxTensor.h"
#include "ir/Graph.h"
#include "support/Status.h"
#include "support/Tensor.h"

namespace ingot::ir {
class OpRegistry;
}

namespace ingot::frontend {

struct ImportOptions {
  // Full shapes for named inputs (from --shape NAME=DIMS and --input files).
  std::map<std::string, Shape, std::less<>> inputShapes;
  // --batch N: binds a leading symbolic or unknown dim of every input.
  std::optional<int64_t> batch;
  // Inputs whose values are known at import time: each becomes a Constant
  // (and is no longer a graph input), so shape-like inputs fed as data --
  // as the ONNX node tests do for Reshape's shape -- can become attributes.
  std::map<std::string, Tensor, std::less<>> constantInputs;
  // The ops to import into; null means ir::OpRegistry::builtin().
  const ir::OpRegistry* registry = nullptr;
  // Constant folding at import time stops at results larger than this.
  int64_t foldElementLimit = int64_t{1} << 20;
};

// One graph input as the model declares it, before binding (`ingot
// inspect`): a dim is a number, a symbol name, or "" when unknown.
struct OnnxInputInfo {
  std::string name;
  DType dtype = DType::F32;
  std::vector<std::variant<int64_t, std::string>> dims;
  bool hasShape = true;  // false: the model declares no shape at all
};

struct ImportedModel {
  std::unique_ptr<ir::Graph> graph;
  std::map<std::string, int64_t> opsets;  // domain ("" = ai.onnx) -> version
  std::string producer;
  int64_t irVersion = 0;
  std::map<std::string, int64_t> boundDims;  // symbol -> value used
};

Expected<ImportedModel> importOnnxFile(const std::string& path, const ImportOptions& opts);
// `baseDir` is where external data files are looked up ("" forbids them);
// `nameForErrors` prefixes every message.
Expected<ImportedModel> importOnnxBytes(std::string_view bytes, const std::string& baseDir,
                                        const std::string& nameForErrors, const ImportOptions& opts);
Expected<std::vector<OnnxInputInfo>> describeOnnxInputs(const std::string& path);

}  // namespace ingot::frontend
