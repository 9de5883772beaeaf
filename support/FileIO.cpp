#include "support/FileIO.h"

#include <filesystem>
#include <fstream>
#include <iterator>

namespace ingot {

Expected<std::string> readFileBytes(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return invalidInput("{}: no such file", path);
  std::ifstream in(path, std::ios::binary);
  if (!in) return invalidInput("{}: cannot open", path);
  // One read of the whole file (a character iterator costs ~10 ms per MB).
  in.seekg(0, std::ios::end);
  const std::streamoff size = in.tellg();
  if (size < 0) return invalidInput("{}: cannot determine its size", path);
  in.seekg(0, std::ios::beg);
  std::string bytes(static_cast<size_t>(size), '\0');
  if (!in.read(bytes.data(), size)) return invalidInput("{}: read error", path);
  return bytes;
}

Status writeFileBytes(const std::string& path, std::string_view bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return invalidInput("{}: cannot open for writing", path);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) return invalidInput("{}: write error", path);
  return Status::ok();
}

}  // namespace ingot
