// The ONNX importer on small models built in C++: initializers, Constant
// forms, versioned rules, symbolic dims, folding, error reporting.
#include <catch2/catch.hpp>

#include <fstream>
#include <random>

#include "OnnxTestUtil.h"
#include "frontend/OnnxImporter.h"
#include "ir/Interpreter.h"
#include "ir/OpRegistry.h"

using namespace ingot;
using namespace ingot::frontend;
using namespace ingot::frontend::testing;

namespace {

Tensor run(const ir::Graph& g, const std::string& input, const Tensor& x) {
  auto out = ir::interpretGraph(g, {{input, x}});
  INFO(out.status().message());
  REQUIRE(out.ok());
  REQUIRE(out->size() == 1);
  return (*out)[0];
}

}  // namespace

TEST_CASE("initializers become trainable params, unused ones are dropped", "[importer]") {
  ModelBuilder m;
  m.input("x", {2, 3});
  m.initializer("w", Tensor::fromVector<float>({3}, {1, -2, 3}));
  m.initializer("unused", Tensor::fromVector<float>({2}, {7, 7}));
  m.node("Add", {"x", "w"}, {"s"}, "add");
  m.node("Relu", {"s"}, {"y"}, "relu");
  m.output("y");
  auto r = m.import();
  INFO(r.status().message());
  REQUIRE(r.ok());
  const ir::Graph& g = *r->graph;
  CHECK(g.name() == "test_graph");
  REQUIRE(g.inputs().size() == 1);
  CHECK(g.inputs()[0]->type() == ir::TensorType{DType::F32, {2, 3}});
  REQUIRE(g.params().size() == 1);
  CHECK(g.params()[0]->name() == "w");
  CHECK(g.params()[0]->trainable());
  CHECK(opNames(g) == std::vector<std::string>{"Add", "Relu"});
  CHECK(g.nodes()[0]->name() == "add");
  REQUIRE(g.outputs().size() == 1);
  CHECK(g.outputs()[0]->name() == "y");
  CHECK(r->opsets.at("") == 13);
  CHECK(r->producer == "test");

  Tensor y = run(g, "x", Tensor::fromVector<float>({2, 3}, {0, 0, 0, -5, 5, -5}));
  CHECK(std::vector<float>(y.values<float>().begin(), y.values<float>().end()) ==
        std::vector<float>{1, 0, 3, 0, 3, 0});
}

TEST_CASE("graph inputs that are also initializers (IR version 3) are params", "[importer]") {
  ModelBuilder m(8, 3);
  m.input("x", {2});
  m.input("w", {2});
  m.initializer("w", Tensor::fromVector<float>({2}, {1, 2}));
  m.node("Mul", {"x", "w"}, {"y"});
  m.output("y");
  auto r = m.import();
  INFO(r.status().message());
  REQUIRE(r.ok());
  CHECK(r->graph->inputs().size() == 1);
  CHECK(r->graph->params().size() == 1);
}

TEST_CASE("Constant attribute forms become Constant tensors", "[importer]") {
  ModelBuilder m;
  m.constant("c_tensor", Tensor::fromVector<float>({2}, {1.5f, 2.5f}));
  attrFloat(m.node("Constant", {}, {"c_float"}), "value_float", 3.25f);
  auto* fs = m.node("Constant", {}, {"c_floats"})->add_attribute();
  fs->set_name("value_floats");
  fs->set_type(onnx::AttributeProto::FLOATS);
  fs->add_floats(1);
  fs->add_floats(2);
  attrInt(m.node("Constant", {}, {"c_int"}), "value_int", 42);
  attrInts(m.node("Constant", {}, {"c_ints"}), "value_ints", {4, 5, 6});
  for (const char* o : {"c_tensor", "c_float", "c_floats", "c_int", "c_ints"}) m.output(o);
  auto r = m.import();
  INFO(r.status().message());
  REQUIRE(r.ok());
  const auto& outs = r->graph->outputs();
  REQUIRE(outs.size() == 5);
  auto value = [&](size_t i) -> const Tensor& {
    REQUIRE(outs[i]->producer());
    REQUIRE(outs[i]->producer()->opName() == "Constant");
    return outs[i]->producer()->attr("value")->asTensor();
  };
  CHECK(value(0).identical(Tensor::fromVector<float>({2}, {1.5f, 2.5f})));
  CHECK(value(1).identical(Tensor::scalar<float>(3.25f)));
  CHECK(value(2).identical(Tensor::fromVector<float>({2}, {1, 2})));
  CHECK(value(3).identical(Tensor::scalar<int64_t>(42)));
  CHECK(value(4).identical(i64s({4, 5, 6})));

  ModelBuilder bad;
  auto* a = bad.node("Constant", {}, {"s"}, "str")->add_attribute();
  a->set_name("value_string");
  a->set_type(onnx::AttributeProto::STRING);
  a->set_s("hi");
  bad.output("s");
  auto rb = bad.import();
  REQUIRE_FALSE(rb.ok());
  CHECK(rb.status().kind() == ErrorKind::Unsupported);
  CHECK_THAT(rb.status().message(), Catch::Contains("value_string"));
}

