// IDX files, the format of MNIST and Fashion-MNIST (LeCun's format): magic
// 00 00 TYPE NDIMS, NDIMS big-endian u32 dims, then the elements big-endian
// in C order. Files may be gzip-compressed (as distributed, and as Debian's
// dataset-fashion-mnist installs them); gzip is detected by its magic bytes
// 1f 8b, not by the file name.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "support/Status.h"
#include "support/Tensor.h"

namespace ingot::data {

// IDX type codes and the dtypes they become.
//   0x08 u8, 0x09 i8, 0x0B i16, 0x0C i32, 0x0D f32, 0x0E f64
// Data larger than this is rejected as absurd before anything is allocated
// (the largest real IDX files are a few hundred MB).
inline constexpr uint64_t kMaxIdxPayloadBytes = uint64_t{8} << 30;

// Reads a plain or gzip-compressed IDX file. Every malformed input is an
// InvalidInput error that names the file and the problem: bad magic, an
// unsupported type code, truncated header or data, data longer than the
// dims declare, dims whose product overflows or exceeds the size limit, a
// corrupt gzip stream.
Expected<Tensor> readIdxFile(const std::string& path);

// Parses an uncompressed IDX image held in memory.
Expected<Tensor> parseIdx(std::string_view bytes, const std::string& nameForErrors);

// Serializes a tensor as IDX (u8, i8, i16, i32, f32, f64), big-endian: used
// by tests to make fixtures and by anyone who converts data sets.
Expected<std::string> serializeIdx(const Tensor& t);

// True when the file starts with the gzip magic bytes 1f 8b.
Expected<bool> isGzipFile(const std::string& path);

}  // namespace ingot::data
