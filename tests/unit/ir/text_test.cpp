// Text IR: printer/parser round trip, error messages with line:col, and
// robustness against garbage. Uses a small op table defined here so the test
// does not depend on the real ops in ir/ops/.
#include <catch2/catch.hpp>

#include <bit>
#include <cmath>
#include <cstring>
#include <limits>

#include "ir/OpRegistry.h"
#include "ir/TextParser.h"
#include "ir/TextPrinter.h"
#include "ir/Verifier.h"
#include "text_test_util.h"

using namespace ingot;
using namespace ingot::ir;
using namespace ingot::ir::texttest;

namespace {

Tensor rawTensor(DType dtype, Shape shape, std::vector<unsigned char> bytes) {
  Tensor t(dtype, std::move(shape));
  std::memcpy(t.rawData(), bytes.data(), std::min(bytes.size(), t.byteSize()));
  return t;
}

std::unique_ptr<Graph> buildKitchenSink(std::string graphName) {
  const OpRegistry& ops = testOps();
  auto g = std::make_unique<Graph>(std::move(graphName));
  g->docString = "doc with \\ \"quotes\", a tab\t and a newline\n \x01\xff";
  Value* x = *g->addInput("onnx::Gemm_0", {DType::F32, {2, 4}});
  Value* s = *g->addInput("0", {DType::F32, {}});
  *g->addInput("odd \"name\"\\\n\t\x7f\xc3\xa9", {DType::I64, {0, 3}});
  const float inf = std::numeric_limits<float>::infinity();
  const float nan = std::numeric_limits<float>::quiet_NaN();
  Value* w = *g->addParam("/fc1/weight", Tensor::fromVector<float>({4, 3},
      {0.5f, -1.f, 2.25f, nan, inf, -inf, -0.0f, 1e-45f, 3.4028235e38f, 0.1f, 1e-5f, 16777217.f}));
  Tensor big(DType::F32, {5, 5});
  for (int i = 0; i < 25; ++i) big.data<float>()[i] = 0.25f * i - 3;
  *g->addParam("big", big);
  Value* b = *g->addParam("b", Tensor::fromVector<float>({3}, {1.f, 2.f, 3.f}));
  b->setTrainable(false);
  *g->addParam("i64", Tensor::fromVector<int64_t>({3}, {std::numeric_limits<int64_t>::min(),
                                                        std::numeric_limits<int64_t>::max(), 0}));
  *g->addParam("u64", Tensor::fromVector<uint64_t>({1}, {std::numeric_limits<uint64_t>::max()}));
  *g->addParam("i8", Tensor::fromVector<int8_t>({2}, {-128, 127}));
  *g->addParam("u8", Tensor::fromVector<uint8_t>({2}, {0, 255}));
  *g->addParam("i16", Tensor::fromVector<int16_t>({1}, {-32768}));
  *g->addParam("u16", Tensor::fromVector<uint16_t>({1}, {65535}));
  *g->addParam("i32", Tensor::fromVector<int32_t>({2, 1}, {-2147483647 - 1, 7}));
  *g->addParam("u32", Tensor::fromVector<uint32_t>({1}, {4294967295u}));
  *g->addParam("f64", Tensor::fromVector<double>({4}, {0.1, 1e300, -std::numeric_limits<double>::infinity(),
                                                       std::numeric_limits<double>::denorm_min()}));
  *g->addParam("bools", Tensor::fromVector<bool>({3}, {true, false, true}));
  *g->addParam("f16", rawTensor(DType::F16, {2}, {0x00, 0x3c, 0xff, 0x7b}));
  *g->addParam("bf16", rawTensor(DType::BF16, {1}, {0x80, 0x3f}));
  // Not expressible as a list: must fall back to hex to keep the bytes.
  *g->addParam("odd_nans", rawTensor(DType::F32, {2}, {0x01, 0x00, 0xc0, 0x7f, 0x00, 0x00, 0xc0, 0xff}));
  *g->addParam("odd_bools", rawTensor(DType::Bool, {2}, {2, 0}));
  *g->addParam("empty", Tensor(DType::F32, {0, 3}));
  *g->addParam("scalar", Tensor::scalar<float>(2.5f));
  *g->addParam("17", Tensor(DType::I32, {17}));

  Node* gemm = *g->addNode(*ops.find("Gemm"), {x, w, nullptr}, {{"alpha", 0.5f}, {"transB", 0}},
                           {"/fc1/Gemm_output_0"}, "/fc1/Gemm");
  Value* h = gemm->result(0);
  Value* h2 = (*g->addNode(*ops.find("Gemm"), {x, w}, {}, {"h2"}))->result(0);
  Value* k = (*g->addNode(*ops.find("Kitchen"), {h},
                          {{"i", -7}, {"f", 1e-5f}, {"s", "to\"\n"}, {"is", std::vector<int64_t>{}},
                           {"fs", std::vector<float>{0.5f, -inf, nan}},
                           {"ss", std::vector<std::string>{"a", "b c", ""}},
                           {"t", Tensor::fromVector<int64_t>({2}, {1, -1})}},
                          {"k"}, "kitchen node"))->result(0);
  Tensor t20(DType::F64, {20});
  for (int i = 0; i < 20; ++i) t20.data<double>()[i] = i / 3.0;
  Value* k2 = (*g->addNode(*ops.find("Kitchen"), {k},
                           {{"fs", std::vector<float>{}}, {"ss", std::vector<std::string>{}},
                            {"is", std::vector<int64_t>{1, 0, -9}}, {"t", t20}, {"f", inf}},
                           {"k.2"}))->result(0);
  Node* split = *g->addNode(*ops.find("Split2"), {k2}, {}, {"p", "q q"});
  *g->addNode(*ops.find("Sink"), {split->result(1)}, {}, {}, "sink");
  *g->addNode(*ops.find("name"), {split->result(1)}, {}, {});
  Value* c = (*g->addNode(*ops.find("Constant"), {},
                          {{"value", Tensor::fromVector<bool>({}, {true})}}, {"c"}))->result(0);
  Value* cat = (*g->addNode(*ops.find("Concat"), {h2, h, split->result(0)}, {{"axis", 0}}, {"cat"}))->result(0);
  Value* o = (*g->addNode(*ops.find("output"), {s}, {}, {"o"}))->result(0);
  g->setOutputs({cat, c, x, cat, o});
  return g;
}

}  // namespace

