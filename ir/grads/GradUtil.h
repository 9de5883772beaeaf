// Helpers shared by the gradient-rule families in ir/grads/. Internal.
#pragma once

#include <functional>
#include <string_view>
#include <vector>

#include "ir/Gradient.h"

namespace ingot::ir::grads {

// Computes dL/dx for a one-operand op y = f(x) from (x, y, dy). Used by the
// unary tables: the rule runs only when operand 0 needs a gradient.
using UnaryVjp = std::function<Expected<Value*>(GradientContext&, Value* x, Value* y, Value* dy)>;
GradientRule unaryRule(UnaryVjp vjp);

// Where(cond, a, 0): `a` where the mask holds, zero elsewhere.
Expected<Value*> maskOrZero(GradientContext& c, Value* mask, Value* a);

// Ints attribute helpers.
inline Attribute ints(std::vector<int64_t> v) { return Attribute(std::move(v)); }
inline Attribute one(int64_t v) { return Attribute(v); }

// The Transpose permutation that swaps the last two of `rank` dims.
std::vector<int64_t> swapLastTwo(size_t rank);

// Rows of a family table: op name and rule.
struct GradRow {
  std::string_view op;
  GradientRule rule;
};
void attachAll(OpRegistry& r, std::vector<GradRow> rows);

}  // namespace ingot::ir::grads
