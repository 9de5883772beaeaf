// A seeded random generator whose every output is the same on every platform
// and standard library. std::mt19937_64's bit stream is fixed by the C++
// standard, but std::uniform_*_distribution and std::shuffle are not (libstdc++,
// libc++ and MSVC draw differently), so the conversions to integers in a range
// and to floats are written here. Data shuffling and `ingot init` both use it,
// which is what makes a seed reproduce the same run anywhere.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

namespace ingot::data {

class Rng {
 public:
  explicit Rng(uint64_t seed) : engine_(seed) {}

  uint64_t nextBits() { return engine_(); }
  // Uniform in [0, 1) with 53 random bits (every double of the form k * 2^-53).
  double uniform01();
  // Uniform in [lo, hi).
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform01(); }
  // Uniform integer in [0, n); n == 0 returns 0. Unbiased: rejection sampling
  // on the top bits rather than a modulo.
  uint64_t below(uint64_t n);

 private:
  std::mt19937_64 engine_;
};

// Mixes two 64-bit values into a seed (SplitMix64 finalizer): gives each epoch
// (or each layer) its own independent stream derived from one user seed, so
// epoch e's order does not depend on how many draws earlier epochs made.
uint64_t mixSeed(uint64_t seed, uint64_t stream);

// A uniformly random permutation of 0..n-1 (Fisher-Yates with Rng::below).
std::vector<int64_t> randomPermutation(int64_t n, Rng& rng);

}  // namespace ingot::data
