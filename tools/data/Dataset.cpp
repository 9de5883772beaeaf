#include "tools/data/Dataset.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <limits>
#include <type_traits>

#include "support/Npy.h"
#include "tools/data/Idx.h"

namespace ingot::data {

namespace fs = std::filesystem;

Shape Split::sampleShape() const {
  if (features.rank() == 0) return {};
  return Shape(features.shape().begin() + 1, features.shape().end());
}

namespace {

// Features, or float targets (`what` says which, for the message).
Expected<Tensor> toF32(const Tensor& x, const std::string& name, const char* what) {
  if (x.dtype() == DType::F32) return x;
  Tensor out(DType::F32, x.shape());
  float* dst = out.data<float>();
  const int64_t n = x.numElements();
  if (x.dtype() == DType::U8) {
    // Pixels: [0, 255] -> [0, 1] by the same f32 division as Keras' x / 255.0
    // and torchvision's ToTensor, so the inputs are bit-identical to theirs.
    const uint8_t* src = x.data<uint8_t>();
    for (int64_t i = 0; i < n; ++i) dst[i] = static_cast<float>(src[i]) / 255.0f;
    return out;
  }
  bool computable = visitDType(x.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* src = x.data<T>();
    for (int64_t i = 0; i < n; ++i) dst[i] = static_cast<float>(src[i]);
  });
  if (!computable) return unsupported("{}: {} of dtype {} are not supported", name, what, dtypeName(x.dtype()));
  return out;
}

Expected<Tensor> labelsToI64(const Tensor& y, const std::string& name) {
  if (!isInteger(y.dtype()))
    return internalError("{}: class labels must be integers, not {}", name, dtypeName(y.dtype()));
  Tensor out(DType::I64, {y.numElements()});
  int64_t* dst = out.data<int64_t>();
  Status status;
  visitDType(y.dtype(), [&](auto tag) {
    using T = decltype(tag);
    const T* src = y.data<T>();
    for (int64_t i = 0; i < y.numElements(); ++i) {
      if constexpr (std::is_same_v<T, uint64_t>) {
        // The only label type whose values may not fit in i64.
        if (src[i] > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
          status = invalidInput("{}: label at index {} is {}, too large for a class index", name, i, src[i]);
          return;
        }
      }
      dst[i] = static_cast<int64_t>(src[i]);
    }
  });
  INGOT_RETURN_IF_ERROR(status);
  return out;
}

// DIR/BASE or DIR/BASE.gz, whichever exists (the plain file first).
std::optional<std::string> findIdx(const fs::path& dir, const std::string& base) {
  std::error_code ec;
  for (const std::string& name : {base, base + ".gz"})
    if (fs::is_regular_file(dir / name, ec)) return (dir / name).string();
  return std::nullopt;
}

Expected<Split> loadIdxPair(const std::string& imagesPath, const std::string& labelsPath) {
  INGOT_ASSIGN_OR_RETURN(Tensor images, readIdxFile(imagesPath));
  INGOT_ASSIGN_OR_RETURN(Tensor labels, readIdxFile(labelsPath));
  return makeSplit(images, labels, imagesPath, labelsPath);
}

constexpr const char* kTrainImages = "train-images-idx3-ubyte";
constexpr const char* kTrainLabels = "train-labels-idx1-ubyte";
constexpr const char* kTestImages = "t10k-images-idx3-ubyte";
constexpr const char* kTestLabels = "t10k-labels-idx1-ubyte";

// `missingHint` is appended to "file not found" errors (what to install).
Expected<Dataset> loadIdxDir(const std::string& dir, bool requireTest, const std::string& missingHint) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec)) return invalidInput("{}: no such directory{}", dir, missingHint);
  auto require = [&](const char* base) -> Expected<std::string> {
    if (auto p = findIdx(dir, base)) return *p;
    return invalidInput("{}: neither {} nor {}.gz found{}", dir, base, base, missingHint);
  };
  Dataset ds;
  INGOT_ASSIGN_OR_RETURN(std::string trainImages, require(kTrainImages));
  INGOT_ASSIGN_OR_RETURN(std::string trainLabels, require(kTrainLabels));
  INGOT_ASSIGN_OR_RETURN(ds.train, loadIdxPair(trainImages, trainLabels));
  std::optional<std::string> testImages = findIdx(dir, kTestImages), testLabels = findIdx(dir, kTestLabels);
  if (requireTest || testImages || testLabels) {
    // Half a test split is a mistake worth reporting, not a reason to
    // silently evaluate on the training data.
    INGOT_ASSIGN_OR_RETURN(std::string imgs, require(kTestImages));
    INGOT_ASSIGN_OR_RETURN(std::string lbls, require(kTestLabels));
    INGOT_ASSIGN_OR_RETURN(Split test, loadIdxPair(imgs, lbls));
    if (test.sampleShape() != ds.train.sampleShape())
      return invalidInput("{}: test samples are {} but training samples ({}) are {}", imgs,
                          shapeToString(test.sampleShape()), trainImages, shapeToString(ds.train.sampleShape()));
    ds.test = std::move(test);
  }
  return ds;
}

