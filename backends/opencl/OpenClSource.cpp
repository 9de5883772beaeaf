#include "backends/opencl/OpenClSource.h"

#include <cctype>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>

#include "backends/common/CLikeEmitter.h"
#include "ir/OpRegistry.h"

namespace ingot::backends::opencl {

namespace {

using kir::UnaryOp;

const char* clType(DType t) {
  switch (t) {
    case DType::F32: return "float";
    case DType::F64: return "double";
    case DType::Bool: return "bool";
    case DType::I8: return "char";  // signed in OpenCL C
    case DType::U8: return "uchar";
    case DType::I16: return "short";
    case DType::U16: return "ushort";
    case DType::I32: return "int";
    case DType::U32: return "uint";
    case DType::I64: return "long";
    case DType::U64: return "ulong";
    case DType::F16:
    case DType::BF16: break;
  }
  return nullptr;
}

// OpenCL C spellings for the shared C-like emitter. OpenCL C has every
// math built-in the dispatch form uses, for float and (with cl_khr_fp64)
// double, within a few ulp -- none of the GLSL dialect's own helpers are
// needed.
class OpenClDialect final : public clike::Dialect {
 public:
  Expected<std::string> valueType(DType t) const override {
    if (const char* n = clType(t)) return std::string(n);
    return unsupported("the opencl backend does not compute with dtype {}", dtypeName(t));
  }

  // A cast in parentheses, so it can stand anywhere in an expression.
  std::string convert(DType to, const std::string& x) const override {
    return "((" + std::string(clType(to) ? clType(to) : "?") + ")(" + x + "))";
  }

  std::string floatLiteral(double v, DType t) const override {
    if (t == DType::F64) {
      // Non-finite and subnormal values by their bits (a compiler may flush
      // subnormal literals).
      if (!std::isfinite(v) || (v != 0 && std::fabs(v) < std::numeric_limits<double>::min())) {
        uint64_t bits;
        if (std::isnan(v)) bits = 0x7ff8000000000000ull;
        else std::memcpy(&bits, &v, 8);
        return fmt::format("as_double(0x{:016x}UL)", bits);
      }
      std::string s = fmt::format("{:.17g}", v);
      if (s.find_first_of(".e") == std::string::npos) s += ".0";
      return s;
    }
    const float f = static_cast<float>(v);
    if (!std::isfinite(f) || (f != 0 && std::fabs(f) < std::numeric_limits<float>::min())) {
      uint32_t bits;
      if (std::isnan(f)) bits = 0x7fc00000u;
      else std::memcpy(&bits, &f, 4);
      return fmt::format("as_float(0x{:08x}u)", bits);
    }
    std::string s = fmt::format("{:.9g}", f);
    if (s.find_first_of(".e") == std::string::npos) s += ".0";
    return s + "f";
  }

  std::string intLiteral(int64_t v, DType t) const override {
    switch (t) {
      case DType::I64:
        if (v == std::numeric_limits<int64_t>::min()) return "(-9223372036854775807L - 1L)";
        return fmt::format("{}L", v);
      case DType::U64: return fmt::format("{}UL", static_cast<uint64_t>(v));
      case DType::I32:
        if (static_cast<int32_t>(v) == std::numeric_limits<int32_t>::min()) return "(-2147483647 - 1)";
        return fmt::format("{}", static_cast<int32_t>(v));
      case DType::U32: return fmt::format("{}u", static_cast<uint32_t>(v));
      case DType::I8: return fmt::format("((char)({}))", static_cast<int32_t>(static_cast<int8_t>(v)));
      case DType::I16: return fmt::format("((short)({}))", static_cast<int32_t>(static_cast<int16_t>(v)));
      case DType::U8: return fmt::format("((uchar)({}u))", static_cast<uint32_t>(v) & 0xffu);
      case DType::U16: return fmt::format("((ushort)({}u))", static_cast<uint32_t>(v) & 0xffffu);
      case DType::Bool: return v ? "true" : "false";
      default: return fmt::format("{}", v);
    }
  }

  std::string load(int32_t binding, DType t, const std::string& index) const override {
    std::string e = fmt::format("b{}[{}]", binding, index);
    if (t == DType::Bool) return "(" + e + " != 0)";
    return e;
  }

  std::string store(int32_t binding, DType t, const std::string& index, const std::string& value) const override {
    std::string v = t == DType::Bool ? "(uchar)((" + value + ") ? 1 : 0)" : value;
    return fmt::format("b{}[{}] = {}", binding, index, v);
  }

  std::string mathFunction(UnaryOp op, DType) const override {
    switch (op) {
      case UnaryOp::Abs: return "fabs";
      case UnaryOp::Sqrt: return "sqrt";
      case UnaryOp::Floor: return "floor";
      case UnaryOp::Ceil: return "ceil";
      case UnaryOp::RoundEven: return "rint";  // the default rounding mode: to nearest, ties to even
      case UnaryOp::Exp: return "exp";
      case UnaryOp::Log: return "log";
      case UnaryOp::Sin: return "sin";
      case UnaryOp::Cos: return "cos";
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
      default: return "";
    }
  }

  std::string powFunction(DType) const override { return "pow"; }