TEST_CASE("ReduceSum: axes attribute before opset 13, input from 13", "[importer][opset]") {
  Tensor x = randomTensor({2, 3, 4});
  auto build = [&](int64_t opset) {
    ModelBuilder m(opset);
    m.input("x", {2, 3, 4});
    onnx::NodeProto* n;
    if (opset < 13) {
      n = m.node("ReduceSum", {"x"}, {"y"}, "sum");
      attrInts(n, "axes", {1});
    } else {
      m.constant("axes", i64s({1}));
      n = m.node("ReduceSum", {"x", "axes"}, {"y"}, "sum");
    }
    attrInt(n, "keepdims", 0);
    m.output("y");
    return m;
  };
  auto r11 = build(11).import();
  auto r13 = build(13).import();
  INFO(r11.status().message() << r13.status().message());
  REQUIRE(r11.ok());
  REQUIRE(r13.ok());
  for (const auto* r : {&*r11, &*r13}) {
    const ir::Node& n = *r->graph->nodes().back();
    CHECK(n.opName() == "ReduceSum");
    CHECK(n.getInts("axes") == std::vector<int64_t>{1});
    CHECK(n.result()->shape() == Shape{2, 4});
  }
  Tensor y11 = run(*r11->graph, "x", x), y13 = run(*r13->graph, "x", x);
  CHECK(y11.identical(y13));
  double s = 0;
  for (int j = 0; j < 3; ++j) s += x.data<float>()[j * 4];
  CHECK(y11.data<float>()[0] == Approx(s));

  SECTION("axes computed at run time are an Unsupported error naming the node") {
    ModelBuilder m(13);
    m.input("x", {2, 3, 4});
    m.input("axes", {1}, onnx::TensorProto::INT64);
    m.node("ReduceSum", {"x", "axes"}, {"y"}, "dyn_sum");
    m.output("y");
    auto r = m.import();
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().kind() == ErrorKind::Unsupported);
    CHECK_THAT(r.status().message(), Catch::Contains("ReduceSum 'dyn_sum'") && Catch::Contains("axes"));
  }
}

TEST_CASE("Softmax: opset 11 coerces to 2-D at axis, opset 13 normalizes one axis", "[importer][opset]") {
  Tensor x = randomTensor({2, 3, 4}, 7);
  auto build = [&](int64_t opset) {
    ModelBuilder m(opset);
    m.input("x", {2, 3, 4});
    attrInt(m.node("Softmax", {"x"}, {"y"}, "sm"), "axis", 1);
    m.output("y");
    return m.import();
  };
  auto r11 = build(11);
  auto r13 = build(13);
  INFO(r11.status().message() << r13.status().message());
  REQUIRE(r11.ok());
  REQUIRE(r13.ok());
  CHECK(opNames(*r11->graph) == std::vector<std::string>{"Flatten", "Softmax", "Reshape"});
  CHECK(opNames(*r13->graph) == std::vector<std::string>{"Softmax"});
  CHECK(r11->graph->outputs()[0]->name() == "y");
  CHECK(r11->graph->outputs()[0]->shape() == Shape{2, 3, 4});

  Tensor y11 = run(*r11->graph, "x", x), y13 = run(*r13->graph, "x", x);
  for (int b = 0; b < 2; ++b) {
    // opset 11: each batch row of 3*4 values sums to 1.
    double rowSum = 0;
    for (int k = 0; k < 12; ++k) rowSum += y11.data<float>()[b * 12 + k];
    CHECK(rowSum == Approx(1.0));
    // opset 13: each column along axis 1 sums to 1.
    for (int k = 0; k < 4; ++k) {
      double colSum = 0;
      for (int j = 0; j < 3; ++j) colSum += y13.data<float>()[b * 12 + j * 4 + k];
      CHECK(colSum == Approx(1.0));
    }
  }

  SECTION("opset 11 with the default axis 1 on 2-D input is a plain Softmax") {
    ModelBuilder m(11);
    m.input("x", {2, 5});
    m.node("Softmax", {"x"}, {"y"});
    m.output("y");
    auto r = m.import();
    REQUIRE(r.ok());
    CHECK(opNames(*r->graph) == std::vector<std::string>{"Softmax"});
    CHECK(r->graph->nodes()[0]->getInt("axis") == -1);
  }
}

