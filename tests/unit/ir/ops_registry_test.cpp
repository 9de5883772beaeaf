// Properties every registered op must have, checked over the whole
// registry: complete definitions, f16/bf16 rejected as Unsupported, kernels
// that run on every dtype their type rule accepts, and the kernel guard.
#include <set>

#include "ops_test_util.h"

using namespace ingot;
using namespace ingot::ir;
using namespace ingot::ir::testing;

namespace {

// A value of the attribute's kind, for required attributes in generic tests.
Attribute placeholder(AttrKind kind) {
  switch (kind) {
    case AttrKind::Int: return Attribute(int64_t{0});
    case AttrKind::Float: return Attribute(0.f);
    case AttrKind::String: return Attribute("f32");
    case AttrKind::Ints: return Attribute(std::vector<int64_t>{0});
    case AttrKind::Floats: return Attribute(std::vector<float>{0.f});
    case AttrKind::Strings: return Attribute(std::vector<std::string>{});
    case AttrKind::Tensor: return Attribute(Tensor(DType::F16, {}));
  }
  return Attribute();
}

AttrMap requiredAttrs(const OpDef& op) {
  AttrMap attrs;
  for (const AttrSpec& a : op.attrs)
    if (!a.defaultValue) attrs[a.name] = placeholder(a.kind);
  return attrs;
}

bool isUnaryElementwise(const OpDef& op) {
  return op.operands.size() == 1 && op.fusion == FusionClass::Elementwise && !op.operands[0].variadic;
}
bool isBinaryBroadcast(const OpDef& op) {
  return op.operands.size() == 2 && op.fusion == FusionClass::Broadcast && op.minOperands() == 2;
}

}  // namespace

TEST_CASE("every op named in the IR conventions is registered") {
  const char* required[] = {
      "Constant", "Identity", "Dropout", "Add", "Sub", "Mul", "Div", "Neg", "Abs", "Exp", "Log", "Sqrt", "Pow",
      "Reciprocal", "Relu", "LeakyRelu", "Sigmoid", "Tanh", "Erf", "Gelu", "Softmax", "LogSoftmax", "MatMul", "Gemm",
      "Reshape", "Flatten", "Transpose", "Squeeze", "Unsqueeze", "Concat", "ReduceSum", "ReduceMean", "ReduceMax",
      "Cast", "Shape"};
  for (const char* name : required) {
    INFO(name);
    CHECK(OpRegistry::builtin().find(name) != nullptr);
  }
}

TEST_CASE("every op definition is complete") {
  const auto ops = OpRegistry::builtin().all();
  CHECK(ops.size() >= 90);
  for (const OpDef* op : ops) {
    INFO(op->name);
    CHECK(op->inferTypes);
    CHECK(op->reference);
    CHECK_FALSE(op->summary.empty());
    CHECK((op->numResults >= 1 || op->numResults == kVariadicResults));
    std::set<std::string> names;
    for (const AttrSpec& a : op->attrs) {
      CHECK(names.insert(a.name).second);
      if (a.defaultValue) CHECK(a.defaultValue->kind() == a.kind);
    }
    // Optional operands only trail; variadic only last.
    bool seenOptional = false;
    for (size_t i = 0; i < op->operands.size(); ++i) {
      if (op->operands[i].optional) seenOptional = true;
      else CHECK_FALSE(seenOptional);
      if (op->operands[i].variadic) CHECK(i + 1 == op->operands.size());
    }
  }
}

TEST_CASE("f16 and bf16 operands are Unsupported, not invalid") {
  // Shape and Size never read elements and accept every dtype.
  const std::set<std::string> dtypeBlind = {"Shape", "Size"};
  for (const OpDef* op : OpRegistry::builtin().all()) {
    for (DType half : {DType::F16, DType::BF16}) {
      INFO(op->name << " with " << dtypeName(half));
      std::vector<std::optional<TensorType>> operands(op->operands.size(), TensorType{half, {2, 2}});
      AttrMap attrs = requiredAttrs(*op);
      for (const AttrSpec& spec : op->attrs)  // tensor attributes carry data too
        if (spec.kind == AttrKind::Tensor) attrs[spec.name] = Attribute(Tensor(half, {}));
      auto types = inferOp(op->name, operands, attrs);
      if (dtypeBlind.count(op->name)) {
        CHECK(types.ok());
      } else {
        REQUIRE_FALSE(types.ok());
        CHECK(types.status().kind() == ErrorKind::Unsupported);
      }
    }
  }
}

