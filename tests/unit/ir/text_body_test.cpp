// Text IR of bodies (Fused nodes): nested blocks print and parse back
// exactly, names are scoped to their body, malformed bodies give
// file:line:col errors and garbage never crashes the parser.
#include <catch2/catch.hpp>

#include <string>

#include "text_test_util.h"

using namespace ingot;
using namespace ingot::ir;
using namespace ingot::ir::texttest;

// ---------------------------------------------------------------------------
// Bodies (Fused nodes).

namespace {

// A graph with a Fused node whose body repeats outer names (they are scoped
// to the body), has two outputs, and nests a second Fused node with empty
// attributes (missing `kind`: invalid, yet it must round-trip).
std::unique_ptr<Graph> buildFusedGraph() {
  const OpRegistry& ops = testOps();
  auto g = std::make_unique<Graph>("fused");
  Value* x = *g->addInput("x", {DType::F32, {2, 3}});
  Value* w = *g->addParam("w", Tensor::fromVector<float>({3, 3}, {1, 0, 0, 0, 1, 0, 0, 0, 1}));

  auto inner = std::make_unique<Graph>("body");
  Value* ia = *inner->addInput("x", {DType::F32, {2, 3}});
  Value* in = (*inner->addNode(*ops.find("Neg"), {ia}, {{"scale", 2.f}}, {"odd \"n\""}))->result(0);
  inner->setOutputs({in});

  auto body = std::make_unique<Graph>("body");
  Value* bx = *body->addInput("x", {DType::F32, {2, 3}});
  Value* bw = *body->addInput("w.1", {DType::F32, {3, 3}});
  Value* t = (*body->addNode(*ops.find("Gemm"), {bx, bw, nullptr}, {}, {"t"}, "gemm"))->result(0);
  Value* y = (*body->addNode(*ops.find("Add"), {t, bx}, {}, {"y"}))->result(0);
  Node* nested = *body->addNodeWithBody(*ops.find("Fused"), {y}, std::move(inner), {},
                                        {{"n", TensorType{DType::F32, {2, 3}}}}, "inner");
  body->setOutputs({nested->result(0), t});

  Node* f = *g->addNodeWithBody(*ops.find("Fused"), {x, w}, std::move(body), {{"kind", "dense"}},
                                {{"y", TensorType{DType::F32, {2, 3}}}, {"t", TensorType{DType::F32, {2, 3}}}},
                                "group 1");
  Value* z = (*g->addNode(*ops.find("Neg"), {f->result(0)}, {}, {"z"}))->result(0);
  g->setOutputs({z, f->result(1)});
  return g;
}

}  // namespace

TEST_CASE("text: a fused node prints its body as a nested block", "[text][body]") {
  auto g = buildFusedGraph();
  const std::string expected = R"(graph @fused {
  input %x : f32[2,3]
  param %w : f32[3,3] = [1, 0, 0, 0, 1, 0, 0, 0, 1]
  %y, %t = Fused(%x, %w) {kind = "dense"} name "group 1" {
    input %x : f32[2,3]
    input %w.1 : f32[3,3]
    %t = Gemm(%x, %w.1, _) name "gemm" : f32[2,3]
    %y = Add(%t, %x) : f32[2,3]
    %n = Fused(%y) {} name "inner" {
      input %x : f32[2,3]
      %"odd \"n\"" = Neg(%x) {scale = 2} : f32[2,3]
      output %"odd \"n\""
    } : f32[2,3]
    output %n, %t
  } : f32[2,3], f32[2,3]
  %z = Neg(%y) : f32[2,3]
  output %z, %t
}
)";
  CHECK(printGraph(*g) == expected);
  std::string printed = checkRoundTrip(*g);
  auto parsed = parseGraph(printed, "printed", testOps());
  REQUIRE(parsed.ok());
  checkSameGraph(*g, **parsed);
  // Scoping: the body's %x is its own input, not the outer %x.
  const Graph* body = (*parsed)->nodes()[0]->body();
  REQUIRE(body != nullptr);
  CHECK(body->inputs()[0] != (*parsed)->inputs()[0]);
  CHECK(body->nodes()[2]->body()->nodes()[0]->name().empty());
  // The nested node has no `kind`, which the verifier reports by path.
  Status st = verifyGraph(**parsed);
  REQUIRE_FALSE(st.isOk());
  CHECK_THAT(st.message(), Catch::Contains("Fused 'group 1' (-> %y): body: Fused 'inner' (-> %n): "
                                           "required attribute 'kind' is missing"));
  // A clone is deep and prints the same.
  auto copy = (*parsed)->clone();
  CHECK(printGraph(*copy) == printed);
  CHECK(copy->nodes()[0]->body() != (*parsed)->nodes()[0]->body());
}

