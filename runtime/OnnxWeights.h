// Writing trained weights back into an ONNX model without protobuf: the
// runtime (and so every application that embeds it) must not link libonnx
// or libprotobuf, yet `ingot_model_save_onnx` has to produce a model that
// ONNX Runtime and PyTorch load. The ONNX file is a protobuf message; this
// walks its wire format just deep enough (ModelProto.graph ->
// GraphProto.initializer -> TensorProto's dims, data_type, name) to re-encode
// the replaced initializers, and copies every other byte unchanged, so names,
// symbolic dims, opsets and metadata stay as the model's author wrote them.
// frontend/OnnxUpdate.h does the same through libonnx for the compiler side.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "support/Status.h"
#include "support/Tensor.h"

namespace ingot::rt {

// What the walker reads of one graph initializer.
struct OnnxInitializerInfo {
  std::string name;
  int32_t onnxDataType = 0;  // TensorProto.DataType (1 = FLOAT, 7 = INT64, ...)
  Shape shape;
};

// Every initializer of the model's main graph, in file order. Errors
// (InvalidInput): bytes that do not parse as protobuf wire format (a varint
// or length running past its message, a group or unknown wire type).
Expected<std::vector<OnnxInitializerInfo>> listOnnxInitializers(std::string_view modelBytes);

// The model's bytes with the initializers named in `values` replaced: each
// is written as dims, data_type, name and little-endian raw_data (also where
// the original used typed fields or external data). Errors (InvalidInput):
// malformed input as above, a value whose dtype or shape differs from the
// initializer's (naming it, expected vs got), a name the graph has no
// initializer for.
Expected<std::string> replaceOnnxInitializers(std::string_view modelBytes,
                                              const std::map<std::string, Tensor, std::less<>>& values);

}  // namespace ingot::rt
