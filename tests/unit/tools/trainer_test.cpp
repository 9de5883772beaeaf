// The training loop (tools/train/Trainer.h) on the reference backend: the
// last partial batch is a real step that shares the optimizer state, frozen
// parameters stay put, a diverging run stops and keeps finite weights, and
// evaluation does not depend on its batch size.
#include <catch2/catch.hpp>

#include <cmath>

#include "backends/reference/ReferenceBackend.h"
#include "ir/OpRegistry.h"
#include "ir/Verifier.h"
#include "tools/train/Trainer.h"

using namespace ingot;

namespace {

constexpr int64_t kIn = 4, kClasses = 3;

// y = Softmax(x W^T + b): W [3, 4], b [3], fixed small weights.
train::ModelAtBatch softmaxRegression() {
  return [](int64_t batch) -> Expected<std::unique_ptr<ir::Graph>> {
    auto g = std::make_unique<ir::Graph>("softmax_regression");
    const ir::OpRegistry& ops = ir::OpRegistry::builtin();
    INGOT_ASSIGN_OR_RETURN(ir::Value * x, g->addInput("x", {DType::F32, {batch, kIn}}));
    std::vector<float> w(kClasses * kIn);
    for (size_t i = 0; i < w.size(); ++i) w[i] = 0.05f * static_cast<float>(static_cast<int>(i % 5) - 2);
    INGOT_ASSIGN_OR_RETURN(ir::Value * wv, g->addParam("w", Tensor::fromVector<float>({kClasses, kIn}, w)));
    INGOT_ASSIGN_OR_RETURN(ir::Value * bv, g->addParam("b", Tensor::fromVector<float>({kClasses}, {0.1f, 0, -0.1f})));
    INGOT_ASSIGN_OR_RETURN(ir::Node * gemm, g->addNode(*ops.find("Gemm"), {x, wv, bv}, {{"transB", int64_t{1}}}, {"z"}));
    INGOT_ASSIGN_OR_RETURN(ir::Node * sm, g->addNode(*ops.find("Softmax"), {gemm->result()}, {{"axis", int64_t{1}}}, {"y"}));
    g->addOutput(sm->result());
    INGOT_RETURN_IF_ERROR(ir::verifyGraph(*g));
    return g;
  };
}

// n samples whose class is the index of their largest feature among the first three.
data::Dataset dataset(int64_t n) {
  std::vector<float> f;
  std::vector<int64_t> l;
  for (int64_t i = 0; i < n; ++i) {
    const int64_t c = (i * 7) % kClasses;
    for (int64_t j = 0; j < kIn; ++j) f.push_back(j == c ? 1.0f : 0.1f * static_cast<float>((i + j) % 3));
    l.push_back(c);
  }
  data::Dataset d;
  d.name = "synthetic";
  d.train.features = Tensor::fromVector<float>({n, kIn}, f);
  d.train.labels = Tensor::fromVector<int64_t>({n}, l);
  return d;
}

rt::Device& referenceDevice() {
  static std::unique_ptr<rt::Device> device = [] {
    auto devices = backends::reference::makeDeviceProvider()->enumerate();
    REQUIRE(devices.ok());
    return std::move(devices->front());
  }();
  return *device;
}

std::unique_ptr<train::Trainer> makeTrainer(data::Dataset& d, train::TrainerOptions options,
                                            train::ModelAtBatch model = softmaxRegression()) {
  auto t = train::Trainer::create(model, &backends::reference::compileGraph, referenceDevice(), d, options);
  INFO(t.status().message());
  REQUIRE(t.ok());
  return std::move(t).value();
}

}  // namespace

TEST_CASE("the last partial batch is a step of its own that shares the optimizer state") {
  data::Dataset d = dataset(10);
  train::TrainerOptions options;
  options.batching.batchSize = 4;  // 4 + 4 + 2
  auto t = makeTrainer(d, options);
  CHECK(t->stepsPerEpoch() == 3);
  for (int64_t e = 1; e <= 2; ++e) {
    int64_t calls = 0;
    auto r = t->runEpoch(e, [&](const train::StepProgress& p) {
      ++calls;
      CHECK(p.step == calls);
      CHECK(p.running.samples == std::min<int64_t>(4 * calls, 10));
    });
    INFO(r.status().message());
    REQUIRE(r.ok());
    CHECK(calls == 3);
    CHECK(r->train.samples == 10);
    CHECK(r->stopped.empty());
  }
  // Adam's step count went through the partial-batch step and back: 6 steps.
  auto count = t->runner().readState({"optimizer.step"});
  REQUIRE(count.ok());
  CHECK(count->at("optimizer.step").elementAsDouble(0) == 6);
}

