// Shared by the fuzz targets: what every input must give. A failing check
// aborts, which libFuzzer reports as a crash with the input saved.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>

#include "support/Status.h"

namespace ingot::fuzz {

[[noreturn]] inline void fail(const char* what, const std::string& detail) {
  std::fprintf(stderr, "fuzz check failed: %s: %s\n", what, detail.c_str());
  std::abort();
}

// INGOT_FUZZ_VERBOSE=1 prints every error (to see why seeds are rejected:
// `fuzz_artifact -runs=0 DIR`).
inline bool verbose() {
  static const bool on = std::getenv("INGOT_FUZZ_VERBOSE") != nullptr;
  return on;
}

// An error must carry a message, and bad bytes are never a bug in ingot.
inline void checkError(const Status& s, const char* what) {
  if (s.isOk()) return;
  if (verbose()) std::fprintf(stderr, "%s: %s\n", what, s.message().c_str());
  if (s.message().empty()) fail(what, "an error without a message");
  if (s.kind() == ErrorKind::Internal) fail(what, "internal error on input bytes: " + s.message());
}

// A dummy address for every external symbol the ELF loader asks for: the
// code is linked but never run.
inline void* dummySymbol(const std::string&) {
  alignas(16) static char stub[64];
  return stub;
}

}  // namespace ingot::fuzz
