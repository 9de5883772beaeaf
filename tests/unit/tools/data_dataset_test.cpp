// Data set specs: idx:DIR (plain and gzip), npy:X,Y, fashion-mnist (the
// Debian package's files when installed), pixel scaling, label checks and
// reshaping features to a model's input.
#include <catch2/catch.hpp>

#include <cmath>
#include <zlib.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "support/Npy.h"
#include "tools/data/Dataset.h"
#include "tools/data/Idx.h"
#include "temp_dir.h"

using namespace ingot;
namespace fs = std::filesystem;

namespace {

using ingot::testing::TempDir;

void writeIdx(const fs::path& p, const Tensor& t, bool gzip) {
  auto s = data::serializeIdx(t);
  REQUIRE(s.ok());
  if (!gzip) {
    std::ofstream(p, std::ios::binary) << *s;
    return;
  }
  gzFile f = gzopen(p.string().c_str(), "wb");
  REQUIRE(f != nullptr);
  REQUIRE(gzwrite(f, s->data(), static_cast<unsigned>(s->size())) == static_cast<int>(s->size()));
  REQUIRE(gzclose(f) == Z_OK);
}

// n images of 2x2 pixels, image i all pixels 51 * (i % 6); label i % 3.
Tensor images(int64_t n) {
  std::vector<uint8_t> px;
  for (int64_t i = 0; i < n; ++i)
    for (int k = 0; k < 4; ++k) px.push_back(static_cast<uint8_t>(51 * (i % 6)));
  return Tensor::fromVector<uint8_t>({n, 2, 2}, px);
}
Tensor labels(int64_t n) {
  std::vector<uint8_t> l;
  for (int64_t i = 0; i < n; ++i) l.push_back(static_cast<uint8_t>(i % 3));
  return Tensor::fromVector<uint8_t>({n}, l);
}

void writeMnistDir(const TempDir& d, int64_t nTrain, int64_t nTest, bool gzip, bool withTest = true) {
  std::string ext = gzip ? ".gz" : "";
  writeIdx(d.path / ("train-images-idx3-ubyte" + ext), images(nTrain), gzip);
  writeIdx(d.path / ("train-labels-idx1-ubyte" + ext), labels(nTrain), gzip);
  if (!withTest) return;
  writeIdx(d.path / ("t10k-images-idx3-ubyte" + ext), images(nTest), gzip);
  writeIdx(d.path / ("t10k-labels-idx1-ubyte" + ext), labels(nTest), gzip);
}

std::string errorOf(const std::string& spec, const data::DatasetOptions& opts = {}) {
  auto ds = data::loadDataset(spec, opts);
  REQUIRE_FALSE(ds.ok());
  CHECK(ds.status().kind() == ErrorKind::InvalidInput);
  return ds.status().message();
}

}  // namespace

TEST_CASE("idx:DIR loads train and test splits, plain or gzip, pixels scaled to [0,1]") {
  for (bool gzip : {false, true}) {
    DYNAMIC_SECTION((gzip ? "gzip" : "plain")) {
      TempDir d;
      writeMnistDir(d, 7, 5, gzip);
      auto ds = data::loadDataset("idx:" + d.str());
      INFO(ds.status().message());
      REQUIRE(ds.ok());
      CHECK(ds->name == "idx:" + d.str());
      CHECK(ds->train.size() == 7);
      CHECK(ds->train.features.dtype() == DType::F32);
      CHECK(ds->train.features.shape() == Shape{7, 2, 2});
      CHECK(ds->train.sampleShape() == Shape{2, 2});
      CHECK(ds->train.labels.dtype() == DType::I64);
      CHECK(ds->train.labels.shape() == Shape{7});
      // Image 1 is 51 everywhere: 51/255 = 0.2; image 5 is 255: exactly 1.
      CHECK(ds->train.features.data<float>()[4] == 0.2f);
      CHECK(ds->train.features.data<float>()[5 * 4] == 1.0f);
      CHECK(ds->train.features.data<float>()[0] == 0.0f);
      CHECK(ds->train.labels.data<int64_t>()[5] == 2);
      REQUIRE(ds->test.has_value());
      CHECK(ds->test->size() == 5);
      CHECK(&ds->evalSplit() == &*ds->test);
      CHECK(*data::classCountOf(ds->train) == 3);
    }
  }
}