TEST_CASE("training lowers the loss, frozen parameters stay as they were") {
  data::Dataset d = dataset(30);
  train::TrainerOptions options;
  options.training.optimizer.lr = 0.05;
  options.batching.batchSize = 8;
  train::ModelAtBatch base = softmaxRegression();
  train::ModelAtBatch frozenBias = [base](int64_t batch) -> Expected<std::unique_ptr<ir::Graph>> {
    INGOT_ASSIGN_OR_RETURN(std::unique_ptr<ir::Graph> g, base(batch));
    g->findValue("b")->setTrainable(false);
    return g;
  };
  auto t = makeTrainer(d, options, frozenBias);
  auto first = t->runEpoch(1, nullptr);
  REQUIRE(first.ok());
  train::EpochResult last;
  for (int64_t e = 2; e <= 20; ++e) {
    auto r = t->runEpoch(e, nullptr);
    REQUIRE(r.ok());
    last = *r;
  }
  CHECK(last.train.loss < 0.5 * first->train.loss);
  CHECK(last.train.accuracy == 1.0);
  auto params = t->parameters();
  REQUIRE(params.ok());
  CHECK(params->count("w") == 1);
  CHECK(params->count("b") == 0);  // frozen: not state, nothing to save
  auto initial = base(1);
  REQUIRE(initial.ok());
  CHECK(!params->at("w").identical(*(*initial)->findValue("w")->paramData()));
}

TEST_CASE("a non-finite loss stops training and keeps the last good weights") {
  // A NaN feature in sample 9: the loss of step 3 (samples 8..11) is NaN.
  data::Dataset d = dataset(40);
  d.train.features.data<float>()[9 * kIn + 1] = NAN;
  train::TrainerOptions options;
  options.batching.batchSize = 4;
  options.batching.shuffle = false;
  auto t = makeTrainer(d, options);
  std::string stopped;
  for (int64_t e = 1; e <= 3 && stopped.empty(); ++e) {
    auto r = t->runEpoch(e, nullptr);
    REQUIRE(r.ok());
    stopped = r->stopped;
  }
  INFO(stopped);
  REQUIRE(!stopped.empty());
  CHECK(t->stopped());
  CHECK(stopped.find("at epoch 1, step 3 of 10") != std::string::npos);
  CHECK(stopped.find("before epoch 1 step 1") != std::string::npos);
  auto params = t->parameters();
  REQUIRE(params.ok());
  for (const auto& [name, p] : *params)
    for (int64_t i = 0; i < p.numElements(); ++i) CHECK(std::isfinite(p.elementAsDouble(i)));
  CHECK(!t->runEpoch(4, nullptr).ok());  // a stopped run does not continue
}

TEST_CASE("evaluation does not depend on its batch size") {
  data::Dataset d = dataset(10);
  auto evaluate = [&](int64_t batch) {
    auto e = train::Evaluator::create(softmaxRegression(), passes::LossKind::CrossEntropy, batch,
                                      &backends::reference::compileGraph, referenceDevice());
    REQUIRE(e.ok());
    auto m = (*e)->evaluate(d.train);
    INFO(m.status().message());
    REQUIRE(m.ok());
    return *m;
  };
  const train::Metrics whole = evaluate(10), threes = evaluate(3);
  CHECK(whole.samples == 10);
  CHECK(threes.samples == 10);
  CHECK(threes.loss == Approx(whole.loss).epsilon(1e-6));
  CHECK(threes.accuracy == whole.accuracy);
}

TEST_CASE("data that does not fit the model is an error naming the problem") {
  data::Dataset d = dataset(10);
  d.train.labels.data<int64_t>()[3] = 5;
  train::TrainerOptions options;
  auto t = train::Trainer::create(softmaxRegression(), &backends::reference::compileGraph, referenceDevice(), d, options);
  REQUIRE(!t.ok());
  CHECK(t.status().message().find("index 3 is 5") != std::string::npos);

  data::Dataset wide = dataset(10);
  wide.train.features = Tensor(DType::F32, {10, 5});
  auto w = train::Trainer::create(softmaxRegression(), &backends::reference::compileGraph, referenceDevice(), wide,
                                  options);
  REQUIRE(!w.ok());
  CHECK(w.status().message().find("'x'") != std::string::npos);
}

