// 20 training steps of a small Keras-style MLP (8 -> 6 ReLU -> 3 Softmax,
// sparse cross-entropy on the probabilities) through ingot's compiled
// training step (passes/TrainingStep.h), on the reference backend and on the
// lowered backend (fusion, lowering, memory planning) and on the llvm
// backend (the same dispatches as native code), against PyTorch 1.13
// in float64 from the same float32 start and batches
// (scripts/make_training_fixtures.py writes tests/data/training/). The
// weights, moments and step count persist in the session between runs
// (state updates); the final weights must match within 1e-4 relative.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <map>

#include "backends/common/ProgramBuilder.h"
#include "backends/llvm/LlvmBackend.h"
#include "backends/lowered/LoweredBackend.h"
#include "backends/reference/ReferenceBackend.h"
#include "ir/OpRegistry.h"
#include "ir/TextParser.h"
#include "ir/Verifier.h"
#include "passes/TrainingStep.h"
#include "runtime/Session.h"
#include "support/Npy.h"

using namespace ingot;

namespace {

constexpr int64_t kSteps = 20, kBatch = 16, kIn = 8;
const std::vector<std::string> kParams = {"fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias"};

Tensor load(const std::string& file) {
  auto t = readNpyFile(std::string(INGOT_TEST_DATA_DIR) + "/training/" + file);
  INFO(file << ": " << t.status().message());
  REQUIRE(t.ok());
  return std::move(t).value();
}

// The model as PyTorch's Linear layers hold it: y = Softmax(x W2^T + b2) after ReLU(x W1^T + b1).
std::unique_ptr<ir::Graph> makeModel() {
  auto g = std::make_unique<ir::Graph>("mlp");
  const ir::OpRegistry& ops = ir::OpRegistry::builtin();
  auto node = [&](const char* op, std::vector<ir::Value*> operands, ir::AttrMap attrs, const char* name) {
    auto n = g->addNode(*ops.find(op), std::move(operands), std::move(attrs), {name});
    INFO(n.status().message());
    REQUIRE(n.ok());
    return (*n)->result();
  };
  auto x = g->addInput("x", {DType::F32, {kBatch, kIn}});
  REQUIRE(x.ok());
  std::map<std::string, ir::Value*> p;
  for (const std::string& name : kParams) {
    auto v = g->addParam(name, load("init_" + name + ".npy"));
    REQUIRE(v.ok());
    p[name] = *v;
  }
  const ir::AttrMap transB{{"transB", ir::Attribute(int64_t{1})}};
  ir::Value* h = node("Gemm", {*x, p["fc1.weight"], p["fc1.bias"]}, transB, "h");
  ir::Value* r = node("Relu", {h}, {}, "r");
  ir::Value* z = node("Gemm", {r, p["fc2.weight"], p["fc2.bias"]}, transB, "z");
  ir::Value* y = node("Softmax", {z}, {{"axis", ir::Attribute(int64_t{1})}}, "y");
  g->addOutput(y);
  REQUIRE(ir::verifyGraph(*g).isOk());
  return g;
}

Tensor rows(const Tensor& t, int64_t first, int64_t count) {
  Shape shape = t.shape();
  const int64_t rowElems = t.numElements() / shape[0];
  shape[0] = count;
  Tensor out(t.dtype(), shape);
  const size_t rowBytes = static_cast<size_t>(rowElems) * dtypeSize(t.dtype());
  std::memcpy(out.rawData(), t.rawData() + first * rowBytes, count * rowBytes);
  return out;
}

struct Backend {
  const char* name;
  Expected<rt::Program> (*compile)(const ir::Graph&);
  std::unique_ptr<rt::DeviceProvider> (*provider)();
};

const Backend kBackends[] = {
    {"reference", &backends::reference::compileGraph, &backends::reference::makeDeviceProvider},
    {"lowered", &backends::lowered::compileGraph, &backends::lowered::makeDeviceProvider},
    {"llvm", [](const ir::Graph& g) { return backends::llvm_backend::compileGraph(g); },
     [] { return backends::llvm_backend::makeDeviceProvider(); }},
};

// Runs the fixture's 20 steps with `options` on `backend`; checks losses and
// correct counts per step and the final weights; returns the largest
// relative error of the final weights.
double train(const Backend& backend, const std::string& fixture, const passes::OptimizerOptions& options) {
  INFO(backend.name << " / " << fixture);
  auto model = makeModel();
  passes::TrainingOptions training;
  training.loss = passes::LossKind::CrossEntropy;
  training.optimizer = options;
  auto step = passes::buildTrainingStep(*model, training);
  INFO(step.status().message());
  REQUIRE(step.ok());
  auto program = backend.compile(*step->graph);
  INFO(program.status().message());
  REQUIRE(program.ok());
  auto devices = backend.provider()->enumerate();
  REQUIRE(devices.ok());
  REQUIRE(!devices->empty());
  auto session = rt::Session::create(*devices->front(), program->executable, program->plan);
  INFO(session.status().message());
  REQUIRE(session.ok());
  rt::Session& s = **session;

  const Tensor x = load("x.npy"), labels = load("labels.npy");
  const Tensor losses = load(fixture + "_losses.npy"), correct = load(fixture + "_correct.npy");
  for (int64_t k = 0; k < kSteps; ++k) {
    INFO("step " << k);
    REQUIRE(s.setInput(step->input, rows(x, k * kBatch, kBatch)).isOk());
    REQUIRE(s.setInput(step->labels, rows(labels, k * kBatch, kBatch)).isOk());
    Status ran = s.run();
    INFO(ran.message());
    REQUIRE(ran.isOk());
    auto loss = s.output(step->loss);
    auto hits = s.output(step->correct);
    REQUIRE(loss.ok());
    REQUIRE(hits.ok());
    CHECK(loss->elementAsDouble(0) == Approx(losses.elementAsDouble(k)).epsilon(1e-5));
    CHECK(hits->elementAsDouble(0) == correct.elementAsDouble(k));
  }
  double worst = 0;
  for (const std::string& name : kParams) {
    INFO(name);
    auto trained = s.state(name);
    INFO(trained.status().message());
    REQUIRE(trained.ok());
    const Tensor expected = load(fixture + "_" + name + ".npy");
    const Tensor initial = load("init_" + name + ".npy");
    REQUIRE(trained->numElements() == expected.numElements());
    bool moved = false;
    for (int64_t i = 0; i < expected.numElements(); ++i) {
      const double got = trained->elementAsDouble(i), want = expected.elementAsDouble(i);
      const double rel = std::fabs(got - want) / std::fabs(want);
      worst = std::max(worst, rel);
      INFO("element " << i << ": ingot " << got << ", PyTorch " << want);
      CHECK(rel <= 1e-4);
      moved = moved || std::fabs(want - initial.elementAsDouble(i)) > 1e-3;
    }
    CHECK(moved);  // the comparison means something only if training moved the weights
  }
  // Adam's step count is state too, and exact.
  if (options.kind != passes::OptimizerKind::Sgd) {
    auto count = s.state("optimizer.step");
    REQUIRE(count.ok());
    CHECK(count->elementAsDouble(0) == kSteps);
  }
  return worst;
}

passes::OptimizerOptions adam(double lr, double weightDecay, passes::OptimizerKind kind = passes::OptimizerKind::Adam) {
  passes::OptimizerOptions o;
  o.kind = kind;
  o.lr = lr;
  o.weightDecay = weightDecay;
  return o;
}

}  // namespace