TEST_CASE("text: canonical form of a small graph", "[text]") {
  const char* text = R"(graph @mlp {
  input %x : f32[1,4]
  param %w0 : f32[4,3] = [0.5, -1, 2.25, 0, 1, 2, 3, 4, 5, 6, 7, 1e-05]
  param frozen %b0 : f32[3] = [nan, inf, -inf]
  %h = Gemm(%x, %w0, %b0) {alpha = 0.5, transB = 0} name "fc1" : f32[1,3]
  %y = Neg(%h) : f32[1,3]
  %p, %"q/1" = Split2(%y) : f32[1,3], i64[2]
  output %y, %"q/1"
}
)";
  auto g = parseOk(text);
  CHECK(printGraph(*g) == text);
  CHECK(verifyGraph(*g).isOk());
  CHECK_FALSE(g->params()[1]->trainable());
  CHECK(g->nodes()[0]->attr("alpha")->kind() == AttrKind::Float);
  CHECK(g->nodes()[0]->name() == "fc1");
  CHECK(std::isnan(g->params()[1]->paramData()->data<float>()[0]));
}

TEST_CASE("text: kitchen-sink graph round-trips exactly", "[text]") {
  for (std::string name : {"main", "", "my \"graph\"\n", "0", "a.b_c"}) {
    auto g = buildKitchenSink(name);
    REQUIRE(verifyGraph(*g).isOk());
    std::string printed = checkRoundTrip(*g);
    auto parsed = parseGraph(printed, "printed", testOps());
    REQUIRE(parsed.ok());
    checkSameGraph(*g, **parsed);
    CHECK(verifyGraph(**parsed).isOk());
    // Spot checks of the chosen forms.
    CHECK(printed.find("input %\"onnx::Gemm_0\" : f32[2,4]\n") != std::string::npos);
    CHECK(printed.find("input %0 : f32[]\n") != std::string::npos);
    CHECK(printed.find("param %big : f32[5,5] = hex\"0000") != std::string::npos);
    CHECK(printed.find("param frozen %b : f32[3] = [1, 2, 3]\n") != std::string::npos);
    CHECK(printed.find("= [-9223372036854775808, 9223372036854775807, 0]") != std::string::npos);
    CHECK(printed.find("%u64 : u64[1] = [18446744073709551615]") != std::string::npos);
    CHECK(printed.find("%bools : bool[3] = [true, false, true]") != std::string::npos);
    CHECK(printed.find("%f16 : f16[2] = hex\"003cff7b\"") != std::string::npos);
    CHECK(printed.find("%odd_nans : f32[2] = hex\"0100c07f0000c0ff\"") != std::string::npos);
    CHECK(printed.find("%odd_bools : bool[2] = hex\"0200\"") != std::string::npos);
    CHECK(printed.find("%empty : f32[0,3] = []") != std::string::npos);
    CHECK(printed.find("%scalar : f32[] = [2.5]") != std::string::npos);
    CHECK(printed.find("Gemm(%\"onnx::Gemm_0\", %\"/fc1/weight\", _) {alpha = 0.5, transB = 0} "
                       "name \"/fc1/Gemm\" : f32[2,3]") != std::string::npos);
    CHECK(printed.find("{f = 1e-05, fs = [0.5, -inf, nan], i = -7, is = [], s = \"to\\\"\\n\", "
                       "ss = [\"a\", \"b c\", \"\"], t = tensor<i64[2]> [1, -1]}") != std::string::npos);
    CHECK(printed.find("t = tensor<f64[20]> hex\"") != std::string::npos);
    CHECK(printed.find("%p, %\"q q\" = Split2(%k.2) : f32[2,3], i64[2]") != std::string::npos);
    CHECK(printed.find("  Sink(%\"q q\") name \"sink\"\n  \"name\"(%\"q q\")\n") != std::string::npos);
    CHECK(printed.find("%o = \"output\"(%0) : f32[]") != std::string::npos);
    CHECK(printed.find("output %cat, %c, %\"onnx::Gemm_0\", %cat, %o\n}\n") != std::string::npos);
  }
}

