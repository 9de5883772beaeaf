#include "tools/cli/GradientConformance.h"

#include <chrono>
#include <cmath>
#include <limits>

#include "ir/Interpreter.h"
#include "ir/OpRegistry.h"

namespace ingot::cli {

using conformance::CaseResult;
using conformance::Outcome;
using conformance::Tolerance;

// A backend runs the same gradient graph as the reference interpreter, so
// the only differences are evaluation order and math-library rounding:
// fusion and vectorized reductions reorder sums (of up to ~100 terms here),
// and backends may use their own exp/log/tanh/erf. A backward graph chains
// 5 to 40 such ops, each a few ulps off, and gradients are sums of products
// of O(1) values. f32 (eps 6e-8): rtol 1e-4 leaves room for ~1000 ulps of
// drift, atol 1e-5 for gradients that cancel to about 0; f64 (eps 1e-16):
// the same margins, 1e-10 / 1e-11. A wrong rule, kernel or lowering is off
// by far more (a missing term is O(0.1)).
Tolerance gradientTolerance(DType t) {
  switch (t) {
    case DType::F64: return {1e-10, 1e-11};
    case DType::F32: return {1e-4, 1e-5};
    default: return {1e-2, 1e-3};  // f16, bf16
  }
}

Expected<std::vector<passes::GradCheckCase>> selectGradientCases(const std::string& op, const std::string& filter) {
  if (!op.empty()) {
    const ir::OpDef* def = ir::OpRegistry::builtin().find(op);
    if (!def) return invalidInput("--op {}: no such op", op);
    if (!def->gradient) return invalidInput("--op {}: the op has no gradient rule", op);
  }
  std::vector<passes::GradCheckCase> out;
  for (passes::GradCheckCase& c : passes::gradientCheckCases()) {
    if (!op.empty() && c.op != op) continue;
    if (!filter.empty() && c.name.find(filter) == std::string::npos) continue;
    out.push_back(std::move(c));
  }
  return out;
}

namespace {

using Clock = std::chrono::steady_clock;

// One gradient graph of a case in one dtype, with the reference
// interpreter's values of its outputs (the loss, then the gradients).
struct Prepared {
  DType dtype;
  Expected<passes::GradientGraph> graph = internalError("not built");
  Expected<std::vector<Tensor>> want = internalError("not run");
};

std::string outputName(const passes::GradientGraph& gg, size_t i) {
  return i == 0 ? std::string("loss") : "dL/d" + gg.wrt[i - 1];
}

// The backend's outputs against the reference's: the element farthest
// outside its tolerance, the mismatch count, and the largest difference.
struct Comparison {
  std::string worst;  // empty: all within tolerance
  double worstRatio = 0, maxAbsDiff = 0;
  int64_t bad = 0, checked = 0;
};

Comparison compareOutputs(const passes::GradientGraph& gg, const std::vector<Tensor>& got,
                          const std::vector<Tensor>& want, Tolerance tol, const std::string& backend) {
  Comparison cmp;
  if (got.size() != want.size()) {
    cmp.worst = fmt::format("{} outputs, the reference has {}", got.size(), want.size());
    cmp.bad = 1;
    return cmp;
  }
  for (size_t k = 0; k < got.size(); ++k) {
    const Tensor& g = got[k];
    const Tensor& w = want[k];
    if (g.dtype() != w.dtype() || g.shape() != w.shape()) {
      cmp.worst = fmt::format("{} is {}{}, the reference's {}{}", outputName(gg, k), dtypeName(g.dtype()),
                              shapeToString(g.shape()), dtypeName(w.dtype()), shapeToString(w.shape()));
      cmp.worstRatio = std::numeric_limits<double>::infinity();
      ++cmp.bad;
      continue;
    }
    for (int64_t i = 0; i < g.numElements(); ++i) {
      const double a = g.elementAsDouble(i), b = w.elementAsDouble(i);
      ++cmp.checked;
      bool ok;
      double ratio = 0;
      if (std::isnan(b)) ok = std::isnan(a);
      else if (std::isinf(b)) ok = a == b;
      else {
        const double limit = tol.atol + tol.rtol * std::fabs(b);
        ok = std::fabs(a - b) <= limit;
        ratio = std::fabs(a - b) / limit;
        if (std::isfinite(a)) cmp.maxAbsDiff = std::max(cmp.maxAbsDiff, std::fabs(a - b));
      }
      if (ok) continue;
      if (!std::isfinite(ratio) || std::isnan(ratio) || ratio == 0) ratio = std::numeric_limits<double>::infinity();
      ++cmp.bad;
      if (cmp.worst.empty() || ratio > cmp.worstRatio) {
        cmp.worstRatio = ratio;
        cmp.worst = fmt::format("{}[{}] = {:.9g} on {}, {:.9g} on the reference (|diff| {:.3g} > {:.3g})",
                                outputName(gg, k), i, a, backend, b, std::fabs(a - b),
                                tol.atol + tol.rtol * std::fabs(b));
      }
    }
  }
  return cmp;
}

// What one row (case, backend, dtype) found.
struct Row {
  std::vector<std::string> failures;
  std::string skip;
  int64_t checked = 0;
  double maxAbsDiff = 0;
};

void addReport(Row& row, const Expected<passes::GradCheckReport>& report, const std::string& what) {
  if (!report.ok()) {
    row.failures.push_back(fmt::format("{}: {}", what, report.status().message()));
    return;
  }
  row.checked += report->checkedElements;
  row.maxAbsDiff = std::max(row.maxAbsDiff, report->maxAbsError);
  if (!report->ok())
    row.failures.push_back(fmt::format("{}: {} of {} elements mismatch, worst {}", what, report->failures.size(),
                                       report->checkedElements, report->worst));
}

// The oracle's own checks, on the reference backend's rows: f64 analytic
// gradients against finite differences; f32 gradients against f64 ones.
void oracleChecks(Row& row, const passes::GradCheckCase& c, DType dtype) {
  if (dtype == DType::F64) {
    passes::GradCheckOptions options;
    options.dtype = DType::F64;
    options.rtol = kFiniteDifferenceRtol;
    options.atol = kFiniteDifferenceAtol;
    addReport(row, passes::checkAgainstFiniteDifferences(c, options), "f64 analytic vs finite differences");
  } else {
    addReport(row, passes::compareAcrossDTypes(c, dtype, DType::F64, kF32VsF64Rtol, kF32VsF64Atol),
              fmt::format("{} vs f64 gradients", dtypeName(dtype)));
  }
}

Row runRow(const OpenDevice& dev, const passes::GradCheckCase& c, const Prepared& p) {
  Row row;
  const std::string& backend = dev.backend->name;
  if (backend == kGradientOracleBackend) oracleChecks(row, c, p.dtype);
  if (!p.graph.ok()) {
    row.failures.push_back(p.graph.status().message());
    return row;
  }
  if (!p.want.ok()) {
    row.failures.push_back("reference interpreter: " + p.want.status().message());
    return row;
  }
  auto got = compileAndRun(dev, *p.graph->graph, p.graph->inputs);
  if (!got.ok()) {
    if (got.status().kind() == ErrorKind::Unsupported && row.failures.empty()) row.skip = got.status().message();
    else row.failures.push_back(got.status().message());
    return row;
  }
  const Comparison cmp = compareOutputs(*p.graph, *got, *p.want, gradientTolerance(p.dtype), backend);
  row.checked += cmp.checked;
  row.maxAbsDiff = std::max(row.maxAbsDiff, cmp.maxAbsDiff);
  if (cmp.bad)
    row.failures.push_back(fmt::format("{} of {} elements outside rtol {:g} atol {:g}, worst {}", cmp.bad,
                                       cmp.checked, gradientTolerance(p.dtype).rtol,
                                       gradientTolerance(p.dtype).atol, cmp.worst));
  return row;
}

std::string joined(const std::vector<std::string>& parts) {
  std::string out;
  for (const std::string& p : parts) out += (out.empty() ? "" : "; ") + p;
  return out;
}

}  // namespace

GradientRunResult runGradientChecks(const std::vector<OpenDevice>& devices,
                                    const std::vector<passes::GradCheckCase>& cases) {
  GradientRunResult result;
  for (const OpenDevice& d : devices) result.stats.push_back(GradientBackendStats{d.backend->name});
  for (const passes::GradCheckCase& c : cases) {
    for (DType dtype : {DType::F32, DType::F64}) {
      Prepared p{dtype};
      p.graph = passes::buildGradientGraph(c, dtype);
      if (p.graph.ok()) p.want = ir::interpretGraph(*p.graph->graph, p.graph->inputs);
      const std::string name = fmt::format("{} ({})", c.name, dtypeName(dtype));
      for (size_t k = 0; k < devices.size(); ++k) {
        const auto start = Clock::now();
        const Row row = runRow(devices[k], c, p);
        GradientBackendStats& s = result.stats[k];
        s.seconds += std::chrono::duration<double>(Clock::now() - start).count();
        s.checkedElements += row.checked;
        s.maxAbsDiff = std::max(s.maxAbsDiff, row.maxAbsDiff);
        CaseResult r{"gradients", name, s.backend, Outcome::Pass, "", ""};
        if (!row.failures.empty()) {
          r.outcome = Outcome::Fail;
          r.category = "known-bug";
          r.message = joined(row.failures);
          ++s.failed;
        } else if (!row.skip.empty()) {
          r.outcome = Outcome::Unsupported;
          r.category = "skip";
          r.message = row.skip;
          ++s.skipped;
        } else {
          ++s.passed;
        }
        result.cases.push_back(std::move(r));
      }
    }
  }
  return result;
}

}  // namespace ingot::cli