TEST_CASE("text: body syntax is whitespace-insensitive, empty attributes are kept as {}", "[text][body]") {
  auto g = parseOk("graph @g { input %x : f32[2] %y = Fused(%x) {kind=\"elementwise\"} {input %a:f32[2] "
                   "%b = Neg(%a) : f32[2] output %b} : f32[2] output %y }");
  CHECK(printGraph(*g) == R"(graph @g {
  input %x : f32[2]
  %y = Fused(%x) {kind = "elementwise"} {
    input %a : f32[2]
    %b = Neg(%a) : f32[2]
    output %b
  } : f32[2]
  output %y
}
)");
  CHECK(verifyGraph(*g).isOk());
  // Without results (a sink), and with an empty body.
  auto h = parseOk("graph @g {\n  input %x : f32[2]\n  Fused(%x) {} {\n  }\n  output %x\n}\n");
  CHECK(printGraph(*h) == "graph @g {\n  input %x : f32[2]\n  Fused(%x) {} {\n  }\n  output %x\n}\n");
}

TEST_CASE("text: malformed bodies give file:line:col errors", "[text][body]") {
  const std::string pre = "graph @g {\n  input %x : f32[2]\n";
  struct Case {
    std::string text;
    std::string expected;
  };
  const std::vector<Case> cases = {
      // Outer values are not visible inside a body.
      {pre + "  %y = Fused(%x) {kind = \"e\"} {\n    input %a : f32[2]\n    %b = Add(%a, %x) : f32[2]\n"
             "    output %b\n  } : f32[2]\n}",
       "t.txt:5:18: undefined value %x"},
      // ...and body values are not visible after it.
      {pre + "  %y = Fused(%x) {kind = \"e\"} {\n    input %a : f32[2]\n    output %a\n  } : f32[2]\n"
             "  output %a\n}",
       "t.txt:7:10: undefined value %a"},
      {pre + "  %y = Fused(%x) : f32[2]\n}",
       "t.txt:3:18: expected '{' and the attributes of 'Fused' (written even when empty: {})"},
      {pre + "  %y = Fused(%x) {kind = \"e\"} : f32[2]\n}", "t.txt:3:31: expected '{' and the body of 'Fused', found ':'"},
      {pre + "  %y = Fused(%x) {} {\n    input %a : f32[2]\n", "t.txt:5:1: expected '}' to close the body opened at 3:21"},
      {pre + "  %y = Fused(%x) {} {\n    %a = Neg(%x) : f32[2]\n  } : f32[2]\n}", "t.txt:4:14: undefined value %x"},
      {pre + "  %y = Fused(%x) {} {\n    input %a : f32[2]\n    input %a : f32[2]\n  } : f32[2]\n}",
       "t.txt:5:11: value %a is defined twice"},
      {pre + "  %y = Fused(%x) {} {\n  }\n}", "t.txt:5:1: expected ':' and the result types, found '}'"},
      // Ops without a body do not take a block.
      {pre + "  %y = Neg(%x) {} {\n  } : f32[2]\n}", "t.txt:3:19: expected ':' and the result types, found '{'"},
  };
  for (const auto& c : cases) {
    INFO(c.text);
    auto g = parseGraph(c.text, "t.txt", testOps());
    REQUIRE_FALSE(g.ok());
    CHECK(g.status().kind() == ErrorKind::InvalidInput);
    CHECK_THAT(g.status().message(), Catch::StartsWith(c.expected));
  }
  // Nesting is bounded, so hostile input cannot exhaust the stack.
  std::string deep = "graph @g {\n  input %x : f32[2]\n";
  for (int i = 0; i < 40; ++i) deep += "  %y = Fused(%x) {} {\n  input %x : f32[2]\n";
  auto g = parseGraph(deep, "t.txt", testOps());
  REQUIRE_FALSE(g.ok());
  CHECK_THAT(g.status().message(), Catch::Contains("bodies nested more than 16 deep"));
}

TEST_CASE("text: truncated and corrupted bodies never crash", "[text][fuzz][body]") {
  std::string text = printGraph(*buildFusedGraph());
  for (size_t n = 0; n <= text.size(); ++n) checkParsesOrFails(std::string_view(text).substr(0, n));
  uint64_t state = 0x2545f4914f6cdd1dull;
  auto next = [&] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  const char interesting[] = {'%', '"', '{', '}', '(', ')', ',', '=', ':', '_', '\n', 'x', ' '};
  for (int iter = 0; iter < 2000; ++iter) {
    std::string mutated = text;
    for (int f = 0; f < 1 + static_cast<int>(next() % 3); ++f) {
      size_t pos = next() % mutated.size();
      uint64_t r = next();
      if (r % 2 == 0) mutated[pos] = interesting[(r >> 8) % sizeof(interesting)];
      else mutated.erase(pos, 1 + (r >> 8) % 4);
      if (mutated.empty()) mutated = "x";
    }
    checkParsesOrFails(mutated);
  }
}