TEST_CASE("idx:DIR without the t10k files has no test split, half a test split is an error") {
  TempDir d;
  writeMnistDir(d, 4, 0, false, /*withTest=*/false);
  auto ds = data::loadDataset("idx:" + d.str());
  REQUIRE(ds.ok());
  CHECK_FALSE(ds->test.has_value());
  CHECK(&ds->evalSplit() == &ds->train);

  writeIdx(d.path / "t10k-images-idx3-ubyte", images(3), false);
  CHECK_THAT(errorOf("idx:" + d.str()), Catch::Contains("t10k-labels-idx1-ubyte"));
}

TEST_CASE("idx:DIR errors name the directory, the missing file and mismatched counts") {
  TempDir d;
  CHECK_THAT(errorOf("idx:" + d.str() + "/nope"), Catch::Contains("no such directory"));
  CHECK_THAT(errorOf("idx:" + d.str()), Catch::Contains("train-images-idx3-ubyte"));
  CHECK_THAT(errorOf("idx:"), Catch::Contains("expected idx:DIR"));

  writeIdx(d.path / "train-images-idx3-ubyte", images(6), false);
  writeIdx(d.path / "train-labels-idx1-ubyte.gz", labels(5), true);
  std::string msg = errorOf("idx:" + d.str());
  CHECK_THAT(msg, Catch::Contains("train-labels-idx1-ubyte.gz has 5 labels"));
  CHECK_THAT(msg, Catch::Contains("train-images-idx3-ubyte has 6 samples"));
}

TEST_CASE("a malformed IDX file in a data set is reported with its path") {
  TempDir d;
  writeMnistDir(d, 4, 0, false, false);
  std::ofstream(d.path / "train-labels-idx1-ubyte", std::ios::binary) << std::string("\0\0\x08\x01\0\0\0\x09", 8);
  std::string msg = errorOf("idx:" + d.str());
  CHECK_THAT(msg, Catch::Contains("train-labels-idx1-ubyte"));
  CHECK_THAT(msg, Catch::Contains("truncated"));
}

TEST_CASE("zero samples is an error, not an empty epoch") {
  TempDir d;
  writeMnistDir(d, 0, 0, false, false);
  CHECK_THAT(errorOf("idx:" + d.str()), Catch::Contains("no samples"));
}

