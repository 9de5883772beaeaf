// Loop-level forms of the elementwise, broadcast and activation ops: one
// scalar expression per result element, built from the kernel IR's
// primitive operations. Formulas follow the reference kernels (ir/ops/);
// they compute in the operand dtype step by step, where the reference
// rounds once from double, so f32 results differ by a few ulp.
#include <cmath>
#include <numbers>

#include "ir/kernel/LoweringRules.h"

namespace ingot::ir::lowering {

void attach(OpRegistry& r, std::string_view name, LoweringRule rule) {
  if (OpDef* def = r.findMutable(name)) def->lowering = std::move(rule);
}

namespace {

using kir::BinaryOp;
using kir::ExprId;
using kir::UnaryOp;

// f(ctx, builder, operands at the result index) -> the result element.
using ElementFn = std::function<Expected<ExprId>(LoweringContext&, kir::KernelBuilder&, const std::vector<ExprId>&)>;

LoweringRule elementRule(ElementFn fn) {
  return [fn = std::move(fn)](LoweringContext& ctx) -> Status {
    std::vector<ExprId> x;
    for (size_t i = 0; i < ctx.op().numOperands(); ++i) {
      if (!ctx.op().hasOperand(i)) {
        x.push_back(kir::kNoExpr);
        continue;
      }
      INGOT_ASSIGN_OR_RETURN(ExprId v, ctx.operandBroadcast(i));
      x.push_back(v);
    }
    INGOT_ASSIGN_OR_RETURN(ExprId out, fn(ctx, ctx.builder(), x));
    ctx.setResult(out);
    return Status::ok();
  };
}

LoweringRule unaryRule(std::function<ExprId(kir::KernelBuilder&, ExprId, DType)> f) {
  return elementRule([f = std::move(f)](LoweringContext& ctx, kir::KernelBuilder& b, const std::vector<ExprId>& x)
                         -> Expected<ExprId> { return f(b, x[0], ctx.op().operandType(0).dtype); });
}

LoweringRule primitive(UnaryOp op) {
  return unaryRule([op](kir::KernelBuilder& b, ExprId x, DType) { return b.unary(op, x); });
}

LoweringRule primitive(BinaryOp op) {
  return elementRule([op](LoweringContext&, kir::KernelBuilder& b, const std::vector<ExprId>& x)
                         -> Expected<ExprId> { return b.binary(op, x[0], x[1]); });
}

// Helpers for formulas in the operand's dtype.
struct Math {
  kir::KernelBuilder& b;
  DType t;
  ExprId c(double v) const { return b.constOf(t, v); }
  ExprId add(ExprId x, ExprId y) const { return b.binary(BinaryOp::Add, x, y); }
  ExprId sub(ExprId x, ExprId y) const { return b.binary(BinaryOp::Sub, x, y); }
  ExprId mul(ExprId x, ExprId y) const { return b.binary(BinaryOp::Mul, x, y); }
  ExprId div(ExprId x, ExprId y) const { return b.binary(BinaryOp::Div, x, y); }
  ExprId max(ExprId x, ExprId y) const { return b.binary(BinaryOp::Max, x, y); }
  ExprId min(ExprId x, ExprId y) const { return b.binary(BinaryOp::Min, x, y); }
  ExprId lt(ExprId x, ExprId y) const { return b.binary(BinaryOp::Lt, x, y); }
  ExprId gt(ExprId x, ExprId y) const { return b.binary(BinaryOp::Gt, x, y); }
  ExprId exp(ExprId x) const { return b.unary(UnaryOp::Exp, x); }
  ExprId log(ExprId x) const { return b.unary(UnaryOp::Log, x); }
  ExprId tanh(ExprId x) const { return b.unary(UnaryOp::Tanh, x); }
  ExprId sel(ExprId cond, ExprId x, ExprId y) const { return b.select(cond, x, y); }
  ExprId softplus(ExprId x) const {
    // log(1 + e^x) without overflow: x + log(1 + e^-x) for x > 0.
    return sel(gt(x, c(0)), add(x, log(add(c(1), exp(b.unary(UnaryOp::Neg, x))))), log(add(c(1), exp(x))));
  }
  ExprId sigmoid(ExprId x) const { return div(c(1), add(c(1), exp(b.unary(UnaryOp::Neg, x)))); }
  ExprId hardSigmoid(ExprId x, double alpha, double beta) const { return max(c(0), min(c(1), add(mul(c(alpha), x), c(beta)))); }
};

// The attribute-free activation formulas.
LoweringRule mathRule(std::function<ExprId(const Math&, ExprId, const OpContext&)> f) {
  return elementRule([f = std::move(f)](LoweringContext& ctx, kir::KernelBuilder& b, const std::vector<ExprId>& x)
                         -> Expected<ExprId> {
    Math m{b, ctx.op().operandType(0).dtype};
    return f(m, x[0], ctx.op());
  });
}

void registerUnary(OpRegistry& r) {
  const std::pair<const char*, UnaryOp> primitives[] = {
      {"Neg", UnaryOp::Neg},       {"Abs", UnaryOp::Abs},         {"Sign", UnaryOp::Sign},
      {"Exp", UnaryOp::Exp},       {"Log", UnaryOp::Log},         {"Sqrt", UnaryOp::Sqrt},
      {"Sin", UnaryOp::Sin},       {"Cos", UnaryOp::Cos},         {"Tan", UnaryOp::Tan},
      {"Asin", UnaryOp::Asin},     {"Acos", UnaryOp::Acos},       {"Atan", UnaryOp::Atan},
      {"Sinh", UnaryOp::Sinh},     {"Cosh", UnaryOp::Cosh},       {"Tanh", UnaryOp::Tanh},
      {"Asinh", UnaryOp::Asinh},   {"Acosh", UnaryOp::Acosh},     {"Atanh", UnaryOp::Atanh},
      {"Erf", UnaryOp::Erf},       {"Floor", UnaryOp::Floor},     {"Ceil", UnaryOp::Ceil},
      {"Round", UnaryOp::RoundEven}, {"Not", UnaryOp::Not},       {"BitwiseNot", UnaryOp::BitNot},
      {"IsNaN", UnaryOp::IsNaN},
  };
  for (const auto& [name, op] : primitives) attach(r, name, primitive(op));
  attach(r, "Identity", unaryRule([](kir::KernelBuilder&, ExprId x, DType) { return x; }));
  attach(r, "Reciprocal", mathRule([](const Math& m, ExprId x, const OpContext&) { return m.div(m.c(1), x); }));
  attach(r, "IsInf", mathRule([](const Math& m, ExprId x, const OpContext& op) {
           ExprId pos = m.b.binary(BinaryOp::Eq, x, m.c(INFINITY));
           ExprId neg = m.b.binary(BinaryOp::Eq, x, m.c(-INFINITY));
           ExprId no = m.b.constBool(false);
           return m.b.binary(BinaryOp::Or, op.getInt("detect_positive") ? pos : no,
                             op.getInt("detect_negative") ? neg : no);
         }));
  attach(r, "Cast", elementRule([](LoweringContext& ctx, kir::KernelBuilder& b, const std::vector<ExprId>& x)
                                    -> Expected<ExprId> { return b.cast(x[0], ctx.resultType().dtype); }));
  attach(r, "CastLike", elementRule([](LoweringContext& ctx, kir::KernelBuilder& b, const std::vector<ExprId>& x)
                                        -> Expected<ExprId> { return b.cast(x[0], ctx.resultType().dtype); }));
}

void registerActivations(OpRegistry& r) {
  attach(r, "Relu", mathRule([](const Math& m, ExprId x, const OpContext&) { return m.sel(m.lt(x, m.c(0)), m.c(0), x); }));
  attach(r, "LeakyRelu", mathRule([](const Math& m, ExprId x, const OpContext& op) {
           return m.sel(m.lt(x, m.c(0)), m.mul(m.c(op.getFloat("alpha")), x), x);
         }));
  attach(r, "ThresholdedRelu", mathRule([](const Math& m, ExprId x, const OpContext& op) {
           return m.sel(m.gt(x, m.c(op.getFloat("alpha"))), x, m.c(0));
         }));
  attach(r, "Elu", mathRule([](const Math& m, ExprId x, const OpContext& op) {
           return m.sel(m.lt(x, m.c(0)), m.mul(m.c(op.getFloat("alpha")), m.sub(m.exp(x), m.c(1))), x);
         }));
  attach(r, "Celu", mathRule([](const Math& m, ExprId x, const OpContext& op) {
           const double alpha = op.getFloat("alpha");
           ExprId em1 = m.sub(m.exp(m.div(x, m.c(alpha))), m.c(1));
           return m.add(m.max(m.c(0), x), m.min(m.c(0), m.mul(m.c(alpha), em1)));
         }));
  attach(r, "Selu", mathRule([](const Math& m, ExprId x, const OpContext& op) {
           const double alpha = op.getFloat("alpha"), gamma = op.getFloat("gamma");
           return m.sel(m.gt(x, m.c(0)), m.mul(m.c(gamma), x),
                        m.mul(m.c(gamma * alpha), m.sub(m.exp(x), m.c(1))));
         }));
  attach(r, "Sigmoid", mathRule([](const Math& m, ExprId x, const OpContext&) { return m.sigmoid(x); }));
  attach(r, "HardSigmoid", mathRule([](const Math& m, ExprId x, const OpContext& op) {
           return m.hardSigmoid(x, op.getFloat("alpha"), op.getFloat("beta"));
         }));
  attach(r, "HardSwish", mathRule([](const Math& m, ExprId x, const OpContext&) {
           return m.mul(x, m.hardSigmoid(x, 1.0 / 6.0, 0.5));
         }));
  attach(r, "Gelu", mathRule([](const Math& m, ExprId x, const OpContext& op) {
           ExprId half = m.mul(m.c(0.5), x);
           if (op.getString("approximate") == "tanh") {
             ExprId cube = m.mul(m.mul(x, x), x);
             ExprId inner = m.mul(m.c(std::sqrt(2.0 / std::numbers::pi)), m.add(x, m.mul(m.c(0.044715), cube)));
             return m.mul(half, m.add(m.c(1), m.tanh(inner)));
           }
           return m.mul(half, m.add(m.c(1), m.b.unary(UnaryOp::Erf, m.mul(x, m.c(1.0 / std::numbers::sqrt2)))));
         }));
  attach(r, "Softplus", mathRule([](const Math& m, ExprId x, const OpContext&) { return m.softplus(x); }));
  attach(r, "Softsign", mathRule([](const Math& m, ExprId x, const OpContext&) {
           return m.div(x, m.add(m.c(1), m.b.unary(UnaryOp::Abs, x)));
         }));
  attach(r, "Mish", mathRule([](const Math& m, ExprId x, const OpContext&) { return m.mul(x, m.tanh(m.softplus(x))); }));
  attach(r, "PRelu", elementRule([](LoweringContext& ctx, kir::KernelBuilder& b, const std::vector<ExprId>& x)
                                     -> Expected<ExprId> {
           Math m{b, ctx.op().operandType(0).dtype};
           return m.sel(m.lt(x[0], m.c(0)), m.mul(x[1], x[0]), x[0]);
         }));
}

void registerBinary(OpRegistry& r) {
  const std::pair<const char*, BinaryOp> primitives[] = {
      {"Add", BinaryOp::Add},         {"Sub", BinaryOp::Sub},           {"Mul", BinaryOp::Mul},
      {"Div", BinaryOp::Div},         {"And", BinaryOp::And},           {"Or", BinaryOp::Or},
      {"Xor", BinaryOp::Xor},         {"BitwiseAnd", BinaryOp::BitAnd}, {"BitwiseOr", BinaryOp::BitOr},
      {"BitwiseXor", BinaryOp::BitXor}, {"Equal", BinaryOp::Eq},        {"Less", BinaryOp::Lt},
      {"LessOrEqual", BinaryOp::Le},  {"Greater", BinaryOp::Gt},        {"GreaterOrEqual", BinaryOp::Ge},
  };
  for (const auto& [name, op] : primitives) attach(r, name, primitive(op));
  attach(r, "BitShift", elementRule([](LoweringContext& ctx, kir::KernelBuilder& b, const std::vector<ExprId>& x)
                                        -> Expected<ExprId> {
           return b.binary(ctx.op().getString("direction") == "LEFT" ? BinaryOp::Shl : BinaryOp::Shr, x[0], x[1]);
         }));
  attach(r, "Mod", elementRule([](LoweringContext& ctx, kir::KernelBuilder& b, const std::vector<ExprId>& x)
                                   -> Expected<ExprId> {
           ExprId rem = b.binary(BinaryOp::Rem, x[0], x[1]);
           const DType t = ctx.op().operandType(0).dtype;
           if (ctx.op().getInt("fmod") != 0 || !isSigned(t) || isFloat(t)) return rem;
           // Python's sign convention: a nonzero remainder takes the divisor's sign.
           ExprId zero = b.constInt(0, t);
           ExprId differ = b.binary(BinaryOp::Ne, b.binary(BinaryOp::Lt, rem, zero), b.binary(BinaryOp::Lt, x[1], zero));
           ExprId fix = b.binary(BinaryOp::And, b.binary(BinaryOp::Ne, rem, zero), differ);
           return b.select(fix, b.binary(BinaryOp::Add, rem, x[1]), rem);
         }));
  attach(r, "Pow", elementRule([](LoweringContext& ctx, kir::KernelBuilder& b, const std::vector<ExprId>& x)
                                   -> Expected<ExprId> {
           const DType base = ctx.op().operandType(0).dtype, exponent = ctx.op().operandType(1).dtype;
           if (!isFloat(base) || base != exponent) return ctx.unsupported("Pow of mixed or integer dtypes");
           return b.binary(BinaryOp::Pow, x[0], x[1]);
         }));
  attach(r, "Where", elementRule([](LoweringContext&, kir::KernelBuilder& b, const std::vector<ExprId>& x)
                                     -> Expected<ExprId> { return b.select(x[0], x[1], x[2]); }));
  // Variadic folds: Max/Min propagate NaN like the primitive; Mean divides.
  const std::pair<const char*, BinaryOp> folds[] = {
      {"Max", BinaryOp::Max}, {"Min", BinaryOp::Min}, {"Sum", BinaryOp::Add}, {"Mean", BinaryOp::Add}};
  for (const auto& [name, op] : folds) {
    const bool mean = std::string_view(name) == "Mean";
    attach(r, name, elementRule([op, mean](LoweringContext& ctx, kir::KernelBuilder& b, const std::vector<ExprId>& x)
                                    -> Expected<ExprId> {
             ExprId acc = x[0];
             for (size_t i = 1; i < x.size(); ++i) acc = b.binary(op, acc, x[i]);
             if (!mean) return acc;
             const DType t = ctx.resultType().dtype;
             if (!isFloat(t)) return ctx.unsupported("integer Mean");
             return b.binary(BinaryOp::Div, acc, b.constOf(t, static_cast<double>(x.size())));
           }));
  }
  // Clip's bounds are one-element tensors, read at element 0.
  attach(r, "Clip", [](LoweringContext& ctx) -> Status {
    kir::KernelBuilder& b = ctx.builder();
    INGOT_ASSIGN_OR_RETURN(ExprId v, ctx.operandAt(0, ctx.resultIndex()));
    if (ctx.op().hasOperand(1)) {
      INGOT_ASSIGN_OR_RETURN(ExprId lo, ctx.operandFlat(1, b.constInt(0)));
      v = b.binary(BinaryOp::Max, v, lo);
    }
    if (ctx.op().hasOperand(2)) {
      INGOT_ASSIGN_OR_RETURN(ExprId hi, ctx.operandFlat(2, b.constInt(0)));
      v = b.binary(BinaryOp::Min, v, hi);
    }
    ctx.setResult(v);
    return Status::ok();
  });
}

}  // namespace

void registerElementwiseLowerings(OpRegistry& r) {
  registerUnary(r);
  registerActivations(r);
  registerBinary(r);
}

}  // namespace ingot::ir::lowering
