// The ONNX -> IR op table. Ops without a row import by the default rule
// (same-name IR op, attributes copied); rows exist where ONNX semantics
// changed between opsets or where a shape-like input becomes an IR
// attribute (the IR has static shapes).
#include <cmath>
#include <limits>
#include <optional>

#include "frontend/OnnxImportContext.h"

namespace ingot::frontend {

namespace {

using ir::Attribute;
using ir::AttrMap;
using ir::Value;

Status importDefaultAs(ImportContext& c, std::string_view irOp,
                       std::initializer_list<std::string_view> skip = {}) {
  INGOT_ASSIGN_OR_RETURN(const ir::OpDef* op, c.findOp(irOp));
  INGOT_ASSIGN_OR_RETURN(AttrMap attrs, c.convertAttrs(*op, skip));
  INGOT_ASSIGN_OR_RETURN(std::vector<Value*> rs, c.emit(irOp, c.inputs(), std::move(attrs),
                                                        c.resultNames(c.numOutputs())));
  return c.bindOutputs(rs);
}

// Emits the node's own op with `attrs` added to the copied ONNX attributes
// and the first `numOperands` inputs as operands (the rest were shape-like
// inputs the caller turned into attributes).
Status emitWithAttrs(ImportContext& c, size_t numOperands, AttrMap extra,
                     std::initializer_list<std::string_view> skip = {}) {
  INGOT_ASSIGN_OR_RETURN(const ir::OpDef* op, c.findOp(c.opType()));
  INGOT_ASSIGN_OR_RETURN(AttrMap attrs, c.convertAttrs(*op, skip));
  for (auto& [k, v] : extra) attrs[k] = std::move(v);
  INGOT_ASSIGN_OR_RETURN(std::vector<Value*> rs, c.emit(c.opType(), c.inputs(numOperands), std::move(attrs),
                                                        c.resultNames(c.numOutputs())));
  return c.bindOutputs(rs);
}

// ---- constants and shapes ------------------------------------------------------

// Constant's value_* attribute forms, each turned into the tensor `value`.
Status importConstant(ImportContext& c) {
  if (c.node().attribute_size() != 1)
    return c.invalidError("must have exactly one value attribute, has {}", c.node().attribute_size());
  const onnx::AttributeProto& a = c.node().attribute(0);
  Tensor t;
  if (a.name() == "value") {
    INGOT_ASSIGN_OR_RETURN(Attribute v, c.convertAttr(a));
    if (v.kind() != ir::AttrKind::Tensor) return c.invalidError("'value' must be a tensor");
    t = v.asTensor();
  } else if (a.name() == "value_float") {
    t = Tensor::scalar<float>(a.f());
  } else if (a.name() == "value_floats") {
    t = vectorTensor(std::vector<float>(a.floats().begin(), a.floats().end()));
  } else if (a.name() == "value_int") {
    t = Tensor::scalar<int64_t>(a.i());
  } else if (a.name() == "value_ints") {
    t = vectorTensor(std::vector<int64_t>(a.ints().begin(), a.ints().end()));
  } else {
    return c.unsupportedError("attribute '{}' is not supported (string and sparse constants)", a.name());
  }
  INGOT_ASSIGN_OR_RETURN(Value * v, c.emitConstant(std::move(t), c.outputName(0)));
  return c.bindOutputs({v});
}

// Shapes are static, so Shape and Size are constants at import time; this
// is what lets PyTorch's Shape -> Gather -> Concat -> Reshape chains fold.
Status importShape(ImportContext& c) {
  Value* x = c.input(0);
  if (!x) return c.invalidError("input 0 is missing");
  int64_t rank = static_cast<int64_t>(x->shape().size());
  auto clampAxis = [&](int64_t a) {
    if (a < 0) a += rank;
    return std::clamp<int64_t>(a, 0, rank);
  };
  int64_t start = clampAxis(c.intAttr("start", 0));
  int64_t end = clampAxis(c.intAttr("end", rank));
  std::vector<int64_t> dims;
  for (int64_t i = start; i < end; ++i) dims.push_back(x->shape()[i]);
  INGOT_ASSIGN_OR_RETURN(Value * v, c.emitConstant(vectorTensor(dims), c.outputName(0)));
  return c.bindOutputs({v});
}

Status importSize(ImportContext& c) {
  Value* x = c.input(0);
  if (!x) return c.invalidError("input 0 is missing");
  INGOT_ASSIGN_OR_RETURN(Value * v, c.emitConstant(Tensor::scalar<int64_t>(numElements(x->shape())),
                                                   c.outputName(0)));
  return c.bindOutputs({v});
}

// ---- shape-like inputs -> attributes -------------------------------------------

Status importReshape(ImportContext& c) {
  INGOT_ASSIGN_OR_RETURN(std::vector<int64_t> shape, c.intsInput(1, "shape"));
  return emitWithAttrs(c, 1, {{"shape", Attribute(shape)}});
}

Status importExpand(ImportContext& c) {
  INGOT_ASSIGN_OR_RETURN(std::vector<int64_t> shape, c.intsInput(1, "shape"));
  return emitWithAttrs(c, 1, {{"shape", Attribute(shape)}});
}

Status importConstantOfShape(ImportContext& c) {
  INGOT_ASSIGN_OR_RETURN(std::vector<int64_t> shape, c.intsInput(0, "shape"));
  return emitWithAttrs(c, 0, {{"shape", Attribute(shape)}});
}

// Squeeze/Unsqueeze from 13, ReduceSum from 13, the other reductions from
// 18: `axes` moved from an attribute to an optional input.
Status importAxesInput(ImportContext& c) {
  AttrMap extra;
  if (c.hasInput(1)) {
    INGOT_ASSIGN_OR_RETURN(std::vector<int64_t> axes, c.intsInput(1, "axes"));
    extra["axes"] = Attribute(axes);
  }
  return emitWithAttrs(c, 1, std::move(extra));
}

// Slice from 10: starts, ends, axes, steps are inputs.
Status importSlice(ImportContext& c) {
  AttrMap extra;
  constexpr std::string_view kNames[] = {"starts", "ends", "axes", "steps"};
  for (size_t i = 0; i < 4; ++i) {
    if (!c.hasInput(i + 1)) {
      if (i < 2) return c.invalidError("input {} ({}) is required", i + 1, kNames[i]);
      continue;
    }
    INGOT_ASSIGN_OR_RETURN(std::vector<int64_t> v, c.intsInput(i + 1, kNames[i]));
    extra[std::string(kNames[i])] = Attribute(v);
  }
  return emitWithAttrs(c, 1, std::move(extra));
}

// Split: `split` sizes are an attribute before opset 13 and an input from
// it on. Without sizes (and without opset 18's num_outputs) the axis splits
// into equal parts, one per node output.
Status importSplit(ImportContext& c) {
  AttrMap extra;
  if (c.opset() >= 13 && c.hasInput(1)) {
    INGOT_ASSIGN_OR_RETURN(std::vector<int64_t> split, c.intsInput(1, "split"));
    extra["split"] = Attribute(split);
  }
  if (const onnx::AttributeProto* n = c.attr("num_outputs"); n && n->i() != static_cast<int64_t>(c.numOutputs()))
    return c.invalidError("attribute 'num_outputs' is {} but the node has {} outputs", n->i(), c.numOutputs());
  // One output per size: a split list of 65,536 sizes on a node with four
  // outputs made 65,536 results (fuzz_onnx, a timeout).
  const onnx::AttributeProto* sizesAttr = c.attr("split");
  if (sizesAttr && sizesAttr->ints_size() == 0) sizesAttr = nullptr;  // empty: as if absent
  const size_t sizes = extra.count("split") ? extra.at("split").asInts().size()
                       : sizesAttr          ? static_cast<size_t>(sizesAttr->ints_size())
                                            : c.numOutputs();
  if (sizes != c.numOutputs())
    return c.invalidError("'split' has {} sizes but the node has {} outputs", sizes, c.numOutputs());
  if (!extra.count("split") && !sizesAttr && !c.attr("num_outputs"))
    extra["num_outputs"] = Attribute(static_cast<int64_t>(c.numOutputs()));
  return emitWithAttrs(c, 1, std::move(extra));
}

// Trilu (14): the optional scalar input k becomes an attribute.
Status importTrilu(ImportContext& c) {
  AttrMap extra;
  if (c.hasInput(1)) {
    INGOT_ASSIGN_OR_RETURN(int64_t k, c.intScalarInput(1, "k"));
    extra["k"] = Attribute(k);
  }
  return emitWithAttrs(c, 1, std::move(extra));
}

// CumSum (11): the scalar input axis becomes an attribute.
Status importCumSum(ImportContext& c) {
  INGOT_ASSIGN_OR_RETURN(int64_t axis, c.intScalarInput(1, "axis"));
  return emitWithAttrs(c, 1, {{"axis", Attribute(axis)}});
}

// OneHot (9): depth (input 1, any numeric dtype) becomes an attribute;
// values (input 2) stays an operand.
Status importOneHot(ImportContext& c) {
  INGOT_ASSIGN_OR_RETURN(int64_t depth, c.intScalarInput(1, "depth"));
  INGOT_ASSIGN_OR_RETURN(const ir::OpDef* op, c.findOp("OneHot"));
  INGOT_ASSIGN_OR_RETURN(AttrMap attrs, c.convertAttrs(*op));
  attrs["depth"] = Attribute(depth);
  INGOT_ASSIGN_OR_RETURN(Value * v, c.emit1("OneHot", {c.input(0), c.input(2)}, std::move(attrs), c.outputName(0)));
  return c.bindOutputs({v});
}

// EyeLike (9): `dtype` is an ONNX type code; the IR names dtypes.
Status importEyeLike(ImportContext& c) {
  AttrMap extra;
  if (const onnx::AttributeProto* a = c.attr("dtype")) {
    auto dt = dtypeFromOnnx(static_cast<int32_t>(a->i()));
    if (!dt) return c.unsupportedError("dtype {} is not supported", onnxTypeName(static_cast<int32_t>(a->i())));
    extra["dtype"] = Attribute(std::string(dtypeName(*dt)));
  }
  return emitWithAttrs(c, 1, std::move(extra), {"dtype"});
}

// A float attribute in the data's dtype: saturated to an integer type's
// range, NaN as 0 (a float outside the range does not convert: UB).
template <typename T>
T saturatingCast(float v) {
  if constexpr (std::is_integral_v<T>) {
    if (std::isnan(v)) return T{};
    if (v <= static_cast<float>(std::numeric_limits<T>::lowest())) return std::numeric_limits<T>::lowest();
    if (v >= static_cast<float>(std::numeric_limits<T>::max())) return std::numeric_limits<T>::max();
  }
  return static_cast<T>(v);
}

// Pad before opset 11: attributes pads and value (a float), which becomes
// the constant_value operand in the data's dtype.
Status importPad2(ImportContext& c) {
  Value* x = c.input(0);
  if (!x) return c.invalidError("input 0 is missing");
  if (!isComputable(x->dtype())) return c.unsupportedError("dtype {}", dtypeName(x->dtype()));
  const onnx::AttributeProto* a = c.attr("value");
  Tensor value(x->dtype(), {});
  visitDType(x->dtype(), [&](auto tag) {
    using T = decltype(tag);
    value.data<T>()[0] = saturatingCast<T>(a ? a->f() : 0.f);
  });
  INGOT_ASSIGN_OR_RETURN(Value * v, c.emitConstant(std::move(value), c.freshName(x->name() + "_pad_value")));
  INGOT_ASSIGN_OR_RETURN(const ir::OpDef* op, c.findOp("Pad"));
  INGOT_ASSIGN_OR_RETURN(AttrMap attrs, c.convertAttrs(*op, {"value"}));
  INGOT_ASSIGN_OR_RETURN(Value * y, c.emit1("Pad", {x, v}, std::move(attrs), c.outputName(0)));
  return c.bindOutputs({y});
}

// Pad from 11: pads and (18) axes are inputs that become attributes;
// constant_value stays an operand (it may be computed at run time).
Status importPad11(ImportContext& c) {
  AttrMap extra;
  INGOT_ASSIGN_OR_RETURN(std::vector<int64_t> pads, c.intsInput(1, "pads"));
  extra["pads"] = Attribute(pads);
  if (c.hasInput(3)) {
    INGOT_ASSIGN_OR_RETURN(std::vector<int64_t> axes, c.intsInput(3, "axes"));
    extra["axes"] = Attribute(axes);
  }
  INGOT_ASSIGN_OR_RETURN(const ir::OpDef* op, c.findOp("Pad"));
  INGOT_ASSIGN_OR_RETURN(AttrMap attrs, c.convertAttrs(*op));
  for (auto& [k, v] : extra) attrs[k] = std::move(v);
  std::vector<Value*> operands{c.input(0)};
  if (c.hasInput(2)) operands.push_back(c.input(2));
  INGOT_ASSIGN_OR_RETURN(Value * y, c.emit1("Pad", std::move(operands), std::move(attrs), c.outputName(0)));
  return c.bindOutputs({y});
}

// ---- changed semantics -----------------------------------------------------------

// Cast's `to` is an ONNX type code (a type name string before opset 6);
// the IR names dtypes.
Status castTo(ImportContext& c, int32_t code) {
  auto dt = dtypeFromOnnx(code);
  if (!dt) return c.unsupportedError("cast to {} is not supported", onnxTypeName(code));
  return emitWithAttrs(c, 1, {{"to", Attribute(std::string(dtypeName(*dt)))}}, {"to"});
}

Status importCast6(ImportContext& c) {
  const onnx::AttributeProto* to = c.attr("to");
  if (!to) return c.invalidError("attribute 'to' is missing");
  return castTo(c, static_cast<int32_t>(to->i()));
}

Status importCast1(ImportContext& c) {
  const onnx::AttributeProto* to = c.attr("to");
  if (!to) return c.invalidError("attribute 'to' is missing");
  for (int32_t code = 1; code <= 16; ++code)
    if (onnxTypeName(code) == to->s()) return castTo(c, code);
  return c.invalidError("attribute 'to' names an unknown type '{}'", to->s());
}

// Softmax, LogSoftmax and Hardmax before opset 13 coerce the input to 2-D
// at `axis` (default 1) and normalize each row. Opset 13 normalizes along
// one axis (default -1); the old form is that over the flattened trailing
// dims: Flatten(axis) -> op(axis=-1) -> Reshape back.
Status importSoftmaxLegacy(ImportContext& c) {
  Value* x = c.input(0);
  if (!x) return c.invalidError("input 0 is missing");
  int64_t rank = static_cast<int64_t>(x->shape().size());
  int64_t axis = c.intAttr("axis", 1);
  if (axis < -rank || axis > std::max<int64_t>(rank - 1, 0))
    return c.invalidError("axis {} is out of range for rank {}", axis, rank);
  if (axis < 0) axis += rank;
  std::string out = c.outputName(0);
  if (rank == 0 || axis == rank - 1) {
    INGOT_ASSIGN_OR_RETURN(Value * v, c.emit1(c.opType(), {x}, {{"axis", Attribute(int64_t{-1})}}, out));
    return c.bindOutputs({v});
  }
  INGOT_ASSIGN_OR_RETURN(Value * flat,
                         c.emit1("Flatten", {x}, {{"axis", Attribute(axis)}}, c.freshName(x->name() + "_2d")));
  INGOT_ASSIGN_OR_RETURN(Value * y, c.emit1(c.opType(), {flat}, {{"axis", Attribute(int64_t{-1})}},
                                            c.freshName(out + "_2d")));
  INGOT_ASSIGN_OR_RETURN(Value * v, c.emit1("Reshape", {y}, {{"shape", Attribute(x->shape())}}, out));
  return c.bindOutputs({v});
}

// Dropout is kept (training may use it) with the ratio as a constant
// operand and no training_mode; training mode cannot be honoured at
// inference, so it is an error. The inference mask is all true.
Status importDropout(ImportContext& c) {
  Value* x = c.input(0);
  if (!x) return c.invalidError("input 0 is missing");
  std::optional<Tensor> ratio;
  if (c.opset() >= 12) {
    if (c.hasInput(2)) {
      INGOT_ASSIGN_OR_RETURN(double training, c.scalarInput(2, "training_mode"));
      if (training != 0) return c.unsupportedError("training-mode Dropout is not supported");
    }
    if (c.hasInput(1)) {
      INGOT_ASSIGN_OR_RETURN(const Tensor* r, c.constantInput(1, "ratio"));
      ratio = *r;
    }
  } else if (const onnx::AttributeProto* a = c.attr("ratio")) {
    ratio = Tensor::scalar<float>(a->f());
  }
  std::vector<Value*> operands{x};
  if (ratio) {
    // A copy, so a float initializer holding the ratio is not made a
    // trainable operand.
    INGOT_ASSIGN_OR_RETURN(Value * r, c.emitConstant(std::move(*ratio), c.freshName(x->name() + "_ratio")));
    operands.push_back(r);
  }
  AttrMap attrs;
  if (c.opset() >= 12 && c.attr("seed")) attrs["seed"] = Attribute(c.intAttr("seed", 0));
  INGOT_ASSIGN_OR_RETURN(Value * v, c.emit1("Dropout", operands, std::move(attrs), c.outputName(0)));
  if (!c.outputUsed(1)) return c.bindOutputs({v});
  // Before opset 10 the mask has the input's dtype.
  Tensor one(c.opset() >= 10 ? DType::Bool : x->dtype(), {});
  if (!visitDType(one.dtype(), [&](auto tag) { one.data<decltype(tag)>()[0] = static_cast<decltype(tag)>(1); }))
    return c.unsupportedError("a mask of dtype {}", dtypeName(one.dtype()));
  INGOT_ASSIGN_OR_RETURN(Value * mask, c.emit1("ConstantOfShape", {},
                                               {{"shape", Attribute(x->shape())}, {"value", Attribute(one)}},
                                               c.outputName(1)));
  return c.bindOutputs({v, mask});
}

// Tile from 6: `repeats` is an input.
Status importTile(ImportContext& c) {
  INGOT_ASSIGN_OR_RETURN(std::vector<int64_t> repeats, c.intsInput(1, "repeats"));
  return emitWithAttrs(c, 1, {{"repeats", Attribute(repeats)}});
}

// Range (11): the scalar inputs become tensor attributes.
Status importRange(ImportContext& c) {
  AttrMap attrs;
  constexpr std::string_view kNames[] = {"start", "limit", "delta"};
  for (size_t i = 0; i < 3; ++i) {
    INGOT_ASSIGN_OR_RETURN(const Tensor* t, c.constantInput(i, kNames[i]));
    attrs[std::string(kNames[i])] = Attribute(*t);
  }
  INGOT_ASSIGN_OR_RETURN(Value * v, c.emit1("Range", {}, std::move(attrs), c.outputName(0)));
  return c.bindOutputs({v});
}

// Clip before opset 11 has min/max attributes; the IR keeps them as operands.
Status importClip6(ImportContext& c) {
  Value* x = c.input(0);
  if (!x) return c.invalidError("input 0 is missing");
  if (!isComputable(x->dtype())) return c.unsupportedError("dtype {}", dtypeName(x->dtype()));
  auto bound = [&](const char* name, float fallback) -> Expected<Value*> {
    const onnx::AttributeProto* a = c.attr(name);
    float v = a ? a->f() : fallback;
    Tensor t(x->dtype(), {});
    visitDType(x->dtype(), [&](auto tag) {
      using T = decltype(tag);
      t.data<T>()[0] = saturatingCast<T>(v);
    });
    return c.emitConstant(std::move(t), c.freshName(x->name() + "_" + name));
  };
  INGOT_ASSIGN_OR_RETURN(Value * lo, bound("min", std::numeric_limits<float>::lowest()));
  INGOT_ASSIGN_OR_RETURN(Value * hi, bound("max", std::numeric_limits<float>::max()));
  INGOT_ASSIGN_OR_RETURN(Value * v, c.emit1("Clip", {x, lo, hi}, {}, c.outputName(0)));
  return c.bindOutputs({v});
}

// The rows. Versions between rows use the earlier row; an op's versions
// before its first row use the default rule.
const ImportRule kRules[] = {
    {"", "Constant", 1, importConstant, {"Constant"}},
    {"", "Shape", 1, importShape, {"Constant"}},
    {"", "Size", 1, importSize, {"Constant"}},
    {"", "Reshape", 5, importReshape, {"Reshape"}},
    {"", "Expand", 8, importExpand, {"Expand"}},
    {"", "ConstantOfShape", 9, importConstantOfShape, {"ConstantOfShape"}},
    {"", "Squeeze", 13, importAxesInput, {"Squeeze"}},
    {"", "Unsqueeze", 13, importAxesInput, {"Unsqueeze"}},
    {"", "ReduceSum", 13, importAxesInput, {"ReduceSum"}},
    {"", "ReduceMean", 18, importAxesInput, {"ReduceMean"}},
    {"", "ReduceMax", 18, importAxesInput, {"ReduceMax"}},
    {"", "ReduceMin", 18, importAxesInput, {"ReduceMin"}},
    {"", "ReduceProd", 18, importAxesInput, {"ReduceProd"}},
    {"", "ReduceL1", 18, importAxesInput, {"ReduceL1"}},
    {"", "ReduceL2", 18, importAxesInput, {"ReduceL2"}},
    {"", "ReduceLogSum", 18, importAxesInput, {"ReduceLogSum"}},
    {"", "ReduceLogSumExp", 18, importAxesInput, {"ReduceLogSumExp"}},
    {"", "ReduceSumSquare", 18, importAxesInput, {"ReduceSumSquare"}},
    {"", "Slice", 10, importSlice, {"Slice"}},
    {"", "Split", 1, importSplit, {"Split"}},
    {"", "Trilu", 14, importTrilu, {"Trilu"}},
    {"", "CumSum", 11, importCumSum, {"CumSum"}},
    {"", "OneHot", 9, importOneHot, {"OneHot"}},
    {"", "EyeLike", 9, importEyeLike, {"EyeLike"}},
    {"", "Pad", 2, importPad2, {"Pad", "Constant"}},
    {"", "Pad", 11, importPad11, {"Pad"}},
    {"", "Cast", 1, importCast1, {"Cast"}},
    {"", "Cast", 6, importCast6, {"Cast"}},
    {"", "Softmax", 1, importSoftmaxLegacy, {"Softmax", "Flatten", "Reshape"}},
    {"", "Softmax", 13, importDefault, {"Softmax"}},
    {"", "LogSoftmax", 1, importSoftmaxLegacy, {"LogSoftmax", "Flatten", "Reshape"}},
    {"", "LogSoftmax", 13, importDefault, {"LogSoftmax"}},
    {"", "Hardmax", 1, importSoftmaxLegacy, {"Hardmax", "Flatten", "Reshape"}},
    {"", "Hardmax", 13, importDefault, {"Hardmax"}},
    {"", "Dropout", 1, importDropout, {"Dropout", "Constant", "ConstantOfShape"}},
    {"", "Tile", 6, importTile, {"Tile"}},
    {"", "Range", 11, importRange, {"Range"}},
    {"", "Clip", 1, importClip6, {"Clip", "Constant"}},
    {"", "Clip", 11, importDefault, {"Clip"}},
};

}  // namespace

Status importDefault(ImportContext& c) { return importDefaultAs(c, c.opType()); }

bool findImportRule(std::string_view domain, std::string_view opType, int64_t opset,
                    const ir::OpRegistry& registry, ImportRule& out) {
  const ImportRule* best = nullptr;
  for (const auto& r : kRules)
    if (r.domain == domain && r.opType == opType && r.sinceVersion <= opset &&
        (!best || r.sinceVersion > best->sinceVersion))
      best = &r;
  if (best) {
    out = *best;
    return true;
  }
  if (!domain.empty() || !registry.find(opType)) return false;
  out = ImportRule{domain, opType, 1, importDefault, {opType}};
  return true;
}

}  // namespace ingot::frontend
