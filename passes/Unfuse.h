// Inlining fused groups back: every node with a body (Fused) is replaced by
// copies of its body's nodes, wired to the node's operands. Consumers that
// only understand plain ops (the ONNX exporter, tools that predate fusion)
// call this first; `--passes unfuse` does it from the CLI.
#pragma once

#include <memory>

#include "ir/Graph.h"
#include "passes/PassManager.h"
#include "support/Status.h"

namespace ingot::passes {

// Inlines every body (nested ones too) into `g`. Body values keep their
// names where the graph does not use them yet and get fresh ones otherwise;
// a fused node's results keep their names (and output slots). Returns how
// many fused nodes were inlined.
Expected<size_t> unfuseGraph(ir::Graph& g);

// The "unfuse" pass.
std::unique_ptr<Pass> createUnfusePass();

}  // namespace ingot::passes
