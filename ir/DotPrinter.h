// Graphviz output of a graph, so a user can look at what the compiler did
// (`ingot opt --dot FILE`, `ingot compile --dot FILE`).
//
// Inputs and parameters are ellipses (parameters dashed), each node is a box
// labelled with its op, node name, result names and types, and each graph
// output is a bold ellipse. A node with a body (a fused group) is drawn as a
// `subgraph cluster_N` labelled with the group's op and kind, holding its
// body's nodes; edges run from the node that computes a value to the nodes
// that use it, through cluster boundaries, so a fused group shows exactly
// which ops became one kernel.
#pragma once

#include <string>

#include "ir/Graph.h"

namespace ingot::ir {

// The graph as a `digraph` in the DOT language. Never fails: broken graphs
// (null values, missing bodies) are drawn as far as they go.
std::string printDot(const Graph& g);

}  // namespace ingot::ir
