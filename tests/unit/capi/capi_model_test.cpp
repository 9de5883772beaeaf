// The C API on compiled artifacts (the capi/artifacts fixture): the
// signature, runs, every kind of wrong input naming the input, training
// through train_step, state, and saving the trained weights as ONNX.
#include "capi_test_util.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <random>

using capi_test::result;

namespace {

using capi_test::Loaded;
using capi_test::OwnedTensor;

std::vector<float> randomImage(unsigned seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(0.f, 1.f);
  std::vector<float> v(784);
  for (float& x : v) x = dist(rng);
  return v;
}

// Runs the MLP's infer on one image (through wrapped tensors) and returns y.
std::vector<float> infer(ingot_model* m, std::vector<float> image) {
  const int64_t inDims[] = {1, 784}, outDims[] = {1, 10};
  std::vector<float> y(10);
  ingot_tensor *x = nullptr, *out = nullptr;
  REQUIRE_OK(ingot_tensor_wrap(INGOT_DTYPE_F32, inDims, 2, image.data(), image.size() * 4, &x));
  REQUIRE_OK(ingot_tensor_wrap(INGOT_DTYPE_F32, outDims, 2, y.data(), y.size() * 4, &out));
  const ingot_binding in{"x", x}, o{"y", out};
  capi_test::Result r = result(ingot_model_run(m, nullptr, &in, 1, &o, 1));
  ingot_tensor_destroy(x);
  ingot_tensor_destroy(out);
  INFO(r.message);
  REQUIRE(r.ok());
  return y;
}

}  // namespace

TEST_CASE("the signature of the MLP artifact") {
  Loaded l("mlp_b1.ingot");
  REQUIRE(ingot_model_entry_count(l.model) == 1);
  CHECK(std::string(ingot_model_entry_name(l.model, 0)) == "infer");
  CHECK(ingot_model_entry_name(l.model, 1) == nullptr);
  size_t n = 0;
  REQUIRE_OK(ingot_model_input_count(l.model, "infer", &n));
  REQUIRE(n == 1);
  ingot_tensor_info info{};
  REQUIRE_OK(ingot_model_input_info(l.model, nullptr, 0, &info));
  CHECK(std::string(info.name) == "x");
  CHECK(info.dtype == INGOT_DTYPE_F32);
  REQUIRE(info.rank == 2);
  CHECK(info.dims[0] == 1);
  CHECK(info.dims[1] == 784);
  REQUIRE_OK(ingot_model_output_info(l.model, "infer", 0, &info));
  CHECK(std::string(info.name) == "y");
  CHECK(info.dims[1] == 10);
  CHECK_THAT(result(ingot_model_output_info(l.model, "infer", 1, &info)).message,
             Catch::Contains("entry 'infer' has 1 outputs, no index 1"));
  capi_test::Result noEntry = result(ingot_model_input_count(l.model, "train_step", &n));
  CHECK_FALSE(noEntry.ok());
  CHECK_THAT(noEntry.message, Catch::Contains("train_step"));
  ingot_device_info d{};
  REQUIRE_OK(ingot_model_device(l.model, &d));
  CHECK(std::string(d.backend) == "llvm");
}

TEST_CASE("inference gives a distribution, and loading from memory the same numbers") {
  Loaded l("mlp_b1.ingot");
  const std::vector<float> y = infer(l.model, randomImage(1));
  CHECK(std::accumulate(y.begin(), y.end(), 0.0) == Approx(1.0).epsilon(1e-5));

  std::vector<char> bytes = capi_test::fileBytes(capi_test::artifact("mlp_b1.ingot"));
  ingot_model* fromMemory = nullptr;
  REQUIRE_OK(ingot_model_load_memory(l.runtime, bytes.data(), bytes.size(), &fromMemory));
  std::fill(bytes.begin(), bytes.end(), 0);  // the model copied what it needs
  bytes.clear();
  bytes.shrink_to_fit();
  CHECK(infer(fromMemory, randomImage(1)) == y);
  ingot_model_destroy(fromMemory);
}

