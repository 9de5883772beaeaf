// The text IR: a readable form of a Graph that round-trips exactly
// (printGraph -> parseGraph -> printGraph is byte-identical). It is the input
// and output of pass tests (FileCheck) and a second model file format
// (.ingot.txt). The parser is in ir/TextParser.h.
//
// Format
// ------
//   graph @mlp {
//     doc "exported by ..."                          # Graph::docString, only when non-empty
//     input %x : f32[1,784]
//     param %w0 : f32[784,128] = hex"0000803f..."    # > 16 elements: raw little-endian bytes
//     param %b0 : f32[3] = [0.5, -1, 2.25]           # <= 16 elements: element list
//     param frozen %b1 : f32[2] = [nan, -inf]        # frozen: trainable == false
//     %h = Gemm(%x, %w0, %b0) {transB = 1} : f32[1,128]
//     %y = Relu(%h) name "relu_0" : f32[1,128]       # optional node name
//     %c = Constant() {value = tensor<i64[2]> [1, -1]} : i64[2]
//     %z = Gemm(%a, %w, _) {alpha = 0.5, perm = [1, 0], to = "f32"} : f32[2,2]   # _: absent operand
//     %p, %q = Split2(%x) : f32[2], f32[3]           # several results
//     output %y, %z
//     update %w0 = %w0_next                          # after a run, param %w0 := %w0_next
//   }
//
// Lexical rules
//   - Whitespace-insensitive; `#` starts a comment that runs to the end of the line.
//   - Value names are %name when the name matches [A-Za-z0-9_.]+ (it may start
//     with a digit: %0), otherwise %"..." ("onnx::Gemm_0", "/fc1/Gemm_output_0").
//     The graph name after @ follows the same rule; an empty name is @"".
//   - Strings are "..." on one line with the escapes \" \\ \n \t \xHH; the
//     printer escapes every byte outside printable ASCII as \xHH.
//   - Op and attribute names are bare identifiers ([A-Za-z_][A-Za-z0-9_.]*)
//     or quoted strings; the printer quotes an op named like a keyword
//     (input, param, output, update, doc, name) so it cannot be mistaken for one.
//
// Statements, printed in this order: doc, inputs, params, nodes, outputs,
// updates (the parser accepts any order, but a value must be defined before
// use).
//   - Types are dtype[d0,d1,...] with the names of support/DType.h; a scalar
//     is f32[]. Dims are non-negative and a shape may hold at most 2^40 elements.
//   - A node is `results = Op(operands) {attrs} name "n" : result types`.
//     Operands are %values or `_` for an absent optional operand (every entry
//     of the operand list is printed, so trailing `_` are kept). Attributes
//     ({...}) and the node name are omitted when empty. A node without results
//     is written `Op(operands) {attrs} name "n"` (no `=` and no `:`).
//     The declared result types are kept as written; the verifier (not the
//     parser) checks them against the op's type rule, as it does operand
//     counts and required attributes.
//   - `output` lists the graph outputs; several output statements append.
//   - `update %param = %value` is a state update (Graph::addStateUpdate):
//     after a run the parameter holds what %value held in that run. One
//     statement per update, in the graph's order; both values must be
//     defined before it, %param must be a parameter not updated yet, and
//     the types must match (errors give line:col).
//   - A node of an op with a body (OpDef::hasBody: Fused) always writes its
//     attribute braces, `{}` when empty, then after the optional node name the
//     body as a nested block of statements indented two more spaces, closed
//     by `}` at the node's indentation, then the result types:
//       %h = Fused(%x, %w0, %b0) {kind = "dense"} {
//         input %x : f32[1,784]
//         input %w0 : f32[784,128]
//         input %b0 : f32[128]
//         %t = Gemm(%x, %w0, %b0) : f32[1,128]
//         %h = Relu(%t) : f32[1,128]
//         output %h
//       } : f32[1,128]
//     Body statements are those of a graph (doc, input, param, nodes,
//     output); value names inside are scoped to the body, so they may repeat
//     outer names and outer values are not visible (they come in as the
//     node's operands, in the order of the body's inputs). Bodies may nest,
//     at most 16 deep. The verifier checks the operand/input and
//     result/output correspondence.
//
// Attributes are printed sorted by name (AttrMap is sorted). The parser takes
// an attribute's kind from the op's AttrSpec, so `1` is an int for an int
// attribute and a float for a float attribute, and `[]` takes the spec's list kind:
//   int 3 | float 0.5, 1, 1e-05, nan, inf, -inf | string "f32" |
//   ints [1, 0] | floats [0.5, 1] | strings ["a", "b"] | tensor tensor<i64[2]> [1, -1]
//
// Tensor data (params and tensor attributes) is an element list `[a, b, ...]`
// in row-major order or `hex"..."`: the raw little-endian bytes, two lowercase
// hex digits per byte. The printer writes a list when the tensor has at most
// 16 elements and the list reproduces its bytes exactly, hex otherwise (f16,
// bf16, NaNs other than the default quiet NaN, bool bytes other than 0/1).
// Floats are written in std::to_chars's shortest round-trip form (or nan,
// inf, -inf); ints in decimal; bools as true/false.
// A param whose data's dtype/shape differ from its declared type (an invalid
// graph, which the verifier rejects) is printed with the data's own type:
//   param %w : f32[4] = tensor<f32[3]> [1, 2, 3]
#pragma once

#include <string>

#include "ir/Graph.h"

namespace ingot::ir {

std::string printGraph(const Graph& g);
// One node statement without indentation or final newline (for messages and
// dumps); a node with a body spans several lines.
std::string printNode(const Node& n);
// An attribute value as the text IR writes it.
std::string printAttribute(const Attribute& a);
// A value reference: %name or %"...".
std::string printValueRef(const Value& v);

}  // namespace ingot::ir
