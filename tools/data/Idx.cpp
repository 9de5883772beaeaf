#include "tools/data/Idx.h"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <bit>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <vector>

#include <fmt/ranges.h>

namespace ingot::data {

namespace {

struct IdxType {
  uint8_t code;
  DType dtype;
};
constexpr std::array<IdxType, 6> kIdxTypes = {{{0x08, DType::U8},
                                               {0x09, DType::I8},
                                               {0x0B, DType::I16},
                                               {0x0C, DType::I32},
                                               {0x0D, DType::F32},
                                               {0x0E, DType::F64}}};

std::optional<DType> dtypeForCode(uint8_t code) {
  for (const auto& t : kIdxTypes)
    if (t.code == code) return t.dtype;
  return std::nullopt;
}

std::optional<uint8_t> codeForDType(DType d) {
  for (const auto& t : kIdxTypes)
    if (t.dtype == d) return t.code;
  return std::nullopt;
}

// A byte stream the parser pulls from: a file, a gzip stream or memory. The
// parser reads the header first and checks it before it allocates the data,
// so a corrupt header cannot make it allocate what the file does not hold.
class Source {
 public:
  virtual ~Source() = default;
  // Reads up to n bytes; fewer only at the end of the stream.
  virtual Expected<size_t> read(char* dst, size_t n) = 0;
  // The stream's total length when known up front (plain files, memory);
  // gzip streams do not say how long they decompress to.
  virtual std::optional<uint64_t> totalSize() const = 0;
};

class MemorySource final : public Source {
 public:
  explicit MemorySource(std::string_view bytes) : bytes_(bytes) {}
  Expected<size_t> read(char* dst, size_t n) override {
    size_t k = std::min(n, bytes_.size() - pos_);
    std::copy_n(bytes_.data() + pos_, k, dst);
    pos_ += k;
    return k;
  }
  std::optional<uint64_t> totalSize() const override { return bytes_.size(); }

 private:
  std::string_view bytes_;
  size_t pos_ = 0;
};

class FileSource final : public Source {
 public:
  FileSource(std::ifstream in, uint64_t size, std::string name)
      : in_(std::move(in)), size_(size), name_(std::move(name)) {}
  Expected<size_t> read(char* dst, size_t n) override {
    in_.read(dst, static_cast<std::streamsize>(n));
    if (in_.bad()) return invalidInput("{}: read error", name_);
    return static_cast<size_t>(in_.gcount());
  }
  std::optional<uint64_t> totalSize() const override { return size_; }

 private:
  std::ifstream in_;
  uint64_t size_;
  std::string name_;
};

struct GzCloser {
  void operator()(gzFile_s* f) const { gzclose(f); }
};

class GzipSource final : public Source {
 public:
  GzipSource(gzFile f, std::string name) : f_(f), name_(std::move(name)) {}
  Expected<size_t> read(char* dst, size_t n) override {
    size_t total = 0;
    // gzread takes an unsigned int count; read in pieces well below it.
    while (total < n) {
      auto want = static_cast<unsigned>(std::min<size_t>(n - total, size_t{1} << 20));
      int got = gzread(f_.get(), dst + total, want);
      if (got < 0) return streamError();
      total += static_cast<size_t>(got);
      if (static_cast<unsigned>(got) < want) {
        // A short read is the end of the stream, or a stream cut off
        // mid-way (zlib reports "unexpected end of file" then).
        int err = Z_OK;
        gzerror(f_.get(), &err);
        if (err != Z_OK && err != Z_STREAM_END) return streamError();
        break;
      }
    }
    return total;
  }
  std::optional<uint64_t> totalSize() const override { return std::nullopt; }