namespace {

// y = x W^T + b with W [2, 4], b [2]: a linear regression, started at zero.
train::ModelAtBatch linearRegression() {
  return [](int64_t batch) -> Expected<std::unique_ptr<ir::Graph>> {
    auto g = std::make_unique<ir::Graph>("linear_regression");
    const ir::OpRegistry& ops = ir::OpRegistry::builtin();
    INGOT_ASSIGN_OR_RETURN(ir::Value * x, g->addInput("x", {DType::F32, {batch, kIn}}));
    INGOT_ASSIGN_OR_RETURN(ir::Value * wv, g->addParam("w", Tensor(DType::F32, {2, kIn})));
    INGOT_ASSIGN_OR_RETURN(ir::Value * bv, g->addParam("b", Tensor(DType::F32, {2})));
    INGOT_ASSIGN_OR_RETURN(ir::Node * gemm, g->addNode(*ops.find("Gemm"), {x, wv, bv}, {{"transB", int64_t{1}}}, {"y"}));
    g->addOutput(gemm->result());
    INGOT_RETURN_IF_ERROR(ir::verifyGraph(*g));
    return g;
  };
}

// The exact linear map the regression should recover.
constexpr float kTrueW[2][kIn] = {{0.5f, -1.0f, 0.25f, 2.0f}, {-0.75f, 0.0f, 1.5f, -0.5f}};
constexpr float kTrueB[2] = {0.3f, -0.2f};

data::Dataset regressionData(int64_t n) {
  std::vector<float> f, y;
  for (int64_t i = 0; i < n; ++i) {
    float x[kIn];
    for (int64_t j = 0; j < kIn; ++j) x[j] = static_cast<float>(((i * 13 + j * 7) % 11) - 5) / 5.0f;
    f.insert(f.end(), x, x + kIn);
    for (int o = 0; o < 2; ++o) {
      float v = kTrueB[o];
      for (int64_t j = 0; j < kIn; ++j) v += kTrueW[o][j] * x[j];
      y.push_back(v);
    }
  }
  data::Dataset d;
  d.name = "regression";
  d.train.features = Tensor::fromVector<float>({n, kIn}, f);
  d.train.labels = Tensor::fromVector<float>({n, 2}, y);
  return d;
}

}  // namespace

TEST_CASE("mse on float targets fits a linear map, float targets need mse or bce and the output's width") {
  data::Dataset d = regressionData(64);
  train::TrainerOptions options;
  options.training.loss = passes::LossKind::MeanSquaredError;
  options.training.optimizer.kind = passes::OptimizerKind::Adam;
  options.training.optimizer.lr = 0.05;
  options.batching.batchSize = 16;
  auto t = makeTrainer(d, options, linearRegression());
  CHECK_FALSE(t->runner().hasAccuracy(d));  // regression: no hits to count
  auto first = t->runEpoch(1, nullptr);
  REQUIRE(first.ok());
  train::EpochResult last;
  for (int64_t e = 2; e <= 150; ++e) {
    auto r = t->runEpoch(e, nullptr);
    REQUIRE(r.ok());
    last = *r;
  }
  CHECK(last.train.loss < 1e-3 * first->train.loss);
  auto params = t->parameters();
  REQUIRE(params.ok());
  for (int o = 0; o < 2; ++o) {
    CHECK(params->at("b").data<float>()[o] == Approx(kTrueB[o]).margin(0.02));
    for (int64_t j = 0; j < kIn; ++j) CHECK(params->at("w").data<float>()[o * kIn + j] == Approx(kTrueW[o][j]).margin(0.02));
  }

  SECTION("cross-entropy on float targets") {
    data::Dataset c = regressionData(8);
    c.train.labels = Tensor(DType::F32, {8, 3});
    train::TrainerOptions ce;
    auto bad = train::Trainer::create(softmaxRegression(), &backends::reference::compileGraph, referenceDevice(), c, ce);
    REQUIRE(!bad.ok());
    CHECK_THAT(bad.status().message(), Catch::Contains("needs integer class indices"));
  }
  SECTION("targets of the wrong width") {
    data::Dataset w = regressionData(8);
    w.train.labels = Tensor(DType::F32, {8, 3});
    auto bad = train::Trainer::create(linearRegression(), &backends::reference::compileGraph, referenceDevice(), w,
                                      options);
    REQUIRE(!bad.ok());
    CHECK_THAT(bad.status().message(), Catch::Contains("3 value(s) per sample ([3])"));
    CHECK_THAT(bad.status().message(), Catch::Contains("has 2"));
  }
}
