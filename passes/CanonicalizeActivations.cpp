// Canonicalization patterns that recognize an activation exported as a
// subgraph and replace it with the one op:
//   - Log(Softmax(x, axis)) -> LogSoftmax(x, axis). Exact in real arithmetic;
//     in floats LogSoftmax is the more accurate of the two (no log of an
//     underflowed 0).
//   - the erf form of GELU, x * 0.5 * (1 + erf(x / sqrt(2))), in the
//     association orders exporters emit -> Gelu(x). PyTorch writes
//     Mul(Mul(x, Add(Erf(Div(x, 1.4142135)), 1)), 0.5); others group
//     Mul(Mul(x, 0.5), ...) or scale by 1/sqrt(2) with a Mul. Equal up to
//     float rounding.
// Every intermediate the rewrite deletes must have the pattern as its only
// user; constants must be compile-time constants (constantData), never
// trainable parameters.
#include <cmath>

#include "passes/Canonicalize.h"
#include "passes/RewriteUtil.h"

namespace ingot::passes {

namespace {

Expected<bool> softmaxLogToLogSoftmax(RewriteContext& ctx, ir::Node& root) {
  ir::Node* softmax = ctx.producerOf(root.operand(0), "Softmax");
  if (!softmax || !ctx.hasSingleUse(softmax->result())) return false;
  ir::AttrMap attrs;
  attrs["axis"] = ir::Attribute(softmax->getInt("axis", -1));
  INGOT_ASSIGN_OR_RETURN(bool fired,
                         ctx.replaceRootWithNew(root, "LogSoftmax", {softmax->operand(0)}, std::move(attrs)));
  if (fired) ctx.retire(softmax);
  return fired;
}

constexpr double kSqrt2 = 1.41421356237309504880;

// The operand of binary node `n` beside a scalar constant `c`: `c` must be
// the second operand, or either one when the op commutes. Null otherwise.
const ir::Value* operandBesideScalar(const ir::Node& n, double c, bool commutes) {
  if (isScalarConstant(n.operand(1), c)) return n.operand(0);
  if (commutes && isScalarConstant(n.operand(0), c)) return n.operand(1);
  return nullptr;
}

// x / sqrt(2) or x * (1 / sqrt(2)): returns x, or null.
const ir::Value* matchScaledBySqrtHalf(const RewriteContext& ctx, const ir::Value* v,
                                       std::vector<ir::Node*>& matched) {
  if (!ctx.hasSingleUse(v)) return nullptr;
  const ir::Value* x = nullptr;
  ir::Node* n = nullptr;
  if ((n = ctx.producerOf(v, "Div"))) x = operandBesideScalar(*n, kSqrt2, false);
  else if ((n = ctx.producerOf(v, "Mul"))) x = operandBesideScalar(*n, 1.0 / kSqrt2, true);
  if (x) matched.push_back(n);
  return x;
}

// 1 + erf(x / sqrt(2)) (either Add order): returns x, or null.
const ir::Value* matchOnePlusErf(const RewriteContext& ctx, const ir::Value* v, std::vector<ir::Node*>& matched) {
  ir::Node* add = ctx.producerOf(v, "Add");
  if (!add || !ctx.hasSingleUse(v)) return nullptr;
  const ir::Value* erfValue = operandBesideScalar(*add, 1.0, true);
  ir::Node* erf = ctx.producerOf(erfValue, "Erf");
  if (!erf || !ctx.hasSingleUse(erfValue)) return nullptr;
  const ir::Value* x = matchScaledBySqrtHalf(ctx, erf->operand(0), matched);
  if (x) {
    matched.push_back(add);
    matched.push_back(erf);
  }
  return x;
}

// The root Mul and at most one single-use Mul below it give three factors:
// x, 0.5 and 1 + erf(x / sqrt(2)), in any order.
Expected<bool> erfToGelu(RewriteContext& ctx, ir::Node& root) {
  std::vector<ir::Value*> factors;
  std::vector<ir::Node*> matched;
  for (ir::Value* o : root.operands()) {
    ir::Node* inner = ctx.producerOf(o, "Mul");
    if (inner && ctx.hasSingleUse(o) && matched.empty()) {
      matched.push_back(inner);
      factors.insert(factors.end(), inner->operands().begin(), inner->operands().end());
    } else {
      factors.push_back(o);
    }
  }
  if (factors.size() != 3) return false;
  for (size_t half = 0; half < 3; ++half) {
    if (!isScalarConstant(factors[half], 0.5)) continue;
    for (size_t erfSide = 0; erfSide < 3; ++erfSide) {
      if (erfSide == half) continue;
      ir::Value* x = factors[3 - half - erfSide];
      std::vector<ir::Node*> erfNodes;
      if (matchOnePlusErf(ctx, factors[erfSide], erfNodes) != x) continue;
      // Broadcasting against a constant of higher rank would change the
      // shape; Gelu(x) has x's type, so the root must too.
      if (x->type() != root.result()->type()) return false;
      INGOT_ASSIGN_OR_RETURN(bool fired, ctx.replaceRootWithNew(root, "Gelu", {x}, {}));
      if (!fired) return false;
      for (ir::Node* n : matched) ctx.retire(n);
      for (ir::Node* n : erfNodes) ctx.retire(n);
      return true;
    }
  }
  return false;
}

const RewritePattern kActivationPatterns[] = {
    {"softmax-log-to-logsoftmax", "Log", &softmaxLogToLogSoftmax},
    {"erf-to-gelu", "Mul", &erfToGelu},
};

}  // namespace

std::span<const RewritePattern> activationPatterns() { return kActivationPatterns; }

}  // namespace ingot::passes
