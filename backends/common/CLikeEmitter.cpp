#include "backends/common/CLikeEmitter.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace ingot::backends::clike {

using kir::BinaryOp;
using kir::ExprKind;
using kir::StmtKind;
using kir::UnaryOp;

namespace {

bool isFloatT(DType t) { return t == DType::F32 || t == DType::F64; }
bool isIntT(DType t) { return isInteger(t); }
std::string suffix(DType t) { return std::string(dtypeName(t)); }

}  // namespace

Status Emitter::fail(const std::string& what) const { return unsupported("dispatch {}: {}", d_.name, what); }

std::string Emitter::varName(kir::VarId v) const {
  std::string s = "v" + std::to_string(v) + "_";
  for (char c : d_.vars[static_cast<size_t>(v)].name) s += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return s;
}

Expected<std::string> Emitter::type(DType t) {
  types_.insert(t);
  auto r = dialect_.valueType(t);
  if (!r.ok()) return r.status().withContext("dispatch " + d_.name);
  return r;
}

std::string Emitter::lit(DType t, double v) const {
  return isFloatT(t) ? dialect_.floatLiteral(v, t) : dialect_.intLiteral(static_cast<int64_t>(v), t);
}

void Emitter::line(int indent, const std::string& s) {
  out_.append(static_cast<size_t>(indent) * 2, ' ');
  out_ += s;
  out_ += '\n';
}

std::string Emitter::call(const std::string& name, const std::string& definition, const std::vector<std::string>& args) {
  if (!helperDefs_.count(name)) {
    helperDefs_[name] = definition;
    helperOrder_.push_back(name);
  }
  std::string s = name + "(";
  for (size_t i = 0; i < args.size(); ++i) s += (i ? ", " : "") + args[i];
  return s + ")";
}

std::string Emitter::helpers() const {
  std::string s;
  for (const std::string& n : helperOrder_) s += helperDefs_.at(n) + "\n";
  return s;
}

Status Emitter::emitStatements(const std::vector<kir::Stmt>& body, int indent) {
  for (const kir::Stmt& s : body) {
    memo_.clear();
    if (s.kind != StmtKind::Store && (s.var < 0 || static_cast<size_t>(s.var) >= d_.vars.size()))
      return internalError("dispatch {}: statement variable {} out of range", d_.name, s.var);
    switch (s.kind) {
      case StmtKind::Let:
      case StmtKind::Acc: {
        INGOT_ASSIGN_OR_RETURN(std::string v, expr(s.value, false, indent));
        INGOT_ASSIGN_OR_RETURN(std::string t, type(d_.vars[static_cast<size_t>(s.var)].dtype));
        line(indent, t + " " + varName(s.var) + " = " + v + ";");
        break;
      }
      case StmtKind::Assign: {
        INGOT_ASSIGN_OR_RETURN(std::string v, expr(s.value, false, indent));
        line(indent, varName(s.var) + " = " + v + ";");
        break;
      }
      case StmtKind::For: {
        const std::string v = varName(s.var);
        INGOT_ASSIGN_OR_RETURN(std::string t, type(DType::I64));
        line(indent, fmt::format("for ({0} {1} = {2}; {1} < {3}; ++{1}) {{", t, v, lit(DType::I64, 0),
                                 dialect_.intLiteral(s.extent, DType::I64)));
        INGOT_RETURN_IF_ERROR(emitStatements(s.body, indent + 1));
        line(indent, "}");
        memo_.clear();
        break;
      }
      case StmtKind::Store: {
        if (s.binding < 0 || static_cast<size_t>(s.binding) >= d_.bindings.size())
          return internalError("dispatch {}: store to missing binding ${}", d_.name, s.binding);
        INGOT_ASSIGN_OR_RETURN(std::string index, expr(s.index, false, indent));
        INGOT_ASSIGN_OR_RETURN(std::string value, expr(s.value, false, indent));
        const DType t = d_.bindings[static_cast<size_t>(s.binding)].dtype;
        INGOT_RETURN_IF_ERROR(type(t).status());
        line(indent, dialect_.store(s.binding, t, index, value) + ";");
        break;
      }
    }
  }
  memo_.clear();
  return Status::ok();
}

