#include "ir/kernel/Lowering.h"

#include "ir/kernel/LoweringRules.h"

namespace ingot::ir {

Expected<kir::ExprId> LoweringContext::operandBroadcast(size_t operand) {
  const Shape& from = op().operandType(operand).shape;
  const std::vector<kir::ExprId>& out = resultIndex();
  if (from.size() > out.size()) return unsupported("operand has a higher rank than the result");
  std::vector<kir::ExprId> index(from.size());
  const size_t offset = out.size() - from.size();
  for (size_t d = 0; d < from.size(); ++d)
    index[d] = from[d] == 1 ? builder().constInt(0) : out[d + offset];
  return operandAt(operand, index);
}

Status LoweringContext::unsupported(std::string_view why) const {
  return ingot::unsupported("{}: no loop-level form: {}", op().label(), why);
}

void registerLoweringRules(OpRegistry& r) {
  lowering::registerElementwiseLowerings(r);
  lowering::registerShapeLowerings(r);
  lowering::registerReductionLowerings(r);
  lowering::registerContractionLowerings(r);
  lowering::registerOptimizerLowerings(r);
}

}  // namespace ingot::ir
