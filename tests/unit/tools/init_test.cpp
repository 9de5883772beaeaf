// `ingot init`: the written ONNX passes ONNX's checker, imports back with a
// symbolic batch, runs on the reference backend and matches a forward pass
// computed here from its weights; weights follow each scheme's bounds and
// moments; seeds reproduce and differ; bad input exits 2 with a message.
#include <catch2/catch.hpp>
#include <onnx/checker.h>
#include <onnx/onnx_pb.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "frontend/OnnxImporter.h"
#include "support/FileIO.h"
#include "tools/cli/Backends.h"
#include "tools/cli/Cli.h"
#include "tools/data/Random.h"
#include "temp_dir.h"

using namespace ingot;
namespace fs = std::filesystem;

namespace {

using ingot::testing::TempDir;

struct CliResult {
  int code;
  std::string out, err;
};

CliResult runCli(std::vector<std::string> args) {
  std::ostringstream out, err;
  cli::CliIO io{out, err};
  int code = cli::runCli(args, io);
  return {code, out.str(), err.str()};
}

// Runs `ingot init mlp ...` and requires success.
void init(const std::string& out, const std::string& input, const std::string& layers,
          std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {"init", "mlp", "--input", input, "--layers", layers, "-o", out};
  args.insert(args.end(), extra.begin(), extra.end());
  CliResult r = runCli(args);
  INFO(r.err);
  REQUIRE(r.code == 0);
  CHECK_THAT(r.out, Catch::Contains("wrote " + out));
}

frontend::ImportedModel importWithBatch(const std::string& path, int64_t batch) {
  frontend::ImportOptions opts;
  opts.batch = batch;
  auto m = frontend::importOnnxFile(path, opts);
  INFO(m.status().message());
  REQUIRE(m.ok());
  return std::move(m).value();
}

const Tensor& param(const ir::Graph& g, const std::string& name) {
  const ir::Value* v = g.findValue(name);
  INFO(name);
  REQUIRE(v != nullptr);
  REQUIRE(v->paramData() != nullptr);
  return *v->paramData();
}

// y = act(x W^T + b) in double, from the imported weights.
std::vector<double> dense(const std::vector<double>& x, int64_t batch, const Tensor& w, const Tensor& b,
                          const std::string& act) {
  const int64_t out = w.shape()[0], in = w.shape()[1];
  std::vector<double> y(static_cast<size_t>(batch * out));
  for (int64_t r = 0; r < batch; ++r) {
    for (int64_t o = 0; o < out; ++o) {
      double s = b.data<float>()[o];
      for (int64_t i = 0; i < in; ++i) s += x[static_cast<size_t>(r * in + i)] * w.data<float>()[o * in + i];
      double& v = y[static_cast<size_t>(r * out + o)];
      if (act == "relu") v = std::max(s, 0.0);
      else if (act == "sigmoid") v = 1.0 / (1.0 + std::exp(-s));
      else if (act == "tanh") v = std::tanh(s);
      else if (act == "gelu") v = 0.5 * s * (1.0 + std::erf(s / std::sqrt(2.0)));
      else v = s;
    }
    if (act == "softmax") {
      double* row = &y[static_cast<size_t>(r * out)];
      double m = *std::max_element(row, row + out), z = 0;
      for (int64_t o = 0; o < out; ++o) z += std::exp(row[o] - m);
      for (int64_t o = 0; o < out; ++o) row[o] = std::exp(row[o] - m) / z;
    }
  }
  return y;
}

struct Moments {
  double mean, var, maxAbs;
};
Moments momentsOf(const Tensor& t) {
  double sum = 0, sq = 0, maxAbs = 0;
  for (float v : t.values<float>()) {
    sum += v;
    sq += double(v) * v;
    maxAbs = std::max(maxAbs, std::fabs(double(v)));
  }
  const double n = static_cast<double>(t.numElements());
  return {sum / n, sq / n - (sum / n) * (sum / n), maxAbs};
}

// All |w| <= limit, and mean and variance within a few standard errors of
// U(-limit, limit)'s 0 and limit^2 / 3. With n >= 1e5 draws the sample
// variance's relative standard error is sqrt(0.8 / n) < 0.3%.
void checkUniform(const Tensor& t, double limit) {
  Moments m = momentsOf(t);
  const double n = static_cast<double>(t.numElements());
  INFO("limit " << limit << " mean " << m.mean << " var " << m.var << " max " << m.maxAbs);
  CHECK(m.maxAbs <= static_cast<float>(limit));
  CHECK(m.maxAbs > 0.99 * limit);  // the whole range is used
  CHECK(std::fabs(m.mean) < 5 * limit / std::sqrt(3.0 * n));
  CHECK(m.var == Approx(limit * limit / 3).epsilon(5 * std::sqrt(0.8 / n)));
}

bool allZero(const Tensor& t) {
  for (float v : t.values<float>())
    if (v != 0.0f) return false;
  return true;
}

}  // namespace

