#include "ir/kernel/KernelInterpreter.h"

#include <cmath>
#include <map>
#include <cstring>

#include "ir/Interpreter.h"
#include "ir/OpRegistry.h"
#include "ir/ops/OpUtil.h"

namespace ingot::kir {

namespace {

using ir::ops::floatToInt;
using ir::ops::roundHalfToEven;
using ir::ops::wrapAdd;
using ir::ops::wrapMul;
using ir::ops::wrapNeg;
using ir::ops::wrapSub;

// One scalar of any computable dtype, stored as its C++ value's bytes.
struct Scalar {
  uint64_t bits = 0;
  template <class T>
  T as() const {
    T v;
    std::memcpy(&v, &bits, sizeof(T));
    return v;
  }
  template <class T>
  static Scalar of(T v) {
    Scalar s;
    std::memcpy(&s.bits, &v, sizeof(T));
    return s;
  }
};

template <class T>
constexpr bool kFloat = std::is_floating_point_v<T>;
template <class T>
constexpr bool kInt = std::is_integral_v<T> && !std::is_same_v<T, bool>;

template <class T>
T floatUnary(UnaryOp op, T x) {
  const double v = static_cast<double>(x);
  switch (op) {
    case UnaryOp::Exp: return static_cast<T>(std::exp(v));
    case UnaryOp::Log: return static_cast<T>(std::log(v));
    case UnaryOp::Sqrt: return static_cast<T>(std::sqrt(v));
    case UnaryOp::Sin: return static_cast<T>(std::sin(v));
    case UnaryOp::Cos: return static_cast<T>(std::cos(v));
    case UnaryOp::Tan: return static_cast<T>(std::tan(v));
    case UnaryOp::Asin: return static_cast<T>(std::asin(v));
    case UnaryOp::Acos: return static_cast<T>(std::acos(v));
    case UnaryOp::Atan: return static_cast<T>(std::atan(v));
    case UnaryOp::Sinh: return static_cast<T>(std::sinh(v));
    case UnaryOp::Cosh: return static_cast<T>(std::cosh(v));
    case UnaryOp::Tanh: return static_cast<T>(std::tanh(v));
    case UnaryOp::Asinh: return static_cast<T>(std::asinh(v));
    case UnaryOp::Acosh: return static_cast<T>(std::acosh(v));
    case UnaryOp::Atanh: return static_cast<T>(std::atanh(v));
    case UnaryOp::Erf: return static_cast<T>(std::erf(v));
    case UnaryOp::Floor: return static_cast<T>(std::floor(v));
    case UnaryOp::Ceil: return static_cast<T>(std::ceil(v));
    case UnaryOp::RoundEven: return static_cast<T>(roundHalfToEven(v));
    default: return x;
  }
}

class Evaluator {
 public:
  Evaluator(const Dispatch& d, std::span<std::byte* const> bindings, std::span<const uint64_t> bytes)
      : d_(d), bindings_(bindings), vars_(d.vars.size()) {
    for (size_t i = 0; i < d.bindings.size(); ++i) {
      uint64_t need = static_cast<uint64_t>(d.bindings[i].elements()) * dtypeSize(d.bindings[i].dtype);
      limits_.push_back(bytes[i] < need ? bytes[i] / std::max<size_t>(1, dtypeSize(d.bindings[i].dtype))
                                        : static_cast<uint64_t>(d.bindings[i].elements()));
    }
  }

  Status run() {
    std::vector<int64_t> point(d_.grid.size(), 0);
    const int64_t total = d_.gridPoints();
    for (int64_t p = 0; p < total; ++p) {
      int64_t rest = p;
      for (size_t i = d_.grid.size(); i-- > 0;) {
        point[i] = rest % d_.grid[i];
        rest /= d_.grid[i];
        vars_[static_cast<size_t>(d_.gridVars[i])] = Scalar::of<int64_t>(point[i]);
      }
      if (d_.contraction) INGOT_RETURN_IF_ERROR(contract(point));
      INGOT_RETURN_IF_ERROR(exec(d_.body));
    }
    return Status::ok();
  }

