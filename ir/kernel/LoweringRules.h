// Lowering rules per op family (ir/kernel/*Lowerings.cpp), attached to the
// registry's ops by registerLoweringRules (ir/kernel/Lowering.cpp).
#pragma once

#include <functional>
#include <string_view>

#include "ir/OpRegistry.h"
#include "ir/kernel/Lowering.h"

namespace ingot::ir::lowering {

void registerElementwiseLowerings(OpRegistry& r);
void registerShapeLowerings(OpRegistry& r);
void registerReductionLowerings(OpRegistry& r);
void registerContractionLowerings(OpRegistry& r);
void registerOptimizerLowerings(OpRegistry& r);

// Attaches `rule` to op `name` (skipped when a test registry lacks the op).
void attach(OpRegistry& r, std::string_view name, LoweringRule rule);

}  // namespace ingot::ir::lowering
