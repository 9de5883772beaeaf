// The PyTorch-exported fixtures (scripts/make_onnx_fixtures.py): import
// with the batch bound from the input file, run on the reference
// interpreter, compare with PyTorch's output.
#include <catch2/catch.hpp>

#include <algorithm>

#include "OnnxTestUtil.h"
#include "frontend/OnnxImporter.h"
#include "ir/Interpreter.h"
#include "support/Npy.h"

using namespace ingot;
using namespace ingot::frontend;
using namespace ingot::frontend::testing;

namespace {

const std::string kModels = std::string(INGOT_TEST_DATA_DIR) + "/models/";

struct Loaded {
  ImportedModel model;
  Tensor input, expected;
};

Loaded load(const std::string& name) {
  auto input = readNpyFile(kModels + name + ".input.npy");
  auto expected = readNpyFile(kModels + name + ".expected.npy");
  INFO(input.status().message() << expected.status().message());
  REQUIRE(input.ok());
  REQUIRE(expected.ok());
  ImportOptions opts;
  opts.inputShapes["x"] = input->shape();
  auto m = importOnnxFile(kModels + name + ".onnx", opts);
  INFO(m.status().message());
  REQUIRE(m.ok());
  return {std::move(m).value(), std::move(input).value(), std::move(expected).value()};
}

void checkAgainstPyTorch(const Loaded& l) {
  auto out = ir::interpretGraph(*l.model.graph, {{"x", l.input}});
  INFO(out.status().message());
  REQUIRE(out.ok());
  REQUIRE(out->size() == 1);
  const Tensor& y = (*out)[0];
  REQUIRE(y.shape() == l.expected.shape());
  int64_t bad = firstMismatch(y, l.expected, 1e-5);
  INFO("element " << bad << ": got " << (bad >= 0 ? y.elementAsDouble(bad) : 0) << ", PyTorch "
                  << (bad >= 0 ? l.expected.elementAsDouble(bad) : 0));
  CHECK(bad == -1);
}

bool hasOp(const ir::Graph& g, const std::string& op) {
  auto names = opNames(g);
  return std::find(names.begin(), names.end(), op) != names.end();
}

}  // namespace

TEST_CASE("mlp fixture matches PyTorch", "[fixtures]") {
  Loaded l = load("mlp");
  CHECK(l.model.boundDims.at("N") == 3);
  CHECK(l.model.opsets.at("") == 13);
  CHECK(l.model.graph->params().size() == 4);
  CHECK(opNames(*l.model.graph) == std::vector<std::string>{"Gemm", "Relu", "Gemm", "Softmax"});
  checkAgainstPyTorch(l);
}

TEST_CASE("gelu_mlp fixture matches PyTorch", "[fixtures]") {
  Loaded l = load("gelu_mlp");
  CHECK(hasOp(*l.model.graph, "Erf"));
  CHECK(hasOp(*l.model.graph, "LogSoftmax"));
  checkAgainstPyTorch(l);
}

TEST_CASE("attention fixture matches PyTorch, its shape arithmetic folds away", "[fixtures]") {
  Loaded l = load("attention");
  const ir::Graph& g = *l.model.graph;
  for (const char* op : {"Shape", "Gather", "Concat", "Unsqueeze"}) {
    INFO(op);
    CHECK_FALSE(hasOp(g, op));
  }
  CHECK(g.params().size() == 6);
  CHECK(g.outputs()[0]->shape() == Shape{2, 8, 1});
  checkAgainstPyTorch(l);
}
