// What an op's lowering rule (OpDef::lowering) sees: the interface between
// the op registry and the lowering driver (passes/Lowering.cpp), which
// builds one dispatch per fused group by inlining the group's ops into each
// other.
//
// Two kinds of rules, chosen by the op's fusion class:
//   - Element rules (Elementwise, Broadcast, Injective, Contraction): compute
//     one result element at `resultIndex()` and call setResult. They read
//     operands with operandAt/operandFlat/operandBroadcast, which the driver
//     answers with a load (group inputs) or by inlining the producer's rule
//     at that index (ops inside the group). Contractions call contract() and
//     build their epilogue from its accumulator.
//   - Root rules (Reduction): called once for the group's last op; they set
//     the grid, build loops and accumulators with the builder, read operands
//     the same way, and store every result element with storeResult.
// A rule that cannot lower a node (a dtype, an attribute value) returns an
// Unsupported status; the driver then falls back (one dispatch per op, or an
// opaque dispatch that runs a library kernel).
#pragma once

#include <span>
#include <vector>

#include "ir/OpRegistry.h"
#include "ir/kernel/Kernel.h"

namespace ingot::ir {

class LoweringContext {
 public:
  virtual ~LoweringContext() = default;

  // The node's op, attributes (with defaults) and operand types.
  virtual const OpContext& op() const = 0;
  virtual const TensorType& resultType(size_t i = 0) const = 0;
  virtual kir::KernelBuilder& builder() = 0;

  // Element rules.
  virtual const std::vector<kir::ExprId>& resultIndex() const = 0;
  virtual Expected<kir::ExprId> operandAt(size_t operand, const std::vector<kir::ExprId>& index) = 0;
  // The operand's element at a row-major flat index of the operand.
  virtual Expected<kir::ExprId> operandFlat(size_t operand, kir::ExprId flat) = 0;
  virtual void setResult(kir::ExprId value) = 0;
  // The contraction C[batch..., i, j] = sum_k A[.., i, k] * B[.., k, j] at the
  // result index (which must be the dispatch's grid point; A and B must be
  // group inputs, never inlined). Operands of rank 2 or more; the transposes
  // swap the last two dims of an operand.
  virtual Expected<kir::ExprId> contract(size_t a, size_t b, bool transA, bool transB) = 0;

  // Root rules.
  virtual std::vector<kir::ExprId> setGrid(const Shape& extents) = 0;
  virtual Status storeResult(size_t result, const std::vector<kir::ExprId>& index, kir::ExprId value) = 0;

  // The operand element at the result index under numpy broadcasting.
  Expected<kir::ExprId> operandBroadcast(size_t operand);
  // An Unsupported status naming the node.
  Status unsupported(std::string_view why) const;
};

}  // namespace ingot::ir
