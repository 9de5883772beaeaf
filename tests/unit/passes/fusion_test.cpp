// The fusion pass on the PyTorch fixtures and on graphs built here: the
// issue's acceptance case (the MLP 784 -> 128 ReLU -> 10 Softmax becomes two
// dense kernels and the softmax), the report's reasons, fused graphs compute
// what the unfused ones do, and unfusing gives the original graph back.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>

#include "frontend/OnnxExporter.h"
#include "frontend/OnnxImporter.h"
#include "ir/DotPrinter.h"
#include "ir/Interpreter.h"
#include "ir/TextParser.h"
#include "ir/TextPrinter.h"
#include "ir/Verifier.h"
#include "passes/Fusion.h"
#include "passes/PassManager.h"
#include "passes/Unfuse.h"
#include "support/Npy.h"

using namespace ingot;

namespace {

const std::string kModels = std::string(INGOT_TEST_DATA_DIR) + "/models/";

struct Fixture {
  std::unique_ptr<ir::Graph> graph;  // imported, standard pipeline applied
  Tensor input;
};

Fixture optimized(const std::string& name) {
  auto input = readNpyFile(kModels + name + ".input.npy");
  REQUIRE(input.ok());
  frontend::ImportOptions opts;
  opts.batch = input->shape().at(0);
  auto m = frontend::importOnnxFile(kModels + name + ".onnx", opts);
  INFO(m.status().message());
  REQUIRE(m.ok());
  passes::PassManager pm;
  REQUIRE(pm.addStandardPipeline().isOk());
  auto changed = pm.run(*m->graph);
  INFO(changed.status().message());
  REQUIRE(changed.ok());
  return {std::move(m->graph), std::move(input).value()};
}

std::vector<const passes::FusionKernel*> kernelsOnly(const passes::FusionReport& r) {
  std::vector<const passes::FusionKernel*> out;
  for (const auto& k : r.kernels)
    if (!k.isConstant()) out.push_back(&k);
  return out;
}

bool anyReasonContains(const passes::FusionKernel& k, const std::string& text) {
  return std::any_of(k.reasons.begin(), k.reasons.end(),
                     [&](const std::string& r) { return r.find(text) != std::string::npos; });
}

void checkSameOutputs(const ir::Graph& a, const ir::Graph& b, const std::map<std::string, Tensor, std::less<>>& in,
                      double relTol) {
  auto ra = ir::interpretGraph(a, in);
  auto rb = ir::interpretGraph(b, in);
  INFO(ra.status().message() << rb.status().message());
  REQUIRE(ra.ok());
  REQUIRE(rb.ok());
  REQUIRE(ra->size() == rb->size());
  for (size_t i = 0; i < ra->size(); ++i) {
    const Tensor &x = (*ra)[i], &y = (*rb)[i];
    REQUIRE(x.shape() == y.shape());
    for (int64_t e = 0; e < x.numElements(); ++e) {
      double u = x.elementAsDouble(e), v = y.elementAsDouble(e);
      INFO("output " << i << " element " << e);
      CHECK(std::fabs(u - v) <= relTol * std::max(std::fabs(u), std::fabs(v)));
    }
  }
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

}  // namespace

TEST_CASE("fusion: the MLP becomes two dense kernels and the softmax", "[fusion][acceptance]") {
  Fixture f = optimized("mlp");
  std::unique_ptr<ir::Graph> fused = f.graph->clone();
  auto report = passes::fuseGraph(*fused);
  INFO(report.status().message());
  REQUIRE(report.ok());
  INFO(passes::formatFusionReport(*report));
  REQUIRE(ir::verifyGraph(*fused).isOk());

  // Gemm + Relu fused; the second Gemm (its bias is Gemm's C) and the
  // Softmax are kernels of their own: 3 kernels, no more.
  auto kernels = kernelsOnly(*report);
  REQUIRE(kernels.size() == 3);
  CHECK(report->numKernels() == 3);
  CHECK(report->numFusedGroups() == 1);
  CHECK(kernels[0]->fused);
  CHECK(kernels[0]->kind == "dense");
  CHECK(kernels[0]->ops == std::vector<std::string>{"Gemm", "Relu"});
  CHECK_FALSE(kernels[1]->fused);
  CHECK(kernels[1]->kind == "dense");
  CHECK(kernels[1]->ops == std::vector<std::string>{"Gemm"});
  CHECK(anyReasonContains(*kernels[1], "would put two contractions in one group"));
  CHECK(anyReasonContains(*kernels[1], "a reduction joins only elementwise producers"));
  CHECK(kernels[2]->kind == "reduction");
  CHECK(kernels[2]->ops == std::vector<std::string>{"Softmax"});

  // The IR shows it: one Fused node whose body holds the first layer.
  REQUIRE(fused->nodes().size() == 3);
  const ir::Node& first = *fused->nodes()[0];
  REQUIRE(first.body() != nullptr);
  CHECK(first.getString("kind") == "dense");
  REQUIRE(first.body()->nodes().size() == 2);
  CHECK(first.body()->nodes()[0]->opName() == "Gemm");
  CHECK(first.body()->nodes()[1]->opName() == "Relu");
  CHECK(first.operands().size() == 3);  // x, weight, bias
  CHECK(fused->nodes()[1]->opName() == "Gemm");
  CHECK(fused->nodes()[2]->opName() == "Softmax");
  CHECK(fused->outputs()[0]->name() == f.graph->outputs()[0]->name());

  // Same numbers (the body runs the same kernels: bit-identical).
  const std::string in = f.graph->inputs()[0]->name();
  checkSameOutputs(*f.graph, *fused, {{in, f.input}}, 0.0);

  const std::string text = passes::formatFusionReport(*report);
  CHECK_THAT(text, Catch::StartsWith("fusion: 4 nodes -> 3 kernels (1 fused group, 2 single ops)\n"
                                     "kernel 1: fused dense group -> %\"/Relu_output_0\": Gemm '/fc1/Gemm'"));
  CHECK_THAT(text, Catch::Contains("kernel 2: Gemm '/fc2/Gemm' (-> %\"/fc2/Gemm_output_0\") alone (dense)"));
  CHECK_THAT(text, Catch::Contains("kernel 3: Softmax '/Softmax' (-> %y) alone (reduction)"));
}

TEST_CASE("fusion: gelu_mlp fuses each dense layer with its activation and scaling", "[fusion]") {
  Fixture f = optimized("gelu_mlp");
  std::unique_ptr<ir::Graph> fused = f.graph->clone();
  auto report = passes::fuseGraph(*fused);
  REQUIRE(report.ok());
  INFO(passes::formatFusionReport(*report));
  REQUIRE(ir::verifyGraph(*fused).isOk());
  auto kernels = kernelsOnly(*report);
  // Gemm+Gelu, Gemm+Tanh, Gemm+Sigmoid+Mul(4), LogSoftmax.
  REQUIRE(kernels.size() == 4);
  CHECK(kernels[0]->ops == std::vector<std::string>{"Gemm", "Gelu"});
  CHECK(kernels[1]->ops == std::vector<std::string>{"Gemm", "Tanh"});
  CHECK(kernels[2]->ops == std::vector<std::string>{"Gemm", "Sigmoid", "Mul"});
  CHECK(kernels[3]->ops == std::vector<std::string>{"LogSoftmax"});
  for (int i = 0; i < 3; ++i) CHECK(kernels[i]->kind == "dense");
  const std::string in = f.graph->inputs()[0]->name();
  checkSameOutputs(*f.graph, *fused, {{in, f.input}}, 0.0);
}

TEST_CASE("fusion: attention keeps its numbers and never fuses two contractions", "[fusion]") {
  Fixture f = optimized("attention");
  std::unique_ptr<ir::Graph> fused = f.graph->clone();
  auto report = passes::fuseGraph(*fused);
  REQUIRE(report.ok());
  INFO(passes::formatFusionReport(*report));
  REQUIRE(ir::verifyGraph(*fused).isOk());
  for (const auto& k : report->kernels)
    CHECK(std::count_if(k.ops.begin(), k.ops.end(), [](const std::string& op) {
            return op == "MatMul" || op == "Gemm";
          }) <= 1);
  CHECK(report->numFusedGroups() >= 2);
  CHECK(report->numKernels() < f.graph->nodes().size());
  const std::string in = f.graph->inputs()[0]->name();
  checkSameOutputs(*f.graph, *fused, {{in, f.input}}, 0.0);
}

TEST_CASE("fusion: unfuse inlines bodies back to the original graph", "[fusion][unfuse]") {
  for (const char* name : {"mlp", "gelu_mlp", "attention"}) {
    INFO(name);
    Fixture f = optimized(name);
    const std::vector<std::string> original = sortedStatements(*f.graph);
    std::unique_ptr<ir::Graph> g = f.graph->clone();
    auto report = passes::fuseGraph(*g);
    REQUIRE(report.ok());
    const size_t groups = report->numFusedGroups();
    REQUIRE(groups > 0);
    // The exporter refuses fused nodes with a clear message...
    auto refused = frontend::exportOnnxBytes(*g);
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.status().kind() == ErrorKind::Unsupported);
    CHECK_THAT(refused.status().message(), Catch::Contains("a fused group cannot be exported to ONNX"));
    // ...and exports after unfusing, which restores the graph's statements.
    auto inlined = passes::unfuseGraph(*g);
    REQUIRE(inlined.ok());
    CHECK(*inlined == groups);
    REQUIRE(ir::verifyGraph(*g).isOk());
    CHECK(sortedStatements(*g) == original);
    CHECK(frontend::exportOnnxBytes(*g).ok());
  }
}

