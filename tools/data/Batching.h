// Mini-batches over a split: a per-epoch order (shuffled with a seed, or the
// file order), batches of N samples, and a last partial batch returned with
// its true size (never padded, never dropped: every sample is seen exactly
// once per epoch).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "support/Status.h"
#include "support/Tensor.h"
#include "tools/data/Dataset.h"

namespace ingot::data {

struct BatchOptions {
  int64_t batchSize = 32;
  bool shuffle = true;
  uint64_t seed = 0;
};

struct Batch {
  Tensor features;     // f32 [size, sample shape...]
  Tensor labels;       // as the split's: i64 [size] or f32 [size, ...]
  int64_t size = 0;    // samples in this batch: batchSize, or fewer for the last one
  int64_t index = 0;   // the batch's position in its epoch, from 0
};

// Copies the samples `indices` (in that order) into one batch.
void gatherBatch(const Split& split, std::span<const int64_t> indices, Batch& out);

// One pass over the split. Holds a pointer to the split: the split must
// outlive the iterator.
class EpochIterator {
 public:
  EpochIterator(const Split& split, std::vector<int64_t> order, int64_t batchSize)
      : split_(&split), order_(std::move(order)), batchSize_(batchSize) {}
  // Fills `out` with the next batch and returns true, or returns false after
  // the last. Reuses out's tensors when their shapes fit (no allocation per
  // step in a training loop).
  bool next(Batch& out);
  int64_t numBatches() const;
  const std::vector<int64_t>& order() const { return order_; }

 private:
  const Split* split_;
  std::vector<int64_t> order_;
  int64_t batchSize_;
  int64_t pos_ = 0, index_ = 0;
};

// The batches of every epoch of a split. Epoch e's order depends only on
// (seed, e), so a run is reproducible and any epoch can be regenerated alone.
// Holds a pointer to the split: the split must outlive the batcher.
class Batcher {
 public:
  // Errors: batch size below 1, an empty split.
  static Expected<Batcher> create(const Split& split, BatchOptions opts);

  int64_t numSamples() const { return split_->size(); }
  int64_t numBatches() const;  // ceil(samples / batch size)
  const BatchOptions& options() const { return opts_; }
  // The sample order of epoch `epoch` (a permutation of 0..n-1).
  std::vector<int64_t> order(int64_t epoch) const;
  EpochIterator epoch(int64_t epoch) const { return EpochIterator(*split_, order(epoch), opts_.batchSize); }

 private:
  Batcher(const Split& split, BatchOptions opts) : split_(&split), opts_(opts) {}
  const Split* split_;
  BatchOptions opts_;
};

}  // namespace ingot::data
