#include "support/GuardedMemory.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace ingot {

Expected<GuardedBytes> GuardedBytes::create(uint64_t bytes, GuardSide side) {
  const auto page = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  if (bytes > (uint64_t{1} << 48)) return invalidInput("a guarded block of {} bytes is too large", bytes);
  const uint64_t body = (bytes + page - 1) / page * page;
  // [guard page][body pages][guard page]: the body is readable and
  // writable; the block is placed against one guard.
  const uint64_t total = body + 2 * page;
  void* m = mmap(nullptr, total, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (m == MAP_FAILED) return runtimeError("mapping {} bytes for a guarded block: {}", total, std::strerror(errno));
  auto* base = static_cast<std::byte*>(m);
  if (body > 0 && mprotect(base + page, body, PROT_READ | PROT_WRITE) != 0) {
    const int err = errno;
    munmap(m, total);
    return runtimeError("opening {} bytes of a guarded block: {}", body, std::strerror(err));
  }
  std::byte* data = side == GuardSide::Before ? base + page : base + page + body - bytes;
  return GuardedBytes(m, total, data, bytes);
}

GuardedBytes::GuardedBytes(GuardedBytes&& o) noexcept
    : mapping_(std::exchange(o.mapping_, nullptr)),
      mappingBytes_(std::exchange(o.mappingBytes_, 0)),
      data_(std::exchange(o.data_, nullptr)),
      size_(std::exchange(o.size_, 0)) {}

GuardedBytes& GuardedBytes::operator=(GuardedBytes&& o) noexcept {
  if (this != &o) {
    release();
    mapping_ = std::exchange(o.mapping_, nullptr);
    mappingBytes_ = std::exchange(o.mappingBytes_, 0);
    data_ = std::exchange(o.data_, nullptr);
    size_ = std::exchange(o.size_, 0);
  }
  return *this;
}

GuardedBytes::~GuardedBytes() { release(); }

void GuardedBytes::release() {
  if (mapping_) munmap(mapping_, mappingBytes_);
  mapping_ = nullptr;
}

}  // namespace ingot
