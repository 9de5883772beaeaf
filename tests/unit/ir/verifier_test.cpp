// Verifier: each invariant broken once, with the message that names the
// node/value and index. Uses a small op table defined here (independent of
// the real ops in ir/ops/); graphs come from the lenient text parser or are
// broken by hand through the Graph API.
#include <catch2/catch.hpp>

#include "ir/OpRegistry.h"
#include "ir/TextParser.h"
#include "ir/Verifier.h"
#include "test_op_builder.h"

using namespace ingot;
using namespace ingot::ir;

namespace {

// Built once, immutable afterwards.
const OpRegistry& testOps() {
  static const OpRegistry ops = [] {
    OpRegistry r;
    r.add(ingot::ir::testing::makeTestOp("Neg", {{"X"}}, {{"scale", AttrKind::Float, Attribute(1.0f)}},
                 [](const OpContext& c) -> Expected<std::vector<TensorType>> {
                   return std::vector<TensorType>{c.operandType(0)};
                 }));
    r.add(ingot::ir::testing::makeTestOp("Add", {{"A"}, {"B"}}, {}, [](const OpContext& c) -> Expected<std::vector<TensorType>> {
      if (c.operandType(0) != c.operandType(1))
        return c.error("operand types differ: {} vs {}", c.operandType(0).toString(),
                       c.operandType(1).toString());
      return std::vector<TensorType>{c.operandType(0)};
    }));
    r.add(ingot::ir::testing::makeTestOp("Gemm", {{"A"}, {"B"}, {"C", true}}, {},
                 [](const OpContext& c) -> Expected<std::vector<TensorType>> {
                   const auto& a = c.operandType(0);
                   const auto& b = c.operandType(1);
                   if (a.shape.size() != 2 || b.shape.size() != 2) return c.error("rank 2 needed");
                   return std::vector<TensorType>{{a.dtype, {a.shape[0], b.shape[1]}}};
                 }));
    r.add(ingot::ir::testing::makeTestOp("Split2", {{"X"}}, {}, [](const OpContext& c) -> Expected<std::vector<TensorType>> {
      TensorType shape{DType::I64, {static_cast<int64_t>(c.operandType(0).shape.size())}};
      return std::vector<TensorType>{c.operandType(0), shape};
    }, 2));
    r.add(ingot::ir::testing::makeTestOp("Constant", {}, {{"value", AttrKind::Tensor, std::nullopt}},
                 [](const OpContext& c) -> Expected<std::vector<TensorType>> {
                   const Tensor* t = c.getTensor("value");
                   return std::vector<TensorType>{{t->dtype(), t->shape()}};
                 }));
    return r;
  }();
  return ops;
}

std::unique_ptr<Graph> parse(const std::string& body) {
  std::string text = "graph @g {\n  input %x : f32[2]\n" + body + "}\n";
  auto g = parseGraph(text, "v.txt", testOps());
  INFO(text);
  if (!g.ok()) FAIL(g.status().message());
  return std::move(g).value();
}

void checkFails(const Graph& g, const std::string& expected) {
  Status st = verifyGraph(g);
  REQUIRE_FALSE(st.isOk());
  CHECK(st.kind() == ErrorKind::InvalidInput);
  CHECK_THAT(st.message(), Catch::Contains(expected));
}

}  // namespace

TEST_CASE("verifier: valid graphs pass", "[verifier]") {
  auto g = parse(R"(  input %m : f32[2,3]
  param frozen %w : f32[3,4] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]
  %y = Neg(%x) {scale = 2} name "neg" : f32[2]
  %z = Add(%x, %y) : f32[2]
  %g = Gemm(%m, %w, _) : f32[2,4]
  %g2 = Gemm(%m, %w, %g) : f32[2,4]
  %p, %q = Split2(%z) : f32[2], i64[1]
  %c = Constant() {value = tensor<i32[2]> [1, 2]} : i32[2]
  output %p, %q, %g2, %c, %x
)");
  CHECK(verifyGraph(*g).isOk());
  CHECK(verifyGraph(*g->clone()).isOk());
  // Rewrites through the Graph API keep the invariants.
  g->replaceAllUses(g->findValue("z"), g->findValue("y"));
  g->removeDeadNodes();
  CHECK(verifyGraph(*g).isOk());
}

TEST_CASE("verifier: declared result types must match the type rule", "[verifier]") {
  checkFails(*parse("  %y = Neg(%x) : f32[3]\n  output %y\n"),
             "Neg (-> %y): result 0 (%y): declared type f32[3], but the type rule gives f32[2]");
  checkFails(*parse("  %y = Neg(%x) name \"n1\" : i32[2]\n  output %y\n"),
             "Neg 'n1' (-> %y): result 0 (%y): declared type i32[2], but the type rule gives f32[2]");
  checkFails(*parse("  %p, %\"q/1\" = Split2(%x) : f32[2], i32[1]\n  output %p\n"),
             "Split2 (-> %p): result 1 (%\"q/1\"): declared type i32[1], but the type rule gives i64[1]");
  checkFails(*parse("  %a = Split2(%x) : f32[2]\n  output %a\n"),
             "Split2 (-> %a): has 1 results, the op's type rule gives 2");
  checkFails(*parse("  input %z : f32[3]\n  %y = Add(%x, %z) : f32[2]\n  output %y\n"),
             "Add (-> %y): operand types differ: f32[2] vs f32[3]");
}