TEST_CASE("20 training steps match PyTorch on every host backend") {
  passes::OptimizerOptions adamL2 = adam(1e-2, 0.05);
  adamL2.beta1 = 0.8;
  adamL2.beta2 = 0.99;
  adamL2.eps = 1e-6;
  passes::OptimizerOptions sgd;
  sgd.kind = passes::OptimizerKind::Sgd;
  sgd.lr = 0.1;
  sgd.momentum = 0.9;
  sgd.nesterov = true;
  sgd.weightDecay = 0.01;
  const std::pair<const char*, passes::OptimizerOptions> cases[] = {
      {"adam", adam(1e-2, 0)},
      {"adam_l2", adamL2},
      {"adamw", adam(1e-2, 0.1, passes::OptimizerKind::AdamW)},
      {"sgd_nesterov", sgd},
  };
  for (const Backend& backend : kBackends)
    for (const auto& [fixture, options] : cases) {
      const double worst = train(backend, fixture, options);
      // The numbers the issue asks for, in the test log.
      WARN(backend.name << " " << fixture << ": max relative error of the final weights " << worst);
    }
}

TEST_CASE("a session reads and writes state by name and rejects wrong names and shapes") {
  auto model = makeModel();
  passes::TrainingOptions training;
  auto step = passes::buildTrainingStep(*model, training);
  REQUIRE(step.ok());
  auto program = backends::reference::compileGraph(*step->graph);
  REQUIRE(program.ok());
  auto devices = backends::reference::makeDeviceProvider()->enumerate();
  REQUIRE(devices.ok());
  auto session = rt::Session::create(*devices->front(), program->executable, program->plan);
  REQUIRE(session.ok());
  rt::Session& s = **session;
  auto w = s.state("fc2.bias");
  REQUIRE(w.ok());
  CHECK(w->identical(load("init_fc2.bias.npy")));
  REQUIRE(s.setState("fc2.bias", Tensor::fromVector<float>({3}, {1, 2, 3})).isOk());
  CHECK(s.state("fc2.bias")->elementAsDouble(2) == 3);
  CHECK_THAT(s.state("nope").status().message(), Catch::Contains("'nope' is not a state tensor"));
  CHECK_THAT(s.setState("fc2.bias", Tensor::fromVector<float>({2}, {1, 2})).message(),
             Catch::Contains("expected f32[3], got f32[2]"));
}