Status Emitter::emitUnflatten(size_t dims, const std::string& flat, int indent) {
  if (dims > d_.grid.size() || d_.gridVars.size() != d_.grid.size())
    return internalError("dispatch {}: {} grid dims for a grid of {}", d_.name, dims, d_.grid.size());
  INGOT_ASSIGN_OR_RETURN(std::string I64, dialect_.valueType(DType::I64));
  for (size_t i = dims; i-- > 0;) {
    const std::string v = varName(d_.gridVars[i]);
    if (i == 0) line(indent, fmt::format("{} {} = {};", I64, v, flat));
    else line(indent, fmt::format("{0} {1} = {2} % {3}; {2} = {2} / {3};", I64, v, flat,
                                  dialect_.intLiteral(d_.grid[i], DType::I64)));
  }
  return Status::ok();
}

std::pair<std::string, std::string> Emitter::contractionBatchBases() const {
  const kir::Contraction& c = *d_.contraction;
  std::string a = lit(DType::I64, 0), b = a;
  for (size_t i = 0; i < c.aBatchStrides.size(); ++i) {
    a += fmt::format(" + {} * {}", varName(d_.gridVars[i]), dialect_.intLiteral(c.aBatchStrides[i], DType::I64));
    b += fmt::format(" + {} * {}", varName(d_.gridVars[i]), dialect_.intLiteral(c.bBatchStrides[i], DType::I64));
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
  INGOT_ASSIGN_OR_RETURN(std::string I64, dialect_.valueType(DType::I64));
  auto i64 = [&](int64_t v) { return dialect_.intLiteral(v, DType::I64); };
  line(indent, fmt::format("{} gid = {};", I64, dialect_.globalIndex()));
  line(indent, fmt::format("if (gid >= {}) return;", i64(static_cast<int64_t>(invocations))));
  INGOT_RETURN_IF_ERROR(emitUnflatten(d_.grid.size(), "gid", indent));
  if (!d_.contraction) return Status::ok();
  const kir::Contraction& c = *d_.contraction;
  const size_t nb = c.aBatchStrides.size();
  INGOT_RETURN_IF_ERROR(checkContraction());
  // The accumulator's type is not recorded in dtypesUsed: it only decides
  // language extensions through what the bindings and body use.
  INGOT_ASSIGN_OR_RETURN(std::string T, dialect_.valueType(c.accDType));
  auto [aBase, bBase] = contractionBatchBases();
  aBase += fmt::format(" + {} * {}", varName(d_.gridVars[nb]), i64(c.aStrideM));
  bBase += fmt::format(" + {} * {}", varName(d_.gridVars[nb + 1]), i64(c.bStrideN));
  const DType at = d_.bindings[static_cast<size_t>(c.a)].dtype, bt = d_.bindings[static_cast<size_t>(c.b)].dtype;
  line(indent, fmt::format("{} ca = {}, cb = {};", I64, aBase, bBase));
  line(indent, fmt::format("{} acc = {};", T, dialect_.convert(c.accDType, "0")));
  line(indent, fmt::format("for ({0} k = {1}; k < {2}; ++k) {{", I64, i64(0), i64(c.k)));
  const std::string x = dialect_.convert(c.accDType, dialect_.load(c.a, at, fmt::format("ca + k * {}", i64(c.aStrideK))));
  const std::string y = dialect_.convert(c.accDType, dialect_.load(c.b, bt, fmt::format("cb + k * {}", i64(c.bStrideK))));
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

Status Emitter::emitTiledContraction(int64_t t, std::string& localDecls, int indent) {
  if (!d_.contraction) return internalError("dispatch {}: a tiled contraction without a contraction", d_.name);
  const kir::Contraction& c = *d_.contraction;
  const size_t nb = c.aBatchStrides.size();
  INGOT_RETURN_IF_ERROR(checkContraction());
  INGOT_ASSIGN_OR_RETURN(std::string T, dialect_.valueType(c.accDType));
  INGOT_ASSIGN_OR_RETURN(std::string I64, dialect_.valueType(DType::I64));
  INGOT_ASSIGN_OR_RETURN(std::string I32, dialect_.valueType(DType::I32));
  INGOT_ASSIGN_OR_RETURN(std::string B, dialect_.valueType(DType::Bool));
  auto i64 = [&](int64_t v) { return dialect_.intLiteral(v, DType::I64); };
  auto i32 = [&](int64_t v) { return dialect_.intLiteral(v, DType::I32); };
  auto wide = [&](const char* x) { return dialect_.convert(DType::I64, x); };
  const std::string zero = dialect_.convert(c.accDType, "0");
  const int64_t tm = (c.m + t - 1) / t, tn = (c.n + t - 1) / t;
  int64_t batches = 1;
  for (size_t i = 0; i < nb; ++i) batches *= d_.grid[i];
  localDecls += dialect_.localArray(T, "ta", t, t + 1) + "\n" + dialect_.localArray(T, "tb", t, t + 1) + "\n";
  const int in = indent, in2 = indent + 1;
  line(in, fmt::format("{} wg = {};", I64, dialect_.groupIndex()));
  // Work-groups past the last tile (a launch may round up) compute nothing;
  // they still reach the barriers (lavapipe mishandles a return before a
  // barrier even when the whole work-group returns).
  line(in, fmt::format("{} live = wg < {};", B, i64(batches * tm * tn)));
  line(in, fmt::format("if (!live) wg = {};", i64(0)));
  line(in, fmt::format("{0} ly = {1} / {2}, lx = {1} % {2};", I32, dialect_.localIndex(), i32(t)));
  line(in, fmt::format("{0} tj = wg % {1}; wg = wg / {1};", I64, i64(tn)));
  line(in, fmt::format("{0} ti = wg % {1}; wg = wg / {1};", I64, i64(tm)));
  INGOT_RETURN_IF_ERROR(emitUnflatten(nb, "wg", in));
  auto [aBase, bBase] = contractionBatchBases();
  line(in, fmt::format("{} ca = {}, cb = {};", I64, aBase, bBase));
  line(in, fmt::format("{0} ai = ti * {1} + {2}, bj = tj * {1} + {3};", I64, i64(t), wide("ly"), wide("lx")));
  // Output coordinates and their bounds check in 32 bits (lavapipe
  // evaluates some 64-bit comparisons wrongly; GlslShader.h).
  line(in, fmt::format("{0} gi = {1} * {2} + ly, gj = {3} * {2} + lx;", I32, dialect_.convert(DType::I32, "ti"), i32(t),
                       dialect_.convert(DType::I32, "tj")));
  line(in, fmt::format("{} acc = {};", T, zero));
  line(in, fmt::format("for ({0} k0 = {1}; k0 < {2}; k0 += {3}) {{", I64, i64(0), i64(c.k), i64(t)));
  line(in2, fmt::format("{} ak = k0 + {}, bk = k0 + {};", I64, wide("lx"), wide("ly")));
  line(in2, fmt::format("{} av = {}, bv = {};", T, zero, zero));
  const DType at = d_.bindings[static_cast<size_t>(c.a)].dtype, bt = d_.bindings[static_cast<size_t>(c.b)].dtype;
  line(in2, fmt::format("if (ai < {} && ak < {}) av = {};", i64(c.m), i64(c.k),
                        dialect_.convert(c.accDType, dialect_.load(c.a, at, fmt::format("ca + ai * {} + ak * {}",
                                                                                          i64(c.aStrideM), i64(c.aStrideK))))));
  line(in2, fmt::format("if (bk < {} && bj < {}) bv = {};", i64(c.k), i64(c.n),
                        dialect_.convert(c.accDType, dialect_.load(c.b, bt, fmt::format("cb + bk * {} + bj * {}",
                                                                                          i64(c.bStrideK), i64(c.bStrideN))))));
  line(in2, "ta[ly][lx] = av;");
  line(in2, "tb[ly][lx] = bv;");
  line(in2, dialect_.barrier() + ";");
  line(in2, fmt::format("for ({0} kk = {1}; kk < {2}; ++kk) acc = acc + ta[ly][kk] * tb[kk][lx];", I32, i32(0), i32(t)));
  line(in2, dialect_.barrier() + ";");
  line(in, "}");
  line(in, fmt::format("if (!live || gi >= {} || gj >= {}) return;", i32(c.m), i32(c.n)));
  line(in, fmt::format("{} {} = {}, {} = {};", I64, varName(d_.gridVars[nb]), wide("gi"), varName(d_.gridVars[nb + 1]),
                       wide("gj")));
  setContractAcc("acc");
  return Status::ok();
}

Expected<std::string> Emitter::expr(kir::ExprId id, bool guarded, int indent) {
  if (id < 0 || static_cast<size_t>(id) >= d_.exprs.size())
    return internalError("dispatch {}: expression %{} out of range", d_.name, id);
  const kir::Expr& e = d_.expr(id);
  // Constants and variables are cheap to repeat; everything else gets a temporary.
  if (e.kind == ExprKind::Const || e.kind == ExprKind::Var || e.kind == ExprKind::ContractAcc)
    return render(e, guarded, indent);
  auto key = std::make_pair(id, guarded);
  if (auto it = memo_.find(key); it != memo_.end()) return it->second;
  INGOT_ASSIGN_OR_RETURN(std::string value, render(e, guarded, indent));
  INGOT_ASSIGN_OR_RETURN(std::string t, type(e.dtype));
  std::string name = "t" + std::to_string(temps_++);
  line(indent, t + " " + name + " = " + value + ";");
  memo_.emplace(key, name);
  return name;
}

Expected<std::string> Emitter::render(const kir::Expr& e, bool guarded, int indent) {
  switch (e.kind) {
    case ExprKind::Const:
      INGOT_RETURN_IF_ERROR(type(e.dtype).status());
      if (e.dtype == DType::Bool) return std::string(e.i ? "true" : "false");
      if (isFloatT(e.dtype)) return dialect_.floatLiteral(e.f, e.dtype);
      return dialect_.intLiteral(e.i, e.dtype);
    case ExprKind::Var:
      if (e.i < 0 || static_cast<size_t>(e.i) >= d_.vars.size())
        return internalError("dispatch {}: variable {} out of range", d_.name, e.i);
      return varName(static_cast<kir::VarId>(e.i));
    case ExprKind::ContractAcc:
      if (contractAcc_.empty()) return internalError("dispatch {}: contraction value read outside a contraction", d_.name);
      return contractAcc_;
    case ExprKind::Load: {
      const auto b = static_cast<int32_t>(e.i);
      if (b < 0 || static_cast<size_t>(b) >= d_.bindings.size())
        return internalError("dispatch {}: load from missing binding ${}", d_.name, e.i);
      INGOT_ASSIGN_OR_RETURN(std::string index, expr(e.a, guarded, indent));
      const kir::Binding& bd = d_.bindings[static_cast<size_t>(b)];
      if (guarded) {
        // Both select branches run here; an index meant for the branch not
        // taken may be out of range, so it is clamped into the binding.
        const int64_t n = bd.elements();
        if (n == 0) return lit(bd.dtype, 0);
        const std::string zero = lit(DType::I64, 0), last = dialect_.intLiteral(n - 1, DType::I64);
        index = fmt::format("({} ? {} : ({} ? {} : {}))", dialect_.lessThan(DType::I64, index, zero), zero,
                            dialect_.lessThan(DType::I64, last, index), last, index);
      }
      INGOT_RETURN_IF_ERROR(type(bd.dtype).status());
      return dialect_.load(b, bd.dtype, index);
    }
    case ExprKind::Select: {
      INGOT_ASSIGN_OR_RETURN(std::string c, expr(e.a, guarded, indent));
      INGOT_ASSIGN_OR_RETURN(std::string x, expr(e.b, true, indent));
      INGOT_ASSIGN_OR_RETURN(std::string y, expr(e.c, true, indent));
      return fmt::format("({} ? {} : {})", c, x, y);
    }
    case ExprKind::Cast: {
      INGOT_ASSIGN_OR_RETURN(std::string x, expr(e.a, guarded, indent));
      return cast(d_.expr(e.a).dtype, e.dtype, x);
    }
    case ExprKind::Unary: {
      INGOT_ASSIGN_OR_RETURN(std::string x, expr(e.a, guarded, indent));
      return unary(static_cast<UnaryOp>(e.op), d_.expr(e.a).dtype, x);
    }
    case ExprKind::Binary: {
      INGOT_ASSIGN_OR_RETURN(std::string x, expr(e.a, guarded, indent));
      INGOT_ASSIGN_OR_RETURN(std::string y, expr(e.b, guarded, indent));
      return binary(static_cast<BinaryOp>(e.op), d_.expr(e.a).dtype, x, y);
    }
  }
  return internalError("dispatch {}: unknown expression kind", d_.name);
}

Expected<std::string> Emitter::unary(UnaryOp op, DType t, const std::string& x) {
  INGOT_ASSIGN_OR_RETURN(std::string T, type(t));
  const std::string name(kir::unaryOpName(op));
  auto undefined = [&] { return internalError("dispatch {}: {} on {} is not defined", d_.name, name, dtypeName(t)); };
  const std::string zero = t == DType::Bool ? "" : lit(t, 0);
  switch (op) {
    case UnaryOp::Not:
      if (t != DType::Bool) return undefined();
      return "(!" + x + ")";
    case UnaryOp::BitNot:
      if (!isIntT(t)) return undefined();
      return dialect_.convert(t, "~" + x);
    case UnaryOp::IsNaN:
      if (!isFloatT(t)) return undefined();
      return dialect_.isNan(x);
    case UnaryOp::Neg:
      // 0 - x as the interpreter computes it (-(+0.0) is +0.0); wraps for ints.
      if (!isFloatT(t) && !isIntT(t)) return undefined();
      return dialect_.convert(t, "(" + zero + " - " + x + ")");
    case UnaryOp::Abs:
      if (isFloatT(t)) return dialect_.mathFunction(UnaryOp::Abs, t) + "(" + x + ")";
      if (!isIntT(t)) return undefined();
      if (!isSigned(t)) return x;
      return fmt::format("({0} < {1} ? {2} : {0})", x, zero, dialect_.convert(t, "(" + zero + " - " + x + ")"));
    case UnaryOp::Sign: {
      if (!isFloatT(t) && !isIntT(t)) return undefined();
      // 1 for positive, -1 for negative (signed), x itself otherwise (0, -0.0, NaN).
      std::string neg = isSigned(t) || isFloatT(t) ? fmt::format("({} < {} ? {} : {})", x, zero, lit(t, -1), x) : x;
      return fmt::format("({} > {} ? {} : {})", x, zero, lit(t, 1), neg);
    }
    default: break;
  }
  if (!isFloatT(t)) return undefined();
  if (op == UnaryOp::RoundEven) {
    // The interpreter gives +0.0 for x in [-0.5, 0) and keeps a zero's sign.
    std::string f = dialect_.mathFunction(op, t);
    if (f.empty()) return fail(fmt::format("{} on {} has no built-in here", name, dtypeName(t)));
    return fmt::format("({0} == {1} ? {0} : {2}({0}) + {1})", x, zero, f);
  }
  if (std::string f = dialect_.mathFunction(op, t); !f.empty()) return f + "(" + x + ")";
  if (op == UnaryOp::Erf && t == DType::F32) {
    // Eigen's fast f32 erf: a rational approximation on [-4, 4] (erf is +-1
    // to f32 precision outside), accurate to a few ulp.
    std::string def = fmt::format(
        "{0} ig_erf_f32({0} x0) {{\n"
        "  if ({1}) return x0;\n"
        "  {0} x = x0 < -4.0f ? -4.0f : (x0 > 4.0f ? 4.0f : x0);\n"
        "  {0} x2 = x * x;\n"
        "  {0} p = x2 * -2.72614225801306e-10f + 2.77068142495902e-08f;\n"
        "  p = x2 * p + -2.10102402082508e-06f; p = x2 * p + -5.69250639462346e-05f;\n"
        "  p = x2 * p + -7.34990630326855e-04f; p = x2 * p + -2.95459980854025e-03f;\n"
        "  p = x2 * p + -1.60960333262415e-02f;\n"
        "  {0} q = x2 * -1.45660718464996e-05f + -2.13374055278905e-04f;\n"
        "  q = x2 * q + -1.68282697438203e-03f; q = x2 * q + -7.37332916720468e-03f;\n"
        "  q = x2 * q + -1.42647390514189e-02f;\n"
        "  return x * p / q;\n}}\n",
        T, dialect_.isNan("x0"));
    return call("ig_erf_f32", def, {x});
  }
  return fail(fmt::format("{} on {} has no built-in in this backend's language", name, dtypeName(t)));
}

Expected<std::string> Emitter::binary(BinaryOp op, DType t, const std::string& x, const std::string& y) {
  INGOT_ASSIGN_OR_RETURN(std::string T, type(t));
  const std::string name(kir::binaryOpName(op));
  auto undefined = [&] { return internalError("dispatch {}: {} on {} is not defined", d_.name, name, dtypeName(t)); };
  if (t == DType::Bool) {
    switch (op) {
      case BinaryOp::And: return "(" + x + " && " + y + ")";
      case BinaryOp::Or: return "(" + x + " || " + y + ")";
      case BinaryOp::Xor:
      case BinaryOp::Ne: return "(" + x + " != " + y + ")";
      case BinaryOp::Eq: return "(" + x + " == " + y + ")";
      default: return undefined();
    }
  }
  const bool fl = isFloatT(t);
  if (!fl && !isIntT(t)) return undefined();
  const std::string zero = lit(t, 0), one = lit(t, 1);
  auto arith = [&](const char* o) { return dialect_.convert(t, "(" + x + " " + o + " " + y + ")"); };
  switch (op) {
    case BinaryOp::Add: return arith("+");
    case BinaryOp::Sub: return arith("-");
    case BinaryOp::Mul: return arith("*");
    case BinaryOp::Div:
    case BinaryOp::Rem: {
      const bool rem = op == BinaryOp::Rem;
      const std::string fn = fmt::format("ig_{}_{}", rem ? "rem" : "div", suffix(t));
      if (fl && !rem) return arith("/");
      if (fl) {
        // C's fmod: x - y * trunc(x / y), with fmod(finite, +-inf) = x.
        std::string def = fmt::format(
            "{0} {1}({0} x, {0} y) {{\n"
            "  if ({2}) return x;\n"
            "  return x - y * {3}(x / y);\n}}\n",
            T, fn, fmt::format("isinf(y) && !isinf(x) && !{}", dialect_.isNan("x")), dialect_.truncFunction());
        return call(fn, def, {x, y});
      }
      // A divisor of 0 gives 0; -1 (signed) is special-cased because
      // INT_MIN / -1 traps or is undefined on real hardware.
      const std::string minusOne = isSigned(t) ? lit(t, -1) : "";
      const std::string bad = isSigned(t) ? fmt::format("y == {} || y == {}", zero, minusOne) : "y == " + zero;
      std::string def = fmt::format(
          "{0} {1}({0} x, {0} y) {{\n"
          "  if (y == {2}) return {2};\n"
          "  {0} s = ({3}) ? {4} : y;\n"
          "  {0} q = {5};\n"
          "  return {6};\n}}\n",
          T, fn, zero, bad, one, dialect_.convert(t, "x / s"),
          rem ? (isSigned(t) ? fmt::format("y == {} ? {} : {}", minusOne, zero, dialect_.convert(t, "x - q * s"))
                             : dialect_.convert(t, "x - q * s"))  // truncated division's remainder (C)
              : (isSigned(t) ? fmt::format("y == {} ? {} : q", minusOne, dialect_.convert(t, "(" + zero + " - x)"))
                             : std::string("q")));
      return call(fn, def, {x, y});
    }
    case BinaryOp::Pow: {
      if (!fl) return undefined();
      std::string p = dialect_.powFunction(t);
      if (p.empty()) return fail(fmt::format("Pow on {} has no built-in in this backend's language", dtypeName(t)));
      // C's pow from pow(|x|, y): special values first, then the sign of a
      // negative base with an integer exponent (NaN for other exponents).
      const std::string fn = "ig_pow_" + suffix(t);
      std::string def = fmt::format(
          "{0} {1}({0} x, {0} y) {{\n"
          "  if (y == {2} || x == {3}) return {3};\n"
          "  if ({5} || {6}) return x + y;\n"
          "  bool oddInt = {7}(y) == y && {7}(y * {9}) != y * {9};\n"
          "  if (x == {2}) return y > {2} ? (oddInt ? x : {2}) : (oddInt ? {3} / x : {3} / {2});\n"
          "  if (isinf(y)) return {10}(x) == {3} ? {3} : (({10}(x) > {3}) == (y > {2}) ? {10}(y) : {2});\n"
          "  {0} r = {4}({10}(x), y);\n"
          "  if (x < {2}) {{\n"
          "    if ({7}(y) != y) return {8};\n"
          "    if (oddInt) r = -r;\n"
          "  }}\n"
          "  return r;\n}}\n",
          T, fn, zero, one, p, dialect_.isNan("x"), dialect_.isNan("y"), dialect_.truncFunction(),
          dialect_.floatLiteral(std::numeric_limits<double>::quiet_NaN(), t), lit(t, 0.5),
          dialect_.mathFunction(UnaryOp::Abs, t));
      return call(fn, def, {x, y});
    }
    case BinaryOp::Max:
    case BinaryOp::Min: {
      const bool isMax = op == BinaryOp::Max;
      // std::max(a, b) = a < b ? b : a; std::min(a, b) = b < a ? b : a.
      std::string pick = isMax ? fmt::format("({0} < {1} ? {1} : {0})", x, y) : fmt::format("({1} < {0} ? {1} : {0})", x, y);
      if (!fl) return pick;
      const std::string fn = fmt::format("ig_{}_{}", isMax ? "max" : "min", suffix(t));
      std::string def = fmt::format("{0} {1}({0} x, {0} y) {{\n  if ({2} || {3}) return {4};\n  return {5};\n}}\n", T,
                                    fn, dialect_.isNan("x"), dialect_.isNan("y"),
                                    dialect_.floatLiteral(std::numeric_limits<double>::quiet_NaN(), t),
                                    isMax ? "x < y ? y : x" : "y < x ? y : x");
      return call(fn, def, {x, y});
    }
    // Through the dialect's a < b; for floats !(y < x) is not x <= y (NaN),
    // so only integers take the negated forms.
    case BinaryOp::Lt: return dialect_.lessThan(t, x, y);
    case BinaryOp::Gt: return dialect_.lessThan(t, y, x);
    case BinaryOp::Le: return fl ? "(" + x + " <= " + y + ")" : "(!" + dialect_.lessThan(t, y, x) + ")";
    case BinaryOp::Ge: return fl ? "(" + x + " >= " + y + ")" : "(!" + dialect_.lessThan(t, x, y) + ")";
    case BinaryOp::Eq: return "(" + x + " == " + y + ")";
    // Unordered for floats: NaN != anything is true.
    case BinaryOp::Ne: return "(!(" + x + " == " + y + "))";
    default: break;
  }
  if (fl) return undefined();
  switch (op) {
    case BinaryOp::BitAnd: return arith("&");
    case BinaryOp::BitOr: return arith("|");
    case BinaryOp::BitXor: return arith("^");
    case BinaryOp::Shl:
    case BinaryOp::Shr: {
      // Shifts of the unsigned representation; amounts >= the width (as
      // unsigned numbers, so negative ones too) give 0.
      const DType u = t == DType::I8 ? DType::U8 : t == DType::I16 ? DType::U16 : t == DType::I32 ? DType::U32
                    : t == DType::I64 ? DType::U64 : t;
      INGOT_ASSIGN_OR_RETURN(std::string U, type(u));
      const bool left = op == BinaryOp::Shl;
      const std::string fn = fmt::format("ig_{}_{}", left ? "shl" : "shr", suffix(t));
      std::string def = fmt::format(
          "{0} {1}({0} x, {0} y) {{\n"
          "  {2} a = {3}, b = {4};\n"
          "  if (b >= {5}) return {6};\n"
          "  return {7};\n}}\n",
          T, fn, U, dialect_.convert(u, "x"), dialect_.convert(u, "y"),
          dialect_.intLiteral(static_cast<int64_t>(dtypeSize(t) * 8), u), zero,
          dialect_.convert(t, dialect_.convert(u, left ? "a << b" : "a >> b")));
      return call(fn, def, {x, y});
    }
    default: return undefined();
  }
}

Expected<std::string> Emitter::cast(DType from, DType to, const std::string& x) {
  INGOT_ASSIGN_OR_RETURN(std::string T, type(to));
  INGOT_RETURN_IF_ERROR(type(from).status());
  if (from == to) return x;
  if (to == DType::Bool) return "(!(" + x + " == " + lit(from, 0) + "))";  // NaN is true
  if (from == DType::Bool) return fmt::format("({} ? {} : {})", x, lit(to, 1), lit(to, 0));
  if (isFloatT(from) && isIntT(to)) {
    // Saturating with NaN -> 0 (ops::floatToInt). The limits are powers of
    // two, exact in both float types.
    const int bits = static_cast<int>(dtypeSize(to) * 8) - (isSigned(to) ? 1 : 0);
    const double hi = std::ldexp(1.0, bits), lo = isSigned(to) ? -hi : 0.0;
    const uint64_t maxBits = bits == 64 ? ~0ull : (1ull << bits) - 1;
    std::string maxLit = to == DType::U64 ? dialect_.intLiteral(-1, DType::U64)  // all ones
                                          : dialect_.intLiteral(static_cast<int64_t>(maxBits), to);
    const std::string fn = fmt::format("ig_{}_to_{}", suffix(from), suffix(to));
    INGOT_ASSIGN_OR_RETURN(std::string F, type(from));
    std::string def = fmt::format(
        "{0} {1}({2} x) {{\n"
        "  if ({3}) return {4};\n"
        "  if (x >= {5}) return {6};\n"
        "  if (x <= {7}) return {8};\n"
        "  return {9};\n}}\n",
        T, fn, F, dialect_.isNan("x"), lit(to, 0), dialect_.floatLiteral(hi, from), maxLit,
        dialect_.floatLiteral(lo, from),
        isSigned(to) ? dialect_.intLiteral(std::numeric_limits<int64_t>::min() >> (63 - bits), to) : lit(to, 0),
        dialect_.convert(to, "x"));
    return call(fn, def, {x});
  }
  return dialect_.convert(to, x);
}

}  // namespace ingot::backends::clike
