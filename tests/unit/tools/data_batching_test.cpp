// The seeded generator and batching: the same seed gives the same orders on
// every platform, every sample appears exactly once per epoch, the last
// batch keeps its true size, features and labels stay paired.
#include <catch2/catch.hpp>

#include <algorithm>
#include <numeric>
#include <set>

#include "tools/data/Batching.h"
#include "tools/data/Random.h"

using namespace ingot;

namespace {

// n samples of 3 features; sample i has features (i, i + 0.5, -i), label 7 * i.
data::Split makeSplit(int64_t n) {
  std::vector<float> f;
  std::vector<int64_t> l;
  for (int64_t i = 0; i < n; ++i) {
    f.insert(f.end(), {static_cast<float>(i), static_cast<float>(i) + 0.5f, -static_cast<float>(i)});
    l.push_back(7 * i);
  }
  data::Split s;
  s.features = Tensor::fromVector<float>({n, 3}, f);
  s.labels = Tensor::fromVector<int64_t>({n}, l);
  return s;
}

data::Batcher makeBatcher(const data::Split& s, int64_t batch, bool shuffle, uint64_t seed) {
  auto b = data::Batcher::create(s, {batch, shuffle, seed});
  INFO(b.status().message());
  REQUIRE(b.ok());
  return *b;
}

}  // namespace

TEST_CASE("the generator's bits are std::mt19937_64's, which the C++ standard fixes") {
  // [rand.predef]: the 10000th output of a default-constructed mt19937_64
  // (seed 5489) is 9981545732273789042.
  data::Rng rng(5489);
  uint64_t v = 0;
  for (int i = 0; i < 10000; ++i) v = rng.nextBits();
  CHECK(v == 9981545732273789042ull);
}

TEST_CASE("uniform01 and below stay in range and are close to uniform") {
  data::Rng rng(42);
  double sum = 0;
  const int n = 100000;
  for (int i = 0; i < n; ++i) {
    double u = rng.uniform01();
    REQUIRE(u >= 0.0);
    REQUIRE(u < 1.0);
    sum += u;
  }
  // Mean of U(0,1) is 1/2 with standard error sqrt(1/12/n) ~ 0.0009.
  CHECK(std::abs(sum / n - 0.5) < 0.005);

  std::vector<int> counts(5);
  for (int i = 0; i < 50000; ++i) {
    uint64_t k = rng.below(5);
    REQUIRE(k < 5);
    ++counts[k];
  }
  // Expected 10000 each, standard deviation ~ 89.
  for (int c : counts) CHECK(std::abs(c - 10000) < 500);
  CHECK(rng.below(0) == 0);
  CHECK(rng.below(1) == 0);
}

TEST_CASE("randomPermutation is a permutation, fixed by the seed") {
  data::Rng a(7), b(7), c(8);
  auto pa = data::randomPermutation(1000, a), pb = data::randomPermutation(1000, b);
  auto pc = data::randomPermutation(1000, c);
  CHECK(pa == pb);
  CHECK(pa != pc);
  std::vector<int64_t> sorted = pa;
  std::sort(sorted.begin(), sorted.end());
  std::vector<int64_t> iota(1000);
  std::iota(iota.begin(), iota.end(), 0);
  CHECK(sorted == iota);
  CHECK(data::randomPermutation(0, a).empty());
}

TEST_CASE("seeded shuffles are pinned so a published seed reproduces its run") {
  // Computed by a separate Python model of the documented algorithm
  // (mt19937_64 seeded with 1; Fisher-Yates from the back, j drawn by
  // masking to the bit width of i and rejecting j > i). It must change only
  // if the algorithm does, which would silently change every seeded run.
  data::Rng rng(1);
  CHECK(data::randomPermutation(10, rng) == std::vector<int64_t>{2, 5, 3, 6, 0, 7, 4, 1, 9, 8});
}