TEST_CASE("state updates are simultaneous: a swap of two parameters, and outputs see the old values") {
  auto g = ir::parseGraph(R"(graph @swap {
  input %x : f32[2]
  param %a : f32[2] = [1, 2]
  param %b : f32[2] = [10, 20]
  %s = Add(%a, %x) : f32[2]
  output %s, %a
  update %a = %b
  update %b = %a
}
)");
  INFO(g.status().message());
  REQUIRE(g.ok());
  for (const Backend& backend : kBackends) {
    INFO(backend.name);
    auto program = backend.compile(**g);
    INFO(program.status().message());
    REQUIRE(program.ok());
    auto devices = backend.provider()->enumerate();
    REQUIRE(devices.ok());
    auto session = rt::Session::create(*devices->front(), program->executable, program->plan);
    REQUIRE(session.ok());
    rt::Session& s = **session;
    REQUIRE(s.setInput("x", Tensor::fromVector<float>({2}, {100, 200})).isOk());
    REQUIRE(s.run().isOk());
    CHECK(s.output("a")->elementAsDouble(1) == 2);  // the value before the update
    CHECK(s.state("a")->elementAsDouble(0) == 10);
    CHECK(s.state("b")->elementAsDouble(1) == 2);  // the old %a, not the new one
    REQUIRE(s.run().isOk());  // swapped back; %s reads the %a of this run
    CHECK(s.state("a")->elementAsDouble(0) == 1);
    CHECK(s.state("b")->elementAsDouble(0) == 10);
    CHECK(s.output("s")->elementAsDouble(1) == 220);
  }
}

TEST_CASE("state updates are written in place only where no one needs the old value") {
  // %w_next: in place (its dispatch reads %w only at the element it writes).
  // %c_next: copied, because %late reads the old %c after it.
  // %d_next: copied, because %d is a graph output (outputs see old values).
  auto g = ir::parseGraph(R"(graph @inplace {
  input %x : f32[2]
  param %w : f32[2] = [1, 2]
  param %c : f32[2] = [5, 6]
  param %d : f32[2] = [7, 8]
  %w_next = Add(%w, %x) : f32[2]
  %c_next = Mul(%c, %x) : f32[2]
  %late = Sub(%c, %x) : f32[2]
  %d_next = Neg(%d) : f32[2]
  output %late, %d
  update %w = %w_next
  update %c = %c_next
  update %d = %d_next
}
)");
  INFO(g.status().message());
  REQUIRE(g.ok());
  backends::PipelineOptions options;
  options.fuse = false;  // one dispatch per op, in graph order
  auto lowered = backends::compileToDispatches(**g, options);
  INFO(lowered.status().message());
  REQUIRE(lowered.ok());
  CHECK(lowered->memory.stateInPlaceCount == 1);
  const passes::ValuePlacement* w = lowered->memory.find(lowered->graph->findValue("w_next"));
  REQUIRE(w);
  CHECK(w->stateOf == lowered->graph->findValue("w"));
  for (const Backend& backend : kBackends) {
    INFO(backend.name);
    auto program = backend.compile(**g);
    REQUIRE(program.ok());
    auto devices = backend.provider()->enumerate();
    REQUIRE(devices.ok());
    auto session = rt::Session::create(*devices->front(), program->executable, program->plan);
    REQUIRE(session.ok());
    rt::Session& s = **session;
    REQUIRE(s.setInput("x", Tensor::fromVector<float>({2}, {3, 4})).isOk());
    for (int run = 1; run <= 2; ++run) {
      INFO("run " << run);
      REQUIRE(s.run().isOk());
      const double c0 = run == 1 ? 5 : 15;  // %c before this run
      CHECK(s.output("late")->elementAsDouble(0) == c0 - 3);
      CHECK(s.output("d")->elementAsDouble(0) == (run == 1 ? 7 : -7));
      CHECK(s.state("w")->elementAsDouble(1) == 2 + 4 * run);
      CHECK(s.state("c")->elementAsDouble(0) == c0 * 3);
      CHECK(s.state("d")->elementAsDouble(1) == (run == 1 ? -8 : 8));
    }
  }
}