TEST_CASE("npy:X,Y pairs: any numeric features, integer labels as [n] or [n,1]") {
  TempDir d;
  std::string x = (d.path / "x.npy").string(), y = (d.path / "y.npy").string();
  REQUIRE(writeNpyFile(x, Tensor::fromVector<double>({3, 2}, {0.5, -1, 2, 3, 4, 5})).isOk());
  REQUIRE(writeNpyFile(y, Tensor::fromVector<int32_t>({3, 1}, {2, 0, 1})).isOk());
  auto ds = data::loadDataset("npy:" + x + "," + y);
  INFO(ds.status().message());
  REQUIRE(ds.ok());
  CHECK_FALSE(ds->test.has_value());
  CHECK(ds->train.features.dtype() == DType::F32);
  // Non-u8 features are not pixels: converted, not scaled.
  CHECK(ds->train.features.data<float>()[0] == 0.5f);
  CHECK(ds->train.features.data<float>()[5] == 5.0f);
  CHECK(ds->train.labels.shape() == Shape{3});
  CHECK(ds->train.labels.data<int64_t>()[0] == 2);

  SECTION("1-D features become one column") {
    REQUIRE(writeNpyFile(x, Tensor::fromVector<float>({3}, {1, 2, 3})).isOk());
    auto one = data::loadDataset("npy:" + x + "," + y);
    REQUIRE(one.ok());
    CHECK(one->train.features.shape() == Shape{3, 1});
  }
  SECTION("float labels are targets: [n] becomes [n,1], [n,k] stays") {
    REQUIRE(writeNpyFile(y, Tensor::fromVector<double>({3}, {2.5, 0, -1})).isOk());
    auto t = data::loadDataset("npy:" + x + "," + y);
    INFO(t.status().message());
    REQUIRE(t.ok());
    CHECK(t->train.hasTargets());
    CHECK(t->train.labels.shape() == Shape{3, 1});
    CHECK(t->train.labels.data<float>()[0] == 2.5f);
    CHECK(t->train.labels.data<float>()[2] == -1.0f);
    CHECK_THAT(data::checkLabels(*t, 3).message(), Catch::Contains("float targets"));
    REQUIRE(writeNpyFile(y, Tensor::fromVector<float>({3, 2}, {1, 2, 3, 4, 5, 6})).isOk());
    auto wide = data::loadDataset("npy:" + x + "," + y);
    REQUIRE(wide.ok());
    CHECK(wide->train.labelShape() == Shape{2});
  }
  SECTION("non-finite targets and non-numeric labels") {
    REQUIRE(writeNpyFile(y, Tensor::fromVector<float>({3}, {0, NAN, 1})).isOk());
    CHECK_THAT(errorOf("npy:" + x + "," + y), Catch::Contains("target at flat index 1 (sample 1) is nan"));
    REQUIRE(writeNpyFile(y, Tensor::fromVector<bool>({3}, {true, false, true})).isOk());
    std::string msg = errorOf("npy:" + x + "," + y);
    CHECK_THAT(msg, Catch::Contains("y.npy: labels must be integers (class indices) or floats (targets)"));
    CHECK_THAT(msg, Catch::Contains("bool"));
  }
  SECTION("label count differs") {
    REQUIRE(writeNpyFile(y, Tensor::fromVector<int64_t>({4}, {0, 1, 2, 3})).isOk());
    std::string msg = errorOf("npy:" + x + "," + y);
    CHECK_THAT(msg, Catch::Contains("y.npy has 4 labels but"));
    CHECK_THAT(msg, Catch::Contains("x.npy has 3 samples"));
  }
  SECTION("labels of the wrong rank") {
    REQUIRE(writeNpyFile(y, Tensor::fromVector<int64_t>({3, 2}, {0, 1, 2, 3, 4, 5})).isOk());
    CHECK_THAT(errorOf("npy:" + x + "," + y), Catch::Contains("integer labels must be one class index per sample"));
  }
  SECTION("empty features") {
    REQUIRE(writeNpyFile(x, Tensor(DType::F32, {0, 2})).isOk());
    CHECK_THAT(errorOf("npy:" + x + "," + y), Catch::Contains("x.npy: no samples"));
  }
  SECTION("u64 labels beyond i64") {
    REQUIRE(writeNpyFile(y, Tensor::fromVector<uint64_t>({3}, {0, UINT64_MAX, 1})).isOk());
    CHECK_THAT(errorOf("npy:" + x + "," + y), Catch::Contains("label at index 1"));
  }
  SECTION("malformed specs and missing files") {
    CHECK_THAT(errorOf("npy:" + x), Catch::Contains("expected npy:FEATURES.npy,LABELS.npy"));
    CHECK_THAT(errorOf("npy:" + x + ","), Catch::Contains("expected npy:"));
    CHECK_THAT(errorOf("npy:a,b,c"), Catch::Contains("expected npy:"));
    CHECK_THAT(errorOf("npy:" + x + "," + d.str() + "/missing.npy"), Catch::Contains("missing.npy"));
  }
}

TEST_CASE("unknown specs list the known ones") {
  CHECK_THAT(errorOf("cifar10"), Catch::Contains("fashion-mnist, idx:DIR or npy:"));
}

TEST_CASE("fashion-mnist without the package says which package to install") {
  TempDir d;
  data::DatasetOptions opts;
  opts.fashionMnistDir = d.str() + "/absent";
  std::string msg = errorOf("fashion-mnist", opts);
  CHECK_THAT(msg, Catch::Contains("apt-get install dataset-fashion-mnist"));
  CHECK_THAT(msg, Catch::Contains(opts.fashionMnistDir));
  // The package's folder with the test files missing: fashion-mnist needs both splits.
  writeMnistDir(d, 2, 0, false, false);
  opts.fashionMnistDir = d.str();
  CHECK_THAT(errorOf("fashion-mnist", opts), Catch::Contains("t10k-images-idx3-ubyte"));
}

