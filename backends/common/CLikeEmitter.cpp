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
      case StmtKind::Acc:
      case StmtKind::Assign: {
        const DType vt = varType(s.var);
        INGOT_ASSIGN_OR_RETURN(std::string v, expr(s.value, false, indent));
        v = as(s.value, v, vt);
        if (s.kind == StmtKind::Assign) {
          line(indent, varName(s.var) + " = " + v + ";");
        } else {
          INGOT_ASSIGN_OR_RETURN(std::string t, type(vt));
          line(indent, t + " " + varName(s.var) + " = " + v + ";");
        }
        break;
      }
      case StmtKind::For: {
        const std::string v = varName(s.var);
        const DType vt = varType(s.var);
        INGOT_ASSIGN_OR_RETURN(std::string t, type(vt));
        line(indent, fmt::format("for ({0} {1} = {2}; {1} < {3}; ++{1}) {{", t, v, lit(vt, 0),
                                 dialect_.intLiteral(s.extent, vt)));
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
        line(indent, dialect_.store(s.binding, t, as(s.index, index, indexType(s.index)), as(s.value, value, t)) + ";");
        break;
      }
    }
  }
  memo_.clear();
  return Status::ok();
}

DType Emitter::computedType(kir::ExprId id) const {
  const DType t = d_.expr(id).dtype;
  return t == DType::I64 && ranges_.narrow(id) ? DType::I32 : t;
}

DType Emitter::varType(kir::VarId v) const {
  return ranges_.narrowVar(v) ? DType::I32 : d_.vars[static_cast<size_t>(v)].dtype;
}

std::string Emitter::as(kir::ExprId id, const std::string& s, DType want) const {
  const kir::Expr& e = d_.expr(id);
  if (computedType(id) == want || e.dtype != DType::I64) return s;
  if (e.kind == ExprKind::Const) return dialect_.intLiteral(e.i, want);
  return dialect_.convert(want, s);
}

Expected<std::string> Emitter::expr(kir::ExprId id, bool guarded, int indent) {
  if (id < 0 || static_cast<size_t>(id) >= d_.exprs.size())
    return internalError("dispatch {}: expression %{} out of range", d_.name, id);
  const kir::Expr& e = d_.expr(id);
  // Constants and variables are cheap to repeat; everything else gets a temporary.
  if (e.kind == ExprKind::Const || e.kind == ExprKind::Var || e.kind == ExprKind::ContractAcc)
    return render(id, guarded, indent);
  auto key = std::make_pair(id, guarded);
  if (auto it = memo_.find(key); it != memo_.end()) return it->second;
  INGOT_ASSIGN_OR_RETURN(std::string value, render(id, guarded, indent));
  INGOT_ASSIGN_OR_RETURN(std::string t, type(computedType(id)));
  std::string name = "t" + std::to_string(temps_++);
  line(indent, t + " " + name + " = " + value + ";");
  memo_.emplace(key, name);
  return name;
}

Expected<std::string> Emitter::renderLoad(const kir::Expr& e, bool guarded, int indent) {
  const auto b = static_cast<int32_t>(e.i);
  if (b < 0 || static_cast<size_t>(b) >= d_.bindings.size())
    return internalError("dispatch {}: load from missing binding ${}", d_.name, e.i);
  INGOT_ASSIGN_OR_RETURN(std::string index, expr(e.a, guarded, indent));
  const DType it = indexType(e.a);
  index = as(e.a, index, it);
  const kir::Binding& bd = d_.bindings[static_cast<size_t>(b)];
  const int64_t n = bd.elements();
  // Both select branches run here; an index meant for the branch not taken
  // may be out of range, so it is clamped into the binding -- unless the
  // analysis shows every value it can take is in range already.
  if (guarded && n == 0) return lit(bd.dtype, 0);
  if (guarded && !ranges_.expr(e.a).within(0, n - 1)) {
    // A 32-bit index is at most INT32_MAX, so that bound is as good as n - 1.
    const int64_t lastIndex = it == DType::I32 ? std::min<int64_t>(n - 1, std::numeric_limits<int32_t>::max()) : n - 1;
    const std::string zero = lit(it, 0), last = dialect_.intLiteral(lastIndex, it);
    index = fmt::format("({} ? {} : ({} ? {} : {}))", dialect_.lessThan(it, index, zero), zero,
                        dialect_.lessThan(it, last, index), last, index);
  }
  INGOT_RETURN_IF_ERROR(type(bd.dtype).status());
  return dialect_.load(b, bd.dtype, index);
}