TEST_CASE("text: empty graph and graph name forms", "[text]") {
  Graph g("");
  CHECK(printGraph(g) == "graph @\"\" {\n}\n");
  checkRoundTrip(g);
  auto parsed = parseOk("graph @\"\\x41b\" {}");
  CHECK(parsed->name() == "Ab");
  CHECK(printGraph(*parsed) == "graph @Ab {\n}\n");
}

TEST_CASE("text: parser is whitespace-insensitive and skips comments", "[text]") {
  auto g = parseOk(R"(# a model
graph@g{input %x:f32[ 2 , 3 ]# trailing comment
param frozen%w:f32[2,3]=[1,2,3,
4,5,6] %y=Add(%x,%w){}:f32[2,3]
%z = Neg ( %y ) { scale = 2 } name "n#1" : f32 [2,3] output %z , %y})");
  CHECK(printGraph(*g) == R"(graph @g {
  input %x : f32[2,3]
  param frozen %w : f32[2,3] = [1, 2, 3, 4, 5, 6]
  %y = Add(%x, %w) : f32[2,3]
  %z = Neg(%y) {scale = 2} name "n#1" : f32[2,3]
  output %z, %y
}
)");
  CHECK(g->nodes()[1]->attr("scale")->kind() == AttrKind::Float);
  CHECK(g->nodes()[1]->attr("scale")->asFloat() == 2.0f);
}

TEST_CASE("text: attribute kinds come from the op's spec", "[text]") {
  auto g = parseOk(R"(graph @g {
  input %x : f32[2]
  %a = Kitchen(%x) {f = 1, fs = [], i = 1, is = [], ss = [], t = tensor<u8[2]> hex"ff01"} : f32[2]
  %b = Kitchen(%a) {f = -0, fs = [1, 2.5e3, inf], is = [3], t = tensor<f32[]> [nan]} : f32[2]
  output %b
})");
  const Node& a = *g->nodes()[0];
  CHECK(a.attr("f")->kind() == AttrKind::Float);
  CHECK(a.attr("i")->kind() == AttrKind::Int);
  CHECK(a.attr("fs")->kind() == AttrKind::Floats);
  CHECK(a.attr("is")->kind() == AttrKind::Ints);
  CHECK(a.attr("ss")->kind() == AttrKind::Strings);
  CHECK(a.attr("t")->asTensor().data<uint8_t>()[0] == 255);
  const Node& b = *g->nodes()[1];
  CHECK(std::signbit(b.attr("f")->asFloat()));
  CHECK(b.attr("fs")->asFloats() == std::vector<float>{1, 2500, std::numeric_limits<float>::infinity()});
  CHECK(printAttribute(*b.attr("f")) == "-0");
  CHECK(printAttribute(*b.attr("t")) == "tensor<f32[]> [nan]");
  checkRoundTrip(*g);
}

