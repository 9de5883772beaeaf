// TensorProto <-> Tensor, external data, and TensorProto files.
#include "frontend/OnnxTensor.h"

#include <onnx/onnx-data_pb.h>

#include <bit>
#include <charconv>
#include <climits>
#include <filesystem>
#include <fstream>
#include <limits>
#include <system_error>

#include "frontend/OnnxProto.h"
#include "support/FileIO.h"

namespace ingot::frontend {

// ONNX stores raw_data little-endian; ingot tensors use host order.
static_assert(std::endian::native == std::endian::little, "big-endian hosts need byte swapping");

namespace {

namespace fs = std::filesystem;

// Which repeated TensorProto field holds a dtype's values when raw_data is
// not used (onnx.proto documents this per field).
enum class TypedField { Float, Double, Int32, Int64, UInt64 };

struct OnnxTypeInfo {
  int32_t code;
  std::string_view name;
  std::optional<DType> dtype;
  TypedField field;
};

constexpr OnnxTypeInfo kOnnxTypes[] = {
    {onnx::TensorProto::FLOAT, "FLOAT", DType::F32, TypedField::Float},
    {onnx::TensorProto::UINT8, "UINT8", DType::U8, TypedField::Int32},
    {onnx::TensorProto::INT8, "INT8", DType::I8, TypedField::Int32},
    {onnx::TensorProto::UINT16, "UINT16", DType::U16, TypedField::Int32},
    {onnx::TensorProto::INT16, "INT16", DType::I16, TypedField::Int32},
    {onnx::TensorProto::INT32, "INT32", DType::I32, TypedField::Int32},
    {onnx::TensorProto::INT64, "INT64", DType::I64, TypedField::Int64},
    {onnx::TensorProto::STRING, "STRING", std::nullopt, TypedField::Int32},
    {onnx::TensorProto::BOOL, "BOOL", DType::Bool, TypedField::Int32},
    {onnx::TensorProto::FLOAT16, "FLOAT16", DType::F16, TypedField::Int32},
    {onnx::TensorProto::DOUBLE, "DOUBLE", DType::F64, TypedField::Double},
    {onnx::TensorProto::UINT32, "UINT32", DType::U32, TypedField::UInt64},
    {onnx::TensorProto::UINT64, "UINT64", DType::U64, TypedField::UInt64},
    {onnx::TensorProto::COMPLEX64, "COMPLEX64", std::nullopt, TypedField::Float},
    {onnx::TensorProto::COMPLEX128, "COMPLEX128", std::nullopt, TypedField::Double},
    {onnx::TensorProto::BFLOAT16, "BFLOAT16", DType::BF16, TypedField::Int32},
    // Newer than the onnx.proto Debian ships; named so messages are clear.
    {17, "FLOAT8E4M3FN", std::nullopt, TypedField::Int32},
    {18, "FLOAT8E4M3FNUZ", std::nullopt, TypedField::Int32},
    {19, "FLOAT8E5M2", std::nullopt, TypedField::Int32},
    {20, "FLOAT8E5M2FNUZ", std::nullopt, TypedField::Int32},
    {21, "UINT4", std::nullopt, TypedField::Int32},
    {22, "INT4", std::nullopt, TypedField::Int32},
    {23, "FLOAT4E2M1", std::nullopt, TypedField::Int32},
    {24, "FLOAT8E8M0", std::nullopt, TypedField::Int32},
    {25, "UINT2", std::nullopt, TypedField::Int32},
    {26, "INT2", std::nullopt, TypedField::Int32},
};

const OnnxTypeInfo* findOnnxType(int32_t code) {
  for (const auto& t : kOnnxTypes)
    if (t.code == code) return &t;
  return nullptr;
}

// Element count of untrusted dims, without overflow; the cap keeps a
// malicious header from asking for an absurd allocation before any data
// size check can reject it.
Expected<int64_t> checkedElementCount(const onnx::TensorProto& p, const std::string& what) {
  constexpr int64_t kMaxElements = int64_t{1} << 40;
  int64_t n = 1;
  for (int64_t d : p.dims()) {
    if (d < 0) return invalidInput("tensor '{}': negative dim {}", what, d);
    if (d != 0 && n > kMaxElements / d)
      return invalidInput("tensor '{}': too many elements", what);
    n *= d;
  }
  return n;
}

Expected<uint64_t> parseUnsigned(const std::string& s, const std::string& key, const std::string& what) {
  uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || ptr != s.data() + s.size())
    return invalidInput("tensor '{}': external data '{}' is not a non-negative integer: '{}'", what,
                        key, s);
  return v;
}

// Reads `expectedBytes` of external data. The location must stay inside the
// model folder (after resolving '..' and symlinks), so a model file cannot
// make ingot read arbitrary files.
Expected<std::string> readExternalData(const onnx::TensorProto& p, const ExternalDataContext& ext,
                                       const std::string& what, uint64_t expectedBytes) {
  std::string location;
  uint64_t offset = 0;
  std::optional<uint64_t> length;
  for (const auto& kv : p.external_data()) {
    if (kv.key() == "location") {
      location = kv.value();
    } else if (kv.key() == "offset") {
      INGOT_ASSIGN_OR_RETURN(offset, parseUnsigned(kv.value(), "offset", what));
    } else if (kv.key() == "length") {
      INGOT_ASSIGN_OR_RETURN(uint64_t len, parseUnsigned(kv.value(), "length", what));
      length = len;
    }
  }
  if (location.empty())
    return invalidInput("tensor '{}': external data without a 'location'", what);
  if (ext.baseDir.empty())
    return invalidInput("tensor '{}': external data '{}' but the model has no folder to read it from",
                        what, location);
  fs::path rel(location);
  if (rel.is_absolute())
    return invalidInput("tensor '{}': external data location '{}' must be relative to the model folder",
                        what, location);
  std::error_code ec;
  fs::path base = fs::weakly_canonical(fs::path(ext.baseDir), ec);
  if (ec) return invalidInput("tensor '{}': cannot resolve model folder '{}'", what, ext.baseDir);
  fs::path full = fs::weakly_canonical(base / rel, ec);
  if (ec) return invalidInput("tensor '{}': cannot resolve external data '{}'", what, location);
  auto [baseEnd, fullIt] = std::mismatch(base.begin(), base.end(), full.begin(), full.end());
  if (baseEnd != base.end() || fullIt == full.end())
    return invalidInput("tensor '{}': external data location '{}' points outside the model folder",
                        what, location);
  if (!fs::is_regular_file(full, ec))
    return invalidInput("tensor '{}': external data file '{}' not found", what, full.string());
  uint64_t fileSize = fs::file_size(full, ec);
  if (ec) return invalidInput("tensor '{}': cannot stat '{}'", what, full.string());
  if (length && *length != expectedBytes)
    return invalidInput("tensor '{}': external data length {} but dims need {} bytes", what, *length,
                        expectedBytes);
  if (offset > fileSize || expectedBytes > fileSize - offset)
    return invalidInput("tensor '{}': external data [{}, +{}) is past the end of '{}' ({} bytes)", what,
                        offset, expectedBytes, location, fileSize);
  std::ifstream in(full, std::ios::binary);
  if (!in) return invalidInput("tensor '{}': cannot open '{}'", what, full.string());
  std::string bytes(expectedBytes, '\0');
  in.seekg(static_cast<std::streamoff>(offset));
  in.read(bytes.data(), static_cast<std::streamsize>(expectedBytes));
  if (!in) return invalidInput("tensor '{}': short read from '{}'", what, full.string());
  return bytes;
}

// Copies one typed repeated field into the tensor, converting each value
// to the element type (int32_data holds the small ints, bool and the 16-bit
// float bit patterns).
template <typename Src>
void copyTyped(const google::protobuf::RepeatedField<Src>& src, Tensor& t) {
  auto store = [&](auto tag) {
    using T = decltype(tag);
    T* out = t.data<T>();
    for (int i = 0; i < src.size(); ++i) {
      if constexpr (std::is_same_v<T, bool>) out[i] = src.Get(i) != 0;
      else out[i] = static_cast<T>(src.Get(i));
    }
  };
  if (t.dtype() == DType::F16 || t.dtype() == DType::BF16) store(uint16_t{});
  else visitDType(t.dtype(), store);
}

}  // namespace