TEST_CASE("symbolic input dims are bound from --shape and --batch", "[importer][shapes]") {
  auto model = [] {
    ModelBuilder m;
    m.input("x", {std::string("N"), 4});
    m.input("z", {std::string("N"), std::string("M")});
    m.node("ReduceSum", {"z"}, {"zs"});
    m.node("Add", {"x", "zs"}, {"y"});
    m.output("y");
    return m;
  };

  SECTION("--shape for both inputs") {
    ImportOptions o;
    o.inputShapes["x"] = {3, 4};
    o.inputShapes["z"] = {3, 1};
    auto r = model().import(o);
    INFO(r.status().message());
    REQUIRE(r.ok());
    CHECK(r->graph->inputs()[0]->shape() == Shape{3, 4});
    CHECK(r->graph->inputs()[1]->shape() == Shape{3, 1});
    CHECK(r->boundDims == std::map<std::string, int64_t>{{"N", 3}, {"M", 1}});
  }
  SECTION("--batch binds N everywhere; M stays unbound and is named") {
    ImportOptions o;
    o.batch = 2;
    auto r = model().import(o);
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().kind() == ErrorKind::InvalidInput);
    CHECK_THAT(r.status().message(), Catch::Contains("input 'z' dim 1 ('M') is unbound"));
    CHECK_THAT(r.status().message(), !Catch::Contains("dim 0"));
    CHECK_THAT(r.status().message(), Catch::Contains("--shape") && Catch::Contains("--batch"));
  }
  SECTION("a symbol bound by one input's shape binds the other's") {
    ImportOptions o;
    o.inputShapes["z"] = {5, 1};
    auto r = model().import(o);
    INFO(r.status().message());
    REQUIRE(r.ok());
    CHECK(r->graph->inputs()[0]->shape() == Shape{5, 4});
  }
  SECTION("nothing bound: every unbound dim in one error") {
    auto r = model().import();
    REQUIRE_FALSE(r.ok());
    const std::string& msg = r.status().message();
    CHECK_THAT(msg, Catch::Contains("input 'x' dim 0 ('N') is unbound"));
    CHECK_THAT(msg, Catch::Contains("input 'z' dim 0 ('N') is unbound"));
    CHECK_THAT(msg, Catch::Contains("input 'z' dim 1 ('M') is unbound"));
  }
  SECTION("a shape that contradicts a static dim names the input and both shapes") {
    ImportOptions o;
    o.inputShapes["x"] = {3, 5};
    o.inputShapes["z"] = {3, 1};
    auto r = model().import(o);
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.status().message(), Catch::Contains("input 'x'") && Catch::Contains("[N,4]") &&
                                         Catch::Contains("[3,5]"));
  }
  SECTION("a rank mismatch is an error") {
    ImportOptions o;
    o.inputShapes["x"] = {3, 4, 1};
    o.batch = 3;
    auto r = model().import(o);
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.status().message(), Catch::Contains("rank 2") && Catch::Contains("rank 3"));
  }
  SECTION("one symbol with two values is an error") {
    ImportOptions o;
    o.inputShapes["x"] = {3, 4};
    o.inputShapes["z"] = {2, 1};
    auto r = model().import(o);
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.status().message(), Catch::Contains("symbol 'N'"));
  }
  SECTION("--shape naming no input lists the inputs") {
    ImportOptions o;
    o.inputShapes["nope"] = {1};
    auto r = model().import(o);
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.status().message(), Catch::Contains("'nope'") && Catch::Contains("'x', 'z'"));
  }
  SECTION("--batch binds an unnamed leading dim") {
    ModelBuilder m;
    m.input("x", {-1, 4});
    m.node("Relu", {"x"}, {"y"});
    m.output("y");
    ImportOptions o;
    o.batch = 7;
    auto r = m.import(o);
    INFO(r.status().message());
    REQUIRE(r.ok());
    CHECK(r->graph->inputs()[0]->shape() == Shape{7, 4});
    auto unbound = m.import();
    REQUIRE_FALSE(unbound.ok());
    CHECK_THAT(unbound.status().message(), Catch::Contains("input 'x' dim 0 (unnamed) is unbound"));
  }
}