TEST_CASE("text: floats print in shortest round-trip form", "[text]") {
  std::vector<float> values = {0.1f, 1.f / 3, 1e-45f, 1.17549435e-38f, 3.4028235e38f, -2.5e-7f,
                               123456792.f, 1e10f, 0.f, -0.f};
  for (int i = 0; i < 200; ++i) values.push_back(std::ldexp(1.f + i * 0.0137f, i - 100));
  for (float v : values) {
    Tensor t = Tensor::fromVector<float>({1}, {v});
    Graph g("g");
    *g.addParam("p", t);
    std::string printed = checkRoundTrip(g);
    auto parsed = parseGraph(printed, "p", testOps());
    REQUIRE(parsed.ok());
    INFO(printed);
    CHECK((*parsed)->params()[0]->paramData()->identical(t));
  }
  Graph g("g");
  *g.addParam("p", Tensor::fromVector<float>({3}, {0.1f, 1e-45f, 3.4028235e38f}));
  CHECK(printGraph(g).find("[0.1, 1e-45, 3.4028235e+38]") != std::string::npos);
}

TEST_CASE("text: a param whose data does not match its type still round-trips", "[text]") {
  Graph g("g");
  Value* p = *g.addParam("w", Tensor::fromVector<float>({3}, {1, 2, 3}));
  p->setType({DType::F32, {4}});
  std::string printed = checkRoundTrip(g);
  CHECK(printed.find("param %w : f32[4] = tensor<f32[3]> [1, 2, 3]") != std::string::npos);
  auto parsed = parseGraph(printed, "p", testOps());
  REQUIRE(parsed.ok());
  CHECK((*parsed)->params()[0]->type().shape == Shape{4});
  CHECK((*parsed)->params()[0]->paramData()->shape() == Shape{3});
  CHECK_FALSE(verifyGraph(**parsed).isOk());
}

TEST_CASE("text: declared types are kept, the verifier checks them", "[text]") {
  auto g = parseOk("graph @g {\n input %x : f32[2]\n %y = Neg(%x) : i32[7]\n output %y\n}");
  CHECK(g->nodes()[0]->result(0)->type() == TensorType{DType::I32, {7}});
  Status st = verifyGraph(*g);
  CHECK_FALSE(st.isOk());
  CHECK_THAT(st.message(), Catch::Contains("declared type i32[7], but the type rule gives f32[2]"));
}

