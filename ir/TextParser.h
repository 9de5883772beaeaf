// Parser of the text IR (the format is documented in ir/TextPrinter.h).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "ir/Graph.h"
#include "ir/OpRegistry.h"
#include "support/Status.h"

namespace ingot::ir {

// Parses one `graph @name { ... }`. Every error is an InvalidInput status
// "sourceName:line:col: message" (never an exception or a crash, whatever the
// input). Ops and attribute kinds come from `ops`. The graph is built as
// written: declared result types, operand counts and required attributes are
// left to verifyGraph (ir/Verifier.h).
Expected<std::unique_ptr<Graph>> parseGraph(std::string_view text,
                                            const std::string& sourceName = "<text>",
                                            const OpRegistry& ops = OpRegistry::builtin());

}  // namespace ingot::ir