 private:
  Status fail(std::string what) const { return runtimeError("dispatch {}: {}", d_.name, what); }

  Expected<Scalar> readElement(int32_t b, int64_t index) const {
    if (b < 0 || static_cast<size_t>(b) >= bindings_.size()) return fail(fmt::format("load from missing binding {}", b));
    if (index < 0 || static_cast<uint64_t>(index) >= limits_[static_cast<size_t>(b)])
      return fail(fmt::format("load of element {} of ${} ('{}', {} elements) is out of bounds", index, b,
                              d_.bindings[static_cast<size_t>(b)].name, limits_[static_cast<size_t>(b)]));
    Scalar s;
    size_t size = dtypeSize(d_.bindings[static_cast<size_t>(b)].dtype);
    std::memcpy(&s.bits, bindings_[static_cast<size_t>(b)] + static_cast<size_t>(index) * size, size);
    return s;
  }

  Status contract(const std::vector<int64_t>& point) {
    const Contraction& c = *d_.contraction;
    const size_t nb = c.aBatchStrides.size();
    int64_t aOff = 0, bOff = 0;
    for (size_t i = 0; i < nb; ++i) {
      aOff += point[i] * c.aBatchStrides[i];
      bOff += point[i] * c.bBatchStrides[i];
    }
    const int64_t i = point[nb], j = point[nb + 1];
    Status inner;
    visitDType(c.accDType, [&](auto tag) {
      using T = decltype(tag);
      if constexpr (kFloat<T> || kInt<T>) {
        T acc{};
        for (int64_t k = 0; k < c.k && inner.isOk(); ++k) {
          auto x = readElement(c.a, aOff + i * c.aStrideM + k * c.aStrideK);
          auto y = readElement(c.b, bOff + k * c.bStrideK + j * c.bStrideN);
          if (!x.ok()) inner = x.status();
          else if (!y.ok()) inner = y.status();
          else acc = wrapAdd(acc, wrapMul(x->template as<T>(), y->template as<T>()));
        }
        acc_ = Scalar::of<T>(acc);
      } else {
        inner = fail("contraction in unsupported dtype");
      }
    });
    return inner;
  }

  Status exec(const std::vector<Stmt>& body) {
    for (const Stmt& s : body) {
      switch (s.kind) {
        case StmtKind::Let:
        case StmtKind::Acc:
        case StmtKind::Assign: {
          INGOT_ASSIGN_OR_RETURN(Scalar v, eval(s.value));
          vars_[static_cast<size_t>(s.var)] = v;
          break;
        }
        case StmtKind::For:
          for (int64_t i = 0; i < s.extent; ++i) {
            vars_[static_cast<size_t>(s.var)] = Scalar::of<int64_t>(i);
            INGOT_RETURN_IF_ERROR(exec(s.body));
          }
          break;
        case StmtKind::Store: {
          INGOT_ASSIGN_OR_RETURN(Scalar idx, eval(s.index));
          INGOT_ASSIGN_OR_RETURN(Scalar v, eval(s.value));
          const int64_t index = idx.as<int64_t>();
          const auto b = static_cast<size_t>(s.binding);
          if (index < 0 || static_cast<uint64_t>(index) >= limits_[b])
            return fail(fmt::format("store to element {} of ${} ('{}', {} elements) is out of bounds", index,
                                    s.binding, d_.bindings[b].name, limits_[b]));
          size_t size = dtypeSize(d_.bindings[b].dtype);
          std::memcpy(bindings_[b] + static_cast<size_t>(index) * size, &v.bits, size);
          break;
        }
      }
    }
    return Status::ok();
  }

