// Factories of the individual passes, one per file; the pass table
// (PassRegistry.cpp) is the only caller besides tests.
#pragma once

#include <memory>

#include "passes/PassManager.h"

namespace ingot::passes {

std::unique_ptr<Pass> createDeadCodeEliminationPass();       // "dce"
std::unique_ptr<Pass> createCommonSubexpressionEliminationPass();  // "cse"
std::unique_ptr<Pass> createConstantFoldingPass();            // "fold"
std::unique_ptr<Pass> createCanonicalizePass();               // "canonicalize"
std::unique_ptr<Pass> createInferTypesPass();                 // "infer-types"

// Constant folding leaves a node alone when one of its results would hold
// more elements than this (a folded tensor is stored in the graph and the
// artifact; a broadcast that is cheap to compute may be huge to store).
inline constexpr int64_t kMaxFoldedElements = int64_t{1} << 20;

}  // namespace ingot::passes
