// The text form of a dispatch. Example (a dense layer with a ReLU epilogue):
//
//   dispatch @d0_dense  # Fused 'dense0' (-> %h)
//     bind $0 = %x : f32[4,784] read
//     bind $1 = %w : f32[784,128] read
//     bind $2 = %b : f32[128] read
//     bind $3 = %h : f32[4,128] write
//     grid g0 < 4, g1 < 128
//     contract acc : f32 = sum k < 784 of $0[g0*784 + k] * $1[k*128 + g1]
//     store $3[g0*128 + g1] = max(acc + $2[g1], 0)
#include <charconv>

#include "ir/OpRegistry.h"
#include "ir/kernel/Kernel.h"

namespace ingot::kir {

namespace {

std::string formatFloat(double v, DType t) {
  if (v != v) return "nan";
  if (v == 1.0 / 0.0) return "inf";
  if (v == -1.0 / 0.0) return "-inf";
  char buf[64];
  auto r = t == DType::F32 ? std::to_chars(buf, buf + sizeof buf, static_cast<float>(v))
                           : std::to_chars(buf, buf + sizeof buf, v);
  std::string s(buf, r.ptr);
  if (s.find_first_of(".en") == std::string::npos) s += ".0";
  return s;
}

class Printer {
 public:
  explicit Printer(const Dispatch& d) : d_(d) {}

  std::string expr(ExprId id) const {
    if (id < 0 || static_cast<size_t>(id) >= d_.exprs.size()) return fmt::format("<bad expr {}>", id);
    const Expr& e = d_.expr(id);
    switch (e.kind) {
      case ExprKind::Const:
        if (isFloat(e.dtype)) return formatFloat(e.f, e.dtype) + (e.dtype == DType::F32 ? "" : ":" + std::string(dtypeName(e.dtype)));
        if (e.dtype == DType::Bool) return e.i ? "true" : "false";
        return e.dtype == DType::I64 ? std::to_string(e.i) : fmt::format("{}:{}", e.i, dtypeName(e.dtype));
      case ExprKind::Var: return varName(static_cast<VarId>(e.i));
      case ExprKind::Load: return fmt::format("${}[{}]", e.i, expr(e.a));
      case ExprKind::Unary: return fmt::format("{}({})", unaryOpName(static_cast<UnaryOp>(e.op)), expr(e.a));
      case ExprKind::Binary: {
        auto op = static_cast<BinaryOp>(e.op);
        const char* infix = op == BinaryOp::Add ? " + " : op == BinaryOp::Mul ? "*" : op == BinaryOp::Sub ? " - " : nullptr;
        if (infix) return fmt::format("{}{}{}", operand(e.a, op), infix, operand(e.b, op));
        return fmt::format("{}({}, {})", binaryOpName(op), expr(e.a), expr(e.b));
      }
      case ExprKind::Select: return fmt::format("select({}, {}, {})", expr(e.a), expr(e.b), expr(e.c));
      case ExprKind::Cast: return fmt::format("{}({})", dtypeName(e.dtype), expr(e.a));
      case ExprKind::ContractAcc: return "acc";
    }
    return "?";
  }

  std::string varName(VarId v) const {
    if (v < 0 || static_cast<size_t>(v) >= d_.vars.size()) return fmt::format("<bad var {}>", v);
    return d_.vars[static_cast<size_t>(v)].name;
  }

  void stmts(const std::vector<Stmt>& body, int indent, std::string& out) const {
    std::string pad(static_cast<size_t>(indent), ' ');
    for (const Stmt& s : body) {
      switch (s.kind) {
        case StmtKind::Let: out += fmt::format("{}let {} = {}\n", pad, varName(s.var), expr(s.value)); break;
        case StmtKind::Acc:
          out += fmt::format("{}acc {} : {} = {}\n", pad, varName(s.var),
                             dtypeName(d_.vars[static_cast<size_t>(s.var)].dtype), expr(s.value));
          break;
        case StmtKind::Assign: out += fmt::format("{}{} = {}\n", pad, varName(s.var), expr(s.value)); break;
        case StmtKind::Store:
          out += fmt::format("{}store ${}[{}] = {}\n", pad, s.binding, expr(s.index), expr(s.value));
          break;
        case StmtKind::For:
          out += fmt::format("{}for {} < {} {{\n", pad, varName(s.var), s.extent);
          stmts(s.body, indent + 2, out);
          out += pad + "}\n";
          break;
      }
    }
  }

 private:
  // Parenthesize a sum inside a product.
  std::string operand(ExprId id, BinaryOp parent) const {
    std::string s = expr(id);
    const Expr& e = d_.expr(id);
    bool isSum = e.kind == ExprKind::Binary &&
                 (static_cast<BinaryOp>(e.op) == BinaryOp::Add || static_cast<BinaryOp>(e.op) == BinaryOp::Sub);
    if (isSum && parent != BinaryOp::Add) return "(" + s + ")";
    return s;
  }
  const Dispatch& d_;
};

}  // namespace

std::string printDispatch(const Dispatch& d) {
  Printer p(d);
  std::string out = fmt::format("dispatch @{}", d.name);
  if (!d.label.empty()) out += "  # " + d.label;
  out += "\n";
  for (size_t i = 0; i < d.bindings.size(); ++i) {
    const Binding& b = d.bindings[i];
    out += fmt::format("  bind ${} = %{} : {}{} {}\n", i, b.name, dtypeName(b.dtype), shapeToString(b.shape),
                       b.write ? "write" : "read");
  }
  if (d.opaque) {
    out += fmt::format("  opaque {}\n", d.opaque->op ? d.opaque->op->name : "?");
    return out;
  }
  if (!d.grid.empty()) {
    out += "  grid ";
    for (size_t i = 0; i < d.grid.size(); ++i)
      out += fmt::format("{}{} < {}", i ? ", " : "", p.varName(d.gridVars[i]), d.grid[i]);
    out += "\n";
  }
  if (const auto& c = d.contraction) {
    out += fmt::format(
        "  contract acc : {} = sum k < {} of ${}[batch a {} + i*{} + k*{}] * ${}[batch b {} + k*{} + j*{}]  "
        "(m {}, n {})\n",
        dtypeName(c->accDType), c->k, c->a, shapeToString(c->aBatchStrides), c->aStrideM, c->aStrideK, c->b,
        shapeToString(c->bBatchStrides), c->bStrideK, c->bStrideN, c->m, c->n);
  }
  p.stmts(d.body, 2, out);
  return out;
}

}  // namespace ingot::kir