  Expected<Scalar> eval(ExprId id) {
    const Expr& e = d_.expr(id);
    switch (e.kind) {
      case ExprKind::Const: {
        Scalar out;
        visitDType(e.dtype, [&](auto tag) {
          using T = decltype(tag);
          if constexpr (kFloat<T>) out = Scalar::of<T>(static_cast<T>(e.f));
          else out = Scalar::of<T>(static_cast<T>(e.i));
        });
        return out;
      }
      case ExprKind::Var: return vars_[static_cast<size_t>(e.i)];
      case ExprKind::ContractAcc: return acc_;
      case ExprKind::Load: {
        INGOT_ASSIGN_OR_RETURN(Scalar idx, eval(e.a));
        return readElement(static_cast<int32_t>(e.i), idx.as<int64_t>());
      }
      case ExprKind::Select: {
        INGOT_ASSIGN_OR_RETURN(Scalar c, eval(e.a));
        return c.as<bool>() ? eval(e.b) : eval(e.c);
      }
      case ExprKind::Cast: {
        INGOT_ASSIGN_OR_RETURN(Scalar x, eval(e.a));
        return castScalar(x, d_.expr(e.a).dtype, e.dtype);
      }
      case ExprKind::Unary: {
        INGOT_ASSIGN_OR_RETURN(Scalar x, eval(e.a));
        return unary(static_cast<UnaryOp>(e.op), d_.expr(e.a).dtype, x);
      }
      case ExprKind::Binary: {
        INGOT_ASSIGN_OR_RETURN(Scalar x, eval(e.a));
        INGOT_ASSIGN_OR_RETURN(Scalar y, eval(e.b));
        return binary(static_cast<BinaryOp>(e.op), d_.expr(e.a).dtype, x, y);
      }
    }
    return fail("bad expression");
  }

  static Scalar castScalar(Scalar x, DType from, DType to) {
    Scalar out;
    visitDType(from, [&](auto fromTag) {
      using F = decltype(fromTag);
      const F v = x.as<F>();
      visitDType(to, [&](auto toTag) {
        using T = decltype(toTag);
        if constexpr (std::is_same_v<T, bool>) out = Scalar::of<bool>(v != F{0});
        else if constexpr (kInt<T> && kFloat<F>) out = Scalar::of<T>(floatToInt<T>(static_cast<double>(v)));
        else out = Scalar::of<T>(static_cast<T>(v));
      });
    });
    return out;
  }

  Expected<Scalar> unary(UnaryOp op, DType t, Scalar x) const {
    Scalar out;
    bool ok = false;
    visitDType(t, [&](auto tag) {
      using T = decltype(tag);
      const T v = x.as<T>();
      ok = true;
      switch (op) {
        case UnaryOp::Not:
          if constexpr (std::is_same_v<T, bool>) out = Scalar::of<bool>(!v);
          else ok = false;
          return;
        case UnaryOp::BitNot:
          if constexpr (kInt<T>) out = Scalar::of<T>(static_cast<T>(~v));
          else ok = false;
          return;
        case UnaryOp::IsNaN:
          if constexpr (kFloat<T>) out = Scalar::of<bool>(std::isnan(v));
          else ok = false;
          return;
        case UnaryOp::Neg:
          if constexpr (kFloat<T> || kInt<T>) out = Scalar::of<T>(wrapNeg(v));
          else ok = false;
          return;
        case UnaryOp::Abs:
          if constexpr (kFloat<T>) out = Scalar::of<T>(std::fabs(v));
          else if constexpr (kInt<T> && std::is_signed_v<T>) out = Scalar::of<T>(v < 0 ? wrapNeg(v) : v);
          else if constexpr (kInt<T>) out = Scalar::of<T>(v);
          else ok = false;
          return;
        case UnaryOp::Sign:
          if constexpr (kFloat<T> || kInt<T>) {
            T r = v;
            if (v > T{0}) r = T{1};
            else if constexpr (std::is_signed_v<T>)
              if (v < T{0}) r = T{-1};
            out = Scalar::of<T>(r);
          } else {
            ok = false;
          }
          return;
        default:
          if constexpr (kFloat<T>) out = Scalar::of<T>(floatUnary(op, v));
          else ok = false;
          return;
      }
    });
    if (!ok) return fail(fmt::format("{} on {} is not defined", unaryOpName(op), dtypeName(t)));
    return out;
  }

