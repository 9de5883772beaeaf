// Artifacts with llvm code, end to end without the JIT at run time:
// compileArtifactCode -> serializeArtifact -> parseArtifact -> LoadedModel
// on a host device (the ELF loader links the object in memory). Results are
// checked against the reference backend (the oracle); two models live in
// one process; training state moves between train_step and eval_step.
#include <catch2/catch.hpp>

#include <cmath>
#include <random>

#include "backends/llvm/LlvmBackend.h"
#include "backends/reference/ReferenceBackend.h"
#include "ir/OpRegistry.h"
#include "ir/Verifier.h"
#include "passes/TrainingStep.h"
#include "runtime/CpuCode.h"
#include "runtime/HostDevice.h"
#include "runtime/LoadedModel.h"

using namespace ingot;

namespace {

Tensor randomTensor(Shape shape, std::mt19937& rng, float scale) {
  Tensor t(DType::F32, shape);
  std::uniform_real_distribution<float> dist(-scale, scale);
  for (int64_t i = 0; i < t.numElements(); ++i) t.data<float>()[i] = dist(rng);
  return t;
}

// x[batch, in] -> Dense(hidden, act) -> Dense(out) -> Softmax.
std::unique_ptr<ir::Graph> mlp(int64_t batch, int64_t in, int64_t hidden, int64_t out, const char* act,
                               unsigned seed) {
  std::mt19937 rng(seed);
  auto g = std::make_unique<ir::Graph>("mlp");
  const ir::OpRegistry& ops = ir::OpRegistry::builtin();
  auto node = [&](const char* op, std::vector<ir::Value*> operands, ir::AttrMap attrs, const char* name) {
    auto n = g->addNode(*ops.find(op), std::move(operands), std::move(attrs), {name});
    REQUIRE(n.ok());
    return (*n)->result();
  };
  auto x = g->addInput("x", {DType::F32, {batch, in}});
  auto w1 = g->addParam("fc1.weight", randomTensor({hidden, in}, rng, 0.3f));
  auto b1 = g->addParam("fc1.bias", randomTensor({hidden}, rng, 0.3f));
  auto w2 = g->addParam("fc2.weight", randomTensor({out, hidden}, rng, 0.3f));
  auto b2 = g->addParam("fc2.bias", randomTensor({out}, rng, 0.3f));
  const ir::AttrMap transB{{"transB", ir::Attribute(int64_t{1})}};
  ir::Value* h = node("Gemm", {*x, *w1, *b1}, transB, "h");
  ir::Value* r = node(act, {h}, {}, "r");
  ir::Value* z = node("Gemm", {r, *w2, *b2}, transB, "z");
  g->addOutput(node("Softmax", {z}, {{"axis", ir::Attribute(int64_t{1})}}, "y"));
  REQUIRE(ir::verifyGraph(*g).isOk());
  return g;
}

// An artifact with the given entry graphs, written and read back.
std::shared_ptr<const rt::ArtifactContents> artifactOf(
    const std::vector<std::pair<std::string, const ir::Graph*>>& entries) {
  rt::ArtifactContents a;
  a.producer = "test";
  for (const auto& [name, g] : entries) {
    auto code = backends::llvm_backend::compileArtifactCode(*g, {});
    INFO(code.status().message());
    REQUIRE(code.ok());
    a.entries.push_back({name, {std::move(*code)}});
  }
  auto bytes = rt::serializeArtifact(a);
  REQUIRE(bytes.ok());
  auto back = rt::parseArtifact(std::as_bytes(std::span(bytes->data(), bytes->size())), "test.ingot");
  INFO(back.status().message());
  REQUIRE(back.ok());
  return std::make_shared<const rt::ArtifactContents>(std::move(*back));
}

rt::HostDevice hostDevice(unsigned threads = 1) { return rt::HostDevice("llvm", "host", "test", threads); }
const rt::CodeLoaders kLoaders = {{"llvm", &rt::loadCpuCode}};

// The reference backend's outputs for `inputs`.
std::vector<Tensor> referenceRun(const ir::Graph& g, const std::vector<std::pair<std::string, Tensor>>& inputs) {
  auto devices = backends::reference::makeDeviceProvider()->enumerate();
  REQUIRE(devices.ok());
  auto program = backends::reference::compileGraph(g);
  REQUIRE(program.ok());
  auto s = rt::Session::create(*devices->front(), program->executable, program->plan);
  REQUIRE(s.ok());
  for (const auto& [name, t] : inputs) REQUIRE((*s)->setInput(name, t).isOk());
  REQUIRE((*s)->run().isOk());
  auto out = (*s)->outputs();
  REQUIRE(out.ok());
  return *out;
}

std::vector<Tensor> artifactRun(rt::LoadedModel& m, const std::string& entry,
                                const std::vector<std::pair<std::string, Tensor>>& inputs) {
  auto s = m.session(entry);
  INFO(s.status().message());
  REQUIRE(s.ok());
  for (const auto& [name, t] : inputs) REQUIRE((*s)->setInput(name, t).isOk());
  Status run = (*s)->run();
  INFO(run.message());
  REQUIRE(run.isOk());
  auto out = (*s)->outputs();
  REQUIRE(out.ok());
  return *out;
}

void requireClose(const Tensor& a, const Tensor& b, double tol) {
  REQUIRE(a.shape() == b.shape());
  for (int64_t i = 0; i < a.numElements(); ++i) {
    INFO("element " << i);
    CHECK(std::abs(a.elementAsDouble(i) - b.elementAsDouble(i)) <= tol * (1 + std::abs(b.elementAsDouble(i))));
  }
}

}  // namespace

