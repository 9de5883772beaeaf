// Every rewrite preserves semantics: each lit test graph (tests/passes) is
// run through the standard pipeline and both versions are interpreted on the
// same seeded random inputs. Exact rewrites give identical bits except where
// a pattern replaces a subgraph by an op that rounds differently (Gelu,
// LogSoftmax), hence the small relative tolerance. The same holds after
// fusion (on the graph as written and after the pipeline): a fused body runs
// the very kernels it replaced.
#include <catch2/catch.hpp>

#include <cmath>
#include <algorithm>
#include <filesystem>
#include <random>

#include "ir/Interpreter.h"
#include "ir/TextParser.h"
#include "ir/Verifier.h"
#include "ir/TextPrinter.h"
#include "passes/Fusion.h"
#include "passes/PassManager.h"
#include "passes/Unfuse.h"
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

// Interprets both graphs on the same seeded random inputs and compares the
// outputs; returns false when the reference declines both (e.g. a graph
// built to hold a Dropout the interpreter does not run).
bool sameOutputs(const ir::Graph& g, const ir::Graph& opt) {
  std::mt19937_64 rng(42);
  std::map<std::string, Tensor, std::less<>> inputs;
  for (const ir::Value* in : g.inputs()) inputs[in->name()] = randomInput(in->type(), rng);
  auto before = ir::interpretGraph(g, inputs);
  auto after = ir::interpretGraph(opt, inputs);
  INFO(before.status().message() << after.status().message());
  REQUIRE(before.ok() == after.ok());
  if (!before.ok()) return false;
  REQUIRE(before->size() == after->size());
  for (size_t i = 0; i < before->size(); ++i) {
    const Tensor &a = (*before)[i], &b = (*after)[i];
    REQUIRE(a.shape() == b.shape());
    REQUIRE(a.dtype() == b.dtype());
    CHECK(g.outputs()[i]->name() == opt.outputs()[i]->name());
    for (int64_t e = 0; e < a.numElements(); ++e) {
      INFO("output " << i << " element " << e);
      CHECK(close(a.elementAsDouble(e), b.elementAsDouble(e)));
    }
  }
  return true;
}

struct LitGraph {
  std::string path;
  std::unique_ptr<ir::Graph> graph;
};

// Every tests/passes graph that parses and verifies (error tests excepted).
std::vector<LitGraph> litGraphs() {
  const std::filesystem::path dir = std::filesystem::path(INGOT_TEST_DATA_DIR) / ".." / "passes";
  std::vector<LitGraph> out;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string path = entry.path().string();
    if (!entry.is_regular_file() || !path.ends_with(".ingot.txt")) continue;
    INFO(path);
    auto text = readFileBytes(path);
    REQUIRE(text.ok());
    auto g = ir::parseGraph(*text, path);
    INFO(g.status().message());
    REQUIRE(g.ok());
    INFO(ir::verifyGraph(**g).message());
    REQUIRE(ir::verifyGraph(**g).isOk());
    out.push_back({path, std::move(g).value()});
  }
  return out;
}

// The statements of a graph's text in sorted order: unfusing puts a group's
// ops together where its last node was, so a node that sat between them in
// the original order (a Constant) moves; the statements stay the same.
std::vector<std::string> sortedStatements(const ir::Graph& g) {
  std::vector<std::string> lines;
  std::string text = ir::printGraph(g);
  size_t start = 0;
  for (size_t nl = text.find('\n'); nl != std::string::npos; start = nl + 1, nl = text.find('\n', start))
    lines.push_back(text.substr(start, nl - start));
  std::sort(lines.begin(), lines.end());
  return lines;
}

// Fuses a copy of g; the result verifies, round-trips through text, and
// unfuses back to g's statements (g's own fused nodes inlined).
std::unique_ptr<ir::Graph> fusedCopy(const ir::Graph& g, size_t& groups) {
  std::unique_ptr<ir::Graph> fused = g.clone();
  auto report = passes::fuseGraph(*fused);
  INFO(report.status().message());
  REQUIRE(report.ok());
  groups = report->numFusedGroups();
  INFO(ir::printGraph(*fused));
  REQUIRE(ir::verifyGraph(*fused).isOk());
  const std::string text = ir::printGraph(*fused);
  auto reparsed = ir::parseGraph(text, "fused");
  INFO(reparsed.status().message());
  REQUIRE(reparsed.ok());
  CHECK(ir::printGraph(**reparsed) == text);
  std::unique_ptr<ir::Graph> unfused = fused->clone();
  REQUIRE(passes::unfuseGraph(*unfused).ok());
  REQUIRE(ir::verifyGraph(*unfused).isOk());
  // Graphs that came with Fused nodes are compared with their own inlining.
  std::unique_ptr<ir::Graph> plain = g.clone();
  REQUIRE(passes::unfuseGraph(*plain).ok());
  CHECK(sortedStatements(*unfused) == sortedStatements(*plain));
  return fused;
}

}  // namespace

TEST_CASE("the standard pipeline preserves every pass test graph's outputs", "[passes][semantics]") {
  size_t checked = 0;
  for (const LitGraph& lit : litGraphs()) {
    INFO(lit.path);
    std::unique_ptr<ir::Graph> opt = lit.graph->clone();
    passes::PassManager pm;
    REQUIRE(pm.addStandardPipeline().isOk());
    auto r = pm.run(*opt);
    INFO(r.status().message());
    REQUIRE(r.ok());
    if (sameOutputs(*lit.graph, *opt)) ++checked;
  }
  CHECK(checked >= 15);
}

TEST_CASE("fusion preserves every pass test graph's outputs", "[passes][semantics][fusion]") {
  size_t checked = 0, groups = 0;
  for (const LitGraph& lit : litGraphs()) {
    INFO(lit.path);
    size_t n = 0;
    std::unique_ptr<ir::Graph> fused = fusedCopy(*lit.graph, n);
    groups += n;
    if (sameOutputs(*lit.graph, *fused)) ++checked;
    // After the standard pipeline too (the order ingot opt --fuse uses).
    std::unique_ptr<ir::Graph> opt = lit.graph->clone();
    passes::PassManager pm;
    REQUIRE(pm.addStandardPipeline().isOk());
    REQUIRE(pm.run(*opt).ok());
    std::unique_ptr<ir::Graph> optFused = fusedCopy(*opt, n);
    groups += n;
    sameOutputs(*lit.graph, *optFused);
  }
  CHECK(checked >= 20);
  // The fuse-*.ingot.txt tests alone make more than this many groups.
  CHECK(groups >= 10);
}
