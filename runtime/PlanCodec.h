// The binary form of a Plan inside an artifact's meta section. Initial data
// (weights) is not inlined: each Constant/State tensor is written as an
// index into the artifact's weight table (runtime/Artifact.cpp stores each
// distinct tensor once, aligned, in the weights section).
#pragma once

#include <functional>

#include "runtime/Plan.h"
#include "support/ByteStream.h"

namespace ingot::rt {

// `weightIndex` gives the weight-table index of plan.initialData[i].
void encodePlan(const Plan& plan, const std::function<uint64_t(size_t)>& weightIndex, ByteWriter& w);
// Reads what encodePlan wrote; `weight` returns the tensor of a weight-table
// index (or an error for a bad one), shared by every plan that refers to it. Checks shapes and sizes for sanity;
// Plan::validate checks the rest once the kernel count is known.
Expected<Plan> decodePlan(ByteReader& r, const std::function<Expected<SharedTensor>(uint64_t)>& weight);

// Reads and writes a tensor's type (dtype name, rank, dims); dims must be
// non-negative and the element count below 2^40.
void encodeTensorType(DType dtype, const Shape& shape, ByteWriter& w);
bool decodeTensorType(ByteReader& r, DType& dtype, Shape& shape);

}  // namespace ingot::rt
