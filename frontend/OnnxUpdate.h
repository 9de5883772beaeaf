// Writing trained weights back into an ONNX model: the original file's bytes
// with some initializers replaced, and nothing else changed (symbolic dims,
// names, opsets, metadata stay as the model's author wrote them). This is
// how `ingot train` saves: the model it read, with the trained parameters.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "support/Status.h"
#include "support/Tensor.h"

namespace ingot::frontend {

// Replaces the graph initializers named in `values` (each written inline as
// raw data, also where the original kept its data in an external file).
// Errors (InvalidInput, naming `modelName`): bytes that are not an ONNX
// model, a name with no initializer, a dtype or shape that differs from the
// initializer's.
Expected<std::string> replaceInitializers(std::string_view modelBytes,
                                          const std::map<std::string, Tensor, std::less<>>& values,
                                          const std::string& modelName);

}  // namespace ingot::frontend