TEST_CASE("artifact: llvm code loaded by the runtime computes what the reference backend computes") {
  auto g = mlp(8, 64, 32, 10, "Relu", 1);
  auto a = artifactOf({{"infer", g.get()}});
  for (unsigned threads : {1u, 2u}) {
    rt::HostDevice dev = hostDevice(threads);
    auto m = rt::LoadedModel::create(a, dev, kLoaders);
    REQUIRE(m.ok());
    std::mt19937 rng(5);
    const Tensor x = randomTensor({8, 64}, rng, 1);
    const auto got = artifactRun(**m, "infer", {{"x", x}});
    const auto want = referenceRun(*g, {{"x", x}});
    requireClose(got[0], want[0], 1e-5);
  }
}

TEST_CASE("artifact: two different models in one process give what each gives alone") {
  auto g1 = mlp(4, 32, 16, 10, "Relu", 2);
  auto g2 = mlp(4, 32, 24, 10, "Tanh", 3);  // same names (x, y, kernels), different code
  auto a1 = artifactOf({{"infer", g1.get()}});
  auto a2 = artifactOf({{"infer", g2.get()}});
  std::mt19937 rng(6);
  const Tensor x = randomTensor({4, 32}, rng, 1);
  std::vector<Tensor> alone1, alone2;
  {
    rt::HostDevice dev = hostDevice();
    alone1 = artifactRun(**rt::LoadedModel::create(a1, dev, kLoaders), "infer", {{"x", x}});
  }
  {
    rt::HostDevice dev = hostDevice();
    alone2 = artifactRun(**rt::LoadedModel::create(a2, dev, kLoaders), "infer", {{"x", x}});
  }
  rt::HostDevice dev = hostDevice();
  auto m1 = rt::LoadedModel::create(a1, dev, kLoaders);
  auto m2 = rt::LoadedModel::create(a2, dev, kLoaders);
  REQUIRE(m1.ok());
  REQUIRE(m2.ok());
  for (int round = 0; round < 2; ++round) {
    CHECK(artifactRun(**m2, "infer", {{"x", x}})[0].identical(alone2[0]));
    CHECK(artifactRun(**m1, "infer", {{"x", x}})[0].identical(alone1[0]));
  }
  CHECK_FALSE(alone1[0].identical(alone2[0]));
}

