// The pass manager (names, verification naming the pass, fixed point, dumps,
// stats), infer-types, and the small Graph methods passes added.
#include <catch2/catch.hpp>

#include <sstream>

#include "ir/TextParser.h"
#include "ir/TextPrinter.h"
#include "ir/Verifier.h"
#include "passes/PassManager.h"

using namespace ingot;

namespace {

std::unique_ptr<ir::Graph> parse(const char* text) {
  auto g = ir::parseGraph(text);
  INFO(g.status().message());
  REQUIRE(g.ok());
  REQUIRE(ir::verifyGraph(**g).isOk());
  return std::move(g).value();
}

const char* kSmall = R"(graph @small {
  input %x : f32[2,3]
  param %w : f32[3,4] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]
  %m = MatMul(%x, %w) : f32[2,4]
  %y = Relu(%m) : f32[2,4]
  output %y
})";

// A pass that breaks the graph: it declares a wrong result type.
class BreaksTypes final : public passes::Pass {
 public:
  std::string_view name() const override { return "breaks-types"; }
  std::string_view description() const override { return "test pass"; }
  Expected<bool> run(ir::Graph& g) override {
    g.nodes().back()->result()->setType({DType::F32, {7}});
    return true;
  }
};

// A pass that claims a change every time: the pipeline must stop at the cap.
class AlwaysChanges final : public passes::Pass {
 public:
  std::string_view name() const override { return "always-changes"; }
  std::string_view description() const override { return "test pass"; }
  Expected<bool> run(ir::Graph&) override { return true; }
};

}  // namespace

TEST_CASE("passes are looked up by name, unknown names list the passes", "[passes]") {
  CHECK(passes::findPass("dce") != nullptr);
  CHECK(passes::findPass("infer-types") != nullptr);
  CHECK(passes::findPass("nope") == nullptr);
  passes::PassManager pm;
  Status s = pm.addPasses("dce,nope");
  REQUIRE_FALSE(s.isOk());
  CHECK(s.kind() == ErrorKind::InvalidInput);
  CHECK(s.message().find("unknown pass 'nope'") != std::string::npos);
  CHECK(s.message().find("canonicalize, cse, dce, fold, fuse, infer-types, unfuse") != std::string::npos);
  CHECK_FALSE(passes::parsePassList("dce,").ok());
  CHECK_FALSE(passes::parsePassList("").ok());
  auto list = passes::parsePassList("cse, dce");
  REQUIRE(list.ok());
  CHECK(*list == std::vector<std::string>{"cse", "dce"});
}

TEST_CASE("a pass that leaves an invalid graph is reported by name", "[passes]") {
  auto g = parse(kSmall);
  passes::PassManager pm;
  pm.addPass(std::make_unique<BreaksTypes>());
  auto r = pm.run(*g);
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().kind() == ErrorKind::Internal);
  CHECK(r.status().message().find("pass 'breaks-types' produced an invalid graph") != std::string::npos);

  auto g2 = parse(kSmall);
  passes::PassOptions noVerify;
  noVerify.verifyEach = false;
  passes::PassManager unchecked(noVerify);
  unchecked.addPass(std::make_unique<BreaksTypes>());
  CHECK(unchecked.run(*g2).ok());
}

TEST_CASE("pipelines repeat to a fixed point, bounded by a cap", "[passes]") {
  auto g = parse(kSmall);
  passes::PassOptions opts;
  opts.maxIterations = 3;
  opts.collectStats = true;
  passes::PassManager pm(opts);
  pm.addPass(std::make_unique<AlwaysChanges>());
  REQUIRE(pm.addPass("dce").isOk());
  auto r = pm.run(*g);
  REQUIRE(r.ok());
  CHECK(pm.iterationsRun() == 3);
  CHECK(pm.reachedIterationCap());
  CHECK(pm.stats().size() == 6);

  passes::PassManager standard;
  REQUIRE(standard.addStandardPipeline().isOk());
  auto g2 = parse(kSmall);
  auto r2 = standard.run(*g2);
  REQUIRE(r2.ok());
  CHECK_FALSE(*r2);
  CHECK(standard.iterationsRun() == 1);
}

