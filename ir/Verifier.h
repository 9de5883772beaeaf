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
//   - there is at least one output, and every output is a value of the graph;
//   - every state update's parameter is a parameter of the graph, updated
//     once, by a value of the graph of the same type (bodies have none: they
//     have no parameters);
//   - a node of an op with a body (OpDef::hasBody, e.g. Fused) has one, which
//     is verified recursively (messages "<node label>: body: ..."); the body
//     has no parameters, its inputs match the operands and its outputs the
//     results 1:1 in order and type. Other nodes have no body.
Status verifyGraph(const Graph& g);

}  // namespace ingot::ir