TEST_CASE("verifier: operand counts, required operands and attributes", "[verifier]") {
  checkFails(*parse("  %y = Add(%x) : f32[2]\n  output %y\n"), "Add (-> %y): expected 2 operands, got 1");
  checkFails(*parse("  %y = Neg(%x, %x) : f32[2]\n  output %y\n"), "Neg (-> %y): expected 1 operands, got 2");
  checkFails(*parse("  %y = Add(%x, _) : f32[2]\n  output %y\n"),
             "Add (-> %y): operand 1 ('B') is required");
  checkFails(*parse("  %c = Constant() : f32[1]\n  output %c\n"),
             "Constant (-> %c): required attribute 'value' is missing");

  // Attribute names and kinds the parser would reject, set through the API.
  auto g = parse("  %y = Neg(%x) : f32[2]\n  output %y\n");
  REQUIRE(verifyGraph(*g).isOk());
  Node* n = g->nodes()[0].get();
  n->setAttr("scale", Attribute(int64_t{2}));
  checkFails(*g, "Neg (-> %y): attribute 'scale' must be float, got int");
  n->setAttr("scale", Attribute(2.0f));
  n->setAttr("foo", Attribute(1));
  checkFails(*g, "Neg (-> %y): unknown attribute 'foo'");
}

TEST_CASE("verifier: operands are defined before use and belong to the graph", "[verifier]") {
  auto g = parse("  %y = Neg(%x) : f32[2]\n  %z = Neg(%y) : f32[2]\n  output %z\n");
  REQUIRE(verifyGraph(*g).isOk());
  g->nodes()[0]->setOperand(0, g->findValue("z"));
  checkFails(*g, "Neg (-> %y): operand 0 (%z) is used before it is defined");

  auto other = parse("  input %elsewhere : f32[2]\n  output %elsewhere\n");
  auto h = parse("  %y = Neg(%x) : f32[2]\n  output %y\n");
  h->nodes()[0]->setOperand(0, other->findValue("elsewhere"));
  checkFails(*h, "Neg (-> %y): operand 0 (%elsewhere) is not a value of this graph");
}

TEST_CASE("verifier: outputs", "[verifier]") {
  checkFails(*parse("  %y = Neg(%x) : f32[2]\n"), "the graph has no outputs");
  auto other = parse("  input %elsewhere : f32[2]\n  output %elsewhere\n");
  auto g = parse("  output %x\n");
  g->setOutputs({g->findValue("x"), other->findValue("elsewhere")});
  checkFails(*g, "output 1 (%elsewhere) is not a value of this graph");
  g->setOutputs({nullptr});
  checkFails(*g, "output 0 is null");
}

TEST_CASE("verifier: values, types and parameter data", "[verifier]") {
  SECTION("param data must match the declared type") {
    auto g = parse("  param %w : f32[3] = [1, 2, 3]\n  output %w\n");
    g->params()[0]->setType({DType::F32, {4}});
    checkFails(*g, "parameter %w: data is f32[3], declared type is f32[4]");
    g->params()[0]->setType({DType::I32, {3}});
    checkFails(*g, "parameter %w: data is f32[3], declared type is i32[3]");
  }
  SECTION("dims are non-negative and bounded") {
    Graph g("g");
    Value* x = *g.addInput("x", {DType::F32, {2, -1}});
    g.addOutput(x);
    checkFails(g, "input 0 %x: type f32[2,-1] has a negative dimension");
    x->setType({DType::F32, {int64_t{1} << 30, int64_t{1} << 30}});
    checkFails(g, "has more than 2^40 elements");
  }
  SECTION("tensor attributes have sound shapes and sizes") {
    auto g = parse("  %c = Constant() {value = tensor<f32[2]> [1, 2]} : f32[2]\n  output %c\n");
    REQUIRE(verifyGraph(*g).isOk());
    Node* n = g->nodes()[0].get();
    n->setAttr("value", Attribute(Tensor::fromVector<float>({2}, {1, 2}).reshaped({3})));
    checkFails(*g, "Constant (-> %c): attribute 'value': holds 8 bytes, f32[3] needs 12");
    n->setAttr("value", Attribute(Tensor(DType::F32, {1}).reshaped({-1})));
    checkFails(*g, "Constant (-> %c): attribute 'value': type f32[-1] has a negative dimension");
  }
  SECTION("a value listed twice") {
    auto g = parse("  output %x\n");
    Value* x = g->findValue("x");
    g->setInputs({x, x});
    checkFails(*g, "input 1 %x is defined twice");
  }
  SECTION("values listed with the wrong kind") {
    auto g = parse("  %y = Neg(%x) : f32[2]\n  output %y\n");
    g->setInputs({g->findValue("x"), g->findValue("y")});
    checkFails(*g, "input 1 %y is not an input value");
  }
  SECTION("quoted names in messages") {
    auto g = parse("  %\"onnx::Neg_0\" = Neg(%x) : f32[1]\n  output %\"onnx::Neg_0\"\n");
    checkFails(*g, "Neg (-> %\"onnx::Neg_0\"): result 0 (%\"onnx::Neg_0\"): declared type f32[1]");
  }
}
