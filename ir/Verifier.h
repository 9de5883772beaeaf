// The graph verifier: the invariants every pass may rely on and must keep.
// Runs after parsing and importing, and after every pass in tests and debug
// builds.
#pragma once

#include "ir/Graph.h"
#include "support/Status.h"

namespace ingot::ir {

// Checks, reporting the first violation as an InvalidInput status whose
// message names the value or the node (Node::label()) and operand/result index:
//   - every value has a non-empty name, unique in the graph, and a valid type
//     (non-negative dims, at most 2^40 elements);
//   - inputs, params and node results are marked with their kind, results
//     point back to their node and index;
//   - params have data whose dtype and shape match their declared type, and
//     tensor attributes have a valid shape and a matching byte count;
//   - nodes are in topological order: each operand is a value of this graph
//     defined before the node;
//   - operand counts, required operands, attribute names, kinds and required
//     attributes match the op (inferNodeTypes), and the op's type rule gives
//     exactly the declared result types;
//   - there is at least one output, and every output is a value of the graph.
Status verifyGraph(const Graph& g);

}  // namespace ingot::ir
