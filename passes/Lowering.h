// Lowering: every node of an (optionally fused) graph becomes one dispatch in
// the dispatch form (ir/kernel/Kernel.h). A fused node's body is lowered as
// one kernel by inlining its ops into each other through their lowering
// rules; a group that cannot be lowered whole falls back to one dispatch per
// op (and says why), and an op without a loop-level form becomes an opaque
// dispatch. Nodes without operands (Constant, EyeLike of a constant, ...)
// are evaluated at compile time and become constants of the plan.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "ir/Graph.h"
#include "ir/kernel/Kernel.h"

namespace ingot::passes {

struct LoweredDispatch {
  kir::Dispatch dispatch;
  // The value each binding holds, parallel to dispatch.bindings. Values of a
  // fused body appear here when the body had to be split.
  std::vector<const ir::Value*> values;
};

struct CompileTimeConstant {
  const ir::Value* value = nullptr;
  Tensor data;
};

struct LoweredGraph {
  std::vector<LoweredDispatch> dispatches;
  std::vector<CompileTimeConstant> constants;
  // One line per group that was split or op left opaque, with the reason.
  std::vector<std::string> notes;
  size_t opaqueCount() const;
};

// `g` must outlive the result (bindings point at its values).
Expected<LoweredGraph> lowerGraph(const ir::Graph& g);

// All dispatches in their text form, in order.
std::string printLoweredGraph(const LoweredGraph& l);

}  // namespace ingot::passes