TEST_CASE("batches of N with a last partial batch of its true size, every sample once per epoch") {
  data::Split s = makeSplit(10);
  data::Batcher b = makeBatcher(s, 4, true, 3);
  CHECK(b.numBatches() == 3);
  CHECK(b.numSamples() == 10);
  for (int64_t epoch = 0; epoch < 3; ++epoch) {
    data::EpochIterator it = b.epoch(epoch);
    CHECK(it.numBatches() == 3);
    data::Batch batch;
    std::vector<int64_t> sizes, seen;
    int64_t expectedIndex = 0;
    while (it.next(batch)) {
      CHECK(batch.index == expectedIndex++);
      sizes.push_back(batch.size);
      REQUIRE(batch.features.shape() == Shape{batch.size, 3});
      REQUIRE(batch.labels.shape() == Shape{batch.size});
      for (int64_t i = 0; i < batch.size; ++i) {
        int64_t label = batch.labels.data<int64_t>()[i];
        REQUIRE(label % 7 == 0);
        const int64_t sample = label / 7;
        // The features travelled with their label.
        CHECK(batch.features.data<float>()[3 * i] == static_cast<float>(sample));
        CHECK(batch.features.data<float>()[3 * i + 1] == static_cast<float>(sample) + 0.5f);
        CHECK(batch.features.data<float>()[3 * i + 2] == -static_cast<float>(sample));
        seen.push_back(sample);
      }
    }
    CHECK(sizes == std::vector<int64_t>{4, 4, 2});
    std::sort(seen.begin(), seen.end());
    CHECK(seen == std::vector<int64_t>{0, 1, 2, 3, 4, 5, 6, 7, 8, 9});
    CHECK_FALSE(it.next(batch));  // stays exhausted
  }
}

TEST_CASE("an exact multiple has no partial batch, a batch larger than the data is one batch") {
  data::Split s = makeSplit(8);
  CHECK(makeBatcher(s, 4, false, 0).numBatches() == 2);
  data::Batcher big = makeBatcher(s, 100, false, 0);
  data::EpochIterator it = big.epoch(0);
  data::Batch batch;
  REQUIRE(it.next(batch));
  CHECK(batch.size == 8);
  CHECK_FALSE(it.next(batch));
}

TEST_CASE("shuffle order: same seed same order, epochs differ, seeds differ, no-shuffle keeps file order") {
  data::Split s = makeSplit(100);
  data::Batcher a = makeBatcher(s, 32, true, 11), a2 = makeBatcher(s, 32, true, 11);
  data::Batcher other = makeBatcher(s, 32, true, 12), plain = makeBatcher(s, 32, false, 11);
  CHECK(a.order(0) == a2.order(0));
  CHECK(a.order(4) == a2.order(4));
  CHECK(a.order(0) != a.order(1));
  CHECK(a.order(0) != other.order(0));
  std::vector<int64_t> iota(100);
  std::iota(iota.begin(), iota.end(), 0);
  CHECK(plain.order(0) == iota);
  CHECK(plain.order(3) == iota);
  // Epoch 2's order does not depend on having generated epochs 0 and 1.
  CHECK(a.epoch(2).order() == a2.order(2));
}

TEST_CASE("the iterator reuses a batch's tensors when the size fits") {
  data::Split s = makeSplit(10);
  data::Batcher b = makeBatcher(s, 4, false, 0);
  data::EpochIterator it = b.epoch(0);
  data::Batch batch;
  REQUIRE(it.next(batch));
  const std::byte* storage = batch.features.rawData();
  REQUIRE(it.next(batch));
  CHECK(batch.features.rawData() == storage);
  CHECK(batch.features.data<float>()[0] == 4.0f);
  REQUIRE(it.next(batch));
  CHECK(batch.size == 2);
  CHECK(batch.features.data<float>()[3] == 9.0f);
}

TEST_CASE("bad batch sizes and empty splits are errors") {
  data::Split s = makeSplit(5);
  auto zero = data::Batcher::create(s, {0, true, 0});
  REQUIRE_FALSE(zero.ok());
  CHECK_THAT(zero.status().message(), Catch::Contains("batch size must be at least 1, not 0"));
  CHECK_FALSE(data::Batcher::create(s, {-3, true, 0}).ok());
  data::Split empty = makeSplit(0);
  auto e = data::Batcher::create(empty, {4, true, 0});
  REQUIRE_FALSE(e.ok());
  CHECK_THAT(e.status().message(), Catch::Contains("no samples"));
}

TEST_CASE("float targets travel with their samples, rows of any width") {
  data::Split s = makeSplit(5);
  std::vector<float> t;
  for (int64_t i = 0; i < 5; ++i) t.insert(t.end(), {static_cast<float>(i), -static_cast<float>(i)});
  s.labels = Tensor::fromVector<float>({5, 2}, t);
  auto b = data::Batcher::create(s, data::BatchOptions{2, true, 11});
  REQUIRE(b.ok());
  data::EpochIterator it = b->epoch(0);
  data::Batch batch;
  int64_t seen = 0;
  while (it.next(batch)) {
    REQUIRE(batch.labels.dtype() == DType::F32);
    REQUIRE(batch.labels.shape() == Shape{batch.size, 2});
    for (int64_t i = 0; i < batch.size; ++i) {
      const float sample = batch.features.data<float>()[3 * i];
      CHECK(batch.labels.data<float>()[2 * i] == sample);
      CHECK(batch.labels.data<float>()[2 * i + 1] == -sample);
      ++seen;
    }
  }
  CHECK(seen == 5);
}