TEST_CASE("every unsupported op is reported at once", "[importer]") {
  ModelBuilder m;
  m.opset("com.example", 1);
  m.input("x", {2});
  m.node("FancyOp", {"x"}, {"a"}, "f1");
  m.node("Relu", {"a"}, {"b"}, "ok");
  m.node("FancyOp", {"b"}, {"c"}, "f2");
  m.node("OtherOp", {"c"}, {"d"});
  m.node("Custom", {"d"}, {"y"}, "cust", "com.example");
  m.output("y");
  auto r = m.import();
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().kind() == ErrorKind::Unsupported);
  const std::string& msg = r.status().message();
  INFO(msg);
  CHECK_THAT(msg, Catch::Contains("3 unsupported operators"));
  CHECK_THAT(msg, Catch::Contains("FancyOp (ai.onnx opset 13): nodes 'f1', 'f2'"));
  CHECK_THAT(msg, Catch::Contains("OtherOp (ai.onnx opset 13): node #3"));
  CHECK_THAT(msg, Catch::Contains("Custom (com.example opset 1): node 'cust'"));
  CHECK_THAT(msg, !Catch::Contains("Relu"));
}

TEST_CASE("corrupt and truncated files are InvalidInput naming the file", "[importer]") {
  ModelBuilder m;
  m.input("x", {2});
  m.initializer("w", randomTensor({64}));
  m.node("Relu", {"x"}, {"y"});
  m.output("y");
  std::string bytes = m.bytes();
  for (size_t cut : {bytes.size() / 2, bytes.size() - 1, size_t{3}}) {
    auto r = importOnnxBytes(std::string_view(bytes).substr(0, cut), "", "broken.onnx", {});
    REQUIRE_FALSE(r.ok());
    CHECK(r.status().kind() == ErrorKind::InvalidInput);
    CHECK_THAT(r.status().message(), Catch::Contains("broken.onnx"));
  }
  std::string garbage(200, '\xff');
  auto g = importOnnxBytes(garbage, "", "garbage.onnx", {});
  REQUIRE_FALSE(g.ok());
  CHECK_THAT(g.status().message(), Catch::Contains("garbage.onnx"));
  auto missing = importOnnxFile("/nonexistent/model.onnx", {});
  REQUIRE_FALSE(missing.ok());
  CHECK_THAT(missing.status().message(), Catch::Contains("/nonexistent/model.onnx"));
}

TEST_CASE("Shape -> Gather -> Unsqueeze -> Concat -> Reshape folds to a static shape", "[importer][fold]") {
  ModelBuilder m(13);
  m.input("x", {std::string("N"), 8, 16});
  m.initializer("w", randomTensor({16, 16}));
  m.node("MatMul", {"x", "w"}, {"h"}, "mm");
  m.node("Shape", {"h"}, {"s"});
  m.constant("i0", Tensor::scalar<int64_t>(0));
  m.constant("i1", Tensor::scalar<int64_t>(1));
  m.node("Gather", {"s", "i0"}, {"n"});
  m.node("Gather", {"s", "i1"}, {"t"});
  m.node("Mul", {"n", "t"}, {"nt"});
  // An integer initializer is a constant too (PyTorch's constant folding
  // writes them).
  m.initializer("ax0", i64s({0}));
  m.node("Unsqueeze", {"nt", "ax0"}, {"nt1"});
  m.constant("minus1", i64s({-1}));
  m.node("Concat", {"nt1", "minus1"}, {"shape"});
  attrInt(m.g()->mutable_node(m.g()->node_size() - 1), "axis", 0);
  m.node("Reshape", {"h", "shape"}, {"y"}, "flat");
  m.output("y");
  ImportOptions o;
  o.batch = 3;
  auto r = m.import(o);
  INFO(r.status().message());
  REQUIRE(r.ok());
  const ir::Graph& g = *r->graph;
  // The weight is not folded into anything; the shape arithmetic is gone.
  CHECK(opNames(g) == std::vector<std::string>{"MatMul", "Reshape"});
  CHECK(g.nodes()[1]->getInts("shape") == std::vector<int64_t>{24, -1});
  CHECK(g.outputs()[0]->shape() == Shape{24, 16});
  REQUIRE(g.params().size() == 1);
  CHECK(g.params()[0]->name() == "w");
  CHECK(r->boundDims.at("N") == 3);
}

