#include "runtime/OnnxWeights.h"

#include <algorithm>
#include <bit>
#include <optional>
#include <set>

namespace ingot::rt {

namespace {

// Protobuf wire types (https://protobuf.dev/programming-guides/encoding/).
enum WireType : uint8_t { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kFixed32 = 5 };

// The field numbers this walker looks at (onnx.proto).
constexpr uint32_t kModelGraph = 7;
constexpr uint32_t kGraphInitializer = 5;
constexpr uint32_t kTensorDims = 1;
constexpr uint32_t kTensorDataType = 2;
constexpr uint32_t kTensorName = 8;
constexpr uint32_t kTensorRawData = 9;

struct Field {
  uint32_t number = 0;
  uint8_t wireType = 0;
  uint64_t varint = 0;        // kVarint fields
  std::string_view payload;   // kLengthDelimited fields: the bytes after the length
  std::string_view raw;       // the whole field, tag included: what is copied unchanged
};

// Reads the fields of one message. Every length is checked against what is
// left of the message, so malformed input is an error, never a read past it.
class WireReader {
 public:
  WireReader(std::string_view bytes, std::string_view what) : bytes_(bytes), what_(what) {}
  bool done() const { return pos_ >= bytes_.size(); }

  Expected<Field> next() {
    const size_t start = pos_;
    INGOT_ASSIGN_OR_RETURN(uint64_t tag, varint());
    Field f;
    f.number = static_cast<uint32_t>(tag >> 3);
    f.wireType = static_cast<uint8_t>(tag & 7);
    if (f.number == 0 || (tag >> 3) > 0x1fffffff) return error(start, fmt::format("bad field number {}", tag >> 3));
    switch (f.wireType) {
      case kVarint: {
        INGOT_ASSIGN_OR_RETURN(f.varint, varint());
        break;
      }
      case kFixed64:
        INGOT_RETURN_IF_ERROR(skip(8, start));
        break;
      case kFixed32:
        INGOT_RETURN_IF_ERROR(skip(4, start));
        break;
      case kLengthDelimited: {
        INGOT_ASSIGN_OR_RETURN(uint64_t length, varint());
        if (length > bytes_.size() - pos_)
          return error(start, fmt::format("field {} is {} bytes long but only {} are left", f.number, length,
                                          bytes_.size() - pos_));
        f.payload = bytes_.substr(pos_, length);
        pos_ += length;
        break;
      }
      default:  // 3 and 4 are groups (not used by ONNX), 6 and 7 do not exist
        return error(start, fmt::format("field {} has wire type {}, which ONNX does not use", f.number, f.wireType));
    }
    f.raw = bytes_.substr(start, pos_ - start);
    return f;
  }

  Expected<uint64_t> varint() {
    uint64_t value = 0;
    const size_t start = pos_;
    for (int shift = 0; shift < 64; shift += 7) {
      if (pos_ >= bytes_.size()) return error(start, "a varint runs past the end");
      const auto byte = static_cast<uint8_t>(bytes_[pos_++]);
      value |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if (!(byte & 0x80)) return value;
    }
    return error(start, "a varint is longer than 10 bytes");
  }

 private:
  Status skip(size_t n, size_t start) {
    if (n > bytes_.size() - pos_) return error(start, "a fixed-size field runs past the end");
    pos_ += n;
    return Status::ok();
  }
  Status error(size_t at, const std::string& what) const {
    return invalidInput("not a readable ONNX model: in the {} at byte {}: {}", what_, at, what);
  }