std::optional<DType> dtypeFromOnnx(int32_t elemType) {
  const OnnxTypeInfo* info = findOnnxType(elemType);
  return info ? info->dtype : std::nullopt;
}

int32_t dtypeToOnnx(DType t) {
  for (const auto& info : kOnnxTypes)
    if (info.dtype == t) return info.code;
  return onnx::TensorProto::UNDEFINED;  // unreachable: every DType has a code
}

std::string onnxTypeName(int32_t elemType) {
  const OnnxTypeInfo* info = findOnnxType(elemType);
  return info ? std::string(info->name) : fmt::format("type {}", elemType);
}

Expected<Tensor> tensorFromProto(const onnx::TensorProto& p, const ExternalDataContext& ext,
                                 const std::string& what) {
  const OnnxTypeInfo* info = findOnnxType(p.data_type());
  if (!info) return invalidInput("tensor '{}': unknown data type {}", what, p.data_type());
  if (!info->dtype)
    return unsupported("tensor '{}': data type {} is not supported", what, info->name);
  if (p.has_segment()) return unsupported("tensor '{}': segmented tensors are not supported", what);
  DType dtype = *info->dtype;
  INGOT_ASSIGN_OR_RETURN(int64_t count, checkedElementCount(p, what));
  Shape shape(p.dims().begin(), p.dims().end());
  uint64_t byteSize = static_cast<uint64_t>(count) * dtypeSize(dtype);

  auto fromBytes = [&](const std::string& bytes) -> Expected<Tensor> {
    if (bytes.size() != byteSize)
      return invalidInput("tensor '{}': {} bytes of data but {}{} needs {}", what, bytes.size(),
                          dtypeName(dtype), shapeToString(shape), byteSize);
    Tensor t(dtype, shape);
    if (dtype == DType::Bool) {
      // Any non-zero byte is true; other bool bit patterns are UB in C++.
      for (size_t i = 0; i < bytes.size(); ++i) t.data<bool>()[i] = bytes[i] != 0;
    } else if (byteSize) {
      std::memcpy(t.rawData(), bytes.data(), byteSize);
    }
    return t;
  };
  if (p.data_location() == onnx::TensorProto::EXTERNAL) {
    INGOT_ASSIGN_OR_RETURN(std::string bytes, readExternalData(p, ext, what, byteSize));
    return fromBytes(bytes);
  }
  if (p.has_raw_data()) return fromBytes(p.raw_data());

  int typedCount = 0;
  switch (info->field) {
    case TypedField::Float: typedCount = p.float_data_size(); break;
    case TypedField::Double: typedCount = p.double_data_size(); break;
    case TypedField::Int32: typedCount = p.int32_data_size(); break;
    case TypedField::Int64: typedCount = p.int64_data_size(); break;
    case TypedField::UInt64: typedCount = p.uint64_data_size(); break;
  }
  if (typedCount != count)
    return invalidInput("tensor '{}': {} values but {}{} has {} elements", what, typedCount,
                        dtypeName(dtype), shapeToString(shape), count);
  Tensor t(dtype, shape);
  switch (info->field) {
    case TypedField::Float: copyTyped(p.float_data(), t); break;
    case TypedField::Double: copyTyped(p.double_data(), t); break;
    case TypedField::Int32: copyTyped(p.int32_data(), t); break;
    case TypedField::Int64: copyTyped(p.int64_data(), t); break;
    case TypedField::UInt64: copyTyped(p.uint64_data(), t); break;
  }
  return t;
}

