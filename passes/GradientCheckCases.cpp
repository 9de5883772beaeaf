// The gradient-check table (passes/GradientCheck.h): at least one case per
// op with a gradient rule, with broadcasting, attribute variants and edge
// cases (absent optional operands, results left out of the loss). Random
// inputs keep away from kinks (Relu at 0, Clip bounds, rounding steps),
// where a central difference straddles two pieces.
#include "ir/OpRegistry.h"
#include "passes/GradientCheck.h"

namespace ingot::passes {
namespace {

using Operand = GradCheckOperand;
using ir::Attribute;

Operand in(Shape s, double lo = -1, double hi = 1) { return {std::move(s), std::nullopt, lo, hi}; }
Operand positive(Shape s) { return in(std::move(s), 0.5, 2.0); }
Operand avoiding(Shape s, std::vector<double> kinks, double lo = -1, double hi = 1) {
  Operand o = in(std::move(s), lo, hi);
  o.avoid = std::move(kinks);
  return o;
}
Operand fixed(Tensor t, bool differentiate = false) {
  Operand o;
  o.shape = t.shape();
  o.data = std::move(t);
  o.differentiate = differentiate;
  return o;
}
Operand notDifferentiated(Operand o) {
  o.differentiate = false;
  return o;
}
Operand absent() {
  Operand o;
  o.absent = true;
  return o;
}
Tensor f64s(Shape s, std::vector<double> v) { return Tensor::fromVector<double>(std::move(s), v); }
Tensor i64s(Shape s, std::vector<int64_t> v) { return Tensor::fromVector<int64_t>(std::move(s), v); }
Tensor i32s(Shape s, std::vector<int32_t> v) { return Tensor::fromVector<int32_t>(std::move(s), v); }
Tensor bools(Shape s, std::vector<bool> v) { return Tensor::fromVector<bool>(std::move(s), v); }
Attribute ints(std::vector<int64_t> v) { return Attribute(std::move(v)); }
Attribute i(int64_t v) { return Attribute(v); }
Attribute f(float v) { return Attribute(v); }
Attribute s(const char* v) { return Attribute(v); }

GradCheckCase op(std::string name, std::string opName, std::vector<Operand> operands, ir::AttrMap attrs = {},
                 std::vector<size_t> lossResults = {}) {
  GradCheckCase c;
  c.name = std::move(name);
  c.op = std::move(opName);
  c.operands = std::move(operands);
  c.attrs = std::move(attrs);
  c.lossResults = std::move(lossResults);
  return c;
}

// A unary op on a [2,3] operand in [lo, hi], away from `kinks`.
GradCheckCase unary(std::string opName, double lo = -1, double hi = 1, std::vector<double> kinks = {},
                    ir::AttrMap attrs = {}) {
  return op(opName, opName, {avoiding({2, 3}, std::move(kinks), lo, hi)}, std::move(attrs));
}

// Gemm + Relu + Gemm + SoftmaxCrossEntropyLoss: the seed's MLP in small.
GradCheckCase mlp() {
  GradCheckCase c;
  c.name = "mlp: Gemm Relu Gemm SoftmaxCrossEntropyLoss";
  c.operands = {notDifferentiated(in({4, 5})), in({5, 6}), in({6}), in({6, 3}), in({3}),
                fixed(i64s({4}, {2, 0, 1, 2}))};
  c.build = [](ir::Graph& g, const std::vector<ir::Value*>& x) -> Expected<std::vector<ir::Value*>> {
    const ir::OpRegistry& r = ir::OpRegistry::builtin();
    INGOT_ASSIGN_OR_RETURN(ir::Node * h, g.addNode(*r.find("Gemm"), {x[0], x[1], x[2]}, {}));
    INGOT_ASSIGN_OR_RETURN(ir::Node * a, g.addNode(*r.find("Relu"), {h->result()}, {}));
    INGOT_ASSIGN_OR_RETURN(ir::Node * o, g.addNode(*r.find("Gemm"), {a->result(), x[3], x[4]}, {}));
    INGOT_ASSIGN_OR_RETURN(ir::Node * l, g.addNode(*r.find("SoftmaxCrossEntropyLoss"), {o->result(), x[5]}, {}));
    return std::vector<ir::Value*>{l->result(0)};
  };
  return c;
}

// x used three times (a value with several users) and a multi-result node
// whose parts meet again: Split -> Mul -> Concat, plus Tanh(x) * x.
GradCheckCase sharedUses() {
  GradCheckCase c;
  c.name = "shared uses: Split parts and x reused";
  c.operands = {in({2, 4})};
  c.build = [](ir::Graph& g, const std::vector<ir::Value*>& x) -> Expected<std::vector<ir::Value*>> {
    const ir::OpRegistry& r = ir::OpRegistry::builtin();
    INGOT_ASSIGN_OR_RETURN(ir::Node * sp, g.addNode(*r.find("Split"), {x[0]}, {{"axis", i(1)}, {"num_outputs", i(2)}}));
    INGOT_ASSIGN_OR_RETURN(ir::Node * m, g.addNode(*r.find("Mul"), {sp->result(0), sp->result(1)}, {}));
    INGOT_ASSIGN_OR_RETURN(ir::Node * cat, g.addNode(*r.find("Concat"), {m->result(), sp->result(0)}, {{"axis", i(1)}}));
    INGOT_ASSIGN_OR_RETURN(ir::Node * t, g.addNode(*r.find("Tanh"), {x[0]}, {}));
    INGOT_ASSIGN_OR_RETURN(ir::Node * p, g.addNode(*r.find("Mul"), {t->result(), x[0]}, {}));
    return std::vector<ir::Value*>{cat->result(), p->result()};
  };
  return c;
}

void elementwiseCases(std::vector<GradCheckCase>& out) {
  out.push_back(op("Add same shape", "Add", {in({2, 3}), in({2, 3})}));
  out.push_back(op("Add broadcast row", "Add", {in({2, 3}), in({3})}));
  out.push_back(op("Add broadcast both", "Add", {in({2, 1, 3}), in({4, 1})}));
  out.push_back(op("Sub broadcast", "Sub", {in({2, 3}), in({1, 3})}));
  out.push_back(op("Mul broadcast", "Mul", {in({2, 3}), in({3})}));
  out.push_back(op("Mul scalar", "Mul", {in({}), in({2, 2})}));
  out.push_back(op("Div broadcast", "Div", {in({2, 3}), positive({2, 1})}));
  out.push_back(op("Pow float exponent", "Pow", {positive({2, 3}), in({3})}));
  out.push_back(op("Pow integer exponent", "Pow", {in({2, 3}), fixed(i64s({3}, {2, 3, 1}))}));
  out.push_back(op("Max two", "Max", {in({2, 3}), in({3})}));
  out.push_back(op("Max three", "Max", {in({2, 3}), in({2, 3}), in({1, 3})}));
  out.push_back(op("Max tie splits", "Max", {fixed(f64s({3}, {0.5, -0.25, 1}), true), fixed(f64s({3}, {0.5, 0.3, -1}), true)}));
  out.push_back(op("Min broadcast", "Min", {in({2, 3}), in({2, 1})}));
  out.push_back(op("Sum three", "Sum", {in({2, 3}), in({3}), in({2, 1})}));
  out.push_back(op("Mean two", "Mean", {in({2, 3}), in({3})}));
  out.push_back(op("Where broadcast", "Where", {fixed(bools({2, 3}, {true, false, true, false, false, true})),
                                                in({2, 3}), in({3})}));
  const Tensor lo = f64s({}, {-0.5}), hi = f64s({}, {0.5});
  out.push_back(op("Clip both bounds", "Clip", {avoiding({3, 4}, {-0.5, 0.5}), fixed(lo, true), fixed(hi, true)}));
  out.push_back(op("Clip min only", "Clip", {avoiding({3, 4}, {-0.5}), fixed(lo, true), absent()}));
  out.push_back(op("Clip max only", "Clip", {avoiding({3, 4}, {0.5}), absent(), fixed(hi, true)}));
  out.push_back(op("Clip min above max", "Clip", {in({2, 3}), fixed(hi, true), fixed(lo, true)}));
  // a / b stays away from integers (the kinks of trunc).
  out.push_back(op("Mod fmod broadcast", "Mod", {fixed(f64s({2, 3}, {2.3, -1.7, 0.4, 5.1, -3.5, 0.9}), true),
                                                 fixed(f64s({3}, {0.7, -1.1, 2.5}), true)},
                   {{"fmod", i(1)}}));
  out.push_back(unary("Floor", -2, 2, {-1, 0, 1}));
  out.push_back(unary("Ceil", -2, 2, {-1, 0, 1}));
  out.push_back(unary("Round", -2, 2, {-1.5, -0.5, 0.5, 1.5}));
  out.push_back(unary("Sign", -1, 1, {0}));
  out.push_back(unary("Neg"));
  out.push_back(unary("Abs", -1, 1, {0}));
  out.push_back(unary("Exp"));
  out.push_back(unary("Log", 0.5, 2));
  out.push_back(unary("Sqrt", 0.5, 2));
  out.push_back(unary("Reciprocal", 0.5, 2));
  out.push_back(unary("Sin", -3, 3));
  out.push_back(unary("Cos", -3, 3));
  out.push_back(unary("Tan"));
  out.push_back(unary("Asin", -0.9, 0.9));
  out.push_back(unary("Acos", -0.9, 0.9));
  out.push_back(unary("Atan", -3, 3));
  out.push_back(unary("Sinh"));
  out.push_back(unary("Cosh"));
  out.push_back(unary("Asinh", -3, 3));
  out.push_back(unary("Acosh", 1.2, 3));
  out.push_back(unary("Atanh", -0.9, 0.9));
}

void activationCases(std::vector<GradCheckCase>& out) {
  out.push_back(unary("Relu", -1, 1, {0}));
  out.push_back(unary("LeakyRelu", -1, 1, {0}, {{"alpha", f(0.2f)}}));
  out.push_back(unary("ThresholdedRelu", -1, 1, {0.3}, {{"alpha", f(0.3f)}}));
  out.push_back(unary("Elu", -2, 2, {0}, {{"alpha", f(0.7f)}}));
  out.push_back(unary("Selu", -2, 2, {0}));
  out.push_back(unary("Celu", -2, 2, {0}, {{"alpha", f(0.8f)}}));
  out.push_back(unary("Sigmoid", -3, 3));
  out.push_back(unary("Tanh", -2, 2));
  out.push_back(unary("HardSigmoid", -4, 4, {-2.5, 2.5}));
  out.push_back(unary("HardSwish", -4, 4, {-3, 3}));
  out.push_back(op("Gelu exact", "Gelu", {in({2, 3}, -3, 3)}));
  out.push_back(op("Gelu tanh", "Gelu", {in({2, 3}, -3, 3)}, {{"approximate", s("tanh")}}));
  out.push_back(unary("Erf", -2, 2));
  out.push_back(unary("Softplus", -3, 3));
  out.push_back(unary("Softsign", -3, 3, {0}));
  out.push_back(unary("Mish", -3, 3));
  out.push_back(op("PRelu per channel", "PRelu", {avoiding({2, 3}, {0}), in({3})}));
  out.push_back(op("Softmax axis 1", "Softmax", {in({2, 3, 4}, -2, 2)}, {{"axis", i(1)}}));
  out.push_back(op("Softmax last axis", "Softmax", {in({2, 5}, -2, 2)}));
  out.push_back(op("LogSoftmax axis 0", "LogSoftmax", {in({3, 4}, -2, 2)}, {{"axis", i(0)}}));
  out.push_back(op("LogSoftmax last axis", "LogSoftmax", {in({2, 3, 4}, -2, 2)}));
}

void contractionCases(std::vector<GradCheckCase>& out) {
  out.push_back(op("MatMul 2-D", "MatMul", {in({2, 3}), in({3, 4})}));
  out.push_back(op("MatMul batched broadcast", "MatMul", {in({2, 1, 2, 3}), in({3, 3, 2})}));
  out.push_back(op("MatMul 1-D A", "MatMul", {in({3}), in({3, 4})}));
  out.push_back(op("MatMul 1-D B", "MatMul", {in({2, 3}), in({3})}));
  out.push_back(op("MatMul 1-D both", "MatMul", {in({3}), in({3})}));
  out.push_back(op("MatMul batched 1-D B", "MatMul", {in({4, 2, 3}), in({3})}));
  out.push_back(op("Gemm bias row", "Gemm", {in({2, 3}), in({3, 4}), in({4})}));
  out.push_back(op("Gemm transA", "Gemm", {in({3, 2}), in({3, 4}), in({2, 4})}, {{"transA", i(1)}}));
  out.push_back(op("Gemm transB", "Gemm", {in({2, 3}), in({4, 3}), in({2, 1})}, {{"transB", i(1)}}));
  out.push_back(op("Gemm both transposed alpha beta", "Gemm", {in({3, 2}), in({4, 3}), in({4})},
                   {{"transA", i(1)}, {"transB", i(1)}, {"alpha", f(0.7f)}, {"beta", f(1.3f)}}));
  out.push_back(op("Gemm scalar C", "Gemm", {in({2, 3}), in({3, 4}), in({})}, {{"beta", f(-0.5f)}}));
  out.push_back(op("Gemm without C", "Gemm", {in({2, 3}), in({3, 4})}, {{"alpha", f(2.0f)}}));
}

void shapeCases(std::vector<GradCheckCase>& out) {
  out.push_back(op("Reshape", "Reshape", {in({2, 3, 2})}, {{"shape", ints({3, -1})}}));
  out.push_back(op("Flatten axis 2", "Flatten", {in({2, 3, 2})}, {{"axis", i(2)}}));
  out.push_back(op("Squeeze", "Squeeze", {in({2, 1, 3})}, {{"axes", ints({1})}}));
  out.push_back(op("Unsqueeze", "Unsqueeze", {in({2, 3})}, {{"axes", ints({0, 3})}}));
  out.push_back(op("Transpose perm", "Transpose", {in({2, 3, 4})}, {{"perm", ints({2, 0, 1})}}));
  out.push_back(op("Transpose default", "Transpose", {in({2, 3, 4})}));
  out.push_back(op("Concat axis 1", "Concat", {in({2, 3}), in({2, 1}), in({2, 2})}, {{"axis", i(1)}}));
  out.push_back(op("Expand", "Expand", {in({3, 1})}, {{"shape", ints({2, 3, 4})}}));
  out.push_back(op("Tile", "Tile", {in({2, 3})}, {{"repeats", ints({2, 3})}}));
  out.push_back(op("Slice contiguous", "Slice", {in({5, 6})}, {{"starts", ints({1, 0})}, {"ends", ints({4, 6})}}));
  out.push_back(op("Slice strided", "Slice", {in({7, 5})}, {{"starts", ints({1})}, {"ends", ints({7})},
                                                            {"axes", ints({0})}, {"steps", ints({2})}}));
  out.push_back(op("Slice negative step", "Slice", {in({6, 4})}, {{"starts", ints({5})}, {"ends", ints({0})},
                                                                  {"axes", ints({0})}, {"steps", ints({-2})}}));
  out.push_back(op("Slice two axes mixed steps", "Slice", {in({5, 7})},
                   {{"starts", ints({0, 6})}, {"ends", ints({5, 0})}, {"axes", ints({0, -1})}, {"steps", ints({2, -3})}}));
  out.push_back(op("Gather axis 0 repeats negative", "Gather", {in({5, 3}), fixed(i64s({2, 2}, {0, 4, -1, 0}))}));
  out.push_back(op("Gather axis 1 i32", "Gather", {in({2, 4, 3}), fixed(i32s({3}, {3, 0, 3}))}, {{"axis", i(1)}}));
}

void reductionCases(std::vector<GradCheckCase>& out) {
  out.push_back(op("ReduceSum axis 1", "ReduceSum", {in({2, 3, 4})}, {{"axes", ints({1})}, {"keepdims", i(0)}}));
  out.push_back(op("ReduceSum all keepdims", "ReduceSum", {in({2, 3})}));
  out.push_back(op("ReduceSum noop", "ReduceSum", {in({2, 3})}, {{"noop_with_empty_axes", i(1)}}));
  out.push_back(op("ReduceMean two axes", "ReduceMean", {in({2, 3, 4})}, {{"axes", ints({0, 2})}}));
  out.push_back(op("ReduceSumSquare", "ReduceSumSquare", {in({2, 3})}, {{"axes", ints({-1})}}));
  out.push_back(op("ReduceL1", "ReduceL1", {avoiding({2, 3}, {0})}, {{"axes", ints({0})}}));
  out.push_back(op("ReduceL2", "ReduceL2", {in({2, 3})}, {{"axes", ints({1})}, {"keepdims", i(0)}}));
  out.push_back(op("ReduceLogSum", "ReduceLogSum", {positive({2, 3})}, {{"axes", ints({1})}}));
  out.push_back(op("ReduceLogSumExp", "ReduceLogSumExp", {in({2, 3, 2}, -2, 2)}, {{"axes", ints({1})}}));
  out.push_back(op("ReduceMax", "ReduceMax", {in({3, 4})}, {{"axes", ints({1})}}));
  out.push_back(op("ReduceMin", "ReduceMin", {in({3, 4})}, {{"axes", ints({0})}, {"keepdims", i(0)}}));
  out.push_back(op("ReduceProd", "ReduceProd", {in({2, 3, 4}, 0.5, 1.5)}, {{"axes", ints({1})}}));
  // Rows with no zero, one zero and two zeros: the zero-safe form.
  out.push_back(op("ReduceProd zeros", "ReduceProd",
                   {fixed(f64s({3, 3}, {0.5, 0, 2, 0, 0, 1.5, 1.2, -0.8, 0.7}), true)},
                   {{"axes", ints({1})}, {"keepdims", i(0)}}));
}

void miscCases(std::vector<GradCheckCase>& out) {
  out.push_back(unary("Identity"));
  out.push_back(op("Dropout inference", "Dropout", {in({2, 3})}));
  out.push_back(op("Cast to f64", "Cast", {in({2, 3})}, {{"to", s("f64")}}));
  out.push_back(op("CastLike f64", "CastLike", {in({2, 3}), notDifferentiated(in({}))}));
  out.push_back(op("Split sizes", "Split", {in({2, 6})}, {{"axis", i(1)}, {"split", ints({2, 4})}}));
  out.push_back(op("Split one part in loss", "Split", {in({6})}, {{"num_outputs", i(3)}}, {1}));
  out.push_back(op("CumSum", "CumSum", {in({2, 4})}, {{"axis", i(1)}}));
  out.push_back(op("CumSum exclusive reverse", "CumSum", {in({4, 2})},
                   {{"axis", i(0)}, {"exclusive", i(1)}, {"reverse", i(1)}}));
  out.push_back(op("Trilu lower", "Trilu", {in({3, 4})}, {{"upper", i(0)}, {"k", i(1)}}));
  out.push_back(op("Pad constant value", "Pad", {in({2, 3}), fixed(f64s({}, {0.25}), true)},
                   {{"pads", ints({1, 0, 2, 1})}}));
  out.push_back(op("Pad crop and grow", "Pad", {in({3, 4})}, {{"pads", ints({0, -1, 1, 0})}}));
  out.push_back(op("Pad edge", "Pad", {in({2, 3}), fixed(f64s({}, {0.5}), true)},
                   {{"pads", ints({1, 2, 0, 3})}, {"mode", s("edge")}}));
  out.push_back(op("Pad reflect two axes", "Pad", {in({2, 3, 4})},
                   {{"pads", ints({2, 1, 1, 3})}, {"axes", ints({1, 2})}, {"mode", s("reflect")}}));
  out.push_back(op("Pad wrap past the dim, crop", "Pad", {in({3, 2})},
                   {{"pads", ints({-1, 3, 1, 2})}, {"mode", s("wrap")}}));
  out.push_back(op("GatherElements axis 0 repeats negative", "GatherElements",
                   {in({3, 4}), fixed(i64s({2, 4}, {0, 2, -1, 1, 2, 2, 0, -3}))}));
  out.push_back(op("GatherElements axis 1 short index i32", "GatherElements",
                   {in({3, 4}), fixed(i32s({2, 3}, {3, 0, 3, 1, 1, 2}))}, {{"axis", i(1)}}));
  out.push_back(op("OneHot values", "OneHot", {fixed(i64s({2, 3}, {0, 3, 1, -1, 2, 2})), in({2})},
                   {{"depth", i(4)}, {"axis", i(1)}}));
  out.push_back(unary("Hardmax"));
  out.push_back(unary("EyeLike", -1, 1, {}, {{"k", i(1)}}));
}

void lossCases(std::vector<GradCheckCase>& out) {
  const Tensor target = i64s({3}, {1, 0, 3});
  out.push_back(op("NLL mean weighted", "NegativeLogLikelihoodLoss", {in({3, 4}), fixed(target), positive({4})}));
  out.push_back(op("NLL none", "NegativeLogLikelihoodLoss", {in({3, 4}), fixed(target)}, {{"reduction", s("none")}}));
  out.push_back(op("NLL sum ignore", "NegativeLogLikelihoodLoss", {in({3, 4}), fixed(target), positive({4})},
                   {{"reduction", s("sum")}, {"ignore_index", i(0)}}));
  out.push_back(op("NLL mean ignore spatial i32", "NegativeLogLikelihoodLoss",
                   {in({2, 3, 2}), fixed(i32s({2, 2}, {2, -1, 0, 1}))}, {{"ignore_index", i(-1)}}));
  out.push_back(op("SCE mean", "SoftmaxCrossEntropyLoss", {in({3, 4}, -2, 2), fixed(target)}, {}, {0}));
  out.push_back(op("SCE sum weighted ignore, both results", "SoftmaxCrossEntropyLoss",
                   {in({3, 4}, -2, 2), fixed(i64s({3}, {2, -1, 0})), positive({4})},
                   {{"reduction", s("sum")}, {"ignore_index", i(-1)}}));
  out.push_back(op("SCE mean weighted ignore", "SoftmaxCrossEntropyLoss",
                   {in({3, 4}, -2, 2), fixed(i64s({3}, {2, 3, 3})), positive({4})}, {{"ignore_index", i(3)}}, {0}));
  out.push_back(op("SCE none spatial", "SoftmaxCrossEntropyLoss",
                   {in({2, 3, 2}, -2, 2), fixed(i64s({2, 2}, {0, 2, 1, 1}))}, {{"reduction", s("none")}}, {0}));
  out.push_back(op("SCE log_prob only", "SoftmaxCrossEntropyLoss", {in({2, 3}, -2, 2), fixed(i64s({2}, {0, 2}))},
                   {}, {1}));
}

void normalizationCases(std::vector<GradCheckCase>& out) {
  out.push_back(op("LayerNormalization all results", "LayerNormalization", {in({2, 3, 4}), in({4}), in({4})}));
  out.push_back(op("LayerNormalization axis 1 Y only", "LayerNormalization", {in({2, 3, 4}), in({3, 4})},
                   {{"axis", i(1)}, {"epsilon", f(1e-3f)}}, {0}));
  out.push_back(op("RMSNormalization", "RMSNormalization", {in({2, 3}), in({3})}));
  out.push_back(op("BatchNormalization inference", "BatchNormalization",
                   {in({2, 3, 2}), in({3}), in({3}), in({3}), positive({3})}, {{"epsilon", f(1e-2f)}}));
  out.push_back(op("BatchNormalization training all results", "BatchNormalization",
                   {in({3, 2, 2}), in({2}), in({2}), in({2}), positive({2})},
                   {{"training_mode", i(1)}, {"momentum", f(0.8f)}}));
  out.push_back(op("BatchNormalization training Y only 2-D", "BatchNormalization",
                   {in({4, 3}), in({3}), in({3}), in({3}), positive({3})}, {{"training_mode", i(1)}}, {0}));
  out.push_back(op("InstanceNormalization", "InstanceNormalization", {in({2, 3, 4}), in({3}), in({3})}));
  out.push_back(op("GroupNormalization per channel", "GroupNormalization", {in({2, 4, 3}), in({4}), in({4})},
                   {{"num_groups", i(2)}}));
  out.push_back(op("GroupNormalization per group 4-D", "GroupNormalization", {in({1, 6, 2, 2}), in({3}), in({3})},
                   {{"num_groups", i(3)}, {"epsilon", f(1e-3f)}}));
}

}  // namespace

std::vector<GradCheckCase> gradientCheckCases() {
  std::vector<GradCheckCase> out;
  elementwiseCases(out);
  activationCases(out);
  contractionCases(out);
  shapeCases(out);
  reductionCases(out);
  miscCases(out);
  lossCases(out);
  normalizationCases(out);
  out.push_back(mlp());
  out.push_back(sharedUses());
  return out;
}

}  // namespace ingot::passes