TEST_CASE("text: malformed inputs give file:line:col errors", "[text]") {
  const std::string pre = "graph @g {\n  input %x : f32[2]\n";
  struct Case {
    std::string text;
    std::string expected;
  };
  const std::vector<Case> cases = {
      {"", "t.txt:1:1: expected 'graph', found end of input"},
      {"grph @g {}", "t.txt:1:1: expected 'graph', found 'grph'"},
      {"graph g {}", "t.txt:1:7: expected the graph name (@name), found 'g'"},
      {"graph @g {\n  input %x : f32[2]\n", "t.txt:3:1: expected '}' to close the graph"},
      {pre + "  output %x\n} extra", "t.txt:4:3: unexpected 'extra' after the end of the graph"},
      {pre + "}}", "t.txt:3:2: unexpected '}' after the end of the graph"},
      {pre + "  %y = Foo(%x) : f32[2]\n}", "t.txt:3:8: unknown op 'Foo'"},
      {pre + "  %y = Neg(%foo) : f32[2]\n}", "t.txt:3:12: undefined value %foo"},
      {pre + "  %x = Neg(%x) : f32[2]\n}", "t.txt:3:3: value %x is defined twice"},
      {pre + "  %a, %a = Split2(%x) : f32[2], i64[1]\n}", "t.txt:3:7: value %a is defined twice"},
      {pre + "  input %x : f32[3]\n}", "t.txt:3:9: value %x is defined twice"},
      {pre + "  %y = Neg(%y) : f32[2]\n}", "t.txt:3:12: undefined value %y"},
      {pre + "  %y = Neg(%x) : f33[2]\n}", "t.txt:3:18: unknown dtype 'f33'"},
      {pre + "  %y = Neg(%x) : f32\n}", "t.txt:4:1: expected '[' and the shape, found '}'"},
      {pre + "  param %w : f32[3] = [1, 2]\n}", "t.txt:3:23: expected 3 elements for f32[3], got 2"},
      {pre + "  param %w : f32[1] = [1, 2]\n}", "t.txt:3:27: too many elements: f32[1] has 1"},
      {pre + "  param %w : f32[2] = hex\"0000\"\n}",
       "t.txt:3:26: hex data has 4 digits, f32[2] needs 16 (8 bytes)"},
      {pre + "  param %w : f32[1] = hex\"0000zz00\"\n}", "t.txt:3:31: invalid hex digit"},
      {pre + "  param %w : f32[1]\n}", "t.txt:4:1: expected '=' and the parameter's data, found '}'"},
      {pre + "  param %w : f32[1] = 1\n}", "t.txt:3:23: expected tensor data"},
      {pre + "  param %w : i8[1] = [300]\n}", "t.txt:3:23: 300 is out of range for i8"},
      {pre + "  param %w : u8[1] = [-1]\n}", "t.txt:3:23: -1 is out of range for u8"},
      {pre + "  param %w : f16[1] = [1]\n}", "t.txt:3:23: f16 data must be written as hex"},
      {pre + "  param %w : bool[1] = [1]\n}", "t.txt:3:25: expected true or false, found '1'"},
      {pre + "  param %w : f32[1] = [1e39]\n}", "t.txt:3:24: 1e39 is out of range for f32"},
      {pre + "  param %w : f32[1] = [-nan]\n}", "t.txt:3:24: expected a number, found '-nan'"},
      {pre + "  param %w : i32[1] = [1.5]\n}", "t.txt:3:24: invalid integer '1.5'"},
      {pre + "  param %w : f32[2] = [1 2]\n}", "t.txt:3:26: expected ',' or ']', found '2'"},
      {pre + "  %y = Neg(%x) name \"abc\n}", "t.txt:3:21: unterminated string"},
      {pre + "  %y = Neg(%x) name \"a\\qb\" : f32[2]\n}", "t.txt:3:23: unknown escape '\\q' in string"},
      {pre + "  %y = Neg(%x) name \"a\\x4\" : f32[2]\n}", "t.txt:3:23: \\x must be followed by two hex digits"},
      {pre + "  %y = Neg(%x) ; f32[2]\n}", "t.txt:3:16: unexpected character ';'"},
      {pre + "  %y = Neg(%x) {foo = 1} : f32[2]\n}", "t.txt:3:17: op 'Neg' has no attribute 'foo'"},
      {pre + "  %y = Neg(%x) {scale = \"a\"} : f32[2]\n}", "t.txt:3:25: expected a number, found a string"},
      {pre + "  %y = Neg(%x) {scale = 1, scale = 2} : f32[2]\n}",
       "t.txt:3:28: attribute 'scale' is given twice"},
      {pre + "  %y = Neg(%x) {scale = 1,} : f32[2]\n}", "t.txt:3:27: expected an attribute name, found '}'"},
      {pre + "  %y = Gemm(%x, %x) {transB = 1.5} : f32[2]\n}", "t.txt:3:31: invalid integer '1.5'"},
      {pre + "  %y = Gemm(%x, %x) {transB = 99999999999999999999} : f32[2]\n}",
       "t.txt:3:31: 99999999999999999999 is out of range for i64"},
      {pre + "  %y = Kitchen(%x) {is = [1, \"a\"]} : f32[2]\n}", "t.txt:3:30: expected an integer, found a string"},
      {pre + "  %y = Kitchen(%x) {is = 1} : f32[2]\n}", "t.txt:3:26: expected a list [...] (ints), found '1'"},
      {pre + "  %y = Kitchen(%x) {t = [1]} : f32[2]\n}", "t.txt:3:25: expected a tensor"},
      {pre + "  %y = Kitchen(%x) {s = 1} : f32[2]\n}", "t.txt:3:25: expected a string, found '1'"},
      {pre + "  %y = Neg(%x, 1) : f32[2]\n}", "t.txt:3:16: expected an operand (%name or _), found '1'"},
      {pre + "  %y = Neg(%x : f32[2]\n}", "t.txt:3:15: expected ',' or ')', found ':'"},
      {pre + "  %y = Neg(%x)\n}", "t.txt:4:1: expected ':' and the result types, found '}'"},
      {pre + "  %a, %b = Split2(%x) : f32[2]\n}", "t.txt:4:1: expected 2 result types, found 1"},
      {pre + "  %a = Neg(%x) : f32[2], f32[2]\n}", "t.txt:3:24: more result types than the 1 results"},
      {pre + "  %a Neg(%x) : f32[2]\n}", "t.txt:3:6: expected '=' or ',', found 'Neg'"},
      {pre + "  input %z : f32[-1]\n}", "t.txt:3:18: negative dimension -1"},
      {pre + "  input %z : f32[1048576,1048576,2]\n}", "t.txt:3:14: shape has more than 2^40 elements"},
      {pre + "  input %z : f32[99999999999999999999]\n}", "t.txt:3:18: dimension 99999999999999999999 is too large"},
      {pre + "  input %z : f32[1x]\n}", "t.txt:3:18: invalid dimension '1x'"},
      {pre + "  input %z : f32[2,]\n}", "t.txt:3:20: expected a dimension, found ']'"},
      {pre + "  output %nope\n}", "t.txt:3:10: undefined value %nope"},
      {pre + "  output %\"a b\"\n}", "t.txt:3:10: undefined value %\"a b\""},
      {pre + "  output %\n}", "t.txt:3:10: expected a name or a quoted name after '%'"},
      {pre + "  output\n}", "t.txt:4:1: expected an output value (%name), found '}'"},
      {pre + "  input %\"\" : f32[1]\n}", "t.txt:3:9: a value name must not be empty"},
      {pre + "  doc 1\n}", "t.txt:3:7: expected a string after 'doc', found '1'"},
      {pre + "  = Neg(%x)\n}", "t.txt:3:3: expected a statement (input, param, a node or output), found '='"},
      {pre + "  inptu %y : f32[1]\n}", "t.txt:3:3: unknown op 'inptu'"},
      {pre + "  %y = Neg(%x) name 5 : f32[2]\n}", "t.txt:3:21: expected the node name as a string, found '5'"},
      {pre + "  \x01\n}", "t.txt:3:3: unexpected byte 0x01"},
  };
  for (const auto& c : cases) {
    INFO(c.text);
    auto g = parseGraph(c.text, "t.txt", testOps());
    REQUIRE_FALSE(g.ok());
    CHECK(g.status().kind() == ErrorKind::InvalidInput);
    CHECK_THAT(g.status().message(), Catch::StartsWith(c.expected));
  }
}

