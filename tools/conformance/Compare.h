// Tensor comparison with per-dtype tolerances, shared by the conformance
// runners and tests.
#pragma once

#include <string>

#include "support/Tensor.h"

namespace ingot::conformance {

struct Tolerance {
  double rtol = 1e-5;
  double atol = 1e-6;
};
// Defaults: f32 rtol 1e-5 / atol 1e-6, f64 1e-12 / 1e-13, exact for ints and bools.
Tolerance defaultTolerance(DType t);

// Empty when `got` matches `want` (same dtype, shape, and every element with
// |got - want| <= atol + rtol * |want|; NaN matches NaN, inf matches the same
// inf); otherwise a message naming the first mismatching element and the
// number of mismatches.
std::string compareTensors(const Tensor& got, const Tensor& want, Tolerance tol);

}  // namespace ingot::conformance
