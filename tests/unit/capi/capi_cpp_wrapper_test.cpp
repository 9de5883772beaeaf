// The header-only C++ wrapper (ingot/ingot.hpp): RAII handles, errors as
// ingot::Error with the status's code and message, typed tensor access.
#include <catch2/catch.hpp>

#include <fstream>

#include "ingot/ingot.hpp"

namespace {

std::string artifact(const std::string& name) {
  const std::string path = std::string(INGOT_CAPI_ARTIFACT_DIR) + "/" + name;
  if (!std::ifstream(path).good()) FAIL(path << " is missing: run the tests through ctest (fixture capi/artifacts)");
  return path;
}

ingot::Runtime cpu() { return ingot::Runtime(ingot::RuntimeOptions{1, "llvm"}); }

}  // namespace

TEST_CASE("C API errors become ingot::Error with the code and message") {
  ingot::Runtime runtime = cpu();
  try {
    ingot::Model::load(runtime, "/nonexistent/model.ingot");
    FAIL("no exception");
  } catch (const ingot::Error& e) {
    CHECK(e.code() == INGOT_STATUS_INVALID_ARGUMENT);
    CHECK_THAT(e.what(), Catch::Contains("/nonexistent/model.ingot"));
  }
  CHECK_THROWS_AS(ingot::Runtime(ingot::RuntimeOptions{0, "nope:1:2"}), ingot::Error);
  CHECK_THROWS_AS(ingot::Tensor::create<float>({-1}), ingot::Error);
}

TEST_CASE("a model runs through the wrapper with wrapped and owned tensors") {
  ingot::Runtime runtime = cpu();
  ingot::Model model = ingot::Model::load(runtime, artifact("mlp_b1.ingot"));
  CHECK(model.entries() == std::vector<std::string>{"infer"});
  CHECK(model.device().id() == "llvm:0");
  const std::vector<ingot::TensorInfo> inputs = model.inputs();
  REQUIRE(inputs.size() == 1);
  CHECK(inputs[0].name == "x");
  CHECK(inputs[0].dims == std::vector<int64_t>{1, 784});

  std::vector<float> x(784, 0.5f);
  ingot::Tensor xt = ingot::Tensor::wrap(x.data(), x.size(), {1, 784});
  ingot::Tensor y = model.makeOutput("y");
  CHECK(y.dims() == std::vector<int64_t>{1, 10});
  model.run("infer", {{"x", xt}}, {{"y", y}});
  float sum = 0;
  for (int i = 0; i < 10; ++i) sum += y.data<float>()[i];
  CHECK(sum == Approx(1.0f).epsilon(1e-5));
  CHECK_THROWS_AS(y.data<int64_t>(), ingot::Error);  // the wrong element type

  // The same run through an entry resolved once, bound by position.
  ingot::Entry infer = model.entry();
  CHECK(infer.name() == "infer");
  ingot::Tensor y2 = model.makeOutput("y");
  infer.run({xt.get()}, {y2.get()});
  CHECK(std::vector<float>(y2.data<float>(), y2.data<float>() + 10) ==
        std::vector<float>(y.data<float>(), y.data<float>() + 10));
  CHECK_THROWS_AS(infer.run({}, {}), ingot::Error);

  ingot::Tensor narrow = ingot::Tensor::create<float>({1, 783});
  try {
    model.run("infer", {{"x", narrow}}, {});
    FAIL("no exception");
  } catch (const ingot::Error& e) {
    CHECK_THAT(e.what(), Catch::Contains("input 'x': expected shape [1,784], got [1,783]"));
  }
  CHECK_THROWS_AS(model.makeOutput("z"), ingot::Error);

  // Moving a model moves ownership; the moved-to handle keeps working.
  ingot::Model moved = std::move(model);
  moved.run("infer", {{"x", xt}}, {{"y", y}});
}

TEST_CASE("devices are listed through the wrapper") {
  ingot::Runtime runtime = cpu();
  bool cpuFound = false;
  for (const ingot::DeviceInfo& d : runtime.devices()) cpuFound = cpuFound || (d.backend == "llvm" && d.canRunModels);
  CHECK(cpuFound);
}