TEST_CASE("constant subgraphs fold, trainable params do not", "[importer][fold]") {
  ModelBuilder m(13);
  m.input("x", {2});
  m.constant("a", Tensor::fromVector<float>({2}, {1, 2}));
  m.constant("b", Tensor::fromVector<float>({2}, {10, 20}));
  m.node("Add", {"a", "b"}, {"ab"}, "const_add");
  m.initializer("w", Tensor::fromVector<float>({2}, {1, 1}));
  m.node("Mul", {"ab", "w"}, {"abw"}, "param_mul");
  m.node("Add", {"x", "abw"}, {"y"});
  m.output("y");
  auto r = m.import();
  INFO(r.status().message());
  REQUIRE(r.ok());
  CHECK(opNames(*r->graph) == std::vector<std::string>{"Constant", "Mul", "Add"});
  const ir::Value* ab = r->graph->findValue("ab");
  REQUIRE(ab);
  CHECK(ab->producer()->attr("value")->asTensor().identical(Tensor::fromVector<float>({2}, {11, 22})));
  Tensor y = run(*r->graph, "x", Tensor::fromVector<float>({2}, {0.5f, 0.5f}));
  CHECK(y.data<float>()[1] == 22.5f);
}

TEST_CASE("operand-less nodes (ConstantOfShape) fold into their users", "[importer][fold]") {
  // The pattern of ONNX's own function expansions (LayerNormalization):
  // Shape -> Slice, ConstantOfShape -> Concat -> Reshape.
  ModelBuilder m(17);
  m.input("x", {2, 3});
  m.node("Shape", {"x"}, {"s"});
  m.constant("zero", i64s({0}));
  m.constant("one", i64s({1}));
  m.node("Slice", {"s", "zero", "one"}, {"prefix"});
  auto* cos = m.node("ConstantOfShape", {"one"}, {"suffix"});
  auto* v = cos->add_attribute();
  v->set_name("value");
  v->set_type(onnx::AttributeProto::TENSOR);
  setTensor(v->mutable_t(), "", i64s({3}));
  attrInt(m.node("Concat", {"prefix", "suffix"}, {"shape"}), "axis", 0);
  m.node("Reshape", {"x", "shape"}, {"y"});
  m.node("ConstantOfShape", {"one"}, {"z"});  // a graph output: stays a node
  m.output("y");
  m.output("z");
  auto r = m.import();
  INFO(r.status().message());
  REQUIRE(r.ok());
  CHECK(opNames(*r->graph) == std::vector<std::string>{"Reshape", "ConstantOfShape"});
  CHECK(r->graph->nodes()[0]->getInts("shape") == std::vector<int64_t>{2, 3});
}

TEST_CASE("constantInputs turn graph inputs into Constants", "[importer]") {
  auto model = [] {
    ModelBuilder m(13);
    m.input("x", {2, 3});
    m.input("s", {2}, onnx::TensorProto::INT64);
    m.node("Reshape", {"x", "s"}, {"y"}, "reshape");
    m.output("y");
    return m;
  };
  ImportOptions o;
  o.constantInputs["s"] = i64s({3, 2});
  auto r = model().import(o);
  INFO(r.status().message());
  REQUIRE(r.ok());
  REQUIRE(r->graph->inputs().size() == 1);
  CHECK(r->graph->inputs()[0]->name() == "x");
  CHECK(r->graph->nodes().back()->getInts("shape") == std::vector<int64_t>{3, 2});

  ImportOptions wrong;
  wrong.constantInputs["s"] = Tensor::fromVector<int32_t>({2}, {3, 2});
  auto rw = model().import(wrong);
  REQUIRE_FALSE(rw.ok());
  CHECK_THAT(rw.status().message(), Catch::Contains("'s'") && Catch::Contains("i32"));
}

