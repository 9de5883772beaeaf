// Pass-related flags shared by `ingot opt` and `ingot compile`.
#pragma once

#include <set>
#include <string>

#include "support/Status.h"
#include "tools/cli/Args.h"

namespace ingot::cli {

// The passes named by --print-after: the flag may be repeated and each value
// may list several passes; unknown names are an error listing the passes.
Expected<std::set<std::string, std::less<>>> printAfterPasses(const ParsedArgs& args);

}  // namespace ingot::cli
