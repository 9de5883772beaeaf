// Device binaries of built OpenCL programs, cached on disk so a program is
// compiled by the driver once per machine rather than once per process
// (PoCL compiles every kernel with its own LLVM: slow). One file per
// program, named by a hash of its key (device name, driver version, build
// options) and source; the file repeats the key and the whole source, so a
// hash collision or a stale entry is never used, and checksums its binary, so
// a truncated or corrupt file is ignored (and rewritten after a rebuild).
// Every failure here is silent: the cache only ever saves time.
#pragma once

#include <optional>
#include <string>

namespace ingot::backends::opencl {

// $INGOT_OPENCL_CACHE_DIR, else $XDG_CACHE_HOME/ingot/opencl, else
// ~/.cache/ingot/opencl; empty (no cache) when INGOT_OPENCL_CACHE=0 or no
// folder can be named.
std::string defaultCacheDir();

class BinaryCache {
 public:
  explicit BinaryCache(std::string dir) : dir_(std::move(dir)) {}
  bool enabled() const { return !dir_.empty(); }
  // The binary stored for (key, source), if a valid one is there.
  std::optional<std::string> load(const std::string& key, const std::string& source) const;
  // Stores it (written to a temporary file, then renamed into place).
  void store(const std::string& key, const std::string& source, const std::string& binary) const;
  // Where (key, source) is stored (tests corrupt it).
  std::string pathFor(const std::string& key, const std::string& source) const;

 private:
  std::string dir_;
};

}  // namespace ingot::backends::opencl
