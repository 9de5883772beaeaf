// Byte storage aligned to a cache line (64 bytes), for the memory kernels
// read: tensors (weights the runtime views in place) and host buffers.
// std::vector<std::byte> gives malloc's 16 bytes, so a 32-byte AVX load
// straddled two cache lines every other time, and how often depended on
// where each copy of a model happened to land (two loads of one artifact
// differed by ~4% at batch 1; bench/capi_bench's control).
#pragma once

#include <cstddef>
#include <new>
#include <vector>

namespace ingot {

inline constexpr size_t kCacheLineBytes = 64;

template <class T>
struct CacheLineAllocator {
  using value_type = T;
  CacheLineAllocator() = default;
  template <class U>
  CacheLineAllocator(const CacheLineAllocator<U>&) {}
  T* allocate(size_t n) {
    if (n > static_cast<size_t>(-1) / sizeof(T)) throw std::bad_array_new_length();
    return static_cast<T*>(::operator new(n * sizeof(T), std::align_val_t{kCacheLineBytes}));
  }
  void deallocate(T* p, size_t) { ::operator delete(p, std::align_val_t{kCacheLineBytes}); }
  template <class U>
  bool operator==(const CacheLineAllocator<U>&) const { return true; }
};

using AlignedBytes = std::vector<std::byte, CacheLineAllocator<std::byte>>;

}  // namespace ingot
