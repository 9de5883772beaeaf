// Reverse-mode autodiff (passes/Autodiff.h): structure of the backward
// graph (sums over several users, zeros for unused parameters, integer
// values skipped, multi-output seeds), its errors, and gradient values
// checked against hand-derived formulas.
#include <catch2/catch.hpp>

#include <cmath>

#include "ir/Interpreter.h"
#include "ir/OpRegistry.h"
#include "ir/TextParser.h"
#include "ir/Verifier.h"
#include "passes/Autodiff.h"
#include "passes/PassManager.h"

using namespace ingot;
using ir::Value;

namespace {

std::unique_ptr<ir::Graph> parse(const char* text) {
  auto g = ir::parseGraph(text);
  INFO(g.status().message());
  REQUIRE(g.ok());
  REQUIRE(ir::verifyGraph(**g).isOk());
  return std::move(g).value();
}

Value* named(const ir::Graph& g, const char* name) {
  Value* v = g.findValue(name);
  REQUIRE(v);
  return v;
}

// Appends the gradients of %loss with respect to `wrt`, makes them the
// outputs after the loss, checks the graph and runs it.
std::vector<Tensor> gradients(ir::Graph& g, std::vector<const char*> wrt,
                              std::map<std::string, Tensor, std::less<>> feeds = {}) {
  passes::GradientRequest request;
  request.loss = named(g, "loss");
  for (const char* w : wrt) request.wrt.push_back(named(g, w));
  auto grads = passes::appendGradients(g, request);
  INFO(grads.status().message());
  REQUIRE(grads.ok());
  REQUIRE(grads->size() == wrt.size());
  std::vector<Value*> outputs{request.loss};
  outputs.insert(outputs.end(), grads->begin(), grads->end());
  g.setOutputs(outputs);
  Status verified = ir::verifyGraph(g);
  INFO(verified.message());
  REQUIRE(verified.isOk());
  auto values = ir::interpretGraph(g, feeds);
  INFO(values.status().message());
  REQUIRE(values.ok());
  return std::vector<Tensor>(values->begin() + 1, values->end());
}

void checkValues(const Tensor& t, const std::vector<double>& expected, double tol = 1e-12) {
  REQUIRE(t.numElements() == static_cast<int64_t>(expected.size()));
  for (size_t i = 0; i < expected.size(); ++i) {
    INFO("element " << i);
    CHECK(std::fabs(t.elementAsDouble(static_cast<int64_t>(i)) - expected[i]) <= tol * (1 + std::fabs(expected[i])));
  }
}

size_t countOps(const ir::Graph& g, std::string_view op) {
  size_t n = 0;
  for (const auto& node : g.nodes()) n += node->opName() == op;
  return n;
}

}  // namespace

TEST_CASE("gradients of a value with several users are summed") {
  // loss = sum(x * x + x) => dloss/dx = 2x + 1; x has three uses.
  auto g = parse(R"(graph @g {
  param %x : f64[3] = [1, -2, 0.5]
  %sq = Mul(%x, %x) : f64[3]
  %s = Add(%sq, %x) : f64[3]
  %loss = ReduceSum(%s) {keepdims = 0} : f64[]
  output %loss
})");
  auto grads = gradients(*g, {"x"});
  checkValues(grads[0], {3, -3, 2});
  CHECK(countOps(*g, "Sum") == 1);  // one Sum node joins the three contributions
  CHECK(grads[0].dtype() == DType::F64);
  CHECK(g->outputs()[1]->name() == "x_grad");
}

TEST_CASE("parameters the loss does not use get zero gradients") {
  auto g = parse(R"(graph @g {
  param %w : f32[2] = [3, 4]
  param %unused : f32[2,2] = [1, 2, 3, 4]
  %loss = ReduceSum(%w) {keepdims = 0} : f32[]
  output %loss
})");
  std::vector<Value*> params = passes::trainableParams(*g);
  REQUIRE(params.size() == 2);
  auto grads = gradients(*g, {"w", "unused"});
  checkValues(grads[0], {1, 1});
  checkValues(grads[1], {0, 0, 0, 0});
  CHECK(grads[1].shape() == Shape{2, 2});
}

