// The ONNX exporter: a graph IR -> an ONNX model at opset 17, the newest
// opset that Debian's onnx 1.12 checker, PyTorch 1.13 and ONNX Runtime all
// load. Shape-like attributes go back to constant inputs where opset 17
// wants inputs; ops opset 17 lacks (Gelu) are written as their expansion.
#pragma once

#include <string>

#include "ir/Graph.h"
#include "support/Status.h"

namespace ingot::frontend {

inline constexpr int64_t kExportOpset = 17;

// Every op the graph holds that has no ONNX form is reported at once
// (Unsupported).
Expected<std::string> exportOnnxBytes(const ir::Graph& g);
Status exportOnnxFile(const ir::Graph& g, const std::string& path);

}  // namespace ingot::frontend
