// Data sets for training and evaluation: features as f32 (u8 pixels scaled
// to [0, 1], as Keras' and PyTorch's MNIST tutorials do), labels as i64 class
// indices or f32 targets (regression: mse, bce on probabilities), and an
// optional test split.
//
// Specs (`--data SPEC` of `ingot train` / `ingot eval`):
//   fashion-mnist      the files of Debian's dataset-fashion-mnist package
//   idx:DIR            DIR/train-images-idx3-ubyte[.gz], train-labels-idx1-ubyte[.gz]
//                      and, optionally as a pair, t10k-images-idx3-ubyte[.gz],
//                      t10k-labels-idx1-ubyte[.gz] (the test split)
//   npy:X.npy,Y.npy    features and labels from NumPy files; no test split
//                      (integer labels are class indices, float ones targets)
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "support/Status.h"
#include "support/Tensor.h"

namespace ingot::data {

// Where dataset-fashion-mnist (Debian) installs Fashion-MNIST.
inline constexpr const char* kFashionMnistDir = "/usr/share/datasets/fashion-mnist";
inline constexpr const char* kFashionMnistPackage = "dataset-fashion-mnist";

// One split: features f32 [n, ...]; labels i64 [n] (class indices) or f32
// [n, ...] (targets, at least [n, 1]).
struct Split {
  Tensor features;
  Tensor labels;
  int64_t size() const { return features.rank() > 0 ? features.shape()[0] : 0; }
  // The shape of one sample (features' shape without the leading n).
  Shape sampleShape() const;
  // Whether the labels are float targets rather than class indices.
  bool hasTargets() const { return labels.dtype() == DType::F32; }
  // The shape of one sample's label ([] for class indices).
  Shape labelShape() const;
};

struct Dataset {
  std::string name;  // what the spec named, for messages and reports
  Split train;
  std::optional<Split> test;
  // The split evaluation uses: test when there is one, else train.
  const Split& evalSplit() const { return test ? *test : train; }
};

struct DatasetOptions {
  // Where `fashion-mnist` looks (tests point it elsewhere).
  std::string fashionMnistDir = kFashionMnistDir;
};

// Loads a data set by spec. Errors (InvalidInput) name the files and the
// problem: a missing file (for fashion-mnist, the package to install), a
// malformed file, label and image counts that differ (both files and counts),
// integer labels that are not one per sample, float targets that are not
// finite, no samples at all.
Expected<Dataset> loadDataset(const std::string& spec, const DatasetOptions& opts = {});

// One split from a features tensor and a labels tensor as read from files
// (any dtype .npy or IDX hold): u8 features are scaled to [0, 1], other
// numeric features converted to f32 unscaled; integer labels ([n] or [n, 1])
// become i64 [n], float labels f32 targets ([n] becomes [n, 1]). Names the
// files in errors.
Expected<Split> makeSplit(const Tensor& features, const Tensor& labels, const std::string& featuresName,
                          const std::string& labelsName);

// Every label in [0, numClasses); otherwise names the split, the first bad
// sample index and its value. Float targets are an error saying so.
Status checkLabels(const Split& split, int64_t numClasses, const std::string& splitName);
// The same for every split of the data set (train, then test).
Status checkLabels(const Dataset& ds, int64_t numClasses);
// The largest label + 1 (0 for no samples): the class count a data set implies.
Expected<int64_t> classCountOf(const Split& split);

// Reshapes features so each sample has `sampleShape` (a model input's shape
// without its batch dim): [n,28,28] -> [n,784] for an MLP, or back. The
// element count per sample must match; otherwise an error naming `inputName`.
Status fitFeaturesTo(Dataset& ds, const Shape& sampleShape, const std::string& inputName);
// [n, a, b, ...] -> [n, a*b*...].
Tensor flattenSamples(const Tensor& features);

}  // namespace ingot::data