TEST_CASE("wrong inputs and outputs are errors naming them, expected vs got") {
  Loaded l("mlp_b1.ingot");
  OwnedTensor x(INGOT_DTYPE_F32, {1, 784}), y(INGOT_DTYPE_F32, {1, 10});
  OwnedTensor narrow(INGOT_DTYPE_F32, {1, 783}), f64(INGOT_DTYPE_F64, {1, 784}), wideY(INGOT_DTYPE_F32, {2, 10});
  auto runWith = [&](std::vector<ingot_binding> in, std::vector<ingot_binding> out) {
    capi_test::Result r = result(ingot_model_run(l.model, "infer", in.data(), in.size(), out.data(), out.size()));
    CHECK(r.code == INGOT_STATUS_INVALID_ARGUMENT);
    return r.message;
  };
  CHECK_THAT(runWith({{"z", x.t}}, {}), Catch::Contains("entry 'infer': 'z' is not an input of the model (inputs: x)"));
  CHECK_THAT(runWith({{"x", narrow.t}}, {}), Catch::Contains("input 'x': expected shape [1,784], got [1,783]"));
  CHECK_THAT(runWith({{"x", f64.t}}, {}), Catch::Contains("input 'x': expected dtype f32, got f64"));
  CHECK_THAT(runWith({}, {}), Catch::Contains("missing input 'x' (f32[1,784])"));
  CHECK_THAT(runWith({{"x", x.t}, {"x", x.t}}, {}), Catch::Contains("input 'x' is bound twice"));
  CHECK_THAT(runWith({{"x", nullptr}}, {}), Catch::Contains("input 'x' has a NULL tensor"));
  CHECK_THAT(runWith({{nullptr, x.t}}, {}), Catch::Contains("input binding 0 has a NULL name"));
  CHECK_THAT(runWith({{"x", x.t}}, {{"y", wideY.t}}), Catch::Contains("output 'y': expected f32[1,10], got f32[2,10]"));
  CHECK_THAT(runWith({{"x", x.t}}, {{"probs", y.t}}), Catch::Contains("'probs' is not an output of the model (outputs: y)"));
  capi_test::Result nullList = result(ingot_model_run(l.model, "infer", nullptr, 1, nullptr, 0));
  CHECK_THAT(nullList.message, Catch::Contains("input bindings are NULL but their count is 1"));
  capi_test::Result badEntry = result(ingot_model_run(l.model, "train_step", nullptr, 0, nullptr, 0));
  CHECK_FALSE(badEntry.ok());
  CHECK_THAT(badEntry.message, Catch::Contains("train_step"));
  // After all that, a correct run still works.
  const ingot_binding in{"x", x.t}, out{"y", y.t};
  REQUIRE_OK(ingot_model_run(l.model, "infer", &in, 1, &out, 1));
}

