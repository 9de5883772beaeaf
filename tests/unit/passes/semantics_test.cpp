// Every rewrite preserves semantics: each lit test graph (tests/passes) is
// run through the standard pipeline and both versions are interpreted on the
// same seeded random inputs. Exact rewrites give identical bits except where
// a pattern replaces a subgraph by an op that rounds differently (Gelu,
// LogSoftmax), hence the small relative tolerance.
#include <catch2/catch.hpp>

#include <cmath>
#include <filesystem>
#include <random>

#include "ir/Interpreter.h"
#include "ir/TextParser.h"
#include "ir/Verifier.h"
#include "passes/PassManager.h"
#include "support/FileIO.h"

using namespace ingot;

namespace {

Tensor randomInput(const ir::TensorType& t, std::mt19937_64& rng) {
  Tensor out(t.dtype, t.shape);
  std::uniform_real_distribution<float> dist(-2.f, 2.f);
  for (int64_t i = 0; i < out.numElements(); ++i) {
    if (t.dtype == DType::F32) out.data<float>()[i] = dist(rng);
    // bool inputs are training_mode flags in these tests: inference.
    if (t.dtype == DType::Bool) out.data<bool>()[i] = false;
  }
  return out;
}

bool close(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  if (a == b) return true;
  return std::fabs(a - b) <= 1e-5 * std::max(std::fabs(a), std::fabs(b));
}

}  // namespace

TEST_CASE("the standard pipeline preserves every pass test graph's outputs", "[passes][semantics]") {
  const std::filesystem::path dir = std::filesystem::path(INGOT_TEST_DATA_DIR) / ".." / "passes";
  size_t checked = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string path = entry.path().string();
    if (!entry.is_regular_file() || !path.ends_with(".ingot.txt")) continue;
    INFO(path);
    auto text = readFileBytes(path);
    REQUIRE(text.ok());
    auto g = ir::parseGraph(*text, path);
    REQUIRE(g.ok());
    REQUIRE(ir::verifyGraph(**g).isOk());
    std::unique_ptr<ir::Graph> opt = (*g)->clone();
    passes::PassManager pm;
    REQUIRE(pm.addStandardPipeline().isOk());
    auto r = pm.run(*opt);
    INFO(r.status().message());
    REQUIRE(r.ok());

    std::mt19937_64 rng(42);
    std::map<std::string, Tensor, std::less<>> inputs;
    for (const ir::Value* in : (*g)->inputs()) inputs[in->name()] = randomInput(in->type(), rng);
    auto before = ir::interpretGraph(**g, inputs);
    auto after = ir::interpretGraph(*opt, inputs);
    INFO(before.status().message() << after.status().message());
    REQUIRE(before.ok() == after.ok());
    if (!before.ok()) continue;  // e.g. a graph built to hold a Dropout the interpreter declines
    REQUIRE(before->size() == after->size());
    for (size_t i = 0; i < before->size(); ++i) {
      const Tensor &a = (*before)[i], &b = (*after)[i];
      REQUIRE(a.shape() == b.shape());
      REQUIRE(a.dtype() == b.dtype());
      CHECK((*g)->outputs()[i]->name() == opt->outputs()[i]->name());
      for (int64_t e = 0; e < a.numElements(); ++e) {
        INFO("output " << i << " element " << e);
        CHECK(close(a.elementAsDouble(e), b.elementAsDouble(e)));
      }
    }
    ++checked;
  }
  CHECK(checked >= 15);
}
