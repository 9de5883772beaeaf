#include "ir/kernel/Kernel.h"

#include <bit>
#include <cstring>

namespace ingot::kir {

namespace {

constexpr std::string_view kUnaryNames[] = {
    "neg",  "abs",  "sign",  "exp",   "log",   "sqrt",  "sin",   "cos",   "tan",
    "asin", "acos", "atan",  "sinh",  "cosh",  "tanh",  "asinh", "acosh", "atanh",
    "erf",  "floor", "ceil", "round_even", "not", "bitnot", "isnan",
};
constexpr std::string_view kBinaryNames[] = {
    "add", "sub", "mul", "div", "rem", "pow", "max", "min", "lt", "le", "gt",
    "ge",  "eq",  "ne",  "and", "or",  "xor", "bitand", "bitor", "bitxor", "shl", "shr",
};
static_assert(std::size(kUnaryNames) == static_cast<size_t>(UnaryOp::IsNaN) + 1);
static_assert(std::size(kBinaryNames) == static_cast<size_t>(BinaryOp::Shr) + 1);

uint64_t hashExpr(const Expr& e) {
  uint64_t h = static_cast<uint64_t>(e.kind) * 0x9E3779B97F4A7C15ull;
  auto mix = [&](uint64_t v) { h ^= v + 0x9E3779B97F4A7C15ull + (h << 6) + (h >> 2); };
  mix(static_cast<uint64_t>(e.dtype));
  mix(e.op);
  mix(static_cast<uint64_t>(static_cast<uint32_t>(e.a)));
  mix(static_cast<uint64_t>(static_cast<uint32_t>(e.b)));
  mix(static_cast<uint64_t>(static_cast<uint32_t>(e.c)));
  mix(std::bit_cast<uint64_t>(e.f));
  mix(static_cast<uint64_t>(e.i));
  return h;
}

bool isIntConst(const Expr& e, int64_t v) {
  return e.kind == ExprKind::Const && !isFloat(e.dtype) && e.dtype != DType::Bool && e.i == v;
}

}  // namespace

std::string_view unaryOpName(UnaryOp op) { return kUnaryNames[static_cast<size_t>(op)]; }
std::string_view binaryOpName(BinaryOp op) { return kBinaryNames[static_cast<size_t>(op)]; }
bool isComparison(BinaryOp op) { return op >= BinaryOp::Lt && op <= BinaryOp::Ne; }

bool Expr::operator==(const Expr& o) const {
  return kind == o.kind && dtype == o.dtype && op == o.op && a == o.a && b == o.b && c == o.c &&
         std::bit_cast<uint64_t>(f) == std::bit_cast<uint64_t>(o.f) && i == o.i;
}

int64_t Dispatch::gridPoints() const {
  int64_t n = 1;
  for (int64_t g : grid) n *= g;
  return n;
}

ExprId KernelBuilder::intern(Expr e) {
  uint64_t h = hashExpr(e);
  auto& bucket = interned_[h];
  for (ExprId id : bucket)
    if (d_.exprs[static_cast<size_t>(id)] == e) return id;
  d_.exprs.push_back(e);
  ExprId id = static_cast<ExprId>(d_.exprs.size() - 1);
  bucket.push_back(id);
  return id;
}

ExprId KernelBuilder::constFloat(double v, DType t) {
  Expr e;
  e.kind = ExprKind::Const;
  e.dtype = t;
  e.f = t == DType::F32 ? static_cast<double>(static_cast<float>(v)) : v;
  return intern(e);
}

ExprId KernelBuilder::constInt(int64_t v, DType t) {
  Expr e;
  e.kind = ExprKind::Const;
  e.dtype = t;
  e.i = t == DType::Bool ? (v != 0) : v;
  return intern(e);
}

ExprId KernelBuilder::constOf(DType t, double v) {
  return isFloat(t) ? constFloat(v, t) : constInt(static_cast<int64_t>(v), t);
}

ExprId KernelBuilder::var(VarId v) {
  Expr e;
  e.kind = ExprKind::Var;
  e.dtype = d_.vars[static_cast<size_t>(v)].dtype;
  e.i = v;
  return intern(e);
}

ExprId KernelBuilder::load(int32_t binding, ExprId flatIndex) {
  Expr e;
  e.kind = ExprKind::Load;
  e.dtype = d_.bindings[static_cast<size_t>(binding)].dtype;
  e.i = binding;
  e.a = flatIndex;
  return intern(e);
}

ExprId KernelBuilder::unary(UnaryOp op, ExprId a) {
  Expr e;
  e.kind = ExprKind::Unary;
  e.op = static_cast<uint8_t>(op);
  e.dtype = op == UnaryOp::IsNaN ? DType::Bool : dtypeOf(a);
  e.a = a;
  return intern(e);
}

ExprId KernelBuilder::binary(BinaryOp op, ExprId a, ExprId b) {
  const Expr& x = expr(a);
  const Expr& y = expr(b);
  // Integer index arithmetic folds so flat indices stay small and equal
  // indices intern to one id (in-place planning compares them).
  if (!isFloat(x.dtype) && x.dtype != DType::Bool && x.dtype == y.dtype) {
    bool cx = x.kind == ExprKind::Const, cy = y.kind == ExprKind::Const;
    if (cx && cy && x.dtype == DType::I64) {
      switch (op) {
        case BinaryOp::Add: return constInt(x.i + y.i, x.dtype);
        case BinaryOp::Mul: return constInt(x.i * y.i, x.dtype);
        case BinaryOp::Sub: return constInt(x.i - y.i, x.dtype);
        default: break;
      }
    }
    if (op == BinaryOp::Add) {
      if (isIntConst(x, 0)) return b;
      if (isIntConst(y, 0)) return a;
    }
    if (op == BinaryOp::Sub && isIntConst(y, 0)) return a;
    if (op == BinaryOp::Mul) {
      if (isIntConst(x, 1)) return b;
      if (isIntConst(y, 1)) return a;
      if (isIntConst(x, 0) || isIntConst(y, 0)) return constInt(0, x.dtype);
    }
    if ((op == BinaryOp::Div) && isIntConst(y, 1)) return a;
  }
  Expr e;
  e.kind = ExprKind::Binary;
  e.op = static_cast<uint8_t>(op);
  e.dtype = isComparison(op) ? DType::Bool : x.dtype;
  e.a = a;
  e.b = b;
  return intern(e);
}

ExprId KernelBuilder::select(ExprId cond, ExprId a, ExprId b) {
  if (a == b) return a;
  Expr e;
  e.kind = ExprKind::Select;
  e.dtype = dtypeOf(a);
  e.a = cond;
  e.b = a;
  e.c = b;
  return intern(e);
}

ExprId KernelBuilder::cast(ExprId a, DType t) {
  if (dtypeOf(a) == t) return a;
  Expr e;
  e.kind = ExprKind::Cast;
  e.dtype = t;
  e.a = a;
  return intern(e);
}

ExprId KernelBuilder::contractAcc(DType t) {
  Expr e;
  e.kind = ExprKind::ContractAcc;
  e.dtype = t;
  return intern(e);
}

VarId KernelBuilder::newVar(std::string hint, DType t, VarKind kind) {
  d_.vars.push_back(Var{fmt::format("{}{}", hint, d_.vars.size()), t, kind});
  return static_cast<VarId>(d_.vars.size() - 1);
}

int32_t KernelBuilder::addBinding(Binding b) {
  d_.bindings.push_back(std::move(b));
  return static_cast<int32_t>(d_.bindings.size() - 1);
}

std::vector<Stmt>& KernelBuilder::block() { return open_.empty() ? d_.body : open_.back()->body; }

VarId KernelBuilder::declare(std::string hint, ExprId value, VarKind kind, StmtKind stmt) {
  VarId v = newVar(std::move(hint), dtypeOf(value), kind);
  Stmt s;
  s.kind = stmt;
  s.var = v;
  s.value = value;
  block().push_back(std::move(s));
  return v;
}

VarId KernelBuilder::let(std::string hint, ExprId value) {
  return declare(std::move(hint), value, VarKind::Let, StmtKind::Let);
}

VarId KernelBuilder::acc(std::string hint, ExprId init) {
  return declare(std::move(hint), init, VarKind::Acc, StmtKind::Acc);
}

void KernelBuilder::assign(VarId accVar, ExprId value) {
  Stmt s;
  s.kind = StmtKind::Assign;
  s.var = accVar;
  s.value = value;
  block().push_back(std::move(s));
}

void KernelBuilder::store(int32_t binding, ExprId flatIndex, ExprId value) {
  Stmt s;
  s.kind = StmtKind::Store;
  s.binding = binding;
  s.index = flatIndex;
  s.value = value;
  block().push_back(std::move(s));
}

VarId KernelBuilder::beginFor(std::string hint, int64_t extent) {
  VarId v = newVar(std::move(hint), DType::I64, VarKind::Loop);
  Stmt s;
  s.kind = StmtKind::For;
  s.var = v;
  s.extent = extent;
  std::vector<Stmt>& b = block();
  b.push_back(std::move(s));
  // The parent block is not appended to while this loop is open, so the
  // pointer stays valid.
  open_.push_back(&b.back());
  return v;
}

void KernelBuilder::endFor() {
  if (!open_.empty()) open_.pop_back();
}

std::vector<ExprId> KernelBuilder::setGrid(const Shape& extents) {
  d_.grid = extents;
  d_.gridVars.clear();
  std::vector<ExprId> out;
  for (size_t i = 0; i < extents.size(); ++i) {
    VarId v = newVar("g", DType::I64, VarKind::Grid);
    d_.gridVars.push_back(v);
    out.push_back(extents[i] == 1 ? constInt(0) : var(v));
  }
  return out;
}

ExprId KernelBuilder::flatIndex(const Shape& shape, const std::vector<ExprId>& index) {
  // Outermost dim first, so the text reads like the row-major formula.
  std::vector<int64_t> strides(shape.size(), 1);
  for (size_t d = shape.size(); d-- > 1;) strides[d - 1] = strides[d] * shape[d];
  ExprId flat = constInt(0);
  for (size_t d = 0; d < shape.size() && d < index.size(); ++d)
    if (shape[d] != 1) flat = binary(BinaryOp::Add, flat, binary(BinaryOp::Mul, index[d], constInt(strides[d])));
  return flat;
}

std::vector<ExprId> KernelBuilder::unflatten(const Shape& shape, ExprId flat) {
  std::vector<ExprId> out(shape.size());
  int64_t stride = 1;
  for (size_t d = shape.size(); d-- > 0;) {
    if (shape[d] == 1) {
      out[d] = constInt(0);
    } else {
      ExprId q = binary(BinaryOp::Div, flat, constInt(stride));
      // The outermost non-unit dim needs no modulo: the flat index is in range.
      bool outermost = true;
      for (size_t e = 0; e < d; ++e) outermost = outermost && shape[e] == 1;
      out[d] = outermost ? q : binary(BinaryOp::Rem, q, constInt(shape[d]));
    }
    stride *= shape[d];
  }
  return out;
}

}  // namespace ingot::kir