TEST_CASE("unary and binary ops compute every dtype their type rule accepts") {
  // The type rules accept dtypes from the scalar functions' constraints; this
  // runs each kernel on each accepted dtype (zeros: Div/Mod by zero are
  // defined) so a rule and its kernel can never disagree.
  int runs = 0;
  for (const OpDef* op : OpRegistry::builtin().all()) {
    const bool unary = isUnaryElementwise(*op), binary = isBinaryBroadcast(*op);
    if (!unary && !binary) continue;
    for (DType t : kAllDTypes) {
      INFO(op->name << " on " << dtypeName(t));
      const Tensor x(t, {2, 3});
      const TensorType type{t, {2, 3}};
      AttrMap attrs = requiredAttrs(*op);
      if (op->name == "Mod" && isFloat(t)) attrs["fmod"] = Attribute(int64_t{1});
      if (op->name == "BitShift") attrs["direction"] = Attribute("LEFT");
      std::vector<std::optional<TensorType>> types(unary ? 1 : 2, type);
      if (!inferOp(op->name, types, attrs).ok()) continue;
      std::vector<std::optional<Tensor>> operands(unary ? 1 : 2, x);
      auto out = runOp(op->name, operands, attrs);
      INFO(out.status().message());
      CHECK(out.ok());
      ++runs;
    }
  }
  CHECK(runs > 150);
}

TEST_CASE("kernels are guarded against inconsistent nodes") {
  const OpDef& add = opNamed("Add");
  const Tensor a = f32({2}, {1, 2}), b = f32({2}, {3, 4});
  const TensorType ta{DType::F32, {2}};
  const AttrMap noAttrs;
  const Tensor* inputs[] = {&a, &b};

  // Wrong result type: an error, not a write past the buffer.
  OpContext ctx(add, noAttrs, {&ta, &ta}, "Add 'x'");
  const TensorType wrong[] = {TensorType{DType::F64, {5}}};
  auto out = add.reference(ctx, inputs, wrong);
  checkError(out, ErrorKind::InvalidInput, {"Add 'x'", "declared f64[5]", "operands give f32[2]"});

  // Operand types the rule rejects.
  const TensorType ti{DType::I32, {2}};
  OpContext mixed(add, noAttrs, {&ta, &ti}, "Add");
  const Tensor c = i32({2}, {1, 2});
  const Tensor* mixedInputs[] = {&a, &c};
  const TensorType right[] = {ta};
  checkError(add.reference(mixed, mixedInputs, right), ErrorKind::InvalidInput, {"must match"});

  // A missing required operand.
  OpContext one(add, noAttrs, {&ta}, "Add");
  const Tensor* oneInput[] = {&a};
  checkError(add.reference(one, oneInput, right), ErrorKind::InvalidInput, {"inputs"});

  // A missing required attribute.
  const OpDef& reshape = opNamed("Reshape");
  OpContext noShape(reshape, noAttrs, {&ta}, "Reshape");
  const Tensor* reshapeInput[] = {&a};
  checkError(reshape.reference(noShape, reshapeInput, right), ErrorKind::InvalidInput, {"'shape' is missing"});
}

TEST_CASE("fusion classes follow the op kinds") {
  auto fusionOf = [](const char* name) { return opNamed(name).fusion; };
  CHECK(fusionOf("Relu") == FusionClass::Elementwise);
  CHECK(fusionOf("Exp") == FusionClass::Elementwise);
  CHECK(fusionOf("Add") == FusionClass::Broadcast);
  CHECK(fusionOf("Where") == FusionClass::Broadcast);
  CHECK(fusionOf("Reshape") == FusionClass::Injective);
  CHECK(fusionOf("Transpose") == FusionClass::Injective);
  CHECK(fusionOf("Concat") == FusionClass::Injective);
  CHECK(fusionOf("ReduceSum") == FusionClass::Reduction);
  CHECK(fusionOf("Softmax") == FusionClass::Reduction);
  CHECK(fusionOf("MatMul") == FusionClass::Contraction);
  CHECK(fusionOf("Gemm") == FusionClass::Contraction);
  CHECK(fusionOf("Constant") == FusionClass::Opaque);
  CHECK(fusionOf("Shape") == FusionClass::Opaque);
}
