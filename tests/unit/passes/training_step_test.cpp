// State updates in the IR (text form, verifier, clone, the passes that must
// keep them) and the training-step builder (passes/TrainingStep.h): its
// structure, loss values checked against hand-computed numbers, and its
// errors for models that do not fit the loss. The numbers of whole training
// runs against PyTorch are in tests/unit/backends/training_fixture_test.cpp.
#include <catch2/catch.hpp>

#include <cmath>

#include "ir/Interpreter.h"
#include "ir/OpRegistry.h"
#include "ir/TextParser.h"
#include "ir/TextPrinter.h"
#include "ir/Verifier.h"
#include "passes/PassManager.h"
#include "passes/TrainingStep.h"

using namespace ingot;
using ir::Value;

namespace {

const char* kStep = R"(graph @step {
  input %x : f32[2]
  param %w : f32[2] = [1, 2]
  param frozen %m : f32[2] = [0, 0]
  %g = Mul(%x, %w) : f32[2]
  %m_next = Add(%m, %g) : f32[2]
  %w_next = Sub(%w, %m_next) : f32[2]
  %loss = ReduceSum(%g) {keepdims = 0} : f32[]
  output %loss
  update %w = %w_next
  update %m = %m_next
}
)";

std::unique_ptr<ir::Graph> parse(std::string_view text) {
  auto g = ir::parseGraph(text);
  INFO(g.status().message());
  REQUIRE(g.ok());
  Status ok = ir::verifyGraph(**g);
  INFO(ok.message());
  REQUIRE(ok.isOk());
  return std::move(g).value();
}

std::string parseError(const std::string& text) {
  auto g = ir::parseGraph(text, "t.ingot.txt");
  REQUIRE_FALSE(g.ok());
  return g.status().message();
}

// A Keras-style classifier: Gemm + Relu, Gemm, then `head` on the logits.
std::unique_ptr<ir::Graph> classifier(const std::string& head = "Softmax(%z) {axis = 1}",
                                      const std::string& outType = "f32[4,3]") {
  return parse(R"(graph @mlp {
  input %x : f32[4,2]
  param %w1 : f32[2,5] = hex")" + std::string(80, '0') + R"("
  param %b1 : f32[5] = [0.1, 0.2, 0.3, 0.4, 0.5]
  param %w2 : f32[5,3] = [0.1, -0.2, 0.3, 0.4, 0.5, -0.6, 0.7, 0.8, 0.9, 1, 1.1, 1.2, -1.3, 1.4, 1.5]
  param %b2 : f32[3] = [0, 0.5, -0.5]
  %h = Gemm(%x, %w1, %b1) : f32[4,5]
  %r = Relu(%h) : f32[4,5]
  %z = Gemm(%r, %w2, %b2) : f32[4,3]
  %y = )" + head + " : " + outType + R"(
  output %y
}
)");
}

Value* named(const ir::Graph& g, const std::string& name) {
  Value* v = g.findValue(name);
  REQUIRE(v);
  return v;
}

}  // namespace

TEST_CASE("state updates print as update statements and round-trip exactly") {
  auto g = parse(kStep);
  REQUIRE(g->stateUpdates().size() == 2);
  CHECK(g->stateUpdates()[0].param->name() == "w");
  CHECK(g->stateUpdates()[1].newValue->name() == "m_next");
  CHECK(named(*g, "w")->updated());
  CHECK(named(*g, "m")->updated());
  CHECK(ir::printGraph(*g) == kStep);
  auto copy = g->clone();
  CHECK(ir::printGraph(*copy) == kStep);
  CHECK(copy->stateUpdates()[0].param == copy->findValue("w"));
  CHECK(copy->findValue("m")->updated());
}