TEST_CASE("text: default source name and builtin registry", "[text]") {
  auto g = parseGraph("graph @g {\n  input %x : f32[2]\n  %y = NoSuchOpAnywhere(%x) : f32[2]\n}");
  REQUIRE_FALSE(g.ok());
  CHECK_THAT(g.status().message(), Catch::StartsWith("<text>:3:8: unknown op 'NoSuchOpAnywhere'"));
}


TEST_CASE("text: truncated and corrupted inputs never crash", "[text][fuzz]") {
  std::string text = printGraph(*buildKitchenSink("fuzz me"));
  for (size_t n = 0; n <= text.size(); ++n) checkParsesOrFails(std::string_view(text).substr(0, n));
  // Deterministic pseudo-random byte flips (xorshift), several per input.
  uint64_t state = 0x9e3779b97f4a7c15ull;
  auto next = [&] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  const char interesting[] = {'%', '"', '\\', '[', ']', '{', '}', '(', ')', ',', '=', ':', '_', '-',
                              '0', '9', 'e', '#', '\n', '\0', '\xff', '<', '>', '@', ' ', 'x'};
  for (int iter = 0; iter < 4000; ++iter) {
    std::string mutated = text;
    int flips = 1 + static_cast<int>(next() % 3);
    for (int f = 0; f < flips; ++f) {
      size_t pos = next() % mutated.size();
      uint64_t r = next();
      if (r % 3 == 0) mutated[pos] = static_cast<char>(r >> 8);
      else if (r % 3 == 1) mutated[pos] = interesting[(r >> 8) % sizeof(interesting)];
      else mutated.erase(pos, 1 + (r >> 8) % 4);
      if (mutated.empty()) mutated = "x";
    }
    checkParsesOrFails(mutated);
  }
}
