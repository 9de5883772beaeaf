// Attaches each op family's lowering rules to the registry.
#include "ir/OpRegistry.h"

namespace ingot::ir {

void registerLoweringRules(OpRegistry&) {}

}  // namespace ingot::ir
