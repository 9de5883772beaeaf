// One dispatch -> one LLVM function: grid loops (nested, the last grid dim
// innermost so the loop vectorizer sees unit-stride accesses; the outermost
// runs over the call's unit range [begin, end)), Let vars as
// SSA values, Acc vars as entry-block allocas that mem2reg promotes, For
// statements as counted loops, loads and stores as typed GEPs at flat
// element indices on the binding pointers.
#include <llvm/IR/Verifier.h>
#include <llvm/Support/raw_ostream.h>

#include "backends/llvm/Codegen.h"

namespace ingot::backends::llvmcg {

using kir::ExprKind;
using kir::StmtKind;

Status KernelEmitter::fail(const std::string& what) const {
  return internalError("llvm backend: dispatch {}: {}", d_.name, what);
}

llvm::AllocaInst* KernelEmitter::entryAlloca(llvm::Type* t, const std::string& name) {
  llvm::BasicBlock& entry = fn_->getEntryBlock();
  llvm::IRBuilder<> eb(&entry, entry.begin());
  return eb.CreateAlloca(t, nullptr, name);
}

void KernelEmitter::tagAccess(llvm::Instruction* access) const {
  if (accessGroup_) access->setMetadata(llvm::LLVMContext::MD_access_group, accessGroup_);
}

Status KernelEmitter::forLoop(llvm::Value* begin, llvm::Value* end, int64_t step, const std::string& name,
                              const std::function<Status(llvm::Value* iv)>& body, bool parallel) {
  // preheader -> header (iv phi, iv < end ?) -> body ... -> latch (iv += step) -> header; exit.
  llvm::BasicBlock* pre = b_.GetInsertBlock();
  auto* header = llvm::BasicBlock::Create(ctx_, name + ".head", fn_);
  auto* bodyBb = llvm::BasicBlock::Create(ctx_, name + ".body", fn_);
  auto* exit = llvm::BasicBlock::Create(ctx_, name + ".exit", fn_);
  b_.CreateBr(header);
  b_.SetInsertPoint(header);
  llvm::PHINode* iv = b_.CreatePHI(b_.getInt64Ty(), 2, name);
  iv->addIncoming(begin, pre);
  b_.CreateCondBr(b_.CreateICmpSLT(iv, end), bodyBb, exit);
  b_.SetInsertPoint(bodyBb);
  llvm::MDNode* outerGroup = accessGroup_;
  if (parallel) accessGroup_ = llvm::MDNode::getDistinct(ctx_, {});
  llvm::MDNode* group = accessGroup_;
  Status st = body(iv);
  accessGroup_ = outerGroup;
  INGOT_RETURN_IF_ERROR(st);
  llvm::Value* next = b_.CreateAdd(iv, b_.getInt64(step), name + ".next", /*HasNUW=*/true, /*HasNSW=*/true);
  iv->addIncoming(next, b_.GetInsertBlock());
  llvm::BranchInst* latch = b_.CreateBr(header);
  if (parallel) {
    // A self-referential loop ID: !{!self, !{"llvm.loop.parallel_accesses", group}}.
    llvm::Metadata* parallelMd[] = {llvm::MDString::get(ctx_, "llvm.loop.parallel_accesses"), group};
    llvm::Metadata* ops[] = {nullptr, llvm::MDNode::get(ctx_, parallelMd)};
    llvm::MDNode* id = llvm::MDNode::getDistinct(ctx_, ops);
    id->replaceOperandWith(0, id);
    latch->setMetadata(llvm::LLVMContext::MD_loop, id);
  }
  b_.SetInsertPoint(exit);
  return Status::ok();
}

Expected<llvm::Value*> KernelEmitter::loadElement(int32_t binding, llvm::Value* index) {
  if (binding < 0 || static_cast<size_t>(binding) >= d_.bindings.size())
    return fail(fmt::format("load from missing binding ${}", binding));
  const DType t = d_.bindings[static_cast<size_t>(binding)].dtype;
  INGOT_ASSIGN_OR_RETURN(llvm::Type * mt, memoryType(ctx_, t));
  llvm::Value* ptr = b_.CreateInBoundsGEP(mt, bindingPtr(binding), index);
  llvm::LoadInst* v = b_.CreateLoad(mt, ptr);
  tagAccess(v);
  if (t == DType::Bool) return b_.CreateICmpNE(v, b_.getInt8(0));
  return v;
}

Expected<llvm::Value*> KernelEmitter::emitExpr(kir::ExprId id, bool guarded) {
  if (id < 0 || static_cast<size_t>(id) >= d_.exprs.size()) return fail(fmt::format("expression %{} out of range", id));
  const int64_t key = static_cast<int64_t>(id) * 2 + (guarded ? 1 : 0);
  if (auto it = memo_.find(key); it != memo_.end()) return it->second;
  INGOT_ASSIGN_OR_RETURN(llvm::Value * v, emitExprUncached(id, guarded));
  memo_.emplace(key, v);
  return v;
}

Expected<llvm::Value*> KernelEmitter::emitExprUncached(kir::ExprId id, bool guarded) {
  const kir::Expr& e = d_.expr(id);
  INGOT_ASSIGN_OR_RETURN(llvm::Type * ty, valueType(ctx_, e.dtype));
  switch (e.kind) {
    case ExprKind::Const:
      if (isFloat(e.dtype)) return llvm::ConstantFP::get(ty, e.f);
      if (e.dtype == DType::Bool) return b_.getInt1(e.i != 0);
      return llvm::ConstantInt::get(ty, static_cast<uint64_t>(e.i), /*isSigned=*/true);
    case ExprKind::Var: {
      const auto v = static_cast<size_t>(e.i);
      if (e.i < 0 || v >= d_.vars.size()) return fail(fmt::format("variable {} out of range", e.i));
      if (d_.vars[v].kind == kir::VarKind::Acc) {
        if (!accSlots_[v]) return fail(fmt::format("accumulator {} read before it is declared", d_.vars[v].name));
        return b_.CreateLoad(accSlots_[v]->getAllocatedType(), accSlots_[v], d_.vars[v].name);
      }
      if (!vars_[v]) return fail(fmt::format("variable {} used before it is defined", d_.vars[v].name));
      return vars_[v];
    }
    case ExprKind::ContractAcc:
      if (!contractAcc_) return fail("contraction value read outside a contraction");
      return contractAcc_;
    case ExprKind::Load: {
      INGOT_ASSIGN_OR_RETURN(llvm::Value * index, emitExpr(e.a, guarded));
      const auto bi = static_cast<int32_t>(e.i);
      if (bi < 0 || static_cast<size_t>(bi) >= d_.bindings.size())
        return fail(fmt::format("load from missing binding ${}", e.i));
      const int64_t n = d_.bindings[static_cast<size_t>(bi)].elements();
      if (guarded && n == 0) return llvm::Constant::getNullValue(ty);
      if (guarded && !(ranges_ && ranges_->expr(e.a).within(0, n - 1))) {
        // A load under a select's branch: the interpreter only evaluates the
        // branch taken, so its index may be out of range when not taken
        // (padding, gathers). Clamping it into the binding makes evaluating
        // both branches safe, and the select stays branch-free. An index the
        // analysis bounds inside the binding (relu's x[i] in select(x < 0, 0,
        // x[i])) needs no clamp, which would turn a vector load into one
        // load per lane.
        index = b_.CreateIntrinsic(llvm::Intrinsic::smax, {b_.getInt64Ty()}, {index, b_.getInt64(0)});
        index = b_.CreateIntrinsic(llvm::Intrinsic::smin, {b_.getInt64Ty()}, {index, b_.getInt64(n - 1)});
      }
      return loadElement(bi, index);
    }
    case ExprKind::Select: {
      INGOT_ASSIGN_OR_RETURN(llvm::Value * c, emitExpr(e.a, guarded));
      INGOT_ASSIGN_OR_RETURN(llvm::Value * x, emitExpr(e.b, true));
      INGOT_ASSIGN_OR_RETURN(llvm::Value * y, emitExpr(e.c, true));
      return b_.CreateSelect(c, x, y);
    }
    case ExprKind::Cast: {
      INGOT_ASSIGN_OR_RETURN(llvm::Value * x, emitExpr(e.a, guarded));
      return emitCast(b_, x, d_.expr(e.a).dtype, e.dtype);
    }
    case ExprKind::Unary: {
      INGOT_ASSIGN_OR_RETURN(llvm::Value * x, emitExpr(e.a, guarded));
      auto r = emitUnary(b_, static_cast<kir::UnaryOp>(e.op), d_.expr(e.a).dtype, x);
      if (!r.ok()) return r.status().withContext("llvm backend: dispatch " + d_.name);
      return r;
    }
    case ExprKind::Binary: {
      INGOT_ASSIGN_OR_RETURN(llvm::Value * x, emitExpr(e.a, guarded));
      INGOT_ASSIGN_OR_RETURN(llvm::Value * y, emitExpr(e.b, guarded));
      auto r = emitBinary(b_, static_cast<kir::BinaryOp>(e.op), d_.expr(e.a).dtype, x, y);
      if (!r.ok()) return r.status().withContext("llvm backend: dispatch " + d_.name);
      return r;
    }
  }
  return fail("unknown expression kind");
}

Status KernelEmitter::emitStmts(const std::vector<kir::Stmt>& body) {
  for (const kir::Stmt& s : body) {
    memo_.clear();
    if (s.kind != StmtKind::Store && (s.var < 0 || static_cast<size_t>(s.var) >= d_.vars.size()))
      return fail(fmt::format("statement variable {} out of range", s.var));
    switch (s.kind) {
      case StmtKind::Let: {
        INGOT_ASSIGN_OR_RETURN(llvm::Value * v, emitExpr(s.value, false));
        vars_[static_cast<size_t>(s.var)] = v;
        break;
      }
      case StmtKind::Acc:
      case StmtKind::Assign: {
        const auto v = static_cast<size_t>(s.var);
        INGOT_ASSIGN_OR_RETURN(llvm::Value * value, emitExpr(s.value, false));
        if (s.kind == StmtKind::Acc && !accSlots_[v]) accSlots_[v] = entryAlloca(value->getType(), d_.vars[v].name);
        if (!accSlots_[v]) return fail(fmt::format("assignment to undeclared accumulator {}", d_.vars[v].name));
        if (accSlots_[v]->getAllocatedType() != value->getType())
          return fail(fmt::format("accumulator {} assigned a value of another type", d_.vars[v].name));
        b_.CreateStore(value, accSlots_[v]);
        break;
      }
      case StmtKind::For: {
        const auto v = static_cast<size_t>(s.var);
        INGOT_RETURN_IF_ERROR(forLoop(s.extent, d_.vars[v].name, [&](llvm::Value* iv) {
          vars_[v] = iv;
          return emitStmts(s.body);
        }));
        memo_.clear();
        break;
      }
      case StmtKind::Store: {
        if (s.binding < 0 || static_cast<size_t>(s.binding) >= d_.bindings.size())
          return fail(fmt::format("store to missing binding ${}", s.binding));
        const DType t = d_.bindings[static_cast<size_t>(s.binding)].dtype;
        INGOT_ASSIGN_OR_RETURN(llvm::Value * index, emitExpr(s.index, false));
        INGOT_ASSIGN_OR_RETURN(llvm::Value * value, emitExpr(s.value, false));
        INGOT_ASSIGN_OR_RETURN(llvm::Type * mt, memoryType(ctx_, t));
        if (t == DType::Bool) value = b_.CreateZExt(value, mt);
        if (value->getType() != mt) return fail(fmt::format("store of a mistyped value to ${}", s.binding));
        tagAccess(b_.CreateStore(value, b_.CreateInBoundsGEP(mt, bindingPtr(s.binding), index)));
        break;
      }
    }
  }
  memo_.clear();
  return Status::ok();
}

namespace {

// A rough cost of running statements once, in nanoseconds (a statement is a
// handful of operations; loops multiply). Only used to decide whether a
// dispatch is worth splitting over threads.
double stmtCost(const std::vector<kir::Stmt>& body) {
  double c = 0;
  for (const kir::Stmt& s : body)
    c += s.kind == StmtKind::For ? 0.5 + static_cast<double>(s.extent) * stmtCost(s.body) : 0.5;
  return c;
}

}  // namespace

Status KernelEmitter::emitGridLoops(size_t dim) {
  if (dim == d_.grid.size()) {
    // An empty grid is one unit: the body runs when the range holds it.
    if (dim > 0) return emitStmts(d_.body);
    return forLoop(beginArg(), endArg(), 1, "unit", [&](llvm::Value*) { return emitStmts(d_.body); });
  }
  const auto var = static_cast<size_t>(d_.gridVars[dim]);
  llvm::Value* begin = dim == 0 ? beginArg() : b_.getInt64(0);
  llvm::Value* end = dim == 0 ? endArg() : b_.getInt64(d_.grid[dim]);
  // The innermost grid loop is parallel: the dispatch form runs the body once
  // per grid point in any order, so no grid point reads what another writes.
  // Saying so lets the loop vectorizer drop its runtime alias checks, which
  // fail (and fall back to scalar code) when memory planning put the result
  // in place over an operand read at the same element (Adam's updates).
  const bool innermost = dim + 1 == d_.grid.size();
  return forLoop(begin, end, 1, d_.vars[var].name, [&](llvm::Value* iv) {
    vars_[var] = iv;
    return emitGridLoops(dim + 1);
  }, innermost);
}

Status KernelEmitter::emitBody() {
  if (d_.gridVars.size() != d_.grid.size()) return fail("grid and grid variables differ in length");
  for (kir::VarId v : d_.gridVars)
    if (v < 0 || static_cast<size_t>(v) >= d_.vars.size()) return fail("grid variable out of range");
  if (d_.contraction) return emitContraction(*this);
  info_.units = d_.grid.empty() ? 1 : d_.grid[0];
  info_.nsPerUnit = static_cast<double>(d_.gridPoints()) / static_cast<double>(std::max<int64_t>(1, info_.units)) *
                    stmtCost(d_.body);
  return emitGridLoops(0);
}

Expected<llvm::Function*> KernelEmitter::emit(const std::string& fnName) {
  if (d_.opaque) return fail("opaque dispatches have no generated code");
  auto* fnTy =
      llvm::FunctionType::get(b_.getVoidTy(), {b_.getPtrTy(), b_.getInt64Ty(), b_.getInt64Ty(), b_.getPtrTy()}, false);
  fn_ = llvm::Function::Create(fnTy, llvm::Function::ExternalLinkage, fnName, m_);
  fn_->setDoesNotThrow();
  fn_->addParamAttr(0, llvm::Attribute::NoCapture);
  fn_->addParamAttr(0, llvm::Attribute::ReadOnly);
  fn_->addParamAttr(3, llvm::Attribute::NoAlias);  // scratch is the call's own memory
  fn_->addParamAttr(3, llvm::Attribute::getWithAlignment(ctx_, llvm::Align(64)));
  auto* entry = llvm::BasicBlock::Create(ctx_, "entry", fn_);
  b_.SetInsertPoint(entry);
  // Binding pointers are loaded once. They are not `noalias`: memory
  // planning may bind an elementwise result over an operand it reads at the
  // same index, so LLVM keeps its runtime alias checks.
  for (size_t i = 0; i < d_.bindings.size(); ++i) {
    llvm::Value* slot = b_.CreateConstInBoundsGEP1_64(b_.getPtrTy(), fn_->getArg(0), i);
    bindingPtrs_.push_back(b_.CreateLoad(b_.getPtrTy(), slot, "b" + std::to_string(i)));
  }
  vars_.assign(d_.vars.size(), nullptr);
  accSlots_.assign(d_.vars.size(), nullptr);
  // Index ranges need a well-formed dispatch; a malformed one is reported by
  // the emission below, and meanwhile every guarded load is clamped.
  if (d_.validate().isOk()) ranges_ = kir::IndexRanges::analyze(d_);
  Status st = emitBody();
  if (!st.isOk()) {
    fn_->eraseFromParent();
    return st;
  }
  b_.CreateRetVoid();
  std::string message;
  llvm::raw_string_ostream os(message);
  if (llvm::verifyFunction(*fn_, &os)) {
    os.flush();
    fn_->eraseFromParent();
    return internalError("llvm backend: dispatch {}: generated IR does not verify: {}", d_.name, message);
  }
  return fn_;
}

}  // namespace ingot::backends::llvmcg