 private:
  Status streamError() {
    int err = Z_OK;
    const char* msg = gzerror(f_.get(), &err);
    return invalidInput("{}: corrupt or truncated gzip data ({})", name_, msg ? msg : "zlib error");
  }
  std::unique_ptr<gzFile_s, GzCloser> f_;
  std::string name_;
};

std::string dimsText(const Shape& dims) { return fmt::format("{}", fmt::join(dims, "x")); }

// Big-endian file order -> host order, in place.
void toHostOrder(std::byte* data, size_t count, size_t elemSize) {
  if (elemSize == 1 || std::endian::native == std::endian::big) return;
  for (size_t i = 0; i < count; ++i) std::reverse(data + i * elemSize, data + (i + 1) * elemSize);
}

uint32_t readBigEndian32(const unsigned char* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

Expected<Tensor> parseFrom(Source& src, const std::string& name) {
  std::array<unsigned char, 4> magic{};
  INGOT_ASSIGN_OR_RETURN(size_t got, src.read(reinterpret_cast<char*>(magic.data()), magic.size()));
  if (got < magic.size())
    return invalidInput("{}: truncated: {} bytes, but an IDX header alone needs at least 8", name, got);
  if (magic[0] != 0 || magic[1] != 0)
    return invalidInput("{}: bad magic {:02x} {:02x} {:02x} {:02x}: an IDX file starts with 00 00 TYPE NDIMS", name,
                        magic[0], magic[1], magic[2], magic[3]);
  std::optional<DType> dtype = dtypeForCode(magic[2]);
  if (!dtype)
    return invalidInput("{}: unsupported IDX type code 0x{:02x} (supported: 0x08 u8, 0x09 i8, 0x0b i16, "
                        "0x0c i32, 0x0d f32, 0x0e f64)",
                        name, magic[2]);
  const size_t ndims = magic[3];
  if (ndims == 0) return invalidInput("{}: the IDX header declares 0 dimensions", name);

  std::vector<unsigned char> dimBytes(ndims * 4);
  INGOT_ASSIGN_OR_RETURN(got, src.read(reinterpret_cast<char*>(dimBytes.data()), dimBytes.size()));
  if (got < dimBytes.size())
    return invalidInput("{}: truncated header: it declares {} dimensions but ends after {} of their {} bytes", name,
                        ndims, got, dimBytes.size());
  Shape dims(ndims);
  const uint64_t elemSize = dtypeSize(*dtype);
  uint64_t payload = elemSize;
  bool tooBig = false, anyZero = false;
  for (size_t i = 0; i < ndims; ++i) {
    uint32_t d = readBigEndian32(dimBytes.data() + 4 * i);
    dims[i] = d;
    anyZero = anyZero || d == 0;
    // Checked before multiplying, so the product never wraps around.
    if (d != 0 && payload > kMaxIdxPayloadBytes / d) tooBig = true;
    else payload *= d;
  }
  if (anyZero) payload = 0;  // empty data, however large the other dims
  else if (tooBig)
    return invalidInput("{}: absurd size: dims {} of {} need more than {} bytes (a corrupt header?)", name,
                        dimsText(dims), dtypeName(*dtype), kMaxIdxPayloadBytes);

  const uint64_t headerSize = 4 + 4 * ndims;
  if (auto total = src.totalSize()) {
    uint64_t have = *total - headerSize;
    if (have < payload)
      return invalidInput("{}: truncated: dims {} of {} need {} bytes of data, the file has {}", name,
                          dimsText(dims), dtypeName(*dtype), payload, have);
    if (have > payload)
      return invalidInput("{}: dims {} of {} need {} bytes of data, but the file has {} ({} extra)", name,
                          dimsText(dims), dtypeName(*dtype), payload, have, have - payload);
  }

  // Read in chunks, growing as the data actually arrives: for gzip streams
  // the header is the only size known, and it may lie.
  std::vector<std::byte> data;
  const uint64_t chunk = uint64_t{16} << 20;
  while (data.size() < payload) {
    size_t old = data.size();
    size_t want = static_cast<size_t>(std::min<uint64_t>(chunk, payload - old));
    data.resize(old + want);
    INGOT_ASSIGN_OR_RETURN(size_t n, src.read(reinterpret_cast<char*>(data.data() + old), want));
    if (n < want)
      return invalidInput("{}: truncated: dims {} of {} need {} bytes of data, the stream ends after {}", name,
                          dimsText(dims), dtypeName(*dtype), payload, old + n);
  }
  if (!src.totalSize()) {
    char extra[4096];
    uint64_t more = 0;
    for (;;) {
      INGOT_ASSIGN_OR_RETURN(size_t n, src.read(extra, sizeof extra));
      more += n;
      if (n < sizeof extra) break;
    }
    if (more > 0)
      return invalidInput("{}: dims {} of {} need {} bytes of data, but the stream has {} more", name,
                          dimsText(dims), dtypeName(*dtype), payload, more);
  }

  Tensor t(*dtype, dims);
  if (payload > 0) std::copy(data.begin(), data.end(), t.rawData());
  toHostOrder(t.rawData(), static_cast<size_t>(payload / elemSize), elemSize);
  return t;
}

}  // namespace

Expected<bool> isGzipFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return invalidInput("{}: cannot open", path);
  unsigned char head[2] = {0, 0};
  in.read(reinterpret_cast<char*>(head), 2);
  return in.gcount() == 2 && head[0] == 0x1f && head[1] == 0x8b;
}

Expected<Tensor> readIdxFile(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return invalidInput("{}: no such file", path);
  INGOT_ASSIGN_OR_RETURN(bool gzip, isGzipFile(path));
  if (gzip) {
    gzFile f = gzopen(path.c_str(), "rb");
    if (!f) return invalidInput("{}: cannot open", path);
    gzbuffer(f, 1 << 17);
    GzipSource src(f, path);
    return parseFrom(src, path);
  }
  uint64_t size = std::filesystem::file_size(path, ec);
  if (ec) return invalidInput("{}: cannot read its size: {}", path, ec.message());
  std::ifstream in(path, std::ios::binary);
  if (!in) return invalidInput("{}: cannot open", path);
  FileSource src(std::move(in), size, path);
  return parseFrom(src, path);
}

Expected<Tensor> parseIdx(std::string_view bytes, const std::string& nameForErrors) {
  MemorySource src(bytes);
  return parseFrom(src, nameForErrors);
}

Expected<std::string> serializeIdx(const Tensor& t) {
  std::optional<uint8_t> code = codeForDType(t.dtype());
  if (!code) return unsupported("IDX has no type code for {}", dtypeName(t.dtype()));
  if (t.rank() == 0 || t.rank() > 255) return invalidInput("IDX holds 1 to 255 dimensions, not {}", t.rank());
  std::string out = {'\0', '\0', static_cast<char>(*code), static_cast<char>(t.rank())};
  for (int64_t d : t.shape()) {
    if (d < 0 || d > int64_t{UINT32_MAX}) return invalidInput("IDX dims are u32; {} does not fit", d);
    auto u = static_cast<uint32_t>(d);
    for (int shift : {24, 16, 8, 0}) out.push_back(static_cast<char>((u >> shift) & 0xff));
  }
  size_t start = out.size();
  out.append(reinterpret_cast<const char*>(t.rawData()), t.byteSize());
  toHostOrder(reinterpret_cast<std::byte*>(out.data() + start), static_cast<size_t>(t.numElements()),
              dtypeSize(t.dtype()));  // the swap is its own inverse: host -> big-endian
  return out;
}

}  // namespace ingot::data
