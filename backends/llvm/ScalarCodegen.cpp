// Scalar operations with the dispatch form's exact semantics (the oracle is
// ir/kernel/KernelInterpreter.cpp). Where LLVM's plain instruction would be
// undefined (integer division by 0, INT_MIN / -1, shifts >= the width,
// out-of-range float->int) the code guards or saturates, so generated kernels
// never hit undefined behaviour and agree with the interpreter bit for bit
// except in transcendental functions (libm's float versions, within an ulp
// or so of the interpreter's double-precision evaluation).
#include <llvm/IR/Intrinsics.h>

#include "backends/llvm/Codegen.h"

namespace ingot::backends::llvmcg {

namespace {

using kir::BinaryOp;
using kir::UnaryOp;

bool isFloatT(DType t) { return t == DType::F32 || t == DType::F64; }
bool isIntT(DType t) { return isInteger(t); }

llvm::Value* callIntrinsic(llvm::IRBuilder<>& b, llvm::Intrinsic::ID id, llvm::ArrayRef<llvm::Value*> args) {
  return b.CreateIntrinsic(id, {args[0]->getType()}, args);
}

// A libm function without an LLVM intrinsic (tanf, erff, ...): declared as
// not touching memory, like clang does with -fno-math-errno, so LLVM may
// hoist and CSE it.
llvm::Value* callLibm(llvm::IRBuilder<>& b, const char* name, llvm::Value* x) {
  llvm::Module* m = b.GetInsertBlock()->getModule();
  const bool f32 = x->getType()->isFloatTy();
  std::string fn = f32 ? std::string(name) + "f" : std::string(name);
  llvm::FunctionCallee callee = m->getOrInsertFunction(fn, llvm::FunctionType::get(x->getType(), {x->getType()}, false));
  if (auto* f = llvm::dyn_cast<llvm::Function>(callee.getCallee())) {
    f->setDoesNotThrow();
    f->setDoesNotAccessMemory();
    f->setWillReturn();
  }
  return b.CreateCall(callee, {x});
}

const char* libmName(UnaryOp op) {
  switch (op) {
    case UnaryOp::Tan: return "tan";
    case UnaryOp::Asin: return "asin";
    case UnaryOp::Acos: return "acos";
    case UnaryOp::Atan: return "atan";
    case UnaryOp::Sinh: return "sinh";
    case UnaryOp::Cosh: return "cosh";
    case UnaryOp::Tanh: return "tanh";
    case UnaryOp::Asinh: return "asinh";
    case UnaryOp::Acosh: return "acosh";
    case UnaryOp::Atanh: return "atanh";
    case UnaryOp::Erf: return "erf";
    default: return nullptr;
  }
}

llvm::Intrinsic::ID floatIntrinsic(UnaryOp op) {
  switch (op) {
    case UnaryOp::Exp: return llvm::Intrinsic::exp;
    case UnaryOp::Log: return llvm::Intrinsic::log;
    case UnaryOp::Sqrt: return llvm::Intrinsic::sqrt;
    case UnaryOp::Sin: return llvm::Intrinsic::sin;
    case UnaryOp::Cos: return llvm::Intrinsic::cos;
    case UnaryOp::Floor: return llvm::Intrinsic::floor;
    case UnaryOp::Ceil: return llvm::Intrinsic::ceil;
    case UnaryOp::RoundEven: return llvm::Intrinsic::roundeven;
    case UnaryOp::Abs: return llvm::Intrinsic::fabs;
    default: return llvm::Intrinsic::not_intrinsic;
  }
}

Status undefinedOp(std::string_view op, DType t) {
  return internalError("{} on {} is not defined in the dispatch form", op, dtypeName(t));
}

// Sign: 1 for positive, -1 for negative (signed types), x itself otherwise
// (0, -0.0 and NaN stay as they are).
llvm::Value* emitSign(llvm::IRBuilder<>& b, DType t, llvm::Value* x) {
  llvm::Type* ty = x->getType();
  if (isFloatT(t)) {
    llvm::Value* zero = llvm::ConstantFP::get(ty, 0.0);
    llvm::Value* neg = b.CreateSelect(b.CreateFCmpOLT(x, zero), llvm::ConstantFP::get(ty, -1.0), x);
    return b.CreateSelect(b.CreateFCmpOGT(x, zero), llvm::ConstantFP::get(ty, 1.0), neg);
  }
  llvm::Value* zero = llvm::ConstantInt::get(ty, 0);
  llvm::Value* pos = isSigned(t) ? b.CreateICmpSGT(x, zero) : b.CreateICmpUGT(x, zero);
  llvm::Value* rest = isSigned(t) ? b.CreateSelect(b.CreateICmpSLT(x, zero), llvm::ConstantInt::getSigned(ty, -1), x) : x;
  return b.CreateSelect(pos, llvm::ConstantInt::get(ty, 1), rest);
}

// The interpreter's max/min: NaN if either operand is NaN, otherwise
// std::max(a, b) = a < b ? b : a and std::min(a, b) = b < a ? b : a. (Not
// llvm.maximum: that orders -0.0 below +0.0, std::max does not.)
llvm::Value* emitFloatMaxMin(llvm::IRBuilder<>& b, bool isMax, llvm::Value* x, llvm::Value* y) {
  llvm::Value* pick = isMax ? b.CreateSelect(b.CreateFCmpOLT(x, y), y, x) : b.CreateSelect(b.CreateFCmpOLT(y, x), y, x);
  llvm::Value* nan = llvm::ConstantFP::getNaN(x->getType());
  return b.CreateSelect(b.CreateFCmpUNO(x, y), nan, pick);
}

llvm::Value* emitIntDivRem(llvm::IRBuilder<>& b, bool rem, DType t, llvm::Value* x, llvm::Value* y) {
  llvm::Type* ty = x->getType();
  llvm::Value* zero = llvm::ConstantInt::get(ty, 0);
  llvm::Value* one = llvm::ConstantInt::get(ty, 1);
  llvm::Value* isZero = b.CreateICmpEQ(y, zero);
  if (!isSigned(t)) {
    llvm::Value* safe = b.CreateSelect(isZero, one, y);
    llvm::Value* r = rem ? b.CreateURem(x, safe) : b.CreateUDiv(x, safe);
    return b.CreateSelect(isZero, zero, r);
  }
  // Signed: a divisor of -1 is special-cased (x / -1 = -x wrapping, x % -1 =
  // 0) because INT_MIN / -1 is undefined in LLVM as in C.
  llvm::Value* isMinusOne = b.CreateICmpEQ(y, llvm::ConstantInt::getSigned(ty, -1));
  llvm::Value* safe = b.CreateSelect(b.CreateOr(isZero, isMinusOne), one, y);
  if (rem) return b.CreateSelect(b.CreateOr(isZero, isMinusOne), zero, b.CreateSRem(x, safe));
  llvm::Value* q = b.CreateSelect(isMinusOne, b.CreateSub(zero, x), b.CreateSDiv(x, safe));
  return b.CreateSelect(isZero, zero, q);
}

// Shifts of unsigned values; a shift amount of the width or more (as an
// unsigned number, so negative amounts too) gives 0.
llvm::Value* emitShift(llvm::IRBuilder<>& b, bool left, llvm::Value* x, llvm::Value* y) {
  llvm::Type* ty = x->getType();
  const unsigned width = ty->getIntegerBitWidth();
  llvm::Value* tooFar = b.CreateICmpUGE(y, llvm::ConstantInt::get(ty, width));
  llvm::Value* safe = b.CreateSelect(tooFar, llvm::ConstantInt::get(ty, 0), y);
  llvm::Value* r = left ? b.CreateShl(x, safe) : b.CreateLShr(x, safe);
  return b.CreateSelect(tooFar, llvm::ConstantInt::get(ty, 0), r);
}

Expected<llvm::Value*> emitCompare(llvm::IRBuilder<>& b, BinaryOp op, DType t, llvm::Value* x, llvm::Value* y) {
  using P = llvm::CmpInst::Predicate;
  if (isFloatT(t)) {
    // Ordered comparisons are false with a NaN; != is true (C semantics).
    static constexpr P kF[] = {P::FCMP_OLT, P::FCMP_OLE, P::FCMP_OGT, P::FCMP_OGE, P::FCMP_OEQ, P::FCMP_UNE};
    return b.CreateFCmp(kF[static_cast<int>(op) - static_cast<int>(BinaryOp::Lt)], x, y);
  }
  static constexpr P kS[] = {P::ICMP_SLT, P::ICMP_SLE, P::ICMP_SGT, P::ICMP_SGE, P::ICMP_EQ, P::ICMP_NE};
  static constexpr P kU[] = {P::ICMP_ULT, P::ICMP_ULE, P::ICMP_UGT, P::ICMP_UGE, P::ICMP_EQ, P::ICMP_NE};
  const int i = static_cast<int>(op) - static_cast<int>(BinaryOp::Lt);
  return b.CreateICmp(isSigned(t) ? kS[i] : kU[i], x, y);
}

}  // namespace

Expected<llvm::Type*> valueType(llvm::LLVMContext& ctx, DType t) {
  switch (t) {
    case DType::F32: return llvm::Type::getFloatTy(ctx);
    case DType::F64: return llvm::Type::getDoubleTy(ctx);
    case DType::Bool: return llvm::Type::getInt1Ty(ctx);
    case DType::I8:
    case DType::U8: return llvm::Type::getInt8Ty(ctx);
    case DType::I16:
    case DType::U16: return llvm::Type::getInt16Ty(ctx);
    case DType::I32:
    case DType::U32: return llvm::Type::getInt32Ty(ctx);
    case DType::I64:
    case DType::U64: return llvm::Type::getInt64Ty(ctx);
    case DType::F16:
    case DType::BF16: break;
  }
  return unsupported("the llvm backend does not compute with {}", dtypeName(t));
}

Expected<llvm::Type*> memoryType(llvm::LLVMContext& ctx, DType t) {
  if (t == DType::Bool) return llvm::Type::getInt8Ty(ctx);
  return valueType(ctx, t);
}

Expected<llvm::Value*> emitUnary(llvm::IRBuilder<>& b, UnaryOp op, DType t, llvm::Value* x) {
  const std::string_view name = kir::unaryOpName(op);
  switch (op) {
    case UnaryOp::Not:
      if (t != DType::Bool) return undefinedOp(name, t);
      return b.CreateNot(x);
    case UnaryOp::BitNot:
      if (!isIntT(t)) return undefinedOp(name, t);
      return b.CreateNot(x);
    case UnaryOp::IsNaN:
      if (!isFloatT(t)) return undefinedOp(name, t);
      return b.CreateFCmpUNO(x, x);
    case UnaryOp::Neg:
      // 0 - x, as the interpreter computes it (ops::wrapNeg): -(+0.0) is
      // +0.0 there, not IEEE negation's -0.0.
      if (isFloatT(t)) return b.CreateFSub(llvm::ConstantFP::get(x->getType(), 0.0), x);
      if (isIntT(t)) return b.CreateSub(llvm::ConstantInt::get(x->getType(), 0), x);  // wraps
      return undefinedOp(name, t);
    case UnaryOp::Abs:
      if (isFloatT(t)) return callIntrinsic(b, llvm::Intrinsic::fabs, {x});
      // |INT_MIN| wraps to INT_MIN (is_int_min_poison = false).
      if (isIntT(t)) return isSigned(t) ? b.CreateIntrinsic(llvm::Intrinsic::abs, {x->getType()}, {x, b.getFalse()}) : x;
      return undefinedOp(name, t);
    case UnaryOp::Sign:
      if (!isFloatT(t) && !isIntT(t)) return undefinedOp(name, t);
      return emitSign(b, t, x);
    default: break;
  }
  if (!isFloatT(t)) return undefinedOp(name, t);
  if (op == UnaryOp::RoundEven) {
    // The interpreter rounds with floor and a half-way test, which gives
    // +0.0 (not -0.0) for x in [-0.5, 0); +0.0 is added to match, and a zero
    // x keeps its own sign as there.
    llvm::Value* zero = llvm::ConstantFP::get(x->getType(), 0.0);
    llvm::Value* r = b.CreateFAdd(callIntrinsic(b, llvm::Intrinsic::roundeven, {x}), zero);
    return b.CreateSelect(b.CreateFCmpOEQ(x, zero), x, r);
  }
  if (llvm::Intrinsic::ID id = floatIntrinsic(op); id != llvm::Intrinsic::not_intrinsic) return callIntrinsic(b, id, {x});
  if (const char* fn = libmName(op)) return callLibm(b, fn, x);
  return undefinedOp(name, t);
}

Expected<llvm::Value*> emitBinary(llvm::IRBuilder<>& b, BinaryOp op, DType t, llvm::Value* x, llvm::Value* y) {
  const std::string_view name = kir::binaryOpName(op);
  if (t == DType::Bool) {
    switch (op) {
      case BinaryOp::And: return b.CreateAnd(x, y);
      case BinaryOp::Or: return b.CreateOr(x, y);
      case BinaryOp::Xor:
      case BinaryOp::Ne: return b.CreateXor(x, y);
      case BinaryOp::Eq: return b.CreateICmpEQ(x, y);
      default: return undefinedOp(name, t);
    }
  }
  const bool fl = isFloatT(t);
  if (!fl && !isIntT(t)) return undefinedOp(name, t);
  switch (op) {
    case BinaryOp::Add: return fl ? b.CreateFAdd(x, y) : b.CreateAdd(x, y);
    case BinaryOp::Sub: return fl ? b.CreateFSub(x, y) : b.CreateSub(x, y);
    case BinaryOp::Mul: return fl ? b.CreateFMul(x, y) : b.CreateMul(x, y);
    case BinaryOp::Div: return fl ? b.CreateFDiv(x, y) : emitIntDivRem(b, false, t, x, y);
    case BinaryOp::Rem: return fl ? b.CreateFRem(x, y) : emitIntDivRem(b, true, t, x, y);  // frem is fmod
    case BinaryOp::Pow:
      if (!fl) return undefinedOp(name, t);
      return callIntrinsic(b, llvm::Intrinsic::pow, {x, y});
    case BinaryOp::Max:
    case BinaryOp::Min: {
      const bool isMax = op == BinaryOp::Max;
      if (fl) return emitFloatMaxMin(b, isMax, x, y);
      llvm::Intrinsic::ID id = isSigned(t) ? (isMax ? llvm::Intrinsic::smax : llvm::Intrinsic::smin)
                                           : (isMax ? llvm::Intrinsic::umax : llvm::Intrinsic::umin);
      return callIntrinsic(b, id, {x, y});
    }
    case BinaryOp::Lt:
    case BinaryOp::Le:
    case BinaryOp::Gt:
    case BinaryOp::Ge:
    case BinaryOp::Eq:
    case BinaryOp::Ne: return emitCompare(b, op, t, x, y);
    default: break;
  }
  if (fl) return undefinedOp(name, t);
  switch (op) {
    case BinaryOp::BitAnd: return b.CreateAnd(x, y);
    case BinaryOp::BitOr: return b.CreateOr(x, y);
    case BinaryOp::BitXor: return b.CreateXor(x, y);
    case BinaryOp::Shl: return emitShift(b, true, x, y);
    case BinaryOp::Shr: return emitShift(b, false, x, y);
    default: return undefinedOp(name, t);
  }
}

Expected<llvm::Value*> emitCast(llvm::IRBuilder<>& b, llvm::Value* x, DType from, DType to) {
  INGOT_ASSIGN_OR_RETURN(llvm::Type * ty, valueType(b.getContext(), to));
  INGOT_RETURN_IF_ERROR(valueType(b.getContext(), from).status());
  if (from == to) return x;
  if (to == DType::Bool) {  // x != 0 (NaN is true)
    if (isFloatT(from)) return b.CreateFCmpUNE(x, llvm::ConstantFP::get(x->getType(), 0.0));
    return b.CreateICmpNE(x, llvm::ConstantInt::get(x->getType(), 0));
  }
  if (from == DType::Bool) return isFloatT(to) ? b.CreateUIToFP(x, ty) : b.CreateZExt(x, ty);
  if (isFloatT(from) && isFloatT(to)) return b.CreateFPCast(x, ty);
  if (isFloatT(to)) return isSigned(from) ? b.CreateSIToFP(x, ty) : b.CreateUIToFP(x, ty);
  if (isFloatT(from)) {
    // Saturating, NaN -> 0: exactly ops::floatToInt.
    auto id = isSigned(to) ? llvm::Intrinsic::fptosi_sat : llvm::Intrinsic::fptoui_sat;
    return b.CreateIntrinsic(id, {ty, x->getType()}, {x});
  }
  return b.CreateIntCast(x, ty, isSigned(from));  // truncates or extends by the source's sign
}

llvm::Value* emitMulAdd(llvm::IRBuilder<>& b, DType t, llvm::Value* x, llvm::Value* y, llvm::Value* acc) {
  if (isFloatT(t)) return b.CreateIntrinsic(llvm::Intrinsic::fmuladd, {x->getType()}, {x, y, acc});
  return b.CreateAdd(b.CreateMul(x, y), acc);
}

}  // namespace ingot::backends::llvmcg
