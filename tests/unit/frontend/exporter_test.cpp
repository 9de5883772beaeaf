// The ONNX exporter: the output passes ONNX's checker, and import(export(g))
// is g again (structurally where no op is expanded, by evaluation where
// one is).
#include <catch2/catch.hpp>

#include <onnx/checker.h>

#include <cstdlib>
#include <fstream>

#include "OnnxTestUtil.h"
#include "frontend/OnnxExporter.h"
#include "frontend/OnnxImporter.h"
#include "ir/Interpreter.h"
#include "ir/OpRegistry.h"
#include "support/Npy.h"

using namespace ingot;
using namespace ingot::frontend;
using namespace ingot::frontend::testing;

namespace {

ir::Value* add(ir::Graph& g, const std::string& op, std::vector<ir::Value*> operands, ir::AttrMap attrs,
               const std::string& name) {
  const ir::OpDef* def = ir::OpRegistry::builtin().find(op);
  INFO(op);
  REQUIRE(def);
  auto n = g.addNode(*def, std::move(operands), std::move(attrs), {name}, name + "_node");
  INFO(n.status().message());
  REQUIRE(n.ok());
  return (*n)->result();
}

// Exports, checks with ONNX's own checker (C++), optionally keeps a copy
// for checking by hand (INGOT_EXPORT_DIR), and imports back.
ImportedModel roundTrip(const ir::Graph& g, const std::string& name) {
  auto bytes = exportOnnxBytes(g);
  INFO(bytes.status().message());
  REQUIRE(bytes.ok());
  onnx::ModelProto model;
  REQUIRE(model.ParseFromString(*bytes));
  CHECK(model.opset_import(0).version() == kExportOpset);
  std::string checkError;
  try {
    onnx::checker::check_model(model);
  } catch (const std::exception& e) {
    checkError = e.what();
  }
  INFO(checkError);
  CHECK(checkError.empty());
  if (const char* dir = std::getenv("INGOT_EXPORT_DIR")) {
    std::ofstream f(std::string(dir) + "/" + name + ".onnx", std::ios::binary);
    f << *bytes;
  }
  auto back = importOnnxBytes(*bytes, "", name + ".onnx", {});
  INFO(back.status().message());
  REQUIRE(back.ok());
  return std::move(back).value();
}

void checkSameStructure(const ir::Graph& a, const ir::Graph& b) {
  REQUIRE(opNames(a) == opNames(b));
  for (size_t i = 0; i < a.nodes().size(); ++i) {
    const ir::Node& x = *a.nodes()[i];
    const ir::Node& y = *b.nodes()[i];
    INFO(x.label());
    CHECK(x.name() == y.name());
    CHECK(x.attrs() == y.attrs());
    REQUIRE(x.operands().size() == y.operands().size());
    for (size_t k = 0; k < x.operands().size(); ++k)
      CHECK(x.operand(k)->name() == y.operand(k)->name());
    for (size_t k = 0; k < x.results().size(); ++k) CHECK(x.result(k)->type() == y.result(k)->type());
  }
  REQUIRE(a.params().size() == b.params().size());
  for (size_t i = 0; i < a.params().size(); ++i) {
    CHECK(a.params()[i]->name() == b.params()[i]->name());
    CHECK(a.params()[i]->paramData()->identical(*b.params()[i]->paramData()));
  }
  REQUIRE(a.outputs().size() == b.outputs().size());
  for (size_t i = 0; i < a.outputs().size(); ++i) CHECK(a.outputs()[i]->name() == b.outputs()[i]->name());
}

void checkSameResults(const ir::Graph& a, const ir::Graph& b, const std::map<std::string, Tensor, std::less<>>& in,
                      double tol) {
  auto ra = ir::interpretGraph(a, in);
  auto rb = ir::interpretGraph(b, in);
  INFO(ra.status().message() << rb.status().message());
  REQUIRE(ra.ok());
  REQUIRE(rb.ok());
  REQUIRE(ra->size() == rb->size());
  // For checking against other runtimes by hand: inputs and the original
  // graph's outputs next to the exported model.
  if (const char* dir = std::getenv("INGOT_EXPORT_DIR")) {
    for (const auto& [name, t] : in) (void)writeNpyFile(fmt::format("{}/{}.in.{}.npy", dir, a.name(), name), t);
    for (size_t i = 0; i < ra->size(); ++i)
      (void)writeNpyFile(fmt::format("{}/{}.out.{}.npy", dir, a.name(), i), (*ra)[i]);
  }
  for (size_t i = 0; i < ra->size(); ++i) {
    INFO("output " << i);
    CHECK(firstMismatch((*rb)[i], (*ra)[i], tol) == -1);
  }
}

}  // namespace

