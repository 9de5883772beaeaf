// NumPy .npy files (format versions 1.0-3.0, C order, little-endian):
// f32, f64, i32, i64, bool and the small integer types.
#pragma once

#include <string>
#include <string_view>

#include "support/Status.h"
#include "support/Tensor.h"

namespace ingot {

// Errors name the file and what is wrong with it (bad magic, unsupported
// dtype, Fortran order, truncated data).
Expected<Tensor> readNpyFile(const std::string& path);
Expected<Tensor> parseNpy(std::string_view bytes, const std::string& nameForErrors);
Status writeNpyFile(const std::string& path, const Tensor& t);
std::string serializeNpy(const Tensor& t);

}  // namespace ingot
