#include "passes/GradientCheck.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <random>

#include "ir/Interpreter.h"
#include "ir/OpRegistry.h"
#include "ir/Verifier.h"
#include "passes/Autodiff.h"

namespace ingot::passes {
namespace {

using ir::Graph;
using ir::Value;

using Feeds = std::map<std::string, Tensor, std::less<>>;

// FNV-1a: a seed from the case name that is the same on every platform, so
// a case always draws the same data.
uint64_t seedOf(const std::string& s) {
  uint64_t h = 1469598103934665603ull;
  for (char ch : s) h = (h ^ static_cast<unsigned char>(ch)) * 1099511628211ull;
  return h;
}

void setDouble(Tensor& t, int64_t i, double v) {
  if (t.dtype() == DType::F32) t.data<float>()[i] = static_cast<float>(v);
  else t.data<double>()[i] = v;
}

// `t` (a float tensor) converted to the float dtype `dtype`.
Tensor toFloat(const Tensor& t, DType dtype) {
  Tensor out(dtype, t.shape());
  for (int64_t i = 0; i < t.numElements(); ++i) setDouble(out, i, t.elementAsDouble(i));
  return out;
}

// Random values, rounded to f32 so that f32 and f64 instances see the same numbers.
Tensor randomTensor(std::mt19937_64& rng, const Shape& shape, double lo, double hi, const std::vector<double>& avoid,
                    DType dtype) {
  std::uniform_real_distribution<double> dist(lo, hi);
  Tensor t(dtype, shape);
  for (int64_t i = 0; i < t.numElements(); ++i) {
    double v = 0;
    for (int tries = 0; tries < 1000; ++tries) {
      v = static_cast<double>(static_cast<float>(dist(rng)));
      bool clear = true;
      for (double a : avoid) clear = clear && std::fabs(v - a) >= 0.05;
      if (clear) break;
    }
    setDouble(t, i, v);
  }
  return t;
}

// One case built in one dtype: the forward graph, its inputs, and which
// inputs are differentiated.
struct Instance {
  std::unique_ptr<Graph> graph;
  Feeds feeds;
  std::vector<std::string> wrt;  // differentiated input names, in operand order
};

Expected<Instance> buildInstance(const GradCheckCase& c, DType dtype) {
  if (!isFloat(dtype)) return invalidInput("gradient check '{}': dtype {} is not a float type", c.name, dtypeName(dtype));
  std::mt19937_64 rng(seedOf(c.name));
  Instance inst;
  inst.graph = std::make_unique<Graph>("gradcheck");
  Graph& g = *inst.graph;
  std::vector<Value*> operands;
  for (size_t i = 0; i < c.operands.size(); ++i) {
    const GradCheckOperand& spec = c.operands[i];
    if (spec.absent) {
      operands.push_back(nullptr);
      continue;
    }
    Tensor data;
    if (spec.data) data = isFloat(spec.data->dtype()) ? toFloat(*spec.data, dtype) : *spec.data;
    else data = randomTensor(rng, spec.shape, spec.lo, spec.hi, spec.avoid, dtype);
    const std::string name = "x" + std::to_string(i);
    INGOT_ASSIGN_OR_RETURN(Value * v, g.addInput(name, {data.dtype(), data.shape()}));
    operands.push_back(v);
    if (spec.differentiate && isFloat(data.dtype())) inst.wrt.push_back(name);
    inst.feeds.emplace(name, std::move(data));
  }
  std::vector<Value*> lossTerms;
  if (c.build) {
    INGOT_ASSIGN_OR_RETURN(lossTerms, c.build(g, operands));
  } else {
    const ir::OpDef* op = ir::OpRegistry::builtin().find(c.op);
    if (!op) return invalidInput("gradient check '{}': op {} is not registered", c.name, c.op);
    INGOT_ASSIGN_OR_RETURN(ir::Node * n, g.addNode(*op, operands, c.attrs, {}, "checked"));
    for (size_t r = 0; r < n->results().size(); ++r) {
      const bool listed = c.lossResults.empty() ||
                          std::find(c.lossResults.begin(), c.lossResults.end(), r) != c.lossResults.end();
      if (listed && isFloat(n->result(r)->dtype())) lossTerms.push_back(n->result(r));
    }
  }
  if (lossTerms.empty()) return invalidInput("gradient check '{}': no float result enters the loss", c.name);
  // L = sum_j sum(r_j * W_j) with random W_j in [-1, 1] (same numbers in every dtype).
  const ir::OpRegistry& reg = ir::OpRegistry::builtin();
  std::vector<Value*> sums;
  for (Value* r : lossTerms) {
    Tensor w = randomTensor(rng, r->shape(), -1, 1, {}, r->dtype());
    INGOT_ASSIGN_OR_RETURN(ir::Node * wn, g.addNode(*reg.find("Constant"), {}, {{"value", ir::Attribute(w)}}));
    INGOT_ASSIGN_OR_RETURN(ir::Node * m, g.addNode(*reg.find("Mul"), {r, wn->result()}, {}));
    Value* term = m->result();
    if (term->dtype() != dtype) {
      INGOT_ASSIGN_OR_RETURN(ir::Node * cast, g.addNode(*reg.find("Cast"), {term}, {{"to", ir::Attribute(std::string(dtypeName(dtype)))}}));
      term = cast->result();
    }
    INGOT_ASSIGN_OR_RETURN(ir::Node * s, g.addNode(*reg.find("ReduceSum"), {term}, {{"keepdims", ir::Attribute(int64_t{0})}}));
    sums.push_back(s->result());
  }
  Value* loss = sums.front();
  if (sums.size() > 1) {
    INGOT_ASSIGN_OR_RETURN(ir::Node * total, g.addNode(*reg.find("Sum"), sums, {}));
    loss = total->result();
  }
  INGOT_RETURN_IF_ERROR(g.renameValue(loss, g.freshName("loss")));
  g.setOutputs({loss});
  return inst;
}

// Appends the gradients of the instance's loss and makes them outputs
// after the loss.
Status appendGradientOutputs(Instance& inst, const std::string& caseName) {
  Graph& g = *inst.graph;
  GradientRequest request;
  request.loss = g.outputs().front();
  for (const std::string& n : inst.wrt) request.wrt.push_back(g.findValue(n));
  auto grads = appendGradients(g, request);
  if (!grads.ok()) return grads.status().withContext(fmt::format("gradient check '{}'", caseName));
  std::vector<Value*> outputs = {request.loss};
  outputs.insert(outputs.end(), grads->begin(), grads->end());
  g.setOutputs(outputs);
  Status verified = ir::verifyGraph(g);
  if (!verified.isOk()) return verified.withContext(fmt::format("gradient check '{}': backward graph", caseName));
  return Status::ok();
}

// Appends the gradients of the instance's loss and evaluates them.
Expected<std::vector<Tensor>> gradientsOf(Instance& inst, const std::string& caseName) {
  INGOT_RETURN_IF_ERROR(appendGradientOutputs(inst, caseName));
  auto values = ir::interpretGraph(*inst.graph, inst.feeds);
  if (!values.ok()) return values.status().withContext(fmt::format("gradient check '{}'", caseName));
  return std::vector<Tensor>(values->begin() + 1, values->end());
}

bool close(double got, double want, double rtol, double atol) {
  if (std::isnan(got) || std::isnan(want)) return std::isnan(got) && std::isnan(want);
  return std::fabs(got - want) <= atol + rtol * std::fabs(want);
}

// Records a mismatching element: its line, and whether it is the worst so far.
void addFailure(GradCheckReport& report, double got, double want, double rtol, double atol, std::string line) {
  double ratio = std::fabs(got - want) / (atol + rtol * std::fabs(want));
  if (std::isnan(ratio)) ratio = std::numeric_limits<double>::infinity();
  if (report.worst.empty() || ratio > report.worstRatio) {
    report.worst = line;
    report.worstRatio = ratio;
  }
  report.failures.push_back(std::move(line));
}

}  // namespace

Expected<GradientGraph> buildGradientGraph(const GradCheckCase& c, DType dtype) {
  INGOT_ASSIGN_OR_RETURN(Instance inst, buildInstance(c, dtype));
  INGOT_RETURN_IF_ERROR(appendGradientOutputs(inst, c.name));
  return GradientGraph{std::move(inst.graph), std::move(inst.feeds), std::move(inst.wrt)};
}

Expected<std::vector<Tensor>> analyticGradients(const GradCheckCase& c, DType dtype) {
  INGOT_ASSIGN_OR_RETURN(Instance inst, buildInstance(c, dtype));
  return gradientsOf(inst, c.name);
}

Expected<GradCheckReport> checkAgainstFiniteDifferences(const GradCheckCase& c, const GradCheckOptions& options) {
  INGOT_ASSIGN_OR_RETURN(Instance inst, buildInstance(c, options.dtype));
  std::unique_ptr<Graph> forward = inst.graph->clone();
  INGOT_ASSIGN_OR_RETURN(std::vector<Tensor> analytic, gradientsOf(inst, c.name));
  auto lossAt = [&](const Feeds& feeds) -> Expected<double> {
    INGOT_ASSIGN_OR_RETURN(std::vector<Tensor> out, ir::interpretGraph(*forward, feeds));
    return out.front().elementAsDouble(0);
  };
  GradCheckReport report;
  for (size_t k = 0; k < inst.wrt.size(); ++k) {
    const std::string& name = inst.wrt[k];
    Feeds feeds = inst.feeds;
    Tensor& x = feeds.at(name);
    for (int64_t i = 0; i < x.numElements(); ++i) {
      const double original = x.elementAsDouble(i);
      setDouble(x, i, original + options.step);
      INGOT_ASSIGN_OR_RETURN(double up, lossAt(feeds));
      setDouble(x, i, original - options.step);
      INGOT_ASSIGN_OR_RETURN(double down, lossAt(feeds));
      setDouble(x, i, original);
      const double numeric = (up - down) / (2 * options.step);
      const double got = analytic[k].elementAsDouble(i);
      ++report.checkedElements;
      if (!std::isnan(got - numeric)) report.maxAbsError = std::max(report.maxAbsError, std::fabs(got - numeric));
      if (!close(got, numeric, options.rtol, options.atol))
        addFailure(report, got, numeric, options.rtol, options.atol, fmt::format("{}: d loss / d {}[{}] = {:.10g} analytic, {:.10g} numeric", c.name,
                                              name, i, got, numeric));
    }
  }
  return report;
}

Expected<GradCheckReport> compareAcrossDTypes(const GradCheckCase& c, DType dtype, DType reference, double rtol,
                                              double atol) {
  INGOT_ASSIGN_OR_RETURN(std::vector<Tensor> got, analyticGradients(c, dtype));
  INGOT_ASSIGN_OR_RETURN(std::vector<Tensor> want, analyticGradients(c, reference));
  GradCheckReport report;
  if (got.size() != want.size()) {
    report.failures.push_back(fmt::format("{}: {} gradients in {}, {} in {}", c.name, got.size(), dtypeName(dtype),
                                          want.size(), dtypeName(reference)));
    return report;
  }
  for (size_t k = 0; k < got.size(); ++k) {
    if (got[k].dtype() != dtype || got[k].shape() != want[k].shape()) {
      report.failures.push_back(fmt::format("{}: gradient {} is {}{}, expected {}{}", c.name, k,
                                            dtypeName(got[k].dtype()), shapeToString(got[k].shape()), dtypeName(dtype),
                                            shapeToString(want[k].shape())));
      continue;
    }
    for (int64_t i = 0; i < got[k].numElements(); ++i) {
      const double a = got[k].elementAsDouble(i), b = want[k].elementAsDouble(i);
      ++report.checkedElements;
      if (!std::isnan(a - b)) report.maxAbsError = std::max(report.maxAbsError, std::fabs(a - b));
      if (!close(a, b, rtol, atol))
        addFailure(report, a, b, rtol, atol, fmt::format("{}: gradient {}[{}] = {:.8g} in {}, {:.8g} in {}", c.name, k, i, a,
                                              dtypeName(dtype), b, dtypeName(reference)));
    }
  }
  return report;
}

}  // namespace ingot::passes