Expected<Dataset> loadNpyPair(const std::string& list) {
  size_t comma = list.find(',');
  if (comma == std::string::npos || comma == 0 || comma + 1 == list.size() ||
      list.find(',', comma + 1) != std::string::npos)
    return invalidInput("bad data spec 'npy:{}': expected npy:FEATURES.npy,LABELS.npy", list);
  std::string xPath = list.substr(0, comma), yPath = list.substr(comma + 1);
  INGOT_ASSIGN_OR_RETURN(Tensor x, readNpyFile(xPath));
  INGOT_ASSIGN_OR_RETURN(Tensor y, readNpyFile(yPath));
  Dataset ds;
  INGOT_ASSIGN_OR_RETURN(ds.train, makeSplit(x, y, xPath, yPath));
  return ds;
}

}  // namespace

Expected<Split> makeSplit(const Tensor& features, const Tensor& labels, const std::string& featuresName,
                          const std::string& labelsName) {
  if (features.rank() == 0)
    return invalidInput("{}: features must have a leading sample dimension, not a scalar", featuresName);
  const int64_t n = features.shape()[0];
  if (n == 0) return invalidInput("{}: no samples (the data is empty)", featuresName);
  const bool targets = isFloat(labels.dtype());
  if (!targets && !isInteger(labels.dtype()))
    return invalidInput("{}: labels must be integers (class indices) or floats (targets), but the file holds {}",
                        labelsName, dtypeName(labels.dtype()));
  const bool columnLabels = labels.rank() == 2 && labels.shape()[1] == 1;
  if (!targets && labels.rank() != 1 && !columnLabels)
    return invalidInput("{}: integer labels must be one class index per sample ([n] or [n,1]), not {}", labelsName,
                        shapeToString(labels.shape()));
  if (targets && labels.rank() == 0)
    return invalidInput("{}: targets must have a leading sample dimension, not a scalar", labelsName);
  if (labels.shape()[0] != n)
    return invalidInput("{} has {} labels but {} has {} samples", labelsName, labels.shape()[0], featuresName, n);
  Split s;
  INGOT_ASSIGN_OR_RETURN(s.features, toF32(features, featuresName, "features"));
  // One feature per sample is a column, so every sample has a shape.
  if (s.features.rank() == 1) s.features = s.features.reshaped({n, 1});
  if (targets) {
    INGOT_ASSIGN_OR_RETURN(s.labels, toF32(labels, labelsName, "targets"));
    if (s.labels.rank() == 1) s.labels = s.labels.reshaped({n, 1});
    const std::span<const float> v = s.labels.values<float>();
    for (size_t i = 0; i < v.size(); ++i)
      if (!std::isfinite(v[i]))
        return invalidInput("{}: target at flat index {} (sample {}) is {}, not a finite number", labelsName, i,
                            static_cast<int64_t>(i) / std::max<int64_t>(s.labels.numElements() / n, 1), v[i]);
  } else {
    INGOT_ASSIGN_OR_RETURN(s.labels, labelsToI64(labels, labelsName));
  }
  return s;
}

