// A minimal OpDef for tests that build their own small registries (text IR,
// verifier): a name, operands, attributes and a type rule; the reference
// kernel returns nothing (these tests never run kernels).
#pragma once

#include <string>
#include <vector>

#include "ir/OpRegistry.h"

namespace ingot::ir::testing {

inline OpDef makeTestOp(std::string name, std::vector<OperandSpec> operands, std::vector<AttrSpec> attrs,
                        TypeRule rule, int numResults = 1) {
  OpDef d;
  d.name = std::move(name);
  d.operands = std::move(operands);
  d.attrs = std::move(attrs);
  d.inferTypes = std::move(rule);
  d.numResults = numResults;
  d.reference = [](const OpContext&, std::span<const Tensor* const>, std::span<const TensorType>)
      -> Expected<std::vector<Tensor>> { return std::vector<Tensor>{}; };
  return d;
}

}  // namespace ingot::ir::testing