void tensorToProto(const Tensor& t, const std::string& name, onnx::TensorProto* proto) {
  proto->Clear();
  if (!name.empty()) proto->set_name(name);
  proto->set_data_type(dtypeToOnnx(t.dtype()));
  for (int64_t d : t.shape()) proto->add_dims(d);
  proto->set_raw_data(reinterpret_cast<const char*>(t.rawData()), t.byteSize());
}

bool parseMessage(google::protobuf::MessageLite& msg, std::string_view bytes) {
  if (bytes.size() > static_cast<size_t>(INT_MAX)) return false;
  try {
    return msg.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()));
  } catch (...) {
    return false;
  }
}

Expected<Tensor> readTensorProtoFile(const std::string& path) {
  INGOT_ASSIGN_OR_RETURN(std::string bytes, readFileBytes(path));
  ExternalDataContext ext{std::filesystem::path(path).parent_path().string()};
  onnx::TensorProto tp;
  bool parsed = parseMessage(tp, bytes);
  Status decodeError = invalidInput("{}: not a TensorProto (truncated or corrupt)", path);
  // A SequenceProto or OptionalProto parses as a TensorProto with a
  // "segment" (their field 3) or with dims/data that do not agree, so a
  // clean decode is trusted and anything else is checked against them.
  if (parsed && !tp.has_segment()) {
    auto t = tensorFromProto(tp, ext, tp.name().empty() ? path : tp.name());
    if (t.ok()) return t;
    decodeError = t.status().withContext(path);
  }
  auto cleanContainer = [&](auto& msg) {
    return parseMessage(msg, bytes) && msg.unknown_fields().empty() && msg.elem_type() >= 1 &&
           msg.elem_type() <= 5;
  };
  onnx::SequenceProto seq;
  if (cleanContainer(seq))
    return unsupported("{}: holds a SequenceProto; only TensorProto files are supported", path);
  onnx::OptionalProto opt;
  if (cleanContainer(opt))
    return unsupported("{}: holds an OptionalProto; only TensorProto files are supported", path);
  return decodeError;
}

Status writeTensorProtoFile(const std::string& path, const Tensor& t, const std::string& name) {
  onnx::TensorProto tp;
  tensorToProto(t, name, &tp);
  std::string bytes;
  if (!tp.SerializeToString(&bytes)) return internalError("cannot serialize tensor '{}'", name);
  return writeFileBytes(path, bytes);
}

}  // namespace ingot::frontend