TEST_CASE("update statements report errors with line and column") {
  const std::string head = "graph @g {\n  input %x : f32[2]\n  param %w : f32[2] = [1, 2]\n  param %v : f32[3] = [1, 2, 3]\n";
  const std::string tail = "  output %x\n}\n";
  CHECK_THAT(parseError(head + "  update %x = %w\n" + tail),
             Catch::Contains("t.ingot.txt:5:10") && Catch::Contains("not a parameter"));
  CHECK_THAT(parseError(head + "  update %w = %nope\n" + tail),
             Catch::Contains("t.ingot.txt:5:15") && Catch::Contains("undefined value %nope"));
  CHECK_THAT(parseError(head + "  update %w = %v\n" + tail),
             Catch::Contains("t.ingot.txt:5:15") && Catch::Contains("another type"));
  CHECK_THAT(parseError(head + "  update %w = %x\n  update %w = %x\n" + tail),
             Catch::Contains("t.ingot.txt:6:10") && Catch::Contains("updated twice"));
  CHECK_THAT(parseError(head + "  update %w %x\n" + tail), Catch::Contains("t.ingot.txt:5:13") && Catch::Contains("'='"));
  CHECK_THAT(parseError(head + "  update = %x\n" + tail),
             Catch::Contains("5:10") && Catch::Contains("expected the updated parameter"));
}

TEST_CASE("the verifier checks state updates the passes may have broken") {
  auto g = parse(kStep);
  auto other = g->addInput("z", {DType::F32, {3}});
  REQUIRE(other.ok());
  g->replaceAllUses(named(*g, "w_next"), *other);
  CHECK_THAT(ir::verifyGraph(*g).message(),
             Catch::Contains("state update 0: %w is f32[2], its new value %z is f32[3]"));
  CHECK_THAT(g->addStateUpdate(named(*g, "w"), named(*g, "g")).message(), Catch::Contains("updated twice"));
  CHECK_THAT(g->addStateUpdate(named(*g, "x"), named(*g, "g")).message(), Catch::Contains("not a parameter"));
}

TEST_CASE("DCE keeps update sources and updated state, replacing a source moves the update") {
  auto g = parse(kStep);
  // Nothing but the updates reads %m_next and %w_next.
  g->removeDeadNodes();
  CHECK(g->findValue("w_next"));
  CHECK(g->findValue("m_next"));
  CHECK(g->removeUnusedParams() == 0);
  // An updated parameter that nothing reads is still state.
  auto lone = parse(R"(graph @g {
  input %x : f32[2]
  param frozen %count : f32[] = [0]
  param %unused : f32[] = [0]
  %one = Constant() {value = tensor<f32[]> [1]} : f32[]
  %next = Add(%count, %one) : f32[]
  output %x
  update %count = %next
}
)");
  CHECK(lone->removeUnusedParams() == 1);
  CHECK(lone->findValue("count"));
  CHECK_FALSE(lone->findValue("unused"));
}

TEST_CASE("constant folding never folds a frozen parameter that is updated") {
  auto g = parse(R"(graph @g {
  input %x : f32[]
  param frozen %count : f32[] = [0]
  %one = Constant() {value = tensor<f32[]> [1]} : f32[]
  %next = Add(%count, %one) : f32[]
  %y = Mul(%x, %next) : f32[]
  output %y
  update %count = %next
}
)");
  passes::PassManager pm;
  REQUIRE(pm.addStandardPipeline().isOk());
  auto changed = pm.run(*g);
  INFO(changed.status().message());
  REQUIRE(changed.ok());
  const std::string text = ir::printGraph(*g);
  CHECK_THAT(text, Catch::Contains("Add(%count, %one)"));
  CHECK_THAT(text, Catch::Contains("update %count = %next"));
}