  Expected<Scalar> binary(BinaryOp op, DType t, Scalar x, Scalar y) const {
    Scalar out;
    bool ok = false;
    visitDType(t, [&](auto tag) {
      using T = decltype(tag);
      const T a = x.as<T>(), b = y.as<T>();
      ok = true;
      if constexpr (std::is_same_v<T, bool>) {
        switch (op) {
          case BinaryOp::And: out = Scalar::of<bool>(a && b); return;
          case BinaryOp::Or: out = Scalar::of<bool>(a || b); return;
          case BinaryOp::Xor: out = Scalar::of<bool>(a != b); return;
          case BinaryOp::Eq: out = Scalar::of<bool>(a == b); return;
          case BinaryOp::Ne: out = Scalar::of<bool>(a != b); return;
          default: ok = false; return;
        }
      } else {
        switch (op) {
          case BinaryOp::Add: out = Scalar::of<T>(wrapAdd(a, b)); return;
          case BinaryOp::Sub: out = Scalar::of<T>(wrapSub(a, b)); return;
          case BinaryOp::Mul: out = Scalar::of<T>(wrapMul(a, b)); return;
          case BinaryOp::Div:
            if constexpr (kFloat<T>) out = Scalar::of<T>(a / b);
            else if (b == 0) out = Scalar::of<T>(0);
            else if (std::is_signed_v<T> && b == static_cast<T>(-1)) out = Scalar::of<T>(wrapNeg(a));
            else out = Scalar::of<T>(static_cast<T>(a / b));
            return;
          case BinaryOp::Rem:
            if constexpr (kFloat<T>) out = Scalar::of<T>(std::fmod(a, b));
            else if (b == 0 || (std::is_signed_v<T> && b == static_cast<T>(-1))) out = Scalar::of<T>(0);
            else out = Scalar::of<T>(static_cast<T>(a % b));
            return;
          case BinaryOp::Pow:
            if constexpr (kFloat<T>) out = Scalar::of<T>(static_cast<T>(std::pow(double(a), double(b))));
            else ok = false;
            return;
          case BinaryOp::Max:
          case BinaryOp::Min: {
            if constexpr (kFloat<T>)
              if (std::isnan(a) || std::isnan(b)) {
                out = Scalar::of<T>(std::numeric_limits<T>::quiet_NaN());
                return;
              }
            out = Scalar::of<T>(op == BinaryOp::Max ? std::max(a, b) : std::min(a, b));
            return;
          }
          case BinaryOp::Lt: out = Scalar::of<bool>(a < b); return;
          case BinaryOp::Le: out = Scalar::of<bool>(a <= b); return;
          case BinaryOp::Gt: out = Scalar::of<bool>(a > b); return;
          case BinaryOp::Ge: out = Scalar::of<bool>(a >= b); return;
          case BinaryOp::Eq: out = Scalar::of<bool>(a == b); return;
          case BinaryOp::Ne: out = Scalar::of<bool>(a != b); return;
          default: break;
        }
        if constexpr (kInt<T>) {
          using U = std::make_unsigned_t<T>;
          const U ua = static_cast<U>(a), ub = static_cast<U>(b);
          constexpr U width = sizeof(T) * 8;
          switch (op) {
            case BinaryOp::BitAnd: out = Scalar::of<T>(static_cast<T>(ua & ub)); return;
            case BinaryOp::BitOr: out = Scalar::of<T>(static_cast<T>(ua | ub)); return;
            case BinaryOp::BitXor: out = Scalar::of<T>(static_cast<T>(ua ^ ub)); return;
            case BinaryOp::Shl: out = Scalar::of<T>(ub >= width ? T{0} : static_cast<T>(static_cast<U>(ua << ub))); return;
            case BinaryOp::Shr: out = Scalar::of<T>(ub >= width ? T{0} : static_cast<T>(ua >> ub)); return;
            default: break;
          }
        }
        ok = false;
      }
    });
    if (!ok) return fail(fmt::format("{} on {} is not defined", binaryOpName(op), dtypeName(t)));
    return out;
  }

