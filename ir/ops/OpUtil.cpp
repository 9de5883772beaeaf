#include <cstring>
#include "ir/ops/OpUtil.h"

namespace ingot::ir::ops {

std::string DTypeSet::toString() const {
  std::string out;
  for (DType t : kAllDTypes) {
    if (!contains(t)) continue;
    if (!out.empty()) out += ", ";
    out += dtypeName(t);
  }
  return out;
}

std::string operandName(const OpContext& ctx, size_t i) {
  const auto& specs = ctx.op().operands;
  if (specs.empty()) return fmt::format("operand {}", i);
  if (i >= specs.size() - 1 && specs.back().variadic)
    return fmt::format("operand '{}[{}]'", specs.back().name, i - (specs.size() - 1));
  if (i < specs.size()) return fmt::format("operand '{}'", specs[i].name);
  return fmt::format("operand {}", i);
}

Status checkDType(const OpContext& ctx, std::string_view what, DType t, DTypeSet allowed) {
  if (!isComputable(t))
    return ctx.unsupportedError("{} has dtype {}, which ingot does not compute yet", what, dtypeName(t));
  if (!allowed.contains(t))
    return ctx.error("{} has dtype {}, expected one of: {}", what, dtypeName(t), allowed.toString());
  return Status::ok();
}

Status checkOperandDType(const OpContext& ctx, size_t i, DTypeSet allowed) {
  return checkDType(ctx, operandName(ctx, i), ctx.operandType(i).dtype, allowed);
}

Status checkSameDType(const OpContext& ctx, size_t i, size_t j) {
  DType a = ctx.operandType(i).dtype, b = ctx.operandType(j).dtype;
  if (a != b)
    return ctx.error("{} has dtype {} but {} has dtype {}; they must match", operandName(ctx, j),
                     dtypeName(b), operandName(ctx, i), dtypeName(a));
  return Status::ok();
}

Status attrError(const OpContext& ctx, std::string_view attr, const Status& s) {
  return s.withContext(fmt::format("{}: attribute '{}'", ctx.label(), attr));
}

Status checkAttrShape(const OpContext& ctx, std::string_view attr, const Shape& shape) {
  auto n = checkedNumElements(shape);
  if (!n.ok()) return attrError(ctx, attr, n.status());
  return Status::ok();
}

void registerOp(OpRegistry& registry, OpDef def) {
  ReferenceKernel kernel = std::move(def.reference);
  TypeRule rule = def.inferTypes;
  const int minOperands = def.minOperands();
  def.reference = [kernel, rule, minOperands](const OpContext& ctx, KernelInputs in,
                                              ResultTypes resultTypes) -> KernelResult {
    if (!kernel) return unsupported("{}: op has no reference kernel", ctx.label());
    if (static_cast<int>(in.size()) < minOperands || in.size() != ctx.numOperands())
      return invalidInput("{}: kernel got {} inputs, expected at least {}", ctx.label(), in.size(),
                          minOperands);
    for (size_t i = 0; i < in.size(); ++i) {
      const bool optional = i < ctx.op().operands.size() && ctx.op().operands[i].optional;
      if (!in[i] && !optional) return invalidInput("{}: {} is required", ctx.label(), operandName(ctx, i));
      if ((in[i] != nullptr) != ctx.hasOperand(i))
        return internalError("{}: {} is present in the inputs but not in the context", ctx.label(),
                             operandName(ctx, i));
    }
    for (const AttrSpec& spec : ctx.op().attrs) {
      const Attribute* a = ctx.attr(spec.name);
      if (!a) return invalidInput("{}: required attribute '{}' is missing", ctx.label(), spec.name);
      if (a->kind() != spec.kind)
        return invalidInput("{}: attribute '{}' must be {}, got {}", ctx.label(), spec.name,
                            attrKindName(spec.kind), attrKindName(a->kind()));
    }
    INGOT_ASSIGN_OR_RETURN(std::vector<TensorType> expected, rule(ctx));
    if (expected.size() != resultTypes.size())
      return internalError("{}: asked for {} results, the op has {}", ctx.label(), resultTypes.size(),
                           expected.size());
    for (size_t i = 0; i < expected.size(); ++i)
      if (expected[i] != resultTypes[i])
        return invalidInput("{}: result {} is declared {} but the operands give {}", ctx.label(), i,
                            resultTypes[i].toString(), expected[i].toString());
    return kernel(ctx, in, resultTypes);
  };
  registry.add(std::move(def));
}

std::vector<int64_t> broadcastSourceIndices(const Shape& inShape, const Shape& outShape) {
  const size_t rank = outShape.size();
  const size_t offset = rank - inShape.size();  // inShape is right-aligned
  // Stride of each output dim in the input; 0 where the input is broadcast.
  std::vector<int64_t> inStrides = stridesOf(inShape);
  std::vector<int64_t> strides(rank, 0);
  for (size_t d = offset; d < rank; ++d)
    strides[d] = inShape[d - offset] == 1 ? 0 : inStrides[d - offset];

  const int64_t count = numElements(outShape);
  std::vector<int64_t> out(static_cast<size_t>(count));
  std::vector<int64_t> index(rank, 0);
  int64_t source = 0;
  for (int64_t i = 0; i < count; ++i) {
    out[static_cast<size_t>(i)] = source;
    // Odometer step over the output index, keeping `source` in sync.
    for (size_t d = rank; d-- > 0;) {
      if (++index[d] < outShape[d]) {
        source += strides[d];
        break;
      }
      source -= strides[d] * (index[d] - 1);
      index[d] = 0;
    }
  }
  return out;
}

bool nextIndex(std::vector<int64_t>& index, const Shape& shape) {
  for (size_t d = shape.size(); d-- > 0;) {
    if (++index[d] < shape[d]) return true;
    index[d] = 0;
  }
  return false;
}

AxisSplit splitAtAxis(const Shape& shape, int64_t axis) {
  AxisSplit s;
  for (int64_t d = 0; d < static_cast<int64_t>(shape.size()); ++d) {
    if (d < axis) s.outer *= shape[d];
    else if (d == axis) s.dim = shape[d];
    else s.inner *= shape[d];
  }
  return s;
}

OpDef makeOp(std::string name, std::string summary, std::vector<OperandSpec> operands, std::vector<AttrSpec> attrs,
             FusionClass fusion, TypeRule rule, ReferenceKernel kernel, int numResults) {
  OpDef def;
  def.name = std::move(name);
  def.summary = std::move(summary);
  def.operands = std::move(operands);
  def.numResults = numResults;
  def.attrs = std::move(attrs);
  def.fusion = fusion;
  def.inferTypes = std::move(rule);
  def.reference = std::move(kernel);
  return def;
}

void copyElement(Tensor& dst, int64_t to, const Tensor& src, int64_t from) {
  const size_t size = dtypeSize(src.dtype());
  std::memcpy(dst.rawData() + to * size, src.rawData() + from * size, size);
}

}  // namespace ingot::ir::ops