TEST_CASE("dumps and stats name each pass run", "[passes]") {
  auto g = parse(kSmall);
  std::ostringstream dumps;
  passes::PassOptions opts;
  opts.printAfter = {"dce"};
  opts.dumpStream = &dumps;
  opts.collectStats = true;
  passes::PassManager pm(opts);
  REQUIRE(pm.addPasses("cse,dce").isOk());
  REQUIRE(pm.run(*g).ok());
  CHECK(dumps.str() == "# IR after pass 'dce' (iteration 1, unchanged)\n" + ir::printGraph(*g));
  REQUIRE(pm.stats().size() == 2);
  CHECK(pm.stats()[0].pass == "cse");
  CHECK(pm.stats()[1].nodesBefore == 2);
  std::ostringstream table;
  pm.printStats(table);
  CHECK(table.str().find("total") != std::string::npos);
}

TEST_CASE("infer-types propagates a changed input shape", "[passes]") {
  auto g = parse(kSmall);
  g->inputs()[0]->setType({DType::F32, {5, 3}});
  CHECK_FALSE(ir::verifyGraph(*g).isOk());
  passes::PassManager pm;
  REQUIRE(pm.addPass("infer-types").isOk());
  auto r = pm.run(*g);
  INFO(r.status().message());
  REQUIRE(r.ok());
  CHECK(*r);
  CHECK(g->findValue("y")->shape() == Shape{5, 4});
  CHECK(ir::verifyGraph(*g).isOk());

  // A shape the rules reject is an error naming the node.
  g->inputs()[0]->setType({DType::F32, {5, 2}});
  auto bad = pm.run(*g);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message().find("pass 'infer-types'") != std::string::npos);
  CHECK(bad.status().message().find("MatMul") != std::string::npos);
}

TEST_CASE("infer-types retypes fused bodies and the fused node's results", "[passes]") {
  auto g = parse(R"(graph @g {
  input %x : f32[2,3]
  %y = Fused(%x) {kind = "elementwise"} {
    input %x : f32[2,3]
    %e = Exp(%x) : f32[2,3]
    %n = Neg(%e) : f32[2,3]
    output %n
  } : f32[2,3]
  output %y
})");
  REQUIRE(ir::verifyGraph(*g).isOk());
  g->inputs()[0]->setType({DType::F32, {4, 3}});
  passes::PassManager pm;
  REQUIRE(pm.addPass("infer-types").isOk());
  auto r = pm.run(*g);
  INFO(r.status().message());
  REQUIRE(r.ok());
  CHECK(*r);
  CHECK(g->findValue("y")->shape() == Shape{4, 3});
  CHECK(g->nodes()[0]->body()->outputs()[0]->shape() == Shape{4, 3});
  CHECK(ir::verifyGraph(*g).isOk());
}

TEST_CASE("Graph helpers: renameValue, moveNodeBefore, removeUnusedParams", "[passes][graph]") {
  auto g = parse(R"(graph @g {
  input %x : f32[2]
  param %used : f32[2] = [1, 2]
  param %unused : f32[2] = [3, 4]
  %a = Add(%x, %used) : f32[2]
  %b = Neg(%a) : f32[2]
  output %b
})");
  ir::Value* a = g->findValue("a");
  CHECK_FALSE(g->renameValue(a, "b").isOk());
  CHECK_FALSE(g->renameValue(a, "").isOk());
  REQUIRE(g->renameValue(a, "sum").isOk());
  CHECK(g->findValue("a") == nullptr);
  CHECK(g->findValue("sum") == a);

  CHECK(g->removeUnusedParams() == 1);
  CHECK(g->findValue("unused") == nullptr);
  CHECK(g->params().size() == 1);
  CHECK(g->removeUnusedParams() == 0);

  const ir::Node* first = g->nodes()[0].get();
  const ir::Node* second = g->nodes()[1].get();
  g->moveNodeBefore(second, first);
  CHECK(g->nodes()[0].get() == second);
  g->moveNodeBefore(first, second);  // back in order
  CHECK(g->nodes()[0].get() == first);
  CHECK(ir::verifyGraph(*g).isOk());
}