TEST_CASE("shape-like attributes round-trip through opset-17 inputs", "[exporter]") {
  ir::Graph g("shapes");
  ir::Value* x = *g.addInput("x", {DType::F32, {2, 3, 4}});
  ir::Value* w = *g.addParam("w", randomTensor({4, 3}, 3));
  ir::Value* r = add(g, "Reshape", {x}, {{"shape", std::vector<int64_t>{6, -1}}}, "r");
  ir::Value* rs = add(g, "ReduceSum", {r}, {{"axes", std::vector<int64_t>{1}}, {"keepdims", int64_t{1}}}, "rs");
  ir::Value* rm = add(g, "ReduceMean", {r}, {{"axes", std::vector<int64_t>{0}}, {"keepdims", int64_t{0}}}, "rm");
  ir::Value* rmax = add(g, "ReduceMax", {r}, {}, "rmax");
  ir::Value* u = add(g, "Unsqueeze", {rm}, {{"axes", std::vector<int64_t>{0}}}, "u");
  ir::Value* sq = add(g, "Squeeze", {u}, {{"axes", std::vector<int64_t>{0}}}, "sq");
  ir::Value* sl = add(g, "Slice", {r},
                      {{"starts", std::vector<int64_t>{1}}, {"ends", std::vector<int64_t>{5}},
                       {"axes", std::vector<int64_t>{0}}, {"steps", std::vector<int64_t>{2}}},
                      "sl");
  ir::Value* e = add(g, "Expand", {sq}, {{"shape", std::vector<int64_t>{2, 4}}}, "e");
  ir::Value* c = add(g, "Cast", {e}, {{"to", "f64"}}, "c");
  ir::Value* c2 = add(g, "Cast", {c}, {{"to", "f32"}}, "c2");
  ir::Value* a = add(g, "Add", {sl, c2}, {}, "a");
  ir::Value* t = add(g, "Tile", {a}, {{"repeats", std::vector<int64_t>{1, 2}}}, "t");
  ir::Value* sm = add(g, "Softmax", {a}, {{"axis", int64_t{0}}}, "sm");
  ir::Value* mm = add(g, "MatMul", {sm, w}, {}, "mm");
  ir::Value* cst = add(g, "Constant", {}, {{"value", Tensor::fromVector<float>({3}, {1, 2, 3})}}, "cst");
  ir::Value* out = add(g, "Add", {mm, cst}, {}, "out");
  ir::Value* fl = add(g, "Flatten", {x}, {{"axis", int64_t{2}}}, "fl");
  g.setOutputs({out, rs, t, rmax, fl});

  ImportedModel back = roundTrip(g, "shapes");
  checkSameStructure(g, *back.graph);
  checkSameResults(g, *back.graph, {{"x", randomTensor({2, 3, 4}, 9)}}, 0);
}

TEST_CASE("Gelu exports as its erf / tanh expansion", "[exporter]") {
  ir::Graph g("gelu");
  ir::Value* x = *g.addInput("x", {DType::F32, {3, 5}});
  ir::Value* y = add(g, "Gelu", {x}, {}, "y");
  ir::Value* z = add(g, "Gelu", {x}, {{"approximate", "tanh"}}, "z");
  ir::Value* d = add(g, "Dropout", {x}, {}, "d");
  g.setOutputs({y, z, d, y});

  ImportedModel back = roundTrip(g, "gelu");
  auto ops = opNames(*back.graph);
  CHECK(std::find(ops.begin(), ops.end(), "Gelu") == ops.end());
  CHECK(std::find(ops.begin(), ops.end(), "Erf") != ops.end());
  CHECK(std::find(ops.begin(), ops.end(), "Tanh") != ops.end());
  REQUIRE(back.graph->outputs().size() == 4);
  CHECK(back.graph->outputs()[0]->name() == "y");
  CHECK(back.graph->outputs()[1]->name() == "z");
  checkSameResults(g, *back.graph, {{"x", randomTensor({3, 5}, 4)}}, 1e-6);
}

