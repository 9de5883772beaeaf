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
    registerFusedOps(r);  // the one op with a body
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

// ---------------------------------------------------------------------------
// Nodes with bodies (Fused): the body is verified recursively and must match
// the node 1:1 (operands/inputs, results/outputs, with types); messages name
// the fused node.

namespace {

// `%y = Fused(%x) {kind = "e"} { <body> } : <result types>` after `input %x : f32[2]`.
std::unique_ptr<Graph> parseFused(const std::string& operands, const std::string& body,
                                  const std::string& results = "%y", const std::string& types = "f32[2]") {
  return parse("  input %m : f32[2,3]\n  " + results + " = Fused(" + operands + ") {kind = \"e\"} name \"grp\" {\n" +
               body + "  } : " + types + "\n  output %x\n");
}

}  // namespace

TEST_CASE("verifier: a valid fused node passes", "[verifier][body]") {
  auto g = parseFused("%x, %m", "    input %a : f32[2]\n    input %b : f32[2,3]\n    %c = Neg(%a) : f32[2]\n"
                                "    %d = Add(%c, %a) : f32[2]\n    output %d, %b\n",
                      "%y, %z", "f32[2], f32[2,3]");
  CHECK(verifyGraph(*g).isOk());
  CHECK(verifyGraph(*g->clone()).isOk());
}

TEST_CASE("verifier: bad bodies are rejected with the fused node's label", "[verifier][body]") {
  const std::string ok = "    input %a : f32[2]\n    %c = Neg(%a) : f32[2]\n    output %c\n";
  // The body itself is verified (declared types, operand counts, outputs).
  checkFails(*parseFused("%x", "    input %a : f32[2]\n    %c = Neg(%a) : f32[3]\n    output %c\n", "%y", "f32[3]"),
             "Fused 'grp' (-> %y): body: Neg (-> %c): result 0 (%c): declared type f32[3], but the type rule "
             "gives f32[2]");
  checkFails(*parseFused("%x", "    input %a : f32[2]\n    %c = Add(%a) : f32[2]\n    output %c\n"),
             "Fused 'grp' (-> %y): body: Add (-> %c): expected 2 operands, got 1");
  checkFails(*parseFused("%x", "    input %a : f32[2]\n    %c = Neg(%a) : f32[2]\n"),
             "Fused 'grp' (-> %y): body: the graph has no outputs");
  // Parameters belong outside.
  checkFails(*parseFused("%x", "    input %a : f32[2]\n    param %p : f32[2] = [1, 2]\n"
                               "    %c = Add(%a, %p) : f32[2]\n    output %c\n"),
             "Fused 'grp' (-> %y): body has parameter %p; outer values must come in as operands");
  // Operands and inputs 1:1, same types.
  checkFails(*parseFused("%x, %x", ok), "Fused 'grp' (-> %y): body has 1 inputs for 2 operands");
  checkFails(*parseFused("%m", ok),
             "Fused 'grp' (-> %y): operand 0 (%m) is f32[2,3], but body input 0 (%a) is f32[2]");
  // Results and outputs 1:1, same types.
  checkFails(*parseFused("%x", ok, "%y, %z", "f32[2], f32[2]"), "Fused 'grp' (-> %y): body has 1 outputs for 2 results");
  checkFails(*parseFused("%x", ok, "%y", "f32[3]"),
             "Fused 'grp' (-> %y): result 0 (%y): declared type f32[3], but body output 0 (%c) is f32[2]");
  // The op's own signature still applies.
  checkFails(*parse("  %y = Fused(%x) {} {\n" + ok + "  } : f32[2]\n  output %y\n"),
             "Fused (-> %y): required attribute 'kind' is missing");
  checkFails(*parse("  %y = Fused() {kind = \"e\"} {\n    %c = Constant() {value = tensor<f32[2]> [1, 2]} : f32[2]\n"
                    "    output %c\n  } : f32[2]\n  output %y\n"),
             "Fused (-> %y): expected 1 or more operands, got 0");
}

TEST_CASE("verifier: a body only where the op has one", "[verifier][body]") {
  const OpRegistry& ops = testOps();
  // A Fused node built without a body (as the lenient API allows).
  Graph g("g");
  Value* x = *g.addInput("x", {DType::F32, {2}});
  Node* f = *g.addNodeWithTypes(*ops.find("Fused"), {x}, {{"kind", "e"}}, {{"y", TensorType{DType::F32, {2}}}});
  g.addOutput(f->result(0));
  checkFails(g, "Fused (-> %y): has no body");
  // Graph::addNode refuses ops with bodies, and addNodeWithBody ops without.
  auto added = g.addNode(*ops.find("Fused"), {x}, {{"kind", "e"}});
  REQUIRE_FALSE(added.ok());
  CHECK_THAT(added.status().message(), Catch::Contains("needs a body"));
  auto body = std::make_unique<Graph>("body");
  auto wrong = g.addNodeWithBody(*ops.find("Neg"), {x}, std::move(body), {}, {{"z", TensorType{DType::F32, {2}}}});
  REQUIRE_FALSE(wrong.ok());
  CHECK_THAT(wrong.status().message(), Catch::Contains("takes no body"));
}

TEST_CASE("verifier: Graph::addFusedNode checks the contract", "[verifier][body]") {
  Graph g("g");
  Value* x = *g.addInput("x", {DType::F32, {2}});
  auto makeBody = [](TensorType in, bool withParam) {
    auto b = std::make_unique<Graph>("body");
    Value* a = *b->addInput("a", in);
    if (withParam) *b->addParam("p", Tensor::fromVector<float>({2}, {1, 2}));
    b->addOutput(a);
    return b;
  };
  auto bad = g.addFusedNode({x}, makeBody({DType::F32, {3}}, false), {{"kind", "e"}});
  REQUIRE_FALSE(bad.ok());
  CHECK_THAT(bad.status().message(), Catch::Contains("operand 0 ('x') is f32[2], body input 0 ('a') is f32[3]"));
  bad = g.addFusedNode({x, x}, makeBody({DType::F32, {2}}, false), {{"kind", "e"}});
  REQUIRE_FALSE(bad.ok());
  CHECK_THAT(bad.status().message(), Catch::Contains("the body has 1 inputs for 2 operands"));
  bad = g.addFusedNode({x}, makeBody({DType::F32, {2}}, true), {{"kind", "e"}});
  REQUIRE_FALSE(bad.ok());
  CHECK_THAT(bad.status().message(), Catch::Contains("the body has parameter 'p'"));
  bad = g.addFusedNode({x}, nullptr, {{"kind", "e"}});
  REQUIRE_FALSE(bad.ok());
  // A good one takes its result types from the body's outputs.
  auto good = g.addFusedNode({x}, makeBody({DType::F32, {2}}, false), {{"kind", "e"}}, {"y"});
  REQUIRE(good.ok());
  CHECK((*good)->result(0)->name() == "y");
  CHECK((*good)->result(0)->type() == TensorType{DType::F32, {2}});
  CHECK((*good)->body() != nullptr);
  g.addOutput((*good)->result(0));
  CHECK(verifyGraph(g).isOk());
}
