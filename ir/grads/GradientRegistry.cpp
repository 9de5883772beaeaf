// Attaches each op family's gradient rules to the registry.
#include "ir/OpRegistry.h"

namespace ingot::ir {

void registerGradientRules(OpRegistry&) {}

}  // namespace ingot::ir
