// Reverse-mode automatic differentiation over the graph IR.
//
// appendGradients() appends the backward nodes to the same graph: for each
// forward node that lies between a differentiated value and the loss,
// in reverse order, it sums the gradients reaching the node's results and
// calls the op's gradient rule (OpDef::gradient, ir/Gradient.h), which
// builds ordinary IR. The pass knows no op names.
//
//   - Gradients are summed (one Sum node) where a value has several users.
//   - Multi-result nodes get null for the results no gradient reaches.
//   - Only float values carry gradients: integer and bool values (labels,
//     indices, masks) are never differentiated, nor are nodes whose float
//     operands do not depend on a `wrt` value.
//   - A node on the path whose op has no rule is an error naming the node,
//     a differentiated value it depends on, and the loss.
//   - A `wrt` value the loss does not depend on gets a zero tensor.
// Which parameters are trainable is explicit: Value::trainable()
// (initializers are trainable by default; freezing clears the flag), and
// trainableParams() lists them.
#pragma once

#include <vector>

#include "ir/Graph.h"
#include "support/Status.h"

namespace ingot::passes {

// A value to differentiate and the gradient flowing into it.
struct GradientSeed {
  ir::Value* value = nullptr;
  // dL/d(value), typed like value; null: value must hold one element, and
  // the seed is 1 (value is the loss itself).
  ir::Value* seed = nullptr;
};

struct GradientRequest {
  ir::Value* loss = nullptr;  // usually a scalar; with `seed`, any float value
  ir::Value* seed = nullptr;  // see GradientSeed::seed
  std::vector<ir::Value*> wrt;  // float values (parameters, inputs, or results)
  // More outputs whose vector-Jacobian products are added to the loss's
  // (multi-output models, auxiliary losses).
  std::vector<GradientSeed> moreSeeds;
};

// Appends the backward graph; returns dL/d(wrt[i]) for each i, typed like
// wrt[i] (a zero tensor where the loss does not depend on it). Gradients
// the pass creates are named "<wrt>_grad". The graph's outputs are not
// changed: callers add the gradients they need.
Expected<std::vector<ir::Value*>> appendGradients(ir::Graph& g, const GradientRequest& request);

// The parameters training updates: trainable() and of a float dtype.
std::vector<ir::Value*> trainableParams(const ir::Graph& g);

}  // namespace ingot::passes
