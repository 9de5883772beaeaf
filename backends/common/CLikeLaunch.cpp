// The launch part of the C-like emitter: the invocation's grid point, and
// the two forms of a contraction (a loop over k per output, and work-group
// tiles in local memory). Expressions and statements are CLikeEmitter.cpp.
#include <algorithm>
#include <limits>

#include "backends/common/CLikeEmitter.h"

namespace ingot::backends::clike {

bool Emitter::launchFitsI32(uint64_t invocations) {
  constexpr uint64_t kMaxGroup = 1024;
  return 2 * (invocations + kMaxGroup) <= static_cast<uint64_t>(std::numeric_limits<int32_t>::max());
}

std::string Emitter::gridVar(size_t i, DType t) const {
  const kir::VarId v = d_.gridVars[i];
  const std::string name = varName(v);
  return varType(v) == t ? name : dialect_.convert(t, name);
}

Status Emitter::emitUnflatten(size_t dims, const std::string& flat, DType flatType, int indent) {
  if (dims > d_.grid.size() || d_.gridVars.size() != d_.grid.size())
    return internalError("dispatch {}: {} grid dims for a grid of {}", d_.name, dims, d_.grid.size());
  for (size_t i = dims; i-- > 0;) {
    const kir::VarId v = d_.gridVars[i];
    const DType vt = varType(v);
    INGOT_ASSIGN_OR_RETURN(std::string T, type(vt));
    // What is left of `flat` for the outermost dim, else flat % extent: a
    // value below the extent, so it fits the variable's width.
    std::string value = i == 0 ? flat : fmt::format("{} % {}", flat, dialect_.intLiteral(d_.grid[i], flatType));
    if (vt != flatType) value = dialect_.convert(vt, value);
    line(indent, fmt::format("{} {} = {};", T, varName(v), value));
    if (i != 0) line(indent, fmt::format("{0} = {0} / {1};", flat, dialect_.intLiteral(d_.grid[i], flatType)));
  }
  return Status::ok();
}

std::pair<std::string, std::string> Emitter::contractionBatchBases(DType t) const {
  const kir::Contraction& c = *d_.contraction;
  std::string a = dialect_.intLiteral(0, t), b = a;
  for (size_t i = 0; i < c.aBatchStrides.size(); ++i) {
    a += fmt::format(" + {} * {}", gridVar(i, t), dialect_.intLiteral(c.aBatchStrides[i], t));
    b += fmt::format(" + {} * {}", gridVar(i, t), dialect_.intLiteral(c.bBatchStrides[i], t));
  }
  return {a, b};
}

Status Emitter::checkContraction() const {
  const kir::Contraction& c = *d_.contraction;
  const size_t nb = c.aBatchStrides.size();
  if (d_.grid.size() != nb + 2 || c.bBatchStrides.size() != nb || c.a < 0 || c.b < 0 ||
      static_cast<size_t>(std::max(c.a, c.b)) >= d_.bindings.size())
    return internalError("dispatch {}: contraction does not match the grid or bindings", d_.name);
  return Status::ok();
}

Status Emitter::emitPointPrologue(uint64_t invocations, int indent) {
  const DType L = launchFitsI32(invocations) ? DType::I32 : DType::I64;
  INGOT_ASSIGN_OR_RETURN(std::string LT, type(L));
  line(indent, fmt::format("{} gid = {};", LT, dialect_.globalIndex(L)));
  line(indent, fmt::format("if (gid >= {}) return;", dialect_.intLiteral(static_cast<int64_t>(invocations), L)));
  INGOT_RETURN_IF_ERROR(emitUnflatten(d_.grid.size(), "gid", L, indent));
  if (!d_.contraction) return Status::ok();
  const kir::Contraction& c = *d_.contraction;
  const size_t nb = c.aBatchStrides.size();
  INGOT_RETURN_IF_ERROR(checkContraction());
  // The accumulator's type is not recorded in dtypesUsed: it only decides
  // language extensions through what the bindings and body use.
  INGOT_ASSIGN_OR_RETURN(std::string T, dialect_.valueType(c.accDType));
  const DType C = ranges_.contractionFitsI32() ? DType::I32 : DType::I64;
  INGOT_ASSIGN_OR_RETURN(std::string CT, type(C));
  auto ci = [&](int64_t v) { return dialect_.intLiteral(v, C); };
  auto [aBase, bBase] = contractionBatchBases(C);
  aBase += fmt::format(" + {} * {}", gridVar(nb, C), ci(c.aStrideM));
  bBase += fmt::format(" + {} * {}", gridVar(nb + 1, C), ci(c.bStrideN));
  const DType at = d_.bindings[static_cast<size_t>(c.a)].dtype, bt = d_.bindings[static_cast<size_t>(c.b)].dtype;
  line(indent, fmt::format("{} ca = {}, cb = {};", CT, aBase, bBase));
  line(indent, fmt::format("{} acc = {};", T, dialect_.convert(c.accDType, "0")));
  line(indent, fmt::format("for ({0} k = {1}; k < {2}; ++k) {{", CT, ci(0), ci(c.k)));
  const std::string x = dialect_.convert(c.accDType, dialect_.load(c.a, at, fmt::format("ca + k * {}", ci(c.aStrideK))));
  const std::string y = dialect_.convert(c.accDType, dialect_.load(c.b, bt, fmt::format("cb + k * {}", ci(c.bStrideK))));
  line(indent + 1, fmt::format("acc = {};", dialect_.convert(c.accDType, "acc + " + x + " * " + y)));
  line(indent, "}");
  setContractAcc("acc");
  return Status::ok();
}

uint64_t Emitter::tiledInvocations(int64_t t) const {
  const kir::Contraction& c = *d_.contraction;
  if (c.m * c.n == 0) return 0;
  int64_t batches = 1;
  for (size_t i = 0; i < c.aBatchStrides.size(); ++i) batches *= d_.grid[i];
  return static_cast<uint64_t>(batches * ((c.m + t - 1) / t) * ((c.n + t - 1) / t) * t * t);
}

// One index type for the work-group numbers and the addresses: 32 bits when
// the launch and every address fit (tile rows and columns past the output
// reach at most t - 1 beyond it; their loads are skipped).
bool Emitter::tiledIndexFitsI32(int64_t t) const {
  return launchFitsI32(tiledInvocations(t)) && ranges_.contractionFitsI32();
}

Status Emitter::emitTiledContraction(int64_t t, std::string& localDecls, int indent) {
  if (!d_.contraction) return internalError("dispatch {}: a tiled contraction without a contraction", d_.name);
  const kir::Contraction& c = *d_.contraction;
  const size_t nb = c.aBatchStrides.size();
  INGOT_RETURN_IF_ERROR(checkContraction());
  INGOT_ASSIGN_OR_RETURN(std::string T, dialect_.valueType(c.accDType));
  const DType X = tiledIndexFitsI32(t) ? DType::I32 : DType::I64;
  INGOT_ASSIGN_OR_RETURN(std::string XT, type(X));
  INGOT_ASSIGN_OR_RETURN(std::string I32, type(DType::I32));
  INGOT_ASSIGN_OR_RETURN(std::string B, dialect_.valueType(DType::Bool));
  auto xi = [&](int64_t v) { return dialect_.intLiteral(v, X); };
  auto i32 = [&](int64_t v) { return dialect_.intLiteral(v, DType::I32); };
  auto wide = [&](const char* x) { return X == DType::I32 ? std::string(x) : dialect_.convert(X, x); };
  const std::string zero = dialect_.convert(c.accDType, "0");
  const int64_t tm = (c.m + t - 1) / t, tn = (c.n + t - 1) / t;
  int64_t batches = 1;
  for (size_t i = 0; i < nb; ++i) batches *= d_.grid[i];
  localDecls += dialect_.localArray(T, "ta", t, t + 1) + "\n" + dialect_.localArray(T, "tb", t, t + 1) + "\n";
  const int in = indent, in2 = indent + 1;
  line(in, fmt::format("{} wg = {};", XT, dialect_.groupIndex(X)));
  // Work-groups past the last tile (a launch may round up) compute nothing;
  // they still reach the barriers (lavapipe mishandles a return before a
  // barrier even when the whole work-group returns).
  line(in, fmt::format("{} live = wg < {};", B, xi(batches * tm * tn)));
  line(in, fmt::format("if (!live) wg = {};", xi(0)));
  line(in, fmt::format("{0} ly = {1} / {2}, lx = {1} % {2};", I32, dialect_.localIndex(), i32(t)));
  line(in, fmt::format("{0} tj = wg % {1}; wg = wg / {1};", XT, xi(tn)));
  line(in, fmt::format("{0} ti = wg % {1}; wg = wg / {1};", XT, xi(tm)));
  INGOT_RETURN_IF_ERROR(emitUnflatten(nb, "wg", X, in));
  auto [aBase, bBase] = contractionBatchBases(X);
  line(in, fmt::format("{} ca = {}, cb = {};", XT, aBase, bBase));
  line(in, fmt::format("{0} ai = ti * {1} + {2}, bj = tj * {1} + {3};", XT, xi(t), wide("ly"), wide("lx")));
  // Output coordinates and their bounds check in 32 bits (lavapipe
  // evaluates some 64-bit comparisons wrongly; GlslShader.h).
  line(in, fmt::format("{0} gi = {1} * {2} + ly, gj = {3} * {2} + lx;", I32, X == DType::I32 ? "ti" : dialect_.convert(DType::I32, "ti"),
                       i32(t), X == DType::I32 ? "tj" : dialect_.convert(DType::I32, "tj")));
  line(in, fmt::format("{} acc = {};", T, zero));
  line(in, fmt::format("for ({0} k0 = {1}; k0 < {2}; k0 += {3}) {{", XT, xi(0), xi(c.k), xi(t)));
  line(in2, fmt::format("{} ak = k0 + {}, bk = k0 + {};", XT, wide("lx"), wide("ly")));
  line(in2, fmt::format("{} av = {}, bv = {};", T, zero, zero));
  const DType at = d_.bindings[static_cast<size_t>(c.a)].dtype, bt = d_.bindings[static_cast<size_t>(c.b)].dtype;
  line(in2, fmt::format("if (ai < {} && ak < {}) av = {};", xi(c.m), xi(c.k),
                        dialect_.convert(c.accDType, dialect_.load(c.a, at, fmt::format("ca + ai * {} + ak * {}",
                                                                                          xi(c.aStrideM), xi(c.aStrideK))))));
  line(in2, fmt::format("if (bk < {} && bj < {}) bv = {};", xi(c.k), xi(c.n),
                        dialect_.convert(c.accDType, dialect_.load(c.b, bt, fmt::format("cb + bk * {} + bj * {}",
                                                                                          xi(c.bStrideK), xi(c.bStrideN))))));
  line(in2, "ta[ly][lx] = av;");
  line(in2, "tb[ly][lx] = bv;");
  line(in2, dialect_.barrier() + ";");
  line(in2, fmt::format("for ({0} kk = {1}; kk < {2}; ++kk) acc = acc + ta[ly][kk] * tb[kk][lx];", I32, i32(0), i32(t)));
  line(in2, dialect_.barrier() + ";");
  line(in, "}");
  line(in, fmt::format("if (!live || gi >= {} || gj >= {}) return;", i32(c.m), i32(c.n)));
  // The output's row and column, in the grid variables' own widths.
  for (size_t i : {nb, nb + 1}) {
    const kir::VarId v = d_.gridVars[i];
    const char* g = i == nb ? "gi" : "gj";
    INGOT_ASSIGN_OR_RETURN(std::string VT, type(varType(v)));
    line(in, fmt::format("{} {} = {};", VT, varName(v), varType(v) == DType::I32 ? std::string(g) : dialect_.convert(varType(v), g)));
  }
  setContractAcc("acc");
  return Status::ok();
}

}  // namespace ingot::backends::clike