TEST_CASE("a training step has the step signature, one update per parameter and moment") {
  auto model = classifier();
  passes::TrainingOptions options;
  options.loss = passes::LossKind::CrossEntropy;
  options.optimizer.kind = passes::OptimizerKind::Adam;
  auto step = passes::buildTrainingStep(*model, options);
  INFO(step.status().message());
  REQUIRE(step.ok());
  const ir::Graph& g = *step->graph;
  CHECK(step->input == "x");
  CHECK(step->labels == "labels");
  CHECK(step->loss == "loss");
  CHECK(step->correct == "correct");
  CHECK(named(g, "labels")->type() == ir::TensorType{DType::I64, {4}});
  REQUIRE(g.outputs().size() == 2);
  CHECK(g.outputs()[0]->type() == ir::TensorType{DType::F32, {}});
  CHECK(g.outputs()[1]->type() == ir::TensorType{DType::I64, {}});
  CHECK(step->params == std::vector<std::string>{"w1", "b1", "w2", "b2"});
  // 4 parameters, 8 moments, the step count.
  CHECK(g.stateUpdates().size() == 13);
  CHECK(step->state.size() == 13);
  CHECK(named(g, "w1.m")->updated());
  CHECK_FALSE(named(g, "w1.v")->trainable());
  CHECK(named(g, "optimizer.step")->dtype() == DType::F64);
  // The Keras form is rewritten: no Softmax is left, the loss reads LogSoftmax of the logits.
  std::string text = ir::printGraph(g);
  CHECK_THAT(text, !Catch::Contains("= Softmax(") && Catch::Contains("LogSoftmax(%z)"));
  // The step still verifies after the standard pipeline (fold must keep the moments).
  passes::PassManager pm;
  REQUIRE(pm.addStandardPipeline().isOk());
  auto copy = g.clone();
  REQUIRE(pm.run(*copy).ok());
  CHECK(copy->stateUpdates().size() == 13);
  CHECK(ir::verifyGraph(*copy).isOk());
}

TEST_CASE("SGD without momentum has no moments, the eval step has no updates") {
  auto model = classifier();
  passes::TrainingOptions options;
  options.optimizer.kind = passes::OptimizerKind::Sgd;
  options.optimizer.lr = 0.1;
  auto step = passes::buildTrainingStep(*model, options);
  REQUIRE(step.ok());
  CHECK(step->graph->stateUpdates().size() == 4);
  auto eval = passes::buildEvalStep(*model, passes::LossKind::CrossEntropy);
  REQUIRE(eval.ok());
  CHECK(eval->graph->stateUpdates().empty());
  CHECK(eval->state.empty());
}

TEST_CASE("loss values: cross-entropy, mse and bce against hand-computed numbers") {
  // Logits [ln 1, ln 2, ln 5] for every row: p = [1/8, 2/8, 5/8].
  auto logitsModel = parse(R"(graph @m {
  input %x : f32[2,3]
  %y = Softmax(%x) {axis = -1} : f32[2,3]
  output %y
}
)");
  auto eval = passes::buildEvalStep(*logitsModel, passes::LossKind::CrossEntropy);
  INFO(eval.status().message());
  REQUIRE(eval.ok());
  const float l2 = std::log(2.0f), l5 = std::log(5.0f);
  std::map<std::string, Tensor, std::less<>> feeds;
  feeds.emplace("x", Tensor::fromVector<float>({2, 3}, {0, l2, l5, 0, l2, l5}));
  feeds.emplace("labels", Tensor::fromVector<int64_t>({2}, {2, 0}));
  auto out = ir::interpretGraph(*eval->graph, feeds);
  INFO(out.status().message());
  REQUIRE(out.ok());
  // -(ln(5/8) + ln(1/8)) / 2
  CHECK((*out)[0].elementAsDouble(0) == Approx(-(std::log(5.0 / 8) + std::log(1.0 / 8)) / 2).epsilon(1e-6));
  CHECK((*out)[1].elementAsDouble(0) == 1);

  auto probs = parse(R"(graph @m {
  input %x : f32[2,2]
  %y = Identity(%x) : f32[2,2]
  output %y
}
)");
  feeds.clear();
  feeds.emplace("x", Tensor::fromVector<float>({2, 2}, {0.9f, 0.2f, 0.4f, 0.7f}));
  feeds.emplace("labels", Tensor::fromVector<float>({2, 2}, {1, 0, 1, 1}));
  auto mse = passes::buildEvalStep(*probs, passes::LossKind::MeanSquaredError);
  REQUIRE(mse.ok());
  out = ir::interpretGraph(*mse->graph, feeds);
  REQUIRE(out.ok());
  CHECK((*out)[0].elementAsDouble(0) == Approx((0.01 + 0.04 + 0.36 + 0.09) / 4).epsilon(1e-6));
  // argmax rows: y [0, 1] vs labels [0, 0 (first of the tie)]
  CHECK((*out)[1].elementAsDouble(0) == 1);
  auto bce = passes::buildEvalStep(*probs, passes::LossKind::BinaryCrossEntropy);
  REQUIRE(bce.ok());
  out = ir::interpretGraph(*bce->graph, feeds);
  REQUIRE(out.ok());
  const double expected = -(std::log(0.9) + std::log(0.8) + std::log(0.4) + std::log(0.7)) / 4;
  CHECK((*out)[0].elementAsDouble(0) == Approx(expected).epsilon(1e-6));
  // (y > 0.5) == (t > 0.5): yes, yes, no, yes
  CHECK((*out)[1].elementAsDouble(0) == 3);
}

