// Loads a model file for the CLI: ONNX (.onnx) or ingot's text IR
// (.ingot.txt / .txt), binds symbolic dims and verifies the graph.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>

#include "ir/Graph.h"

namespace ingot::cli {

struct LoadOptions {
  std::map<std::string, Shape, std::less<>> inputShapes;  // --shape and --input files
  std::optional<int64_t> batch;                           // --batch
  // Values of inputs known before compiling (--input files). An ONNX op whose
  // shape-like operand (Reshape's shape, Reduce*'s axes, ...) is fed from a
  // graph input can only be compiled when that value is known: the loader
  // then folds the integer inputs among these into constants.
  std::map<std::string, Tensor, std::less<>> knownInputValues;
};

struct LoadedModel {
  std::unique_ptr<ir::Graph> graph;
  std::string format;                       // "onnx" or "text"
  std::map<std::string, int64_t> opsets;    // ONNX only
  std::string producer;                     // ONNX only
  int64_t irVersion = 0;                    // ONNX only
  std::map<std::string, int64_t> boundDims; // symbol -> value (ONNX only)
  std::vector<std::string> foldedInputs;    // inputs compiled in as constants
};

Expected<LoadedModel> loadModel(const std::string& path, const LoadOptions& opts);
bool isTextModel(const std::string& path);

}  // namespace ingot::cli
