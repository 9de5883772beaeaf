// Helpers shared by the rewriting passes (canonicalize, fold, CSE).
//
// Graph outputs keep their names. A rewrite that replaces a value `old` by
// another value `repl` is allowed only when canReplace(old, repl) holds:
//   - `old` is not a graph output: every use is redirected, names untouched;
//   - `old` is a graph output: `repl` must be a node result that is not
//     itself a graph output; it then takes over `old`'s name (and `old`, about
//     to die, gets a fresh one). Inputs and parameters are never renamed (the
//     signature and the named state), and one value is never listed as two
//     outputs, so in those cases the rewrite does not fire and the node that
//     carries the output's name (an Identity, say) stays.
// This keeps the model's signature (the output names an application and
// the ONNX exporter use) identical across every pass.
//
// State updates (ir/Graph.h) follow the replacement: an update whose new
// value is `old` takes `repl` (replaceAllUses), whatever its kind, since an
// update is addressed by its parameter, not by the source's name. Update
// sources count as live in eraseIfDead, and an updated parameter is never
// constantData, even when frozen.
#pragma once

#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "ir/Graph.h"
#include "support/Status.h"
#include "support/Tensor.h"

namespace ingot::passes {

bool isGraphOutput(const ir::Graph& g, const ir::Value* v);
bool canReplace(const ir::Graph& g, const ir::Value* old, const ir::Value* repl);
// Redirects every use of `old` to `repl` and moves an output's name (see
// above). Callers check canReplace first; an internal error otherwise.
// With adoptName, `repl` (a result the caller just created) takes `old`'s
// name even when `old` is no output, so a rewrite changes as few names as
// possible in dumps and in FileCheck tests.
Status replaceValue(ir::Graph& g, ir::Value* old, ir::Value* repl, bool adoptName = false);

// Erases the given nodes that no node uses and that define no graph output,
// repeatedly (a chain of dead pattern intermediates goes at once). Other
// dead code is left to DCE: a pass removes only what it made dead.
void eraseIfDead(ir::Graph& g, std::vector<ir::Node*> candidates);

// The tensor a value is known to hold at compile time: a Constant's value or
// a frozen (non-trainable) parameter's data. Trainable parameters are state
// that training changes, and so is any parameter with a state update
// (optimizer moments are frozen but updated): neither is a constant. Null
// otherwise.
const Tensor* constantData(const ir::Value* v);

// Whether `v` is a compile-time constant with a single element whose value
// is `expected` within a relative tolerance.
bool isScalarConstant(const ir::Value* v, double expected, double relTol = 1e-6);

// Bitwise equality of attributes (floats by bits: -0 differs from 0, NaN
// payloads count), the equality CSE needs.
bool identicalAttributes(const ir::Node& a, const ir::Node& b);

}  // namespace ingot::passes
