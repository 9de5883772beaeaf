// Gradient checks: every op with a gradient rule has a case in the table
// (passes/GradientCheck.h), every case matches central finite differences
// in f64, and the same gradients computed in f32 match the f64 ones.
#include <catch2/catch.hpp>

#include <map>
#include <set>
#include <string>

#include "ir/OpRegistry.h"
#include "passes/GradientCheck.h"

using namespace ingot;

TEST_CASE("every op with a gradient rule has a gradient-check case, and every case checks a rule") {
  const std::vector<passes::GradCheckCase> cases = passes::gradientCheckCases();
  std::set<std::string> checked, names;
  for (const auto& c : cases) {
    INFO("case " << c.name);
    CHECK(names.insert(c.name).second);  // unique names
    if (c.op.empty()) {
      CHECK(c.build);
      continue;
    }
    checked.insert(c.op);
    const ir::OpDef* op = ir::OpRegistry::builtin().find(c.op);
    REQUIRE(op);
    CHECK(op->gradient);
  }
  for (const ir::OpDef* op : ir::OpRegistry::builtin().all()) {
    if (!op->gradient) continue;
    INFO("op " << op->name << " has a gradient rule but no gradient-check case");
    CHECK(checked.count(op->name) == 1);
  }
}

TEST_CASE("every op without a gradient rule is one that is not differentiable") {
  // Each entry says why no rule is needed. A new op lands either with a rule
  // (ir/grads/) and a gradient-check case, or here with its reason.
  const std::map<std::string, std::string> notDifferentiable = {
      {"And", "bool result"}, {"Or", "bool result"}, {"Xor", "bool result"}, {"Not", "bool result"},
      {"Equal", "bool result"}, {"Greater", "bool result"}, {"GreaterOrEqual", "bool result"},
      {"Less", "bool result"}, {"LessOrEqual", "bool result"}, {"IsInf", "bool result"},
      {"IsNaN", "bool result"}, {"ArgMax", "integer result"}, {"ArgMin", "integer result"},
      {"BitShift", "integer operands"}, {"BitwiseAnd", "integer operands"}, {"BitwiseOr", "integer operands"},
      {"BitwiseXor", "integer operands"}, {"BitwiseNot", "integer operands"}, {"Shape", "integer result"},
      {"Size", "integer result"}, {"Constant", "no operands"}, {"ConstantOfShape", "no operands"},
      {"Range", "no operands (start, limit, delta are attributes)"},
      {"Fused", "autodiff runs before fusion; unfuse to differentiate a fused graph"},
      {"AdamUpdate", "an optimizer step: it consumes gradients, training does not differentiate it"},
  };
  for (const ir::OpDef* op : ir::OpRegistry::builtin().all()) {
    INFO("op " << op->name << " has no gradient rule: add one in ir/grads/ with a gradient-check case, or list it "
                              "here with the reason it is not differentiable");
    if (op->gradient) CHECK(notDifferentiable.count(op->name) == 0);
    else CHECK(notDifferentiable.count(op->name) == 1);
  }
}

TEST_CASE("the ops training needs have gradient rules") {
  for (const char* name :
       {"Add", "Sub", "Mul", "Div", "Neg", "Exp", "Log", "Sqrt", "Pow", "Abs", "Reciprocal", "Relu", "LeakyRelu",
        "Sigmoid", "Tanh", "Gelu", "Softmax", "LogSoftmax", "MatMul", "Gemm", "Reshape", "Flatten", "Transpose",
        "Squeeze", "Unsqueeze", "Concat", "Slice", "ReduceSum", "ReduceMean", "Identity", "Cast", "Clip", "Max", "Min",
        "Where", "NegativeLogLikelihoodLoss", "SoftmaxCrossEntropyLoss", "Dropout", "BatchNormalization",
        "LayerNormalization", "InstanceNormalization", "GroupNormalization", "Pad", "GatherElements", "ReduceProd"}) {
    INFO(name);
    const ir::OpDef* op = ir::OpRegistry::builtin().find(name);
    REQUIRE(op);
    CHECK(op->gradient);
  }
}

TEST_CASE("gradients match central finite differences in f64") {
  int64_t elements = 0;
  for (const auto& c : passes::gradientCheckCases()) {
    INFO("case " << c.name);
    auto report = passes::checkAgainstFiniteDifferences(c);
    INFO(report.status().message());
    REQUIRE(report.ok());
    for (const std::string& failure : report->failures) FAIL_CHECK(failure);
    CHECK(report->checkedElements > 0);
    elements += report->checkedElements;
  }
  CHECK(elements > 1000);
}

TEST_CASE("f32 gradients match f64 gradients") {
  for (const auto& c : passes::gradientCheckCases()) {
    INFO("case " << c.name);
    auto report = passes::compareAcrossDTypes(c, DType::F32, DType::F64, 1e-4, 1e-5);
    INFO(report.status().message());
    REQUIRE(report.ok());
    for (const std::string& failure : report->failures) FAIL_CHECK(failure);
  }
}

TEST_CASE("a wrong gradient is caught by the finite-difference check") {
  // The checker itself must be able to fail: the same correct Sigmoid rule
  // passes with a fine step and fails when the differences are too coarse
  // to approximate the derivative.
  passes::GradCheckCase c;
  c.name = "sigmoid";
  c.operands = {passes::GradCheckOperand{{3}}};
  c.build = [](ir::Graph& g, const std::vector<ir::Value*>& x) -> Expected<std::vector<ir::Value*>> {
    const ir::OpRegistry& r = ir::OpRegistry::builtin();
    INGOT_ASSIGN_OR_RETURN(ir::Node * s, g.addNode(*r.find("Sigmoid"), {x[0]}, {}));
    return std::vector<ir::Value*>{s->result()};
  };
  auto good = passes::checkAgainstFiniteDifferences(c);
  REQUIRE(good.ok());
  CHECK(good->ok());
  // A step so large that central differences are visibly wrong: the check must fail.
  passes::GradCheckOptions coarse;
  coarse.step = 0.5;
  auto bad = passes::checkAgainstFiniteDifferences(c, coarse);
  REQUIRE(bad.ok());
  CHECK_FALSE(bad->ok());
}

TEST_CASE("buildGradientGraph gives the loss and one gradient per differentiated input as outputs") {
  for (const auto& c : passes::gradientCheckCases()) {
    if (c.name != "mlp: Gemm Relu Gemm SoftmaxCrossEntropyLoss") continue;
    for (DType dtype : {DType::F32, DType::F64}) {
      auto gg = passes::buildGradientGraph(c, dtype);
      REQUIRE(gg.ok());
      // x0 (the data) and x5 (the labels) are not differentiated.
      CHECK(gg->wrt == std::vector<std::string>{"x1", "x2", "x3", "x4"});
      CHECK(gg->inputs.size() == 6);
      const auto& outputs = gg->graph->outputs();
      REQUIRE(outputs.size() == 5);
      CHECK(outputs[0]->shape() == Shape{});
      for (size_t i = 0; i < gg->wrt.size(); ++i) {
        INFO(gg->wrt[i]);
        CHECK(outputs[i + 1]->type() == gg->graph->findValue(gg->wrt[i])->type());
        CHECK(outputs[i + 1]->dtype() == dtype);
      }
    }
  }
  passes::GradCheckCase bad;
  bad.name = "int";
  bad.op = "Relu";
  bad.operands = {passes::GradCheckOperand{{2}}};
  CHECK_FALSE(passes::buildGradientGraph(bad, DType::I32).ok());
}