TEST_CASE("ingot init writes a checked ONNX MLP with a symbolic batch that runs on the reference backend") {
  TempDir d;
  const std::string path = d.file("mlp.onnx");
  init(path, "784", "128:relu,10:softmax", {"--seed", "5"});

  auto bytes = readFileBytes(path);
  REQUIRE(bytes.ok());
  onnx::ModelProto model;
  REQUIRE(model.ParseFromString(*bytes));
  std::string checkError;
  try {
    onnx::checker::check_model(model);
  } catch (const std::exception& e) {
    checkError = e.what();
  }
  INFO(checkError);
  CHECK(checkError.empty());

  auto declared = frontend::describeOnnxInputs(path);
  REQUIRE(declared.ok());
  REQUIRE(declared->size() == 1);
  CHECK((*declared)[0].name == "x");
  REQUIRE((*declared)[0].dims.size() == 2);
  CHECK(std::get<std::string>((*declared)[0].dims[0]) == "N");
  CHECK(std::get<int64_t>((*declared)[0].dims[1]) == 784);
  REQUIRE(model.graph().output_size() == 1);
  CHECK(model.graph().output(0).name() == "y");
  CHECK(model.graph().output(0).type().tensor_type().shape().dim(0).dim_param() == "N");

  const int64_t batch = 3;
  frontend::ImportedModel m = importWithBatch(path, batch);
  const ir::Graph& g = *m.graph;
  REQUIRE(g.inputs().size() == 1);
  CHECK(g.inputs()[0]->shape() == Shape{batch, 784});
  REQUIRE(g.outputs().size() == 1);
  CHECK(g.outputs()[0]->shape() == Shape{batch, 10});
  CHECK(param(g, "fc1.weight").shape() == Shape{128, 784});
  CHECK(param(g, "fc2.bias").shape() == Shape{10});

  std::vector<float> xs(static_cast<size_t>(batch * 784));
  data::Rng rng(99);
  for (float& v : xs) v = static_cast<float>(rng.uniform01());
  auto dev = cli::openDevice("reference");
  REQUIRE(dev.ok());
  auto out = cli::compileAndRun(*dev, g, {{"x", Tensor::fromVector<float>({batch, 784}, xs)}});
  INFO(out.status().message());
  REQUIRE(out.ok());
  REQUIRE(out->size() == 1);
  std::vector<double> h(xs.begin(), xs.end());
  h = dense(h, batch, param(g, "fc1.weight"), param(g, "fc1.bias"), "relu");
  h = dense(h, batch, param(g, "fc2.weight"), param(g, "fc2.bias"), "softmax");
  for (size_t i = 0; i < h.size(); ++i) CHECK((*out)[0].data<float>()[i] == Approx(h[i]).margin(1e-6));
}