TEST_CASE("trainableParams skips frozen and integer parameters") {
  auto g = parse(R"(graph @g {
  param %w : f32[2] = [3, 4]
  param %frozen : f32[2] = [1, 2]
  param %steps : i64[] = [7]
  %a = Add(%w, %frozen) : f32[2]
  output %a
})");
  named(*g, "frozen")->setTrainable(false);
  std::vector<Value*> params = passes::trainableParams(*g);
  REQUIRE(params.size() == 1);
  CHECK(params[0]->name() == "w");
}

TEST_CASE("a node without a gradient rule on the path is an error naming it") {
  // Every float op of the registry has a rule: a copy of ReduceProd's
  // definition without one stands in for an op that has none.
  ir::OpDef noRule = *ir::OpRegistry::builtin().find("ReduceProd");
  noRule.gradient = nullptr;
  ir::Graph g("g");
  auto x = g.addInput("x", {DType::F32, {2, 3}});
  REQUIRE(x.ok());
  auto p = g.addNode(noRule, {*x}, {{"axes", ir::Attribute(std::vector<int64_t>{1})}}, {"p"});
  REQUIRE(p.ok());
  auto loss = g.addNode(*ir::OpRegistry::builtin().find("ReduceSum"), {(*p)->result()},
                        {{"keepdims", ir::Attribute(int64_t{0})}}, {"loss"});
  REQUIRE(loss.ok());
  g.setOutputs({(*loss)->result()});
  passes::GradientRequest request{(*loss)->result(), nullptr, {*x}, {}};
  auto grads = passes::appendGradients(g, request);
  REQUIRE_FALSE(grads.ok());
  INFO(grads.status().message());
  CHECK(grads.status().kind() == ErrorKind::Unsupported);
  CHECK(grads.status().message().find("ReduceProd (-> %p) has no gradient rule; it lies between %x and the loss %loss") !=
        std::string::npos);
}

TEST_CASE("nodes that do not lie between wrt and the loss are not differentiated") {
  // ReduceProd only reads %c, which is not differentiated: no backward nodes
  // for it (its rule would add a second ReduceProd).
  auto g = parse(R"(graph @g {
  input %x : f64[2]
  param %c : f64[2] = [2, 5]
  %p = ReduceProd(%c) {keepdims = 0} : f64[]
  %m = Mul(%x, %p) : f64[2]
  %loss = ReduceSum(%m) {keepdims = 0} : f64[]
  output %loss
})");
  auto grads = gradients(*g, {"x"}, {{"x", Tensor::fromVector<double>({2}, {1, 1})}});
  checkValues(grads[0], {10, 10});
  CHECK(countOps(*g, "ReduceProd") == 1);
}

TEST_CASE("integer values never get gradients") {
  // %x reaches the loss directly and through an integer round trip (Cast to
  // i64 and back) and a Gather whose indices are integer labels: only the
  // float paths carry gradient. d/dx sum(x + float(int(x)) + gather(x, idx)).
  auto g = parse(R"(graph @g {
  input %x : f32[3]
  input %idx : i64[2]
  %i = Cast(%x) {to = "i64"} : i64[3]
  %back = Cast(%i) {to = "f32"} : f32[3]
  %a = Add(%x, %back) : f32[3]
  %gathered = Gather(%x, %idx) : f32[2]
  %s1 = ReduceSum(%a) {keepdims = 0} : f32[]
  %s2 = ReduceSum(%gathered) {keepdims = 0} : f32[]
  %loss = Add(%s1, %s2) : f32[]
  output %loss
})");
  auto grads = gradients(*g, {"x"}, {{"x", Tensor::fromVector<float>({3}, {1.5f, -2.25f, 3})},
                                     {"idx", Tensor::fromVector<int64_t>({2}, {2, 2})}});
  checkValues(grads[0], {1, 1, 3});
  CHECK(countOps(*g, "OneHot") == 1);  // the Gather's scatter; the integer Casts get no backward node

  passes::GradientRequest request{named(*g, "loss"), nullptr, {named(*g, "idx")}, {}};
  auto bad = passes::appendGradients(*g, request);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message().find("only float values have gradients") != std::string::npos);
}