  const Dispatch& d_;
  std::span<std::byte* const> bindings_;
  std::vector<uint64_t> limits_;  // elements each binding may hold
  std::vector<Scalar> vars_;
  Scalar acc_;
};

// Opaque dispatches run the op's reference kernel.
Status runOpaque(const Dispatch& d, std::span<std::byte* const> bindings, std::span<const uint64_t> bytes) {
  const OpaqueOp& o = *d.opaque;
  if (!o.body && (!o.op || !o.op->reference)) return runtimeError("dispatch {}: op has no reference kernel", d.name);
  std::vector<Tensor> inputs;
  std::vector<const Tensor*> inputPtrs;
  std::vector<ir::TensorType> types;
  size_t b = 0;
  inputs.reserve(o.operandPresent.size());
  types.reserve(o.operandPresent.size());
  for (bool present : o.operandPresent) {
    if (!present) {
      inputPtrs.push_back(nullptr);
      continue;
    }
    if (b >= d.bindings.size()) return runtimeError("dispatch {}: too few bindings", d.name);
    const Binding& bd = d.bindings[b];
    Tensor t(bd.dtype, bd.shape);
    if (bytes[b] < t.byteSize()) return runtimeError("dispatch {}: binding ${} is too small", d.name, b);
    if (t.byteSize()) std::memcpy(t.rawData(), bindings[b], t.byteSize());
    inputs.push_back(std::move(t));
    inputPtrs.push_back(&inputs.back());
    ++b;
  }
  for (const Tensor* t : inputPtrs)
    if (t) types.push_back(ir::TensorType{t->dtype(), t->shape()});
  std::vector<ir::TensorType> resultTypes;
  for (size_t r = b; r < d.bindings.size(); ++r) resultTypes.push_back({d.bindings[r].dtype, d.bindings[r].shape});
  std::vector<const ir::TensorType*> operandTypes;
  for (size_t i = 0, j = 0; i < inputPtrs.size(); ++i) operandTypes.push_back(inputPtrs[i] ? &types[j++] : nullptr);
  std::vector<Tensor> out;
  if (o.body) {
    std::map<std::string, Tensor, std::less<>> named;
    for (size_t i = 0; i < o.body->inputs().size() && i < inputPtrs.size(); ++i)
      if (inputPtrs[i]) named.emplace(o.body->inputs()[i]->name(), *inputPtrs[i]);
    INGOT_ASSIGN_OR_RETURN(out, ir::interpretGraph(*o.body, named));
  } else {
    ir::OpContext ctx(*o.op, o.attrs, std::move(operandTypes), o.label);
    INGOT_ASSIGN_OR_RETURN(out, o.op->reference(ctx, inputPtrs, resultTypes));
  }
  if (out.size() != resultTypes.size())
    return internalError("{}: kernel returned {} results, expected {}", o.label, out.size(), resultTypes.size());
  for (size_t i = 0; i < out.size(); ++i) {
    if (out[i].dtype() != resultTypes[i].dtype || out[i].shape() != resultTypes[i].shape || out[i].byteSize() > bytes[b + i])
      return internalError("{}: result {} has the wrong type or does not fit its binding", o.label, i);
    if (out[i].byteSize()) std::memcpy(bindings[b + i], out[i].rawData(), out[i].byteSize());
  }
  return Status::ok();
}

}  // namespace

Status interpretDispatch(const Dispatch& d, std::span<std::byte* const> bindings, std::span<const uint64_t> bytes) {
  if (bindings.size() != d.bindings.size() || bytes.size() != d.bindings.size())
    return runtimeError("dispatch {}: {} bindings expected, {} given", d.name, d.bindings.size(), bindings.size());
  if (d.opaque) return runOpaque(d, bindings, bytes);
  return Evaluator(d, bindings, bytes).run();
}

}  // namespace ingot::kir
