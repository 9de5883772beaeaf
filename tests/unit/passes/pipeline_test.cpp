// The standard pipeline on the PyTorch fixtures: the optimized graph computes
// the same outputs as the imported one (reference interpreter on both), and
// the gelu_mlp fixture's exported erf subgraph becomes one Gelu.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>

#include "frontend/OnnxImporter.h"
#include "ir/Interpreter.h"
#include "ir/Verifier.h"
#include "passes/PassManager.h"
#include "support/Npy.h"

using namespace ingot;

namespace {

const std::string kModels = std::string(INGOT_TEST_DATA_DIR) + "/models/";

struct Fixture {
  std::unique_ptr<ir::Graph> graph;
  Tensor input;
};

Fixture import(const std::string& name) {
  auto input = readNpyFile(kModels + name + ".input.npy");
  INFO(input.status().message());
  REQUIRE(input.ok());
  REQUIRE(!input->shape().empty());
  frontend::ImportOptions opts;
  opts.batch = input->shape()[0];
  auto m = frontend::importOnnxFile(kModels + name + ".onnx", opts);
  INFO(m.status().message());
  REQUIRE(m.ok());
  return {std::move(m->graph), std::move(input).value()};
}

size_t countOp(const ir::Graph& g, const std::string& op) {
  return std::count_if(g.nodes().begin(), g.nodes().end(), [&](const auto& n) { return n->opName() == op; });
}

// Runs the standard pipeline on a copy and checks both graphs agree.
std::unique_ptr<ir::Graph> optimizeAndCompare(const Fixture& f) {
  std::unique_ptr<ir::Graph> opt = f.graph->clone();
  passes::PassOptions options;
  options.verifyEach = true;
  passes::PassManager pm(options);
  REQUIRE(pm.addStandardPipeline().isOk());
  auto changed = pm.run(*opt);
  INFO(changed.status().message());
  REQUIRE(changed.ok());
  CHECK_FALSE(pm.reachedIterationCap());
  REQUIRE(ir::verifyGraph(*opt).isOk());

  const std::string inputName = f.graph->inputs().at(0)->name();
  auto before = ir::interpretGraph(*f.graph, {{inputName, f.input}});
  auto after = ir::interpretGraph(*opt, {{inputName, f.input}});
  INFO(before.status().message() << after.status().message());
  REQUIRE(before.ok());
  REQUIRE(after.ok());
  REQUIRE(before->size() == after->size());
  for (size_t i = 0; i < before->size(); ++i) {
    const Tensor& a = (*before)[i];
    const Tensor& b = (*after)[i];
    REQUIRE(a.shape() == b.shape());
    REQUIRE(a.dtype() == b.dtype());
    // Output names are the model's signature: passes keep them.
    CHECK(f.graph->outputs()[i]->name() == opt->outputs()[i]->name());
    for (int64_t e = 0; e < a.numElements(); ++e) {
      const double x = a.elementAsDouble(e), y = b.elementAsDouble(e);
      INFO("output " << i << " element " << e << ": " << x << " before, " << y << " after");
      CHECK(std::fabs(x - y) <= 1e-6 * std::max(std::fabs(x), std::fabs(y)) + 1e-12);
    }
  }
  return opt;
}

}  // namespace

TEST_CASE("standard pipeline keeps the mlp fixture's outputs", "[passes][fixtures]") {
  Fixture f = import("mlp");
  auto opt = optimizeAndCompare(f);
  CHECK(opt->nodes().size() <= f.graph->nodes().size());
}

TEST_CASE("standard pipeline turns gelu_mlp's erf subgraph into one Gelu", "[passes][fixtures]") {
  Fixture f = import("gelu_mlp");
  REQUIRE(countOp(*f.graph, "Erf") == 1);
  auto opt = optimizeAndCompare(f);
  CHECK(countOp(*opt, "Gelu") == 1);
  for (const char* op : {"Erf", "Div", "Add"}) {
    INFO(op);
    CHECK(countOp(*opt, op) == 0);
  }
  // The pattern's scalar constants die with it.
  CHECK(countOp(*opt, "Constant") <= 1);
}

TEST_CASE("standard pipeline keeps the attention fixture's outputs", "[passes][fixtures]") {
  Fixture f = import("attention");
  auto opt = optimizeAndCompare(f);
  CHECK(opt->nodes().size() <= f.graph->nodes().size());
}