Expected<Dataset> loadDataset(const std::string& spec, const DatasetOptions& opts) {
  Expected<Dataset> ds = invalidInput(
      "unknown data set '{}': use fashion-mnist, idx:DIR or npy:FEATURES.npy,LABELS.npy", spec);
  if (spec == "fashion-mnist") {
    ds = loadIdxDir(opts.fashionMnistDir, /*requireTest=*/true,
                    fmt::format(" (Fashion-MNIST comes from the Debian package {}: apt-get install {})",
                                kFashionMnistPackage, kFashionMnistPackage));
  } else if (spec.rfind("idx:", 0) == 0) {
    if (spec.size() == 4) return invalidInput("bad data spec '{}': expected idx:DIR", spec);
    ds = loadIdxDir(spec.substr(4), /*requireTest=*/false, "");
  } else if (spec.rfind("npy:", 0) == 0) {
    ds = loadNpyPair(spec.substr(4));
  }
  if (ds.ok()) ds->name = spec;
  return ds;
}

namespace {
Status requireI64Labels(const Split& split) {
  if (split.hasTargets())
    return invalidInput("the labels are float targets {}, not class indices",
                        shapeToString(split.labels.shape()));
  if (split.labels.dtype() != DType::I64)
    return internalError("labels must be i64 (made by makeSplit), not {}", dtypeName(split.labels.dtype()));
  return Status::ok();
}
}  // namespace

Shape Split::labelShape() const {
  if (labels.rank() == 0) return {};
  return Shape(labels.shape().begin() + 1, labels.shape().end());
}

Expected<int64_t> classCountOf(const Split& split) {
  INGOT_RETURN_IF_ERROR(requireI64Labels(split));
  int64_t maxLabel = -1;
  for (int64_t v : split.labels.values<int64_t>()) maxLabel = std::max(maxLabel, v);
  return maxLabel + 1;
}

Status checkLabels(const Split& split, int64_t numClasses, const std::string& splitName) {
  INGOT_RETURN_IF_ERROR(requireI64Labels(split));
  std::span<const int64_t> labels = split.labels.values<int64_t>();
  for (size_t i = 0; i < labels.size(); ++i)
    if (labels[i] < 0 || labels[i] >= numClasses)
      return invalidInput("{} label at index {} is {}, outside 0..{} for {} classes", splitName, i, labels[i],
                          numClasses - 1, numClasses);
  return Status::ok();
}

Status checkLabels(const Dataset& ds, int64_t numClasses) {
  INGOT_RETURN_IF_ERROR(checkLabels(ds.train, numClasses, ds.name + " training"));
  if (ds.test) INGOT_RETURN_IF_ERROR(checkLabels(*ds.test, numClasses, ds.name + " test"));
  return Status::ok();
}

Tensor flattenSamples(const Tensor& features) {
  if (features.rank() == 0) return features;
  int64_t n = features.shape()[0];
  int64_t per = 1;
  for (size_t i = 1; i < features.shape().size(); ++i) per *= features.shape()[i];
  return features.reshaped({n, per});
}

Status fitFeaturesTo(Dataset& ds, const Shape& sampleShape, const std::string& inputName) {
  const int64_t want = numElements(sampleShape);
  for (Split* s : {&ds.train, ds.test ? &*ds.test : nullptr}) {
    if (!s) continue;
    Shape have = s->sampleShape();
    if (numElements(have) != want)
      return invalidInput("{}: samples are {} ({} values) but the model's input '{}' takes {} ({} values) per sample",
                          ds.name, shapeToString(have), numElements(have), inputName, shapeToString(sampleShape),
                          want);
    Shape full = {s->size()};
    full.insert(full.end(), sampleShape.begin(), sampleShape.end());
    s->features = s->features.reshaped(std::move(full));
  }
  return Status::ok();
}

}  // namespace ingot::data
