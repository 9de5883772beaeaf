#include "tools/conformance/Compare.h"

#include <cmath>

#include <fmt/format.h>

namespace ingot::conformance {

Tolerance defaultTolerance(DType t) {
  switch (t) {
    case DType::F32: return {1e-5, 1e-6};
    case DType::F64: return {1e-12, 1e-13};
    case DType::F16:
    case DType::BF16: return {1e-2, 1e-3};
    default: return {0, 0};
  }
}

std::string compareTensors(const Tensor& got, const Tensor& want, Tolerance tol) {
  if (got.dtype() != want.dtype())
    return fmt::format("dtype {} instead of {}", dtypeName(got.dtype()), dtypeName(want.dtype()));
  if (got.shape() != want.shape())
    return fmt::format("shape {} instead of {}", shapeToString(got.shape()), shapeToString(want.shape()));
  if (!isComputable(got.dtype()))
    return got.identical(want) ? "" : "values differ (bitwise)";
  int64_t n = got.numElements(), bad = 0, first = -1;
  double worst = 0;
  for (int64_t i = 0; i < n; ++i) {
    double g = got.elementAsDouble(i), w = want.elementAsDouble(i);
    bool ok;
    if (std::isnan(w)) ok = std::isnan(g);
    else if (std::isinf(w)) ok = g == w;
    else ok = std::fabs(g - w) <= tol.atol + tol.rtol * std::fabs(w);
    if (!ok) {
      if (first < 0) first = i;
      ++bad;
      if (std::isfinite(g) && std::isfinite(w)) worst = std::max(worst, std::fabs(g - w));
    }
  }
  if (!bad) return "";
  return fmt::format("{} of {} elements differ (rtol {:g}, atol {:g}); first at flat index {}: got {:.9g}, want {:.9g}; "
                     "max abs error {:.3g}",
                     bad, n, tol.rtol, tol.atol, first, got.elementAsDouble(first), want.elementAsDouble(first),
                     worst);
}

}  // namespace ingot::conformance
