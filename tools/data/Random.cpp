#include "tools/data/Random.h"

#include <numeric>

namespace ingot::data {

double Rng::uniform01() {
  // The top 53 bits: the high bits of a Mersenne Twister are no worse than the
  // low ones, and 53 is what a double holds exactly.
  return static_cast<double>(engine_() >> 11) * 0x1.0p-53;
}

uint64_t Rng::below(uint64_t n) {
  if (n <= 1) return 0;
  // Smallest all-ones mask covering n - 1; draws above n - 1 are rejected,
  // so fewer than half of the draws are wasted on average.
  uint64_t mask = n - 1;
  mask |= mask >> 1;
  mask |= mask >> 2;
  mask |= mask >> 4;
  mask |= mask >> 8;
  mask |= mask >> 16;
  mask |= mask >> 32;
  for (;;) {
    uint64_t v = engine_() & mask;
    if (v < n) return v;
  }
}

uint64_t mixSeed(uint64_t seed, uint64_t stream) {
  uint64_t z = seed + 0x9E3779B97F4A7C15ull * (stream + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

std::vector<int64_t> randomPermutation(int64_t n, Rng& rng) {
  std::vector<int64_t> p(static_cast<size_t>(n > 0 ? n : 0));
  std::iota(p.begin(), p.end(), int64_t{0});
  for (int64_t i = n - 1; i > 0; --i) {
    auto j = static_cast<int64_t>(rng.below(static_cast<uint64_t>(i) + 1));
    std::swap(p[static_cast<size_t>(i)], p[static_cast<size_t>(j)]);
  }
  return p;
}

}  // namespace ingot::data