TEST_CASE("a shape input computed at run time is Unsupported naming the node", "[importer]") {
  ModelBuilder m(13);
  m.input("x", {2, 3});
  m.input("s", {2}, onnx::TensorProto::INT64);
  m.node("Reshape", {"x", "s"}, {"y"}, "dyn_reshape");
  m.output("y");
  auto r = m.import();
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().kind() == ErrorKind::Unsupported);
  CHECK_THAT(r.status().message(), Catch::Contains("Reshape 'dyn_reshape'") && Catch::Contains("shape"));
}

TEST_CASE("Dropout imports for inference: identity, all-true mask, training is Unsupported", "[importer]") {
  ModelBuilder m(13);
  m.input("x", {4});
  m.constant("ratio", Tensor::scalar<float>(0.25f));
  m.node("Dropout", {"x", "ratio"}, {"y", "mask_unused"}, "drop");
  m.output("y");
  auto r = m.import();
  INFO(r.status().message());
  REQUIRE(r.ok());
  CHECK(r->graph->nodes().back()->opName() == "Dropout");
  Tensor x = randomTensor({4});
  CHECK(run(*r->graph, "x", x).identical(x));

  ModelBuilder m2(13);
  m2.input("x", {2, 2});
  m2.node("Dropout", {"x"}, {"y", "mask"}, "drop");
  m2.output("mask");
  auto r2 = m2.import();
  INFO(r2.status().message());
  REQUIRE(r2.ok());
  CHECK(run(*r2->graph, "x", randomTensor({2, 2})).identical(Tensor::fromVector<bool>({2, 2}, {1, 1, 1, 1})));

  ModelBuilder m3(13);
  m3.input("x", {4});
  m3.constant("training", Tensor::scalar<bool>(true));
  m3.node("Dropout", {"x", "", "training"}, {"y"}, "drop");
  m3.output("y");
  auto r3 = m3.import();
  REQUIRE_FALSE(r3.ok());
  CHECK(r3.status().kind() == ErrorKind::Unsupported);
  CHECK_THAT(r3.status().message(), Catch::Contains("training"));
}

TEST_CASE("Cast's type code becomes a dtype name, Squeeze/Unsqueeze axes by opset", "[importer][opset]") {
  ModelBuilder m(11);
  m.input("x", {2, 1, 3});
  attrInt(m.node("Cast", {"x"}, {"c"}), "to", onnx::TensorProto::INT64);
  attrInts(m.node("Squeeze", {"c"}, {"s"}), "axes", {1});
  attrInts(m.node("Unsqueeze", {"s"}, {"y"}), "axes", {0});
  m.output("y");
  auto r = m.import();
  INFO(r.status().message());
  REQUIRE(r.ok());
  const auto& nodes = r->graph->nodes();
  CHECK(nodes[0]->getString("to") == "i64");
  CHECK(r->graph->outputs()[0]->type() == ir::TensorType{DType::I64, {1, 2, 3}});

  ModelBuilder m13(13);
  m13.input("x", {2, 1, 3});
  m13.constant("ax", i64s({1}));
  m13.node("Squeeze", {"x", "ax"}, {"s"});
  m13.node("Unsqueeze", {"s", "ax"}, {"y"});
  m13.output("y");
  auto r13 = m13.import();
  INFO(r13.status().message());
  REQUIRE(r13.ok());
  CHECK(r13->graph->outputs()[0]->shape() == Shape{2, 1, 3});
}

TEST_CASE("nodes out of topological order are sorted, undefined names are errors", "[importer]") {
  ModelBuilder m;
  m.input("x", {2});
  m.node("Relu", {"a"}, {"y"}, "second");
  m.node("Neg", {"x"}, {"a"}, "first");
  m.output("y");
  auto r = m.import();
  INFO(r.status().message());
  REQUIRE(r.ok());
  CHECK(opNames(*r->graph) == std::vector<std::string>{"Neg", "Relu"});

  ModelBuilder bad;
  bad.input("x", {2});
  bad.node("Relu", {"ghost"}, {"y"}, "r");
  bad.output("y");
  auto rb = bad.import();
  REQUIRE_FALSE(rb.ok());
  CHECK_THAT(rb.status().message(), Catch::Contains("ghost"));
}

