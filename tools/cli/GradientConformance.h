// Gradient checks in the conformance harness (`ingot conformance
// --gradients`): every case of passes::gradientCheckCases() on every
// backend.
//
//   - The oracle (the reference backend's row): the case's analytic
//     gradients in f64 against central finite differences of the loss
//     (passes::checkAgainstFiniteDifferences), and the same gradients
//     computed in f32 against the f64 ones (passes::compareAcrossDTypes).
//   - Every backend: the case's gradient graph (forward, loss, appended
//     backward nodes; passes::buildGradientGraph) in f32 and in f64 is
//     compiled with the backend (BackendEntry::compile), run through
//     rt::Session on the backend's device, and its loss and gradients are
//     compared with the reference interpreter's values of the same graph.
//
// A case a backend cannot compile because something is unsupported there
// (an op, a dtype) is a skip with the reason (Outcome::Unsupported,
// category "skip"), not a failure.
#pragma once

#include <string>
#include <vector>

#include "passes/GradientCheck.h"
#include "tools/cli/Backends.h"
#include "tools/conformance/Compare.h"
#include "tools/conformance/Runner.h"

namespace ingot::cli {

// The backend whose row also carries the finite-difference check.
inline constexpr const char* kGradientOracleBackend = "reference";

// Tolerances for a backend's gradients against the reference interpreter's
// gradients of the same graph (see GradientConformance.cpp for why).
conformance::Tolerance gradientTolerance(DType t);
// Finite-difference and cross-dtype tolerances of the oracle row.
inline constexpr double kFiniteDifferenceRtol = 1e-6, kFiniteDifferenceAtol = 1e-6;
inline constexpr double kF32VsF64Rtol = 1e-4, kF32VsF64Atol = 1e-5;

// The cases to run: those checking `op` (empty: every op; composite cases
// run only without an op) whose name contains `filter`. An op that is not
// registered or has no gradient rule is an InvalidInput error.
Expected<std::vector<passes::GradCheckCase>> selectGradientCases(const std::string& op, const std::string& filter);

struct GradientBackendStats {
  std::string backend;
  int passed = 0, failed = 0, skipped = 0;
  int64_t checkedElements = 0;
  double maxAbsDiff = 0;  // largest |backend - reference| (the oracle row: |analytic - numeric|)
  double seconds = 0;
};

struct GradientRunResult {
  std::vector<conformance::CaseResult> cases;  // suite "gradients", one per (case, backend)
  std::vector<GradientBackendStats> stats;     // one per device, in device order
};

GradientRunResult runGradientChecks(const std::vector<OpenDevice>& devices,
                                    const std::vector<passes::GradCheckCase>& cases);

}  // namespace ingot::cli
