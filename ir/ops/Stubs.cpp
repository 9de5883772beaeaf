// Temporary: empty registration functions until the op families are written.
#include "ir/OpRegistry.h"
namespace ingot::ir {
void registerElementwiseOps(OpRegistry&) {}
void registerActivationOps(OpRegistry&) {}
void registerContractionOps(OpRegistry&) {}
void registerShapeOps(OpRegistry&) {}
void registerReductionOps(OpRegistry&) {}
void registerMiscOps(OpRegistry&) {}
}
