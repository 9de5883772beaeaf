// Dispatch::validate: the structural invariants backends rely on. A
// violation is a lowering bug (Internal), reported with the dispatch's name.
#include "ir/kernel/Kernel.h"

namespace ingot::kir {

namespace {

class Checker {
 public:
  explicit Checker(const Dispatch& d) : d_(d), inScope_(d.vars.size(), false) {}

  Status run() {
    if (d_.grid.size() != d_.gridVars.size()) return fail("grid and grid vars differ in length");
    for (int64_t g : d_.grid)
      if (g < 0) return fail("negative grid extent");
    for (VarId v : d_.gridVars) {
      INGOT_RETURN_IF_ERROR(checkVar(v));
      inScope_[static_cast<size_t>(v)] = true;
    }
    if (d_.opaque) {
      if (!d_.body.empty() || d_.contraction) return fail("an opaque dispatch has a body");
      return Status::ok();
    }
    if (const auto& c = d_.contraction) {
      if (!readBinding(c->a) || !readBinding(c->b)) return fail("contraction operands must be read bindings");
      if (d_.grid.size() < 2 || c->aBatchStrides.size() != d_.grid.size() - 2 ||
          c->bBatchStrides.size() != d_.grid.size() - 2)
        return fail("contraction grid must be [batch..., M, N]");
      if (d_.grid[d_.grid.size() - 2] != c->m || d_.grid.back() != c->n) return fail("contraction M/N differ from the grid");
    }
    return block(d_.body);
  }

 private:
  Status fail(std::string_view what) const { return internalError("dispatch {}: {}", d_.name, what); }
  bool readBinding(int32_t b) const {
    return b >= 0 && static_cast<size_t>(b) < d_.bindings.size() && !d_.bindings[static_cast<size_t>(b)].write;
  }
  Status checkVar(VarId v) const {
    if (v < 0 || static_cast<size_t>(v) >= d_.vars.size()) return fail(fmt::format("variable {} does not exist", v));
    return Status::ok();
  }

  Status expr(ExprId id) const {
    if (id < 0 || static_cast<size_t>(id) >= d_.exprs.size()) return fail(fmt::format("expression {} does not exist", id));
    const Expr& e = d_.expr(id);
    // Operands are created before their users, so ids only point backwards.
    for (ExprId sub : {e.a, e.b, e.c})
      if (sub != kNoExpr && sub >= id) return fail(fmt::format("expression {} refers forward to {}", id, sub));
    switch (e.kind) {
      case ExprKind::Const: return Status::ok();
      case ExprKind::Var: {
        INGOT_RETURN_IF_ERROR(checkVar(static_cast<VarId>(e.i)));
        if (!inScope_[static_cast<size_t>(e.i)])
          return fail(fmt::format("variable {} used out of scope", d_.vars[static_cast<size_t>(e.i)].name));
        return Status::ok();
      }
      case ExprKind::Load:
        if (e.i < 0 || static_cast<size_t>(e.i) >= d_.bindings.size()) return fail("load from a missing binding");
        if (d_.expr(e.a).dtype != DType::I64) return fail("load index is not i64");
        return expr(e.a);
      case ExprKind::Unary:
      case ExprKind::Cast: return expr(e.a);
      case ExprKind::Binary:
        if (d_.expr(e.a).dtype != d_.expr(e.b).dtype)
          return fail(fmt::format("{} of {} and {}", binaryOpName(static_cast<BinaryOp>(e.op)),
                                  dtypeName(d_.expr(e.a).dtype), dtypeName(d_.expr(e.b).dtype)));
        INGOT_RETURN_IF_ERROR(expr(e.a));
        return expr(e.b);
      case ExprKind::Select:
        if (d_.expr(e.a).dtype != DType::Bool) return fail("select condition is not bool");
        if (d_.expr(e.b).dtype != d_.expr(e.c).dtype) return fail("select branches differ in dtype");
        INGOT_RETURN_IF_ERROR(expr(e.a));
        INGOT_RETURN_IF_ERROR(expr(e.b));
        return expr(e.c);
      case ExprKind::ContractAcc:
        if (!d_.contraction) return fail("acc used without a contraction");
        return Status::ok();
    }
    return fail("unknown expression kind");
  }

  Status block(const std::vector<Stmt>& body) {
    std::vector<VarId> declared;
    for (const Stmt& s : body) {
      switch (s.kind) {
        case StmtKind::Let:
        case StmtKind::Acc:
          INGOT_RETURN_IF_ERROR(checkVar(s.var));
          INGOT_RETURN_IF_ERROR(expr(s.value));
          inScope_[static_cast<size_t>(s.var)] = true;
          declared.push_back(s.var);
          break;
        case StmtKind::Assign:
          INGOT_RETURN_IF_ERROR(checkVar(s.var));
          if (d_.vars[static_cast<size_t>(s.var)].kind != VarKind::Acc || !inScope_[static_cast<size_t>(s.var)])
            return fail("assignment to a variable that is not an accumulator in scope");
          if (d_.expr(s.value).dtype != d_.vars[static_cast<size_t>(s.var)].dtype) return fail("assignment changes dtype");
          INGOT_RETURN_IF_ERROR(expr(s.value));
          break;
        case StmtKind::Store: {
          if (s.binding < 0 || static_cast<size_t>(s.binding) >= d_.bindings.size() ||
              !d_.bindings[static_cast<size_t>(s.binding)].write)
            return fail("store to a binding that is not written");
          if (d_.expr(s.value).dtype != d_.bindings[static_cast<size_t>(s.binding)].dtype)
            return fail(fmt::format("store of {} into {} binding ${}", dtypeName(d_.expr(s.value).dtype),
                                    dtypeName(d_.bindings[static_cast<size_t>(s.binding)].dtype), s.binding));
          INGOT_RETURN_IF_ERROR(expr(s.index));
          INGOT_RETURN_IF_ERROR(expr(s.value));
          break;
        }
        case StmtKind::For:
          INGOT_RETURN_IF_ERROR(checkVar(s.var));
          if (s.extent < 0) return fail("negative loop extent");
          inScope_[static_cast<size_t>(s.var)] = true;
          INGOT_RETURN_IF_ERROR(block(s.body));
          inScope_[static_cast<size_t>(s.var)] = false;
          break;
      }
    }
    for (VarId v : declared) inScope_[static_cast<size_t>(v)] = false;
    return Status::ok();
  }

  const Dispatch& d_;
  std::vector<bool> inScope_;
};

}  // namespace

Status Dispatch::validate() const { return Checker(*this).run(); }

}  // namespace ingot::kir