TEST_CASE("train_step lowers the loss, and eval_step and the saved ONNX see the trained weights") {
  Loaded l("mlp_train_b8.ingot");
  std::vector<std::string> entries;
  for (size_t i = 0; i < ingot_model_entry_count(l.model); ++i) entries.push_back(ingot_model_entry_name(l.model, i));
  CHECK(std::find(entries.begin(), entries.end(), "train_step") != entries.end());
  CHECK(std::find(entries.begin(), entries.end(), "eval_step") != entries.end());

  // train_step's inputs: features [8,784] and class labels [8].
  size_t n = 0;
  REQUIRE_OK(ingot_model_input_count(l.model, "train_step", &n));
  REQUIRE(n == 2);
  ingot_tensor_info a{}, b{};
  REQUIRE_OK(ingot_model_input_info(l.model, "train_step", 0, &a));
  REQUIRE_OK(ingot_model_input_info(l.model, "train_step", 1, &b));
  const ingot_tensor_info& feat = a.rank == 2 ? a : b;
  const ingot_tensor_info& lab = a.rank == 2 ? b : a;
  REQUIRE(feat.rank == 2);
  REQUIRE(lab.rank == 1);
  REQUIRE((lab.dtype == INGOT_DTYPE_I64 || lab.dtype == INGOT_DTYPE_I32));
  OwnedTensor x(feat.dtype, {feat.dims[0], feat.dims[1]}), labels(lab.dtype, {lab.dims[0]}), loss(INGOT_DTYPE_F32, {});
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> dist(0.f, 1.f);
  for (int64_t i = 0; i < feat.dims[0] * feat.dims[1]; ++i) x.data<float>()[i] = dist(rng);
  for (int64_t i = 0; i < lab.dims[0]; ++i) {
    if (lab.dtype == INGOT_DTYPE_I64) labels.data<int64_t>()[i] = i % 10;
    else labels.data<int32_t>()[i] = static_cast<int32_t>(i % 10);
  }
  ingot_tensor* before = nullptr;
  REQUIRE_OK(ingot_model_read_state(l.model, "fc2.bias", &before));
  REQUIRE(ingot_tensor_byte_size(before) == 40);

  const ingot_binding in[] = {{feat.name, x.t}, {lab.name, labels.t}};
  const ingot_binding out{"loss", loss.t};
  std::vector<float> losses;
  for (int step = 0; step < 30; ++step) {
    REQUIRE_OK(ingot_model_run(l.model, "train_step", in, 2, &out, 1));
    losses.push_back(*loss.data<float>());
  }
  INFO("first loss " << losses.front() << ", last " << losses.back());
  CHECK(std::isfinite(losses.back()));
  CHECK(losses.back() < 0.5f * losses.front());  // one fixed batch: Adam memorizes it

  ingot_tensor* after = nullptr;
  REQUIRE_OK(ingot_model_read_state(l.model, "fc2.bias", &after));
  CHECK(std::memcmp(ingot_tensor_data(before), ingot_tensor_data(after), 40) != 0);
  CHECK_THAT(result(ingot_model_read_state(l.model, "fc9.bias", &before)).message, Catch::Contains("fc9.bias"));

  // eval_step sees the trained weights: its loss on the batch is low too.
  OwnedTensor evalLoss(INGOT_DTYPE_F32, {});
  const ingot_binding evalOut{"loss", evalLoss.t};
  REQUIRE_OK(ingot_model_run(l.model, "eval_step", in, 2, &evalOut, 1));
  CHECK(*evalLoss.data<float>() < 0.5f * losses.front());

  // The saved ONNX holds the trained bias as raw little-endian floats.
  const std::string path = std::string(INGOT_CAPI_ARTIFACT_DIR) + "/capi_model_test_trained.onnx";
  REQUIRE_OK(ingot_model_save_onnx(l.model, path.c_str()));
  const std::vector<char> saved = capi_test::fileBytes(path);
  const std::vector<char> original = capi_test::fileBytes(std::string(INGOT_TEST_DATA_DIR) + "/models/mlp.onnx");
  CHECK(saved.size() >= original.size() - 64);
  const char* bias = static_cast<const char*>(ingot_tensor_data(after));
  CHECK(std::search(saved.begin(), saved.end(), bias, bias + 40) != saved.end());
  CHECK_THAT(result(ingot_model_save_onnx(l.model, "/nonexistent/dir/x.onnx")).message,
             Catch::Contains("/nonexistent/dir/x.onnx"));
  ingot_tensor_destroy(before);
  ingot_tensor_destroy(after);
}

TEST_CASE("truncated and bit-flipped artifacts from memory are statuses, never crashes") {
  ingot_runtime* runtime = capi_test::cpuRuntime();
  const std::vector<char> bytes = capi_test::fileBytes(capi_test::artifact("mlp_b1.ingot"));
  REQUIRE(bytes.size() > 4096);
  int rejected = 0, loaded = 0;
  auto tryLoad = [&](const std::vector<char>& b) {
    ingot_model* m = nullptr;
    ingot_status* s = ingot_model_load_memory(runtime, b.data(), b.size(), &m);
    if (s) {
      CHECK(std::string(ingot_status_message(s)).size() > 0);
      ingot_status_destroy(s);
      ++rejected;
    } else {
      ingot_model_destroy(m);  // a flip in padding may be harmless
      ++loaded;
    }
  };
  for (size_t n = 0; n < bytes.size(); n += 4093) tryLoad(std::vector<char>(bytes.begin(), bytes.begin() + n));
  std::mt19937 rng(11);
  for (int i = 0; i < 64; ++i) {
    std::vector<char> flipped = bytes;
    flipped[rng() % flipped.size()] ^= static_cast<char>(1 << (rng() % 8));
    tryLoad(flipped);
  }
  INFO(rejected << " rejected, " << loaded << " loaded");
  CHECK(rejected >= static_cast<int>(bytes.size() / 4093));  // every truncation
  ingot_runtime_destroy(runtime);
}
