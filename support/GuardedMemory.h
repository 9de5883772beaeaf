// Memory fenced by inaccessible pages, for finding out-of-bounds accesses in
// code that AddressSanitizer cannot see: machine code the LLVM backend JITs
// at run time is not instrumented, so ASan notices none of its loads and
// stores. A GuardedBytes block sits flush against a PROT_NONE page on one
// side (and has one on the other side too, a page away at most), so the
// first byte read or written past that side faults at once (SIGSEGV), at
// the faulting instruction, whatever the access width. Testing both sides
// takes two runs (GuardSide::After, then Before).
#pragma once

#include <cstddef>
#include <cstdint>

#include "support/Status.h"

namespace ingot {

enum class GuardSide {
  After,   // the block ends where an inaccessible page begins
  Before,  // the block starts where an inaccessible page ends
};

class GuardedBytes {
 public:
  // `bytes` may be 0 (a block with no accessible byte on the guarded side).
  // Errors: the mapping fails (the message says how large it was).
  static Expected<GuardedBytes> create(uint64_t bytes, GuardSide side);

  GuardedBytes(GuardedBytes&& o) noexcept;
  GuardedBytes& operator=(GuardedBytes&& o) noexcept;
  GuardedBytes(const GuardedBytes&) = delete;
  GuardedBytes& operator=(const GuardedBytes&) = delete;
  ~GuardedBytes();

  std::byte* data() const { return data_; }
  uint64_t size() const { return size_; }

 private:
  GuardedBytes(void* mapping, uint64_t mappingBytes, std::byte* data, uint64_t size)
      : mapping_(mapping), mappingBytes_(mappingBytes), data_(data), size_(size) {}
  void release();

  void* mapping_ = nullptr;
  uint64_t mappingBytes_ = 0;
  std::byte* data_ = nullptr;
  uint64_t size_ = 0;
};

}  // namespace ingot