TEST_CASE("artifact: train_step updates the weights eval_step and infer then use") {
  constexpr int64_t kBatch = 8;
  auto g = mlp(kBatch, 16, 12, 4, "Relu", 4);
  auto train = passes::buildTrainingStep(*g, passes::TrainingOptions{});
  REQUIRE(train.ok());
  auto eval = passes::buildEvalStep(*g, passes::LossKind::CrossEntropy);
  REQUIRE(eval.ok());
  auto a = artifactOf({{"infer", g.get()}, {"train_step", train->graph.get()}, {"eval_step", eval->graph.get()}});
  rt::HostDevice dev = hostDevice();
  auto m = rt::LoadedModel::create(a, dev, kLoaders);
  REQUIRE(m.ok());

  std::mt19937 rng(7);
  const Tensor x = randomTensor({kBatch, 16}, rng, 1);
  const rt::Plan* trainPlan = *(*m)->plan("train_step");
  Tensor labels;
  for (const rt::TensorSlot& s : trainPlan->inputs)
    if (s.name == train->labels) labels = Tensor(s.dtype, s.shape);
  REQUIRE(labels.numElements() > 0);
  for (int64_t i = 0; i < kBatch; ++i) {
    if (labels.dtype() == DType::I64) labels.data<int64_t>()[i] = i % 4;
    else labels.data<float>()[i * 4 + i % 4] = 1;
  }
  auto lossOf = [&](const std::string& entry, const std::string& lossName) {
    const auto outs = artifactRun(**m, entry, {{train->input, x}, {train->labels, labels}});
    const rt::Plan* p = *(*m)->plan(entry);
    for (size_t i = 0; i < p->outputs.size(); ++i)
      if (p->outputs[i].name == lossName) return outs[i].elementAsDouble(0);
    FAIL("no loss output " << lossName);
    return 0.0;
  };
  // The oracle: the same steps on the reference backend.
  auto refDevices = backends::reference::makeDeviceProvider()->enumerate();
  REQUIRE(refDevices.ok());
  auto refProgram = backends::reference::compileGraph(*train->graph);
  REQUIRE(refProgram.ok());
  auto ref = rt::Session::create(*refDevices->front(), refProgram->executable, refProgram->plan);
  REQUIRE(ref.ok());
  REQUIRE((*ref)->setInput(train->input, x).isOk());
  REQUIRE((*ref)->setInput(train->labels, labels).isOk());
  const double before = lossOf("eval_step", eval->loss);
  double last = 0;
  for (int i = 0; i < 20; ++i) {
    last = lossOf("train_step", train->loss);
    REQUIRE((*ref)->run().isOk());
    const double want = (*ref)->output(train->loss)->elementAsDouble(0);
    INFO("step " << i);
    CHECK(std::abs(last - want) <= 1e-5 * (1 + std::abs(want)));
  }
  const double after = lossOf("eval_step", eval->loss);
  CHECK(after < before);  // eval_step sees the trained weights
  CHECK(after < last);    // and the last step's update (the loss is still falling)

  // The oracle: the reference backend's eval step with the trained weights.
  auto state = (*m)->allState();
  REQUIRE(state.ok());
  auto trained = mlp(kBatch, 16, 12, 4, "Relu", 4);
  for (const char* p : {"fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"}) {
    REQUIRE(state->count(p));
    CHECK_FALSE(state->at(p).identical(*g->findValue(p)->paramData()));
    trained->findValue(p)->setParamData(state->at(p));
  }
  const auto want = referenceRun(*trained, {{"x", x}});
  const auto got = artifactRun(**m, "infer", {{"x", x}});
  requireClose(got[0], want[0], 1e-5);
}

TEST_CASE("artifact: code for CPU features this CPU lacks is refused by name") {
  auto g = mlp(2, 8, 4, 2, "Relu", 8);
  auto code = backends::llvm_backend::compileArtifactCode(*g, {});
  REQUIRE(code.ok());
  auto cpu = rt::decodeCpuCode(code->code);
  REQUIRE(cpu.ok());
  cpu->features.push_back("quantum-entanglement");
  auto loaded = rt::loadCpuCode(rt::encodeCpuCode(*cpu), code->plan);
  REQUIRE_FALSE(loaded.ok());
  CHECK_THAT(loaded.status().message(), Catch::Contains("quantum-entanglement") && Catch::Contains("lacks"));
}

TEST_CASE("artifact: a model without code for the device's backend is refused with what it has") {
  auto g = mlp(2, 8, 4, 2, "Relu", 9);
  auto a = artifactOf({{"infer", g.get()}});
  rt::HostDevice dev("vulkan", "fake", "not a real device");
  auto m = rt::LoadedModel::create(a, dev, kLoaders);
  REQUIRE_FALSE(m.ok());
  CHECK_THAT(m.status().message(), Catch::Contains("no vulkan code") && Catch::Contains("llvm"));
}