TEST_CASE("fusion: the pass reports through the pass manager and fused text round-trips", "[fusion]") {
  Fixture f = optimized("mlp");
  passes::FusionReport report;
  passes::PassManager pm;
  REQUIRE(passes::addPassesReportingFusion(pm, "dce,fuse", &report).ok());
  auto changed = pm.run(*f.graph);
  INFO(changed.status().message());
  REQUIRE(changed.ok());
  CHECK(*changed);
  CHECK(report.ran);
  CHECK(report.numKernels() == 3);
  // A second run finds nothing new: the Fused node is already a group.
  auto again = passes::fuseGraph(*f.graph);
  REQUIRE(again.ok());
  CHECK(again->numFusedGroups() == 0);
  CHECK(again->numKernels() == 3);
  CHECK(anyReasonContains(again->kernels[0], "already a fused group"));

  const std::string text = ir::printGraph(*f.graph);
  auto parsed = ir::parseGraph(text, "fused.ingot.txt");
  INFO(parsed.status().message());
  REQUIRE(parsed.ok());
  CHECK(ir::verifyGraph(**parsed).isOk());
  CHECK(ir::printGraph(**parsed) == text);

  // Graphviz: the group is a cluster holding both of its ops.
  const std::string dot = ir::printDot(*f.graph);
  CHECK_THAT(dot, Catch::StartsWith("digraph \"torch_jit\" {\n"));
  CHECK_THAT(dot, Catch::Contains("subgraph cluster_0 {"));
  CHECK_THAT(dot, Catch::Contains("label=\"Fused (dense)\\n-> %\\\"/Relu_output_0\\\" : f32[3,128]\""));
  const size_t cluster = dot.find("subgraph cluster_0 {");
  const size_t clusterEnd = dot.find("\n  }\n", cluster);
  const std::string inside = dot.substr(cluster, clusterEnd - cluster);
  CHECK_THAT(inside, Catch::Contains("label=\"Gemm\\n'/fc1/Gemm'"));
  CHECK_THAT(inside, Catch::Contains("label=\"Relu\\n'/Relu'"));
  CHECK_THAT(inside, !Catch::Contains("/fc2/Gemm"));
  CHECK(std::count(dot.begin(), dot.end(), '{') == std::count(dot.begin(), dot.end(), '}'));
}

TEST_CASE("fusion: constant folding evaluates a fused node through its body", "[fusion]") {
  auto g = ir::parseGraph(R"(graph @g {
  input %x : f32[2]
  %k = Constant() {value = tensor<f32[2]> [1, -2]} : f32[2]
  %f = Fused(%k) {kind = "elementwise"} {
    input %a : f32[2]
    %b = Neg(%a) : f32[2]
    %c = Relu(%b) : f32[2]
    output %c
  } : f32[2]
  %y = Add(%x, %f) : f32[2]
  output %y
}
)");
  REQUIRE(g.ok());
  REQUIRE(ir::verifyGraph(**g).isOk());
  passes::PassManager pm;
  REQUIRE(pm.addPasses("fold,dce").isOk());
  REQUIRE(pm.run(**g).ok());
  const ir::Node& folded = *(*g)->nodes()[0];
  REQUIRE(folded.opName() == "Constant");
  const Tensor& t = folded.attr("value")->asTensor();
  CHECK(t.data<float>()[0] == 0.f);
  CHECK(t.data<float>()[1] == 2.f);
  CHECK((*g)->nodes().size() == 2);
}