Expected<std::string> Emitter::renderCast(kir::ExprId id, bool guarded, int indent) {
  const kir::Expr& e = d_.expr(id);
  const DType from = d_.expr(e.a).dtype;
  INGOT_ASSIGN_OR_RETURN(std::string x, expr(e.a, guarded, indent));
  // From a 32-bit index: every conversion but to u64 (where C and GLSL
  // differ on sign extension) gives the same value from the int as from the
  // long it stands for.
  if (from == DType::I64) {
    const DType w = ranges_.fitsI32(e.a) && e.dtype != DType::U64 ? DType::I32 : DType::I64;
    return cast(w, e.dtype, as(e.a, x, w));
  }
  return cast(from, computedType(id), x);
}

Expected<std::string> Emitter::render(kir::ExprId id, bool guarded, int indent) {
  const kir::Expr& e = d_.expr(id);
  // The dtype this expression's i64 operands are computed in: a narrow
  // result's operands fit (IndexRanges::narrow); a comparison is 32-bit when
  // both of its operands fit.
  auto operandType = [&](kir::ExprId a, kir::ExprId b) {
    if (d_.expr(a).dtype != DType::I64) return d_.expr(a).dtype;
    if (e.dtype == DType::I64) return computedType(id);
    return ranges_.fitsI32(a) && (b == kir::kNoExpr || ranges_.fitsI32(b)) ? DType::I32 : DType::I64;
  };
  switch (e.kind) {
    case ExprKind::Const:
      INGOT_RETURN_IF_ERROR(type(computedType(id)).status());
      if (e.dtype == DType::Bool) return std::string(e.i ? "true" : "false");
      if (isFloatT(e.dtype)) return dialect_.floatLiteral(e.f, e.dtype);
      return dialect_.intLiteral(e.i, computedType(id));
    case ExprKind::Var:
      if (e.i < 0 || static_cast<size_t>(e.i) >= d_.vars.size())
        return internalError("dispatch {}: variable {} out of range", d_.name, e.i);
      return varName(static_cast<kir::VarId>(e.i));
    case ExprKind::ContractAcc:
      if (contractAcc_.empty()) return internalError("dispatch {}: contraction value read outside a contraction", d_.name);
      return contractAcc_;
    case ExprKind::Load: return renderLoad(e, guarded, indent);
    case ExprKind::Select: {
      INGOT_ASSIGN_OR_RETURN(std::string c, expr(e.a, guarded, indent));
      INGOT_ASSIGN_OR_RETURN(std::string x, expr(e.b, true, indent));
      INGOT_ASSIGN_OR_RETURN(std::string y, expr(e.c, true, indent));
      const DType t = computedType(id);
      return fmt::format("({} ? {} : {})", c, as(e.b, x, t), as(e.c, y, t));
    }
    case ExprKind::Cast: return renderCast(id, guarded, indent);
    case ExprKind::Unary: {
      INGOT_ASSIGN_OR_RETURN(std::string x, expr(e.a, guarded, indent));
      const DType t = operandType(e.a, kir::kNoExpr);
      return unary(static_cast<UnaryOp>(e.op), t, as(e.a, x, t));
    }
    case ExprKind::Binary: {
      INGOT_ASSIGN_OR_RETURN(std::string x, expr(e.a, guarded, indent));
      INGOT_ASSIGN_OR_RETURN(std::string y, expr(e.b, guarded, indent));
      const DType t = operandType(e.a, e.b);
      return binary(static_cast<BinaryOp>(e.op), t, as(e.a, x, t), as(e.b, y, t));
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