TEST_CASE("every activation runs and matches a forward pass computed here") {
  TempDir d;
  const std::string path = d.file("acts.onnx");
  init(path, "6", "5:relu,5:sigmoid,5:tanh,5:gelu,4:linear,3:softmax", {"--init", "torch", "--seed", "2"});
  const int64_t batch = 2;
  frontend::ImportedModel m = importWithBatch(path, batch);
  std::vector<float> xs = {0.5f, -1.f, 2.f, 0.f, 1.5f, -0.25f, 3.f, 1.f, -2.f, 0.75f, 0.1f, -0.5f};
  auto dev = cli::openDevice("reference");
  REQUIRE(dev.ok());
  auto out = cli::compileAndRun(*dev, *m.graph, {{"x", Tensor::fromVector<float>({batch, 6}, xs)}});
  INFO(out.status().message());
  REQUIRE(out.ok());
  std::vector<double> h(xs.begin(), xs.end());
  const char* acts[] = {"relu", "sigmoid", "tanh", "gelu", "linear", "softmax"};
  for (int i = 0; i < 6; ++i) {
    std::string p = "fc" + std::to_string(i + 1);
    h = dense(h, batch, param(*m.graph, p + ".weight"), param(*m.graph, p + ".bias"), acts[i]);
  }
  REQUIRE((*out)[0].shape() == Shape{batch, 3});
  for (size_t i = 0; i < h.size(); ++i) CHECK((*out)[0].data<float>()[i] == Approx(h[i]).margin(1e-5));
}

TEST_CASE("weights follow each scheme's uniform bounds and moments") {
  TempDir d;
  // fc1: 1000 -> 400 (4e5 weights), fc2: 400 -> 10.
  for (std::string scheme : {"glorot", "he", "torch"}) {
    DYNAMIC_SECTION(scheme) {
      const std::string path = d.file(scheme + ".onnx");
      init(path, "1000", "400:relu,10:softmax", {"--init", scheme});
      frontend::ImportedModel m = importWithBatch(path, 1);
      const Tensor &w1 = param(*m.graph, "fc1.weight"), &b1 = param(*m.graph, "fc1.bias");
      const Tensor &w2 = param(*m.graph, "fc2.weight"), &b2 = param(*m.graph, "fc2.bias");
      if (scheme == "glorot") {
        checkUniform(w1, std::sqrt(6.0 / 1400));
        CHECK(momentsOf(w2).maxAbs <= static_cast<float>(std::sqrt(6.0 / 410)));
        CHECK(allZero(b1));
        CHECK(allZero(b2));
      } else if (scheme == "he") {
        checkUniform(w1, std::sqrt(6.0 / 1000));  // relu layer: He uniform
        // The softmax layer keeps Glorot's bound sqrt(6/410) = 0.1210, below
        // He's sqrt(6/400) = 0.1225: 4000 He draws would all stay under
        // 0.1210 with probability (0.1210/0.1225)^4000 ~ e^-49.
        CHECK(momentsOf(w2).maxAbs <= static_cast<float>(std::sqrt(6.0 / 410)));
        CHECK(momentsOf(w2).maxAbs > 0.99 * std::sqrt(6.0 / 410));
        CHECK(allZero(b1));
      } else {
        checkUniform(w1, 1.0 / std::sqrt(1000.0));
        Moments mb = momentsOf(b1);
        CHECK(mb.maxAbs <= static_cast<float>(1.0 / std::sqrt(1000.0)));
        CHECK(mb.maxAbs > 0.5 / std::sqrt(1000.0));  // 400 draws: the max is near the bound
        CHECK(momentsOf(w2).maxAbs <= static_cast<float>(1.0 / std::sqrt(400.0)));
        CHECK(momentsOf(b2).maxAbs <= static_cast<float>(1.0 / std::sqrt(400.0)));
        CHECK_FALSE(allZero(b2));
      }
    }
  }
}

TEST_CASE("the same seed writes the same file, different seeds different weights") {
  TempDir d;
  init(d.file("a.onnx"), "20", "8:tanh,3:softmax", {"--seed", "17"});
  init(d.file("b.onnx"), "20", "8:tanh,3:softmax", {"--seed", "17"});
  init(d.file("c.onnx"), "20", "8:tanh,3:softmax", {"--seed", "18"});
  auto a = readFileBytes(d.file("a.onnx")), b = readFileBytes(d.file("b.onnx")), c = readFileBytes(d.file("c.onnx"));
  REQUIRE((a.ok() && b.ok() && c.ok()));
  CHECK(*a == *b);
  frontend::ImportedModel ma = importWithBatch(d.file("a.onnx"), 1), mc = importWithBatch(d.file("c.onnx"), 1);
  CHECK_FALSE(param(*ma.graph, "fc1.weight").identical(param(*mc.graph, "fc1.weight")));
  CHECK_FALSE(param(*ma.graph, "fc2.weight").identical(param(*mc.graph, "fc2.weight")));
}