TEST_CASE("a non-scalar loss needs a seed, seeds and extra outputs are summed") {
  auto g = parse(R"(graph @g {
  input %x : f64[2]
  input %dy : f64[2]
  %y = Mul(%x, %x) : f64[2]
  %z = Neg(%x) : f64[2]
  %t = ReduceSum(%z) {keepdims = 0} : f64[]
  output %y
})");
  passes::GradientRequest noSeed{named(*g, "y"), nullptr, {named(*g, "x")}, {}};
  auto bad = passes::appendGradients(*g, noSeed);
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.status().message().find("not a scalar") != std::string::npos);

  // d/dx [dy . (x*x)] + d/dx t = 2 x dy - 1
  passes::GradientRequest request{named(*g, "y"), named(*g, "dy"), {named(*g, "x")}, {{named(*g, "t"), nullptr}}};
  auto grads = passes::appendGradients(*g, request);
  INFO(grads.status().message());
  REQUIRE(grads.ok());
  g->setOutputs({(*grads)[0]});
  REQUIRE(ir::verifyGraph(*g).isOk());
  auto out = ir::interpretGraph(*g, {{"x", Tensor::fromVector<double>({2}, {3, -1})},
                                     {"dy", Tensor::fromVector<double>({2}, {0.5, 2})}});
  REQUIRE(out.ok());
  checkValues((*out)[0], {2.0, -5.0});
}

TEST_CASE("multi-result nodes: results without gradient are null for the rule") {
  // Only the second part of the Split reaches the loss: the first part's
  // gradient is zero-filled by the rule.
  auto g = parse(R"(graph @g {
  input %x : f64[4]
  %a, %b = Split(%x) {num_outputs = 2} : f64[2], f64[2]
  %sq = Mul(%b, %b) : f64[2]
  %loss = ReduceSum(%sq) {keepdims = 0} : f64[]
  output %loss
})");
  auto grads = gradients(*g, {"x"}, {{"x", Tensor::fromVector<double>({4}, {1, 2, 3, 4})}});
  checkValues(grads[0], {0, 0, 6, 8});
}

TEST_CASE("differentiating with respect to an intermediate value") {
  auto g = parse(R"(graph @g {
  input %x : f64[2]
  %h = Exp(%x) : f64[2]
  %y = Mul(%h, %h) : f64[2]
  %loss = ReduceSum(%y) {keepdims = 0} : f64[]
  output %loss
})");
  // dloss/dh = 2h, dloss/dx = 2 h^2.
  auto grads = gradients(*g, {"h", "x"}, {{"x", Tensor::fromVector<double>({2}, {0, 1})}});
  checkValues(grads[0], {2, 2 * std::exp(1.0)});
  checkValues(grads[1], {2, 2 * std::exp(2.0)});
}

TEST_CASE("the backward graph is an ordinary graph: the standard pipeline keeps its values") {
  // A dense layer with softmax cross-entropy; gradients checked before and
  // after canonicalize/fold/cse/dce.
  auto g = parse(R"(graph @g {
  input %x : f32[2,3]
  input %label : i64[2]
  param %w : f32[3,2] = [0.1, -0.2, 0.3, 0.4, -0.5, 0.6]
  param %b : f32[2] = [0.01, -0.02]
  %h = Gemm(%x, %w, %b) : f32[2,2]
  %r = Relu(%h) : f32[2,2]
  %loss, %logp = SoftmaxCrossEntropyLoss(%r, %label) : f32[], f32[2,2]
  output %loss
})");
  std::map<std::string, Tensor, std::less<>> feeds{
      {"x", Tensor::fromVector<float>({2, 3}, {1, 2, 3, -1, 0.5f, 2})},
      {"label", Tensor::fromVector<int64_t>({2}, {1, 0})}};
  auto before = gradients(*g, {"w", "b"}, feeds);
  passes::PassManager pm;
  REQUIRE(pm.addStandardPipeline().isOk());
  auto changed = pm.run(*g);
  INFO(changed.status().message());
  REQUIRE(changed.ok());
  auto after = ir::interpretGraph(*g, feeds);
  REQUIRE(after.ok());
  for (size_t k = 0; k < before.size(); ++k)
    for (int64_t i = 0; i < before[k].numElements(); ++i)
      CHECK(std::fabs((*after)[k + 1].elementAsDouble(i) - before[k].elementAsDouble(i)) < 1e-6);
}