  std::string globalIndex(DType t) const override { return convert(t, "get_global_id(0)"); }
  std::string groupIndex(DType t) const override { return convert(t, "get_group_id(0)"); }
  std::string localIndex() const override { return "(int)get_local_id(0)"; }
  std::string barrier() const override { return "barrier(CLK_LOCAL_MEM_FENCE)"; }
  // Local arrays are declared at the kernel function's top level (OpenCL C 1.2).
  std::string localArray(const std::string& type, const std::string& name, int64_t rows, int64_t cols) const override {
    return fmt::format("  __local {} {}[{}][{}];", type, name, rows, cols);
  }
  std::string localVector(const std::string& type, const std::string& name, int64_t n) const override {
    return fmt::format("  __local {} {}[{}];", type, name, n);
  }
  // The device may lower the work-group size below the kernel's (OpenClProgram.cpp).
  std::string groupSize(int64_t) const override { return "(int)get_local_size(0)"; }
};

Expected<std::string> bufferType(DType t) {
  if (t == DType::Bool) return std::string("uchar");
  return OpenClDialect().valueType(t);
}

// Text for a one-line comment (labels may hold anything).
std::string commentText(const std::string& s) {
  std::string out;
  for (char c : s) out += (c == '\n' || c == '\r') ? ' ' : c;
  return out;
}

}  // namespace

Expected<ClSource> generateOpenCl(const kir::Dispatch& d, const ClOptions& options) {
  if (d.opaque) {
    const std::string op = d.opaque->op ? d.opaque->op->name : std::string("fused group");
    return unsupported("the opencl backend cannot run op {} ('{}'): it has no loop-level form and OpenCL devices "
                       "have no library kernel for it",
                       op, d.label);
  }
  INGOT_RETURN_IF_ERROR(d.validate());
  if (d.contraction) {
    const kir::Contraction& c = *d.contraction;
    if (d.grid.size() != c.aBatchStrides.size() + 2 || c.bBatchStrides.size() != c.aBatchStrides.size())
      return internalError("dispatch {}: contraction grid has {} dims for {} batch dims", d.name, d.grid.size(),
                           c.aBatchStrides.size());
  }
  OpenClDialect dialect;
  clike::Emitter em(d, dialect);
  ClSource out;
  out.invocations = static_cast<uint64_t>(d.gridPoints());
  out.entry = "ig_";
  for (char c : d.name) out.entry += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';

  // The kernel's parameters and the offset bindings (OpenClSource.h).
  std::string params, prologue;
  for (size_t i = 0; i < d.bindings.size(); ++i) {
    const kir::Binding& b = d.bindings[i];
    INGOT_ASSIGN_OR_RETURN(std::string t, bufferType(b.dtype));
    const std::string ptr = fmt::format("__global {}{}*", b.write ? "" : "const ", t);
    params += fmt::format("{}{} b{}_base, long o{}", i ? ", " : "", ptr, i, i);
    prologue += fmt::format("  {} b{} = b{}_base + o{};  // ${} {}\n", ptr, i, i, i, i, commentText(b.name));
  }
  const bool tiled = options.tiledContractions && d.contraction &&
                     (d.contraction->accDType == DType::F32 || d.contraction->accDType == DType::F64) &&
                     2 * d.contraction->m >= kTile && 2 * d.contraction->n >= kTile;
  // The work-group reduction form for few outputs of long reductions
  // (clike::Emitter::groupReductionLanes), when the option or
  // INGOT_OPENCL_GROUP_REDUCTIONS=1 asks for it (=0 refuses it either way).
  const char* groupEnv = std::getenv("INGOT_OPENCL_GROUP_REDUCTIONS");
  const std::string groupSetting = groupEnv ? groupEnv : "";
  const bool groupReductions = groupSetting == "1" || (options.groupReductions && groupSetting != "0");
  const int64_t lanes = tiled || !groupReductions ? 0 : em.groupReductionLanes({});
  if (tiled) {
    out.localSize = static_cast<uint32_t>(kTile * kTile);
    out.fixedLocalSize = true;
    out.invocations = em.tiledInvocations(kTile);
    INGOT_RETURN_IF_ERROR(em.emitTiledContraction(kTile, prologue, 1));
    em.mutableCode() = prologue + em.code();
  } else if (lanes > 0) {
    // Not fixed: the kernel reads its work-group's size, and a device that
    // runs fewer work-items per group leaves the extra groups idle.
    out.localSize = static_cast<uint32_t>(lanes);
    out.invocations = em.groupReductionInvocations(lanes);
    INGOT_RETURN_IF_ERROR(em.emitGroupReduction(lanes, prologue, 1));
    em.mutableCode() = prologue + em.code();
  } else {
    em.mutableCode() = prologue;
    INGOT_RETURN_IF_ERROR(em.emitPointPrologue(out.invocations, 1));
  }
  if (lanes == 0) INGOT_RETURN_IF_ERROR(em.emitStatements(d.body, 1));

  for (const kir::Binding& b : d.bindings) out.usesF64 |= b.dtype == DType::F64;
  for (DType t : em.dtypesUsed()) out.usesF64 |= t == DType::F64;
  if (d.contraction) out.usesF64 |= d.contraction->accDType == DType::F64;
  std::string src;
  if (out.usesF64) src += "#pragma OPENCL EXTENSION cl_khr_fp64 : enable\n";
  src += fmt::format("// dispatch {} ({})\n", d.name, commentText(d.label));
  src += em.helpers();
  src += fmt::format("__kernel void {}({}) {{\n", out.entry, params);
  src += em.code();
  src += "}\n";
  out.source = std::move(src);
  return out;
}

}  // namespace ingot::backends::opencl