TEST_CASE("the default seed is 0 and a layer's weights do not depend on the other layers") {
  TempDir d;
  init(d.file("default.onnx"), "20", "8:relu,3:softmax");
  init(d.file("seed0.onnx"), "20", "8:relu,3:softmax", {"--seed", "0"});
  init(d.file("wider.onnx"), "20", "8:relu,5:softmax", {"--seed", "0"});
  auto a = readFileBytes(d.file("default.onnx")), b = readFileBytes(d.file("seed0.onnx"));
  REQUIRE((a.ok() && b.ok()));
  // The doc string records the command; both spell seed 0 the same way.
  CHECK(*a == *b);
  frontend::ImportedModel m = importWithBatch(d.file("seed0.onnx"), 1), w = importWithBatch(d.file("wider.onnx"), 1);
  CHECK(param(*m.graph, "fc1.weight").identical(param(*w.graph, "fc1.weight")));
}

TEST_CASE("ingot init rejects bad input with exit 2 and a message") {
  TempDir d;
  const std::string out = d.file("m.onnx");
  struct Case {
    std::vector<std::string> args;
    const char* message;
  };
  const std::vector<Case> cases = {
      {{"init", "mlp", "--input", "4", "--layers", "3:swish", "-o", out}, "unknown activation 'swish'"},
      {{"init", "mlp", "--input", "4", "--layers", "3:relu,0:softmax", "-o", out}, "layer 2 has width 0"},
      {{"init", "mlp", "--input", "4", "--layers", "3:relu,:softmax", "-o", out}, "layer 2 (':softmax') has no width"},
      {{"init", "mlp", "--input", "4", "--layers", "x:relu", "-o", out}, "'x' is not an integer"},
      {{"init", "mlp", "--input", "4", "--layers", "3:relu,", "-o", out}, "has no width"},
      {{"init", "mlp", "--input", "0", "--layers", "3", "-o", out}, "--input: 0 is out of range"},
      {{"init", "mlp", "--layers", "3", "-o", out}, "missing --input"},
      {{"init", "mlp", "--input", "4", "-o", out}, "missing --layers"},
      {{"init", "mlp", "--input", "4", "--layers", "3"}, "missing -o/--output"},
      {{"init", "mlp", "--input", "4", "--layers", "3", "--init", "xavier", "-o", out}, "unknown scheme 'xavier'"},
      {{"init", "mlp", "--input", "4", "--layers", "3", "--seed", "-1", "-o", out}, "--seed"},
      {{"init", "cnn", "--input", "4", "--layers", "3", "-o", out}, "unknown architecture 'cnn'"},
      {{"init", "mlp", "--input", "4", "--layers", "3", "-o", d.file("no/such/dir/m.onnx")}, "cannot open for writing"},
      {{"init", "mlp", "--input", "100000", "--layers", "100000,100000", "-o", out}, "parameters"},
  };
  for (const Case& c : cases) {
    CliResult r = runCli(c.args);
    INFO(r.err);
    CHECK(r.code == 2);
    CHECK_THAT(r.err, Catch::Contains(c.message));
  }
  CHECK_FALSE(fs::exists(out));
}

TEST_CASE("ingot init --help explains the schemes") {
  CliResult r = runCli({"init", "--help"});
  CHECK(r.code == 0);
  CHECK_THAT(r.out, Catch::Contains("usage: ingot init"));
  CHECK_THAT(r.out, Catch::Contains("sqrt(6 / (fan_in + fan_out))"));
  CHECK_THAT(r.out, Catch::Contains("1/sqrt(fan_in)"));
}
