#include "backends/opencl/OpenClBinaryCache.h"

#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include <fmt/format.h>

namespace ingot::backends::opencl {

namespace {

namespace fs = std::filesystem;

constexpr char kMagic[8] = {'I', 'N', 'G', 'O', 'T', 'C', 'L', '1'};

uint64_t fnv1a(const std::string& s, uint64_t h = 1469598103934665603ull) {
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

void putU64(std::string& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out += static_cast<char>((v >> (8 * i)) & 0xff);
}

bool getU64(const std::string& in, size_t& pos, uint64_t& v) {
  if (in.size() - pos < 8) return false;
  v = 0;
  for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(static_cast<unsigned char>(in[pos + i])) << (8 * i);
  pos += 8;
  return true;
}

}  // namespace

std::string defaultCacheDir() {
  if (const char* off = std::getenv("INGOT_OPENCL_CACHE"); off && std::strcmp(off, "0") == 0) return "";
  if (const char* d = std::getenv("INGOT_OPENCL_CACHE_DIR"); d && *d) return d;
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x && *x) return std::string(x) + "/ingot/opencl";
  if (const char* h = std::getenv("HOME"); h && *h) return std::string(h) + "/.cache/ingot/opencl";
  return "";
}

std::string BinaryCache::pathFor(const std::string& key, const std::string& source) const {
  return fmt::format("{}/{:016x}.clbin", dir_, fnv1a(source, fnv1a(key + '\n')));
}

std::optional<std::string> BinaryCache::load(const std::string& key, const std::string& source) const {
  if (!enabled()) return std::nullopt;
  std::ifstream in(pathFor(key, source), std::ios::binary);
  if (!in) return std::nullopt;
  const std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  size_t pos = sizeof(kMagic);
  uint64_t keyLen = 0, srcLen = 0, binLen = 0, binHash = 0;
  if (data.size() < pos || std::memcmp(data.data(), kMagic, sizeof(kMagic)) != 0) return std::nullopt;
  if (!getU64(data, pos, keyLen) || !getU64(data, pos, srcLen) || !getU64(data, pos, binLen) ||
      !getU64(data, pos, binHash))
    return std::nullopt;
  if (keyLen != key.size() || srcLen != source.size() || data.size() - pos != keyLen + srcLen + binLen)
    return std::nullopt;
  if (data.compare(pos, keyLen, key) != 0 || data.compare(pos + keyLen, srcLen, source) != 0) return std::nullopt;
  std::string binary = data.substr(pos + keyLen + srcLen);
  if (binary.empty() || fnv1a(binary) != binHash) return std::nullopt;
  return binary;
}

void BinaryCache::store(const std::string& key, const std::string& source, const std::string& binary) const {
  if (!enabled() || binary.empty()) return;
  std::error_code ec;
  fs::create_directories(dir_, ec);
  if (ec) return;
  std::string data(kMagic, sizeof(kMagic));
  putU64(data, key.size());
  putU64(data, source.size());
  putU64(data, binary.size());
  putU64(data, fnv1a(binary));
  data += key;
  data += source;
  data += binary;
  // A unique temporary name per process and call, renamed into place, so a
  // concurrent reader never sees a half-written file.
  static std::atomic<uint64_t> counter{0};
  const std::string path = pathFor(key, source);
  const std::string tmp = fmt::format("{}.tmp.{}.{}", path, static_cast<long>(getpid()), counter++);
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return;
    out.write(data.data(), static_cast<std::streamsize>(data.size()));
    if (!out) {
      out.close();
      fs::remove(tmp, ec);
      return;
    }
  }
  fs::rename(tmp, path, ec);
  if (ec) fs::remove(tmp, ec);
}

}  // namespace ingot::backends::opencl
