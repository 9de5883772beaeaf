// Little-endian binary encoding for the artifact's sections: a writer that
// appends, and a bounds-checked reader whose first failure sticks (every
// later read returns zero/empty) so decoders read straight through and check
// status() once. Lengths read from a file are checked against the bytes
// left before anything is allocated, so a corrupt length cannot make a
// decoder allocate gigabytes.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <type_traits>

#include "support/Status.h"

namespace ingot {

class ByteWriter {
 public:
  template <typename T>
    requires std::is_arithmetic_v<T>
  void put(T v) {
    char b[sizeof(T)];
    std::memcpy(b, &v, sizeof(T));  // the hosts we target are little-endian
    out_.append(b, sizeof(T));
  }
  void u8(uint8_t v) { put(v); }
  void u32(uint32_t v) { put(v); }
  void u64(uint64_t v) { put(v); }
  void i64(int64_t v) { put(v); }
  void f64(double v) { put(v); }
  // A u64 length, then the bytes.
  void str(std::string_view s) {
    u64(s.size());
    out_.append(s);
  }
  void raw(std::string_view s) { out_.append(s); }
  void padTo(size_t alignment) {
    while (out_.size() % alignment) out_.push_back('\0');
  }
  size_t size() const { return out_.size(); }
  std::string& bytes() { return out_; }

 private:
  std::string out_;
};

class ByteReader {
 public:
  // `what` names the data in errors ("section meta of model.ingot").
  ByteReader(std::string_view bytes, std::string what) : in_(bytes), what_(std::move(what)) {}

  template <typename T>
    requires std::is_arithmetic_v<T>
  T get(const char* field) {
    T v{};
    if (!need(sizeof(T), field)) return v;
    std::memcpy(&v, in_.data() + pos_, sizeof(T));
    pos_ += sizeof(T);
    return v;
  }
  uint8_t u8(const char* field) { return get<uint8_t>(field); }
  uint32_t u32(const char* field) { return get<uint32_t>(field); }
  uint64_t u64(const char* field) { return get<uint64_t>(field); }
  int64_t i64(const char* field) { return get<int64_t>(field); }
  double f64(const char* field) { return get<double>(field); }
  std::string str(const char* field) { return std::string(view(field)); }
  // The next n bytes (fixed-size fields).
  std::string_view raw(uint64_t n) {
    if (!need(n, "bytes")) return {};
    std::string_view v = in_.substr(pos_, n);
    pos_ += n;
    return v;
  }
  // A length-prefixed byte string, as a view into the input.
  std::string_view view(const char* field) {
    const uint64_t n = u64(field);
    if (!need(n, field)) return {};
    std::string_view v = in_.substr(pos_, n);
    pos_ += n;
    return v;
  }
  // A count of items each at least `minItemBytes` long: fails (and returns
  // 0) when that many cannot fit in the bytes left.
  uint64_t count(const char* field, uint64_t minItemBytes) {
    const uint64_t n = u64(field);
    if (ok() && minItemBytes > 0 && n > remaining() / minItemBytes) {
      fail(fmt::format("{}: count {} cannot fit in the {} bytes left", field, n, remaining()));
      return 0;
    }
    return ok() ? n : 0;
  }
  void fail(const std::string& message) {
    if (status_.isOk()) status_ = invalidInput("{} at byte {}: {}", what_, pos_, message);
  }
  bool ok() const { return status_.isOk(); }
  const Status& status() const { return status_; }
  uint64_t remaining() const { return in_.size() - pos_; }
  uint64_t position() const { return pos_; }
  // Fails unless every byte was read.
  Status finish() {
    if (ok() && remaining() != 0) fail(fmt::format("{} unexpected trailing bytes", remaining()));
    return status_;
  }

 private:
  bool need(uint64_t n, const char* field) {
    if (!ok()) return false;
    if (n > remaining()) {
      fail(fmt::format("{}: needs {} bytes, {} left", field, n, remaining()));
      return false;
    }
    return true;
  }
  std::string_view in_;
  std::string what_;
  uint64_t pos_ = 0;
  Status status_;
};

// CRC-32 (IEEE 802.3, as zlib computes it) of `bytes`.
uint32_t crc32(std::string_view bytes);

}  // namespace ingot
