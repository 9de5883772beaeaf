// The reference interpreter: runs a graph node by node with each op's
// reference kernel. It is the oracle every backend is compared with.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "ir/Graph.h"
#include "support/Status.h"
#include "support/Tensor.h"

namespace ingot::ir {

// Evaluates one node on the given operand tensors (null where an optional
// operand is absent). Checks the kernel's results against the node's types.
// A node with a body (Fused) runs its body on the operands instead of a
// kernel, so constant folding and the interpreter handle fused groups.
Expected<std::vector<Tensor>> evaluateNode(const Node& node, const std::vector<const Tensor*>& inputs);

// Runs the whole graph. Every graph input must be given by name with the
// declared dtype and shape (errors name the input, expected vs got).
// Returns the graph outputs in order.
Expected<std::vector<Tensor>> interpretGraph(const Graph& g,
                                             const std::map<std::string, Tensor, std::less<>>& inputs);

}  // namespace ingot::ir