TEST_CASE("a model that does not fit the loss is an error saying what was expected") {
  passes::TrainingOptions options;
  auto fails = [&](const ir::Graph& m, passes::LossKind loss) {
    options.loss = loss;
    auto s = passes::buildTrainingStep(m, options);
    REQUIRE_FALSE(s.ok());
    CHECK(s.status().kind() == ErrorKind::InvalidInput);
    return s.status().message();
  };
  auto relu = classifier("Relu(%z)");
  CHECK_THAT(fails(*relu, passes::LossKind::CrossEntropy),
             Catch::Contains("must come from a Softmax") && Catch::Contains("Relu") &&
                 Catch::Contains("cross-entropy-logits"));
  auto flat = classifier("Reshape(%z) {shape = [12]}", "f32[12]");
  CHECK_THAT(fails(*flat, passes::LossKind::CrossEntropyLogits),
             Catch::Contains("f32[12]") && Catch::Contains("expected scores of shape [batch, classes]"));
  auto sum = classifier("ReduceSum(%z) {keepdims = 0}", "f32[]");
  CHECK_THAT(fails(*sum, passes::LossKind::MeanSquaredError), Catch::Contains("scalar"));
  auto frozen = parse(R"(graph @m {
  input %x : f32[2,3]
  param frozen %w : f32[3] = [1, 2, 3]
  %z = Mul(%x, %w) : f32[2,3]
  output %z
}
)");
  CHECK_THAT(fails(*frozen, passes::LossKind::CrossEntropyLogits), Catch::Contains("no trainable"));
  auto model = classifier();
  options.optimizer.lr = -1;
  CHECK_THAT(fails(*model, passes::LossKind::CrossEntropy), Catch::Contains("learning rate"));
  options.optimizer = passes::OptimizerOptions{};
  options.optimizer.kind = passes::OptimizerKind::Sgd;
  options.optimizer.nesterov = true;
  CHECK_THAT(fails(*model, passes::LossKind::CrossEntropy), Catch::Contains("Nesterov"));
  CHECK_THAT(passes::parseLossKind("hinge").status().message(), Catch::Contains("expected cross-entropy"));
  CHECK_THAT(passes::optimizerPreset("rmsprop").status().message(), Catch::Contains("sgd, momentum, adam or adamw"));
  auto adamw = passes::optimizerPreset("adamw");
  REQUIRE(adamw.ok());
  CHECK(adamw->weightDecay == 0.01);
}
