// Finite-difference gradient checks: the oracle for gradient rules.
//
// A case is one op (or a small subgraph) with operand shapes, attributes
// and input data. The checker builds it in a float dtype with the loss
//   L = sum_j sum(result_j * W_j)        (W_j fixed random weights)
// so every element of every result matters, differentiates L with
// appendGradients, evaluates the gradients with the reference interpreter,
// and compares them with central differences of L per input element
// (checkAgainstFiniteDifferences, in f64), or with the same case's
// gradients in another dtype (compareAcrossDTypes: f32 against f64).
// gradientCheckCases() is the table of cases: at least one for every op
// with a gradient rule (tests enforce this); the conformance harness runs
// the same table on every backend.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ir/Attribute.h"
#include "ir/Graph.h"
#include "support/Status.h"
#include "support/Tensor.h"

namespace ingot::passes {

struct GradCheckOperand {
  Shape shape;
  // Fixed data: integer targets, bool conditions, chosen float values. A
  // float tensor is converted to the case's dtype. Without it the operand
  // is random in [lo, hi].
  std::optional<Tensor> data;
  double lo = -1, hi = 1;
  // Random values stay at least 0.05 away from these (kinks: Relu at 0).
  std::vector<double> avoid;
  bool differentiate = true;  // float operands only
  bool absent = false;        // an absent optional operand
};

struct GradCheckCase {
  std::string name;  // unique in the table
  std::string op;    // the op whose rule this case checks ("" for composite cases)
  std::vector<GradCheckOperand> operands;
  ir::AttrMap attrs;
  // Results that enter the loss; empty: every float result.
  std::vector<size_t> lossResults;
  // Builds a subgraph from the operand values instead of one `op` node and
  // returns the values that enter the loss.
  std::function<Expected<std::vector<ir::Value*>>(ir::Graph&, const std::vector<ir::Value*>&)> build;
};

struct GradCheckOptions {
  DType dtype = DType::F64;
  double step = 1e-6;  // central-difference step
  double rtol = 1e-6;
  double atol = 1e-6;
};

struct GradCheckReport {
  std::vector<std::string> failures;  // one line per mismatching element
  int64_t checkedElements = 0;
  double maxAbsError = 0;
  // The element farthest outside its tolerance (largest
  // |got - want| / (atol + rtol |want|)), described like a failure line;
  // empty when every element is within it.
  std::string worst;
  double worstRatio = 0;
  bool ok() const { return failures.empty(); }
};

// A case's gradient graph, ready to compile with any backend: the forward
// graph with the loss, the backward nodes appended (appendGradients), and
// the graph's outputs set to the loss followed by dL/d(wrt[i]) for each
// differentiated input; `inputs` holds the data of every graph input
// (random data are drawn as f32-representable numbers from a seed of the
// case name, so every dtype and every call sees the same numbers). The
// graph is verified.
struct GradientGraph {
  std::unique_ptr<ir::Graph> graph;
  std::map<std::string, Tensor, std::less<>> inputs;
  std::vector<std::string> wrt;  // differentiated input names, in operand order
};
Expected<GradientGraph> buildGradientGraph(const GradCheckCase& c, DType dtype);

// The case's analytic gradients in `dtype`, one tensor per differentiated
// operand (in operand order). Also verifies the graph with the backward
// nodes appended.
Expected<std::vector<Tensor>> analyticGradients(const GradCheckCase& c, DType dtype);

// Analytic gradients against central finite differences of the loss.
Expected<GradCheckReport> checkAgainstFiniteDifferences(const GradCheckCase& c, const GradCheckOptions& options = {});

// The case's analytic gradients in `dtype` against those in `reference`
// (same input values: random data are drawn as f32-representable numbers).
Expected<GradCheckReport> compareAcrossDTypes(const GradCheckCase& c, DType dtype, DType reference, double rtol,
                                              double atol);

// Every gradient-check case: each op with a rule, with representative
// attributes, broadcasting and edge cases, plus composite models.
std::vector<GradCheckCase> gradientCheckCases();

}  // namespace ingot::passes
