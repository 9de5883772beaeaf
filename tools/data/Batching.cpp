#include "tools/data/Batching.h"

#include <algorithm>
#include <cstring>
#include <numeric>

#include "tools/data/Random.h"

namespace ingot::data {

void gatherBatch(const Split& split, std::span<const int64_t> indices, Batch& out) {
  const auto n = static_cast<int64_t>(indices.size());
  Shape fShape = split.features.shape();
  fShape[0] = n;
  if (out.features.shape() != fShape || out.features.dtype() != split.features.dtype())
    out.features = Tensor(split.features.dtype(), fShape);
  Shape lShape = split.labels.shape();
  lShape[0] = n;
  if (out.labels.shape() != lShape || out.labels.dtype() != split.labels.dtype())
    out.labels = Tensor(split.labels.dtype(), lShape);
  const auto samples = static_cast<size_t>(std::max<int64_t>(split.size(), 1));
  const size_t rowBytes = split.features.byteSize() / samples;
  const size_t labelBytes = split.labels.byteSize() / samples;
  const std::byte* src = split.features.rawData();
  const std::byte* labels = split.labels.rawData();
  std::byte* dst = out.features.rawData();
  std::byte* outLabels = out.labels.rawData();
  for (int64_t i = 0; i < n; ++i) {
    const auto s = static_cast<size_t>(indices[static_cast<size_t>(i)]);
    std::memcpy(dst + static_cast<size_t>(i) * rowBytes, src + s * rowBytes, rowBytes);
    std::memcpy(outLabels + static_cast<size_t>(i) * labelBytes, labels + s * labelBytes, labelBytes);
  }
  out.size = n;
}

bool EpochIterator::next(Batch& out) {
  const auto total = static_cast<int64_t>(order_.size());
  if (pos_ >= total) return false;
  const int64_t n = std::min(batchSize_, total - pos_);
  gatherBatch(*split_, std::span<const int64_t>(order_.data() + pos_, static_cast<size_t>(n)), out);
  out.index = index_++;
  pos_ += n;
  return true;
}

int64_t EpochIterator::numBatches() const {
  const auto total = static_cast<int64_t>(order_.size());
  return (total + batchSize_ - 1) / batchSize_;
}

Expected<Batcher> Batcher::create(const Split& split, BatchOptions opts) {
  if (opts.batchSize < 1) return invalidInput("batch size must be at least 1, not {}", opts.batchSize);
  if (split.size() == 0) return invalidInput("cannot make batches: the data has no samples");
  const bool classes = split.labels.dtype() == DType::I64 && split.labels.rank() == 1;
  const bool targets = split.labels.dtype() == DType::F32 && split.labels.rank() >= 2;
  if (!(classes || targets) || split.labels.shape()[0] != split.size())
    return internalError("a split's labels must be i64 [n] or f32 [n, ...] with n = {} samples, not {} {}",
                         split.size(), dtypeName(split.labels.dtype()), shapeToString(split.labels.shape()));
  return Batcher(split, opts);
}

int64_t Batcher::numBatches() const { return (numSamples() + opts_.batchSize - 1) / opts_.batchSize; }

std::vector<int64_t> Batcher::order(int64_t epoch) const {
  if (!opts_.shuffle) {
    std::vector<int64_t> o(static_cast<size_t>(numSamples()));
    std::iota(o.begin(), o.end(), int64_t{0});
    return o;
  }
  Rng rng(mixSeed(opts_.seed, static_cast<uint64_t>(epoch)));
  return randomPermutation(numSamples(), rng);
}

}  // namespace ingot::data
