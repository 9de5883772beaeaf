#include "support/Npy.h"

#include <cstring>

#include "support/FileIO.h"

namespace ingot {

namespace {

// numpy descr strings for each dtype we exchange ('<' little-endian, '|' n/a).
struct NpyType {
  DType dtype;
  std::string_view descr;
};
constexpr NpyType kNpyTypes[] = {
    {DType::F32, "<f4"}, {DType::F64, "<f8"}, {DType::I32, "<i4"}, {DType::I64, "<i8"},
    {DType::Bool, "|b1"}, {DType::I8, "|i1"}, {DType::U8, "|u1"}, {DType::I16, "<i2"},
    {DType::U16, "<u2"}, {DType::U32, "<u4"}, {DType::U64, "<u8"}, {DType::F16, "<f2"},
};

std::optional<DType> dtypeFromDescr(std::string_view d) {
  for (const auto& t : kNpyTypes) {
    if (t.descr == d) return t.dtype;
    // '=' (native) and '<' are the same on the little-endian hosts we support;
    // single-byte types may be written with '<', '=' or '|'.
    if (d.size() == t.descr.size() && d.substr(1) == t.descr.substr(1) &&
        (d[0] == '=' || d[0] == '<' || d[0] == '|'))
      return t.dtype;
  }
  return std::nullopt;
}

// Extracts the value text of `'key': value` from the header dict.
std::optional<std::string_view> dictValue(std::string_view header, std::string_view key) {
  std::string needle = "'" + std::string(key) + "'";
  size_t p = header.find(needle);
  if (p == std::string_view::npos) return std::nullopt;
  p = header.find(':', p + needle.size());
  if (p == std::string_view::npos) return std::nullopt;
  ++p;
  while (p < header.size() && header[p] == ' ') ++p;
  size_t end = p;
  if (p < header.size() && header[p] == '(') {
    end = header.find(')', p);
    if (end == std::string_view::npos) return std::nullopt;
    return header.substr(p, end - p + 1);
  }
  if (p < header.size() && header[p] == '\'') {
    end = header.find('\'', p + 1);
    if (end == std::string_view::npos) return std::nullopt;
    return header.substr(p + 1, end - p - 1);
  }
  while (end < header.size() && header[end] != ',' && header[end] != '}') ++end;
  return header.substr(p, end - p);
}

}  // namespace

Expected<Tensor> parseNpy(std::string_view bytes, const std::string& name) {
  if (bytes.size() < 10 || bytes.substr(0, 6) != "\x93NUMPY")
    return invalidInput("{}: not a .npy file (bad magic)", name);
  auto major = static_cast<uint8_t>(bytes[6]);
  size_t headerLen = 0, headerStart = 0;
  if (major == 1) {
    headerLen = static_cast<uint8_t>(bytes[8]) | (static_cast<uint8_t>(bytes[9]) << 8);
    headerStart = 10;
  } else if (major == 2 || major == 3) {
    if (bytes.size() < 12) return invalidInput("{}: truncated .npy header", name);
    for (int i = 0; i < 4; ++i) headerLen |= size_t(static_cast<uint8_t>(bytes[8 + i])) << (8 * i);
    headerStart = 12;
  } else {
    return invalidInput("{}: unsupported .npy format version {}", name, major);
  }
  if (headerLen > bytes.size() - headerStart) return invalidInput("{}: truncated .npy header", name);
  std::string_view header = bytes.substr(headerStart, headerLen);

  auto descr = dictValue(header, "descr");
  auto fortran = dictValue(header, "fortran_order");
  auto shapeText = dictValue(header, "shape");
  if (!descr || !fortran || !shapeText)
    return invalidInput("{}: malformed .npy header '{}'", name, header);
  auto dtype = dtypeFromDescr(*descr);
  if (!dtype)
    return invalidInput("{}: unsupported .npy dtype '{}' (supported: f4, f8, i4, i8, b1, i1, i2, u1, u2, u4, u8, f2)",
                        name, *descr);
  if (fortran->substr(0, 4) != "Fals")
    return invalidInput("{}: Fortran-ordered .npy arrays are not supported; save with C order", name);

  Shape shape;
  std::string_view s = shapeText->substr(1, shapeText->size() - 2);  // strip ( )
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == ',')) ++i;
    if (i >= s.size()) break;
    int64_t d = 0;
    size_t start = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      d = d * 10 + (s[i] - '0');
      if (d > (int64_t(1) << 40)) return invalidInput("{}: .npy dimension too large", name);
      ++i;
    }
    if (i == start) return invalidInput("{}: malformed .npy shape '{}'", name, *shapeText);
    shape.push_back(d);
  }
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d != 0 && n > (int64_t(1) << 40) / d) return invalidInput("{}: .npy array too large", name);
    n *= d;
  }
  size_t dataStart = headerStart + headerLen;
  size_t need = static_cast<size_t>(n) * dtypeSize(*dtype);
  if (bytes.size() - dataStart < need)
    return invalidInput("{}: truncated .npy data: expected {} bytes for {}{}, found {}", name, need,
                        dtypeName(*dtype), shapeToString(shape), bytes.size() - dataStart);
  Tensor t(*dtype, shape);
  if (need) std::memcpy(t.rawData(), bytes.data() + dataStart, need);
  if (*dtype == DType::Bool)  // normalize to 0/1 so bool reads are well-defined
    for (int64_t k = 0; k < n; ++k)
      t.rawData()[k] = std::byte{t.rawData()[k] != std::byte{0}};
  return t;
}

Expected<Tensor> readNpyFile(const std::string& path) {
  INGOT_ASSIGN_OR_RETURN(std::string bytes, readFileBytes(path));
  return parseNpy(bytes, path);
}

std::string serializeNpy(const Tensor& t) {
  std::string_view descr = "<f4";
  for (const auto& nt : kNpyTypes)
    if (nt.dtype == t.dtype()) descr = nt.descr;
  std::string shape = "(";
  for (size_t i = 0; i < t.shape().size(); ++i)
    shape += std::to_string(t.shape()[i]) + (t.shape().size() == 1 ? "," : (i + 1 < t.shape().size() ? ", " : ""));
  shape += ")";
  std::string header =
      fmt::format("{{'descr': '{}', 'fortran_order': False, 'shape': {}, }}", descr, shape);
  // Pad so that the data starts on a 64-byte boundary, ending with '\n'.
  size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::string out = "\x93NUMPY";
  out += char(1);
  out += char(0);
  out += char(header.size() & 0xff);
  out += char((header.size() >> 8) & 0xff);
  out += header;
  out.append(reinterpret_cast<const char*>(t.rawData()), t.byteSize());
  return out;
}

Status writeNpyFile(const std::string& path, const Tensor& t) {
  return writeFileBytes(path, serializeNpy(t));
}

}  // namespace ingot