TEST_CASE("a repeated attribute name is InvalidInput naming the node and attribute", "[importer]") {
  // Handlers read the first of a name and the IR kept the last: num_outputs
  // 2 passed the check against the node's two outputs, then 2^32 reached
  // the type rule (fuzz_onnx, an out-of-memory in CI).
  ModelBuilder m(18);
  m.input("x", {4});
  onnx::NodeProto* n = m.node("Split", {"x"}, {"a", "b"}, "halves");
  attrInt(n, "num_outputs", 2);
  attrInt(n, "num_outputs", int64_t{1} << 32);
  m.output("a");
  auto r = m.import();
  REQUIRE_FALSE(r.ok());
  CHECK(r.status().kind() == ErrorKind::InvalidInput);
  CHECK_THAT(r.status().message(), Catch::Contains("Split 'halves'") && Catch::Contains("'num_outputs' appears twice"));
}

TEST_CASE("Split's sizes must match its outputs, and opsets start at 1", "[importer]") {
  // Three sizes on a two-output node (opset 11: sizes are an attribute;
  // 13: an input). A list of 65,536 made that many results (fuzz_onnx).
  ModelBuilder a(11);
  a.input("x", {6});
  onnx::NodeProto* n = a.node("Split", {"x"}, {"p", "q"}, "parts");
  attrInts(n, "split", {2, 2, 2});
  a.output("p");
  auto ra = a.import();
  REQUIRE_FALSE(ra.ok());
  CHECK_THAT(ra.status().message(), Catch::Contains("Split 'parts'") && Catch::Contains("3 sizes") &&
                                        Catch::Contains("2 outputs"));
  ModelBuilder b(13);
  b.input("x", {6});
  b.initializer("s", Tensor::fromVector<int64_t>({3}, {2, 2, 2}));
  b.node("Split", {"x", "s"}, {"p", "q"}, "parts");
  b.output("p");
  auto rb = b.import();
  REQUIRE_FALSE(rb.ok());
  CHECK_THAT(rb.status().message(), Catch::Contains("3 sizes") && Catch::Contains("2 outputs"));
  // Below version 1 no import rule applies: nodes reached the IR op unchecked.
  ModelBuilder c(-(int64_t{1} << 31));
  c.input("x", {2});
  c.node("Relu", {"x"}, {"y"});
  c.output("y");
  auto rc = c.import();
  REQUIRE_FALSE(rc.ok());
  CHECK(rc.status().kind() == ErrorKind::InvalidInput);
  CHECK_THAT(rc.status().message(), Catch::Contains("version -2147483648") && Catch::Contains("start at 1"));
}

TEST_CASE("describeOnnxInputs lists declared dims unbound", "[importer]") {
  ModelBuilder m;
  m.input("x", {std::string("N"), 3, -1});
  m.input("w", {3});
  m.initializer("w", randomTensor({3}));
  m.node("Relu", {"x"}, {"y"});
  m.output("y");
  std::string dir = tempDir("describe");
  std::string path = dir + "/m.onnx";
  {
    std::ofstream f(path, std::ios::binary);
    f << m.bytes();
  }
  auto d = describeOnnxInputs(path);
  INFO(d.status().message());
  REQUIRE(d.ok());
  REQUIRE(d->size() == 1);
  CHECK((*d)[0].name == "x");
  CHECK((*d)[0].dtype == DType::F32);
  REQUIRE((*d)[0].dims.size() == 3);
  CHECK(std::get<std::string>((*d)[0].dims[0]) == "N");
  CHECK(std::get<int64_t>((*d)[0].dims[1]) == 3);
  CHECK(std::get<std::string>((*d)[0].dims[2]).empty());
  std::filesystem::remove_all(dir);
}

TEST_CASE("mutated model bytes give errors, never crashes", "[importer][fuzz]") {
  std::ifstream f(std::string(INGOT_TEST_DATA_DIR) + "/models/attention.onnx", std::ios::binary);
  std::string original((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  REQUIRE(original.size() > 1000);
  std::mt19937 rng(1234);
  ImportOptions o;
  o.batch = 2;
  int ok = 0;
  for (int iter = 0; iter < 300; ++iter) {
    std::string bytes = original;
    int flips = 1 + static_cast<int>(rng() % 8);
    for (int k = 0; k < flips; ++k) bytes[rng() % bytes.size()] = static_cast<char>(rng());
    auto r = importOnnxBytes(bytes, "", "fuzz.onnx", o);
    if (r.ok()) ++ok;
    else CHECK_THAT(r.status().message(), Catch::Contains("fuzz.onnx"));
  }
  // Some mutations only touch weights; the model still imports.
  CHECK(ok > 0);
}