TEST_CASE("checkLabels names the split, the first bad index and its value") {
  data::Split s;
  s.features = Tensor(DType::F32, {5, 1});
  s.labels = Tensor::fromVector<int64_t>({5}, {0, 9, 3, 10, -1});
  Status st = data::checkLabels(s, 10, "train");
  REQUIRE_FALSE(st.isOk());
  CHECK(st.kind() == ErrorKind::InvalidInput);
  CHECK_THAT(st.message(), Catch::Contains("train label at index 3 is 10, outside 0..9"));
  s.labels.data<int64_t>()[3] = 2;
  CHECK_THAT(data::checkLabels(s, 10, "train").message(), Catch::Contains("index 4 is -1"));
  s.labels.data<int64_t>()[4] = 1;
  CHECK(data::checkLabels(s, 10, "train").isOk());
  CHECK_FALSE(data::checkLabels(s, 9, "train").isOk());
  CHECK(*data::classCountOf(s) == 10);
  data::Split wrongType = s;
  wrongType.labels = Tensor::fromVector<int32_t>({5}, {0, 1, 2, 3, 4});
  CHECK(data::checkLabels(wrongType, 10, "train").kind() == ErrorKind::Internal);
  CHECK_FALSE(data::classCountOf(wrongType).ok());

  data::Dataset ds;
  ds.name = "idx:d";
  ds.train = s;
  ds.train.labels = Tensor::fromVector<int64_t>({5}, {0, 1, 2, 3, 4});
  ds.test = s;
  ds.test->labels = Tensor::fromVector<int64_t>({5}, {0, 1, 2, 3, 12});
  CHECK_THAT(data::checkLabels(ds, 10).message(), Catch::Contains("idx:d test label at index 4"));
}

TEST_CASE("features reshape to the model's per-sample input shape") {
  data::Dataset ds;
  ds.name = "d";
  std::vector<float> v(2 * 3 * 4);
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>(i);
  ds.train.features = Tensor::fromVector<float>({2, 3, 4}, v);
  ds.train.labels = Tensor::fromVector<int64_t>({2}, {0, 1});
  ds.test = ds.train;
  REQUIRE(data::fitFeaturesTo(ds, {12}, "x").isOk());
  CHECK(ds.train.features.shape() == Shape{2, 12});
  CHECK(ds.test->features.shape() == Shape{2, 12});
  CHECK(ds.train.features.data<float>()[13] == 13.0f);  // C order kept
  REQUIRE(data::fitFeaturesTo(ds, {1, 3, 4}, "x").isOk());
  CHECK(ds.train.features.shape() == Shape{2, 1, 3, 4});
  Status st = data::fitFeaturesTo(ds, {13}, "input_1");
  REQUIRE_FALSE(st.isOk());
  CHECK_THAT(st.message(), Catch::Contains("samples are [1,3,4] (12 values)"));
  CHECK_THAT(st.message(), Catch::Contains("'input_1' takes [13]"));
  CHECK(data::flattenSamples(Tensor(DType::F32, {5, 28, 28})).shape() == Shape{5, 784});
}

TEST_CASE("Fashion-MNIST from the Debian package: 60000 + 10000 images, 10 balanced classes") {
  if (!fs::exists(std::string(data::kFashionMnistDir) + "/train-images-idx3-ubyte.gz")) {
    WARN("skipped: " << data::kFashionMnistDir << " not found (apt-get install dataset-fashion-mnist)");
    return;
  }
  auto ds = data::loadDataset("fashion-mnist");
  INFO(ds.status().message());
  REQUIRE(ds.ok());
  CHECK(ds->train.features.shape() == Shape{60000, 28, 28});
  CHECK(ds->train.labels.shape() == Shape{60000});
  REQUIRE(ds->test.has_value());
  CHECK(ds->test->features.shape() == Shape{10000, 28, 28});
  CHECK(ds->test->labels.shape() == Shape{10000});
  CHECK(data::checkLabels(*ds, 10).isOk());
  // Fashion-MNIST is balanced: 6000 training and 1000 test images per class.
  std::vector<int64_t> trainCount(10), testCount(10);
  for (int64_t l : ds->train.labels.values<int64_t>()) ++trainCount[static_cast<size_t>(l)];
  for (int64_t l : ds->test->labels.values<int64_t>()) ++testCount[static_cast<size_t>(l)];
  CHECK(trainCount == std::vector<int64_t>(10, 6000));
  CHECK(testCount == std::vector<int64_t>(10, 1000));
  float lo = 1, hi = 0;
  for (float v : ds->train.features.values<float>()) {
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  CHECK(lo == 0.0f);
  CHECK(hi == 1.0f);
}