TEST_CASE("the PyTorch fixtures round-trip", "[exporter][fixtures]") {
  for (const char* name : {"mlp", "gelu_mlp", "attention"}) {
    INFO(name);
    std::string base = std::string(INGOT_TEST_DATA_DIR) + "/models/" + name;
    auto input = readNpyFile(base + ".input.npy");
    REQUIRE(input.ok());
    ImportOptions opts;
    opts.inputShapes["x"] = input->shape();
    auto first = importOnnxFile(base + ".onnx", opts);
    INFO(first.status().message());
    REQUIRE(first.ok());
    ImportedModel back = roundTrip(*first->graph, name);
    checkSameStructure(*first->graph, *back.graph);
    checkSameResults(*first->graph, *back.graph, {{"x", *input}}, 0);
  }
}

TEST_CASE("outputs that are inputs or params, optional operands and empty axes export", "[exporter]") {
  ir::Graph g("edges");
  ir::Value* x = *g.addInput("x", {DType::F32, {2, 1, 3}});
  ir::Value* w = *g.addParam("w", randomTensor({3}, 5));
  ir::Value* hi = add(g, "Constant", {}, {{"value", Tensor::scalar<float>(0.5f)}}, "hi");
  ir::Value* clip = add(g, "Clip", {x, nullptr, hi}, {}, "clip");
  ir::Value* sq = add(g, "Squeeze", {clip}, {}, "sq");
  ir::Value* all = add(g, "ReduceSum", {sq}, {{"keepdims", int64_t{0}}}, "all");
  ir::Value* noop = add(g, "ReduceSum", {sq}, {{"noop_with_empty_axes", int64_t{1}}}, "noop");
  ir::Value* mean = add(g, "ReduceMean", {sq}, {{"noop_with_empty_axes", int64_t{1}}}, "mean");
  g.setOutputs({x, w, sq, all, noop, mean});
  ImportedModel back = roundTrip(g, "edges");
  REQUIRE(back.graph->outputs().size() == 6);
  CHECK(back.graph->outputs()[0]->name() == "x");
  CHECK(back.graph->outputs()[1]->name() == "w");
  CHECK(back.graph->outputs()[3]->shape() == Shape{});
  CHECK(back.graph->outputs()[4]->shape() == Shape{2, 3});
  checkSameResults(g, *back.graph, {{"x", randomTensor({2, 1, 3}, 6)}}, 0);
}

TEST_CASE("ops without an opset-17 form are all reported", "[exporter]") {
  ir::Graph g("mish");
  ir::Value* x = *g.addInput("x", {DType::F32, {4}});
  ir::Value* m = add(g, "Mish", {x}, {}, "m");
  g.setOutputs({m});
  auto bytes = exportOnnxBytes(g);
  REQUIRE_FALSE(bytes.ok());
  CHECK(bytes.status().kind() == ErrorKind::Unsupported);
  CHECK_THAT(bytes.status().message(), Catch::Contains("Mish") && Catch::Contains("opset 17"));
}

TEST_CASE("a graph with state updates (a training step) is refused, not exported without them", "[exporter]") {
  ir::Graph g("step");
  ir::Value* x = *g.addInput("x", {DType::F32, {2}});
  ir::Value* w = *g.addParam("w", Tensor::fromVector<float>({2}, {1, 2}));
  ir::Value* next = add(g, "Add", {w, x}, {}, "w_next");
  g.setOutputs({next});
  REQUIRE(g.addStateUpdate(w, next).isOk());
  auto bytes = exportOnnxBytes(g);
  REQUIRE_FALSE(bytes.ok());
  CHECK(bytes.status().kind() == ErrorKind::Unsupported);
  CHECK_THAT(bytes.status().message(), Catch::Contains("updates 1 parameters") && Catch::Contains("inference model"));
}
