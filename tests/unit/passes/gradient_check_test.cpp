// Gradient checks: every op with a gradient rule has a case in the table
// (passes/GradientCheck.h), every case matches central finite differences
// in f64, and the same gradients computed in f32 match the f64 ones.
#include <catch2/catch.hpp>

#include <set>

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

TEST_CASE("the ops training needs have gradient rules") {
  for (const char* name :
       {"Add", "Sub", "Mul", "Div", "Neg", "Exp", "Log", "Sqrt", "Pow", "Abs", "Reciprocal", "Relu", "LeakyRelu",
        "Sigmoid", "Tanh", "Gelu", "Softmax", "LogSoftmax", "MatMul", "Gemm", "Reshape", "Flatten", "Transpose",
        "Squeeze", "Unsqueeze", "Concat", "Slice", "ReduceSum", "ReduceMean", "Identity", "Cast", "Clip", "Max", "Min",
        "Where", "NegativeLogLikelihoodLoss", "SoftmaxCrossEntropyLoss", "Dropout"}) {
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