  std::string_view bytes_;
  std::string_view what_;
  size_t pos_ = 0;
};

void putVarint(std::string& out, uint64_t v) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}
void putTag(std::string& out, uint32_t number, WireType type) { putVarint(out, (uint64_t{number} << 3) | type); }
void putBytesField(std::string& out, uint32_t number, std::string_view bytes) {
  putTag(out, number, kLengthDelimited);
  putVarint(out, bytes.size());
  out.append(bytes);
}

// TensorProto.DataType for each dtype with an ONNX spelling.
struct OnnxTypeRow {
  DType dtype;
  int32_t onnx;
  std::string_view name;
};
constexpr OnnxTypeRow kOnnxTypes[] = {
    {DType::F32, 1, "FLOAT"},  {DType::U8, 2, "UINT8"},    {DType::I8, 3, "INT8"},         {DType::U16, 4, "UINT16"},
    {DType::I16, 5, "INT16"},  {DType::I32, 6, "INT32"},   {DType::I64, 7, "INT64"},       {DType::Bool, 9, "BOOL"},
    {DType::F16, 10, "FLOAT16"}, {DType::F64, 11, "DOUBLE"}, {DType::U32, 12, "UINT32"},   {DType::U64, 13, "UINT64"},
    {DType::BF16, 16, "BFLOAT16"},
};
std::optional<int32_t> onnxTypeOf(DType t) {
  for (const OnnxTypeRow& r : kOnnxTypes)
    if (r.dtype == t) return r.onnx;
  return std::nullopt;
}
std::string onnxTypeName(int32_t onnx) {
  for (const OnnxTypeRow& r : kOnnxTypes)
    if (r.onnx == onnx) return std::string(r.name);
  return fmt::format("data type {}", onnx);
}

Expected<OnnxInitializerInfo> readInitializer(std::string_view tensorBytes) {
  OnnxInitializerInfo info;
  WireReader r(tensorBytes, "initializer (TensorProto)");
  while (!r.done()) {
    INGOT_ASSIGN_OR_RETURN(Field f, r.next());
    if (f.number == kTensorDims && f.wireType == kVarint) {
      info.shape.push_back(static_cast<int64_t>(f.varint));
    } else if (f.number == kTensorDims && f.wireType == kLengthDelimited) {  // packed
      WireReader packed(f.payload, "initializer's packed dims");
      while (!packed.done()) {
        INGOT_ASSIGN_OR_RETURN(uint64_t d, packed.varint());
        info.shape.push_back(static_cast<int64_t>(d));
      }
    } else if (f.number == kTensorDataType && f.wireType == kVarint) {
      info.onnxDataType = static_cast<int32_t>(f.varint);
    } else if (f.number == kTensorName && f.wireType == kLengthDelimited) {
      info.name = std::string(f.payload);
    }
  }
  return info;
}

// Raw data is little-endian in ONNX; tensors hold native byte order.
std::string littleEndianBytes(const Tensor& t) {
  std::string out(reinterpret_cast<const char*>(t.rawData()), t.byteSize());
  if constexpr (std::endian::native == std::endian::big) {
    const size_t width = dtypeSize(t.dtype());
    for (size_t i = 0; width > 1 && i + width <= out.size(); i += width) std::reverse(&out[i], &out[i + width]);
  }
  return out;
}

std::string encodeInitializer(const std::string& name, int32_t onnxType, const Tensor& value) {
  std::string out;
  for (int64_t d : value.shape()) {  // unpacked, as proto2's protobuf writes `repeated int64 dims`
    putTag(out, kTensorDims, kVarint);
    putVarint(out, static_cast<uint64_t>(d));
  }
  putTag(out, kTensorDataType, kVarint);
  putVarint(out, static_cast<uint64_t>(onnxType));
  putBytesField(out, kTensorName, name);
  putBytesField(out, kTensorRawData, littleEndianBytes(value));
  return out;
}

// Calls visit(field) for each field of the main graph(s) of a ModelProto.
template <typename Visit>
Status forEachGraphField(std::string_view modelBytes, Visit&& visit) {
  WireReader model(modelBytes, "model (ModelProto)");
  while (!model.done()) {
    INGOT_ASSIGN_OR_RETURN(Field f, model.next());
    if (f.number != kModelGraph || f.wireType != kLengthDelimited) continue;
    WireReader graph(f.payload, "graph (GraphProto)");
    while (!graph.done()) {
      INGOT_ASSIGN_OR_RETURN(Field g, graph.next());
      INGOT_RETURN_IF_ERROR(visit(g));
    }
  }
  return Status::ok();
}

bool isInitializer(const Field& g) { return g.number == kGraphInitializer && g.wireType == kLengthDelimited; }

}  // namespace

Expected<std::vector<OnnxInitializerInfo>> listOnnxInitializers(std::string_view modelBytes) {
  std::vector<OnnxInitializerInfo> out;
  INGOT_RETURN_IF_ERROR(forEachGraphField(modelBytes, [&](const Field& g) -> Status {
    if (!isInitializer(g)) return Status::ok();
    INGOT_ASSIGN_OR_RETURN(OnnxInitializerInfo info, readInitializer(g.payload));
    out.push_back(std::move(info));
    return Status::ok();
  }));
  return out;
}

Expected<std::string> replaceOnnxInitializers(std::string_view modelBytes,
                                              const std::map<std::string, Tensor, std::less<>>& values) {
  std::set<std::string, std::less<>> replaced;
  // Rewrites one GraphProto: initializers named in `values` re-encoded,
  // every other field copied as it was.
  auto rewriteGraph = [&](std::string_view graphBytes) -> Expected<std::string> {
    std::string out;
    out.reserve(graphBytes.size());
    WireReader graph(graphBytes, "graph (GraphProto)");
    while (!graph.done()) {
      INGOT_ASSIGN_OR_RETURN(Field g, graph.next());
      if (!isInitializer(g)) {
        out.append(g.raw);
        continue;
      }
      INGOT_ASSIGN_OR_RETURN(OnnxInitializerInfo info, readInitializer(g.payload));
      auto it = values.find(info.name);
      if (it == values.end()) {
        out.append(g.raw);
        continue;
      }
      const Tensor& value = it->second;
      std::optional<int32_t> valueType = onnxTypeOf(value.dtype());
      if (!valueType || *valueType != info.onnxDataType || value.shape() != info.shape)
        return invalidInput("initializer '{}' is {} {}, the new value is {} {}", info.name,
                            onnxTypeName(info.onnxDataType), shapeToString(info.shape), dtypeName(value.dtype()),
                            shapeToString(value.shape()));
      putBytesField(out, kGraphInitializer, encodeInitializer(info.name, *valueType, value));
      replaced.insert(info.name);
    }
    return out;
  };

  std::string out;
  out.reserve(modelBytes.size());
  WireReader model(modelBytes, "model (ModelProto)");
  while (!model.done()) {
    INGOT_ASSIGN_OR_RETURN(Field f, model.next());
    if (f.number != kModelGraph || f.wireType != kLengthDelimited) {
      out.append(f.raw);
      continue;
    }
    INGOT_ASSIGN_OR_RETURN(std::string graph, rewriteGraph(f.payload));
    putBytesField(out, kModelGraph, graph);
  }
  std::string missing;
  for (const auto& [name, t] : values)
    if (!replaced.count(name)) missing += fmt::format("{}'{}'", missing.empty() ? "" : ", ", name);
  if (!missing.empty()) return invalidInput("the ONNX model has no initializer {}", missing);
  return out;
}

}  // namespace ingot::rt
