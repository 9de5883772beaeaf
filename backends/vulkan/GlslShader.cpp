#include "backends/vulkan/GlslShader.h"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>

#include "backends/common/CLikeEmitter.h"
#include "ir/OpRegistry.h"

namespace ingot::backends::vulkan {

namespace {

using kir::UnaryOp;

const char* glslType(DType t) {
  switch (t) {
    case DType::F32: return "float";
    case DType::F64: return "double";
    case DType::Bool: return "bool";
    case DType::I8: return "int8_t";
    case DType::U8: return "uint8_t";
    case DType::I16: return "int16_t";
    case DType::U16: return "uint16_t";
    case DType::I32: return "int";
    case DType::U32: return "uint";
    case DType::I64: return "int64_t";
    case DType::U64: return "uint64_t";
    case DType::F16:
    case DType::BF16: break;
  }
  return nullptr;
}

// GLSL spellings for the shared C-like emitter.
class GlslDialect final : public clike::Dialect {
 public:
  Expected<std::string> valueType(DType t) const override {
    if (const char* n = glslType(t)) return std::string(n);
    return unsupported("the vulkan backend does not compute with dtype {}", dtypeName(t));
  }

  std::string convert(DType to, const std::string& x) const override {
    return std::string(glslType(to) ? glslType(to) : "?") + "(" + x + ")";
  }

  std::string floatLiteral(double v, DType t) const override {
    const bool f64 = t == DType::F64;
    if (std::isnan(v)) return f64 ? "packDouble2x32(uvec2(0u, 0x7ff80000u))" : "uintBitsToFloat(0x7fc00000u)";
    if (std::isinf(v)) {
      if (f64) return v > 0 ? "packDouble2x32(uvec2(0u, 0x7ff00000u))" : "packDouble2x32(uvec2(0u, 0xfff00000u))";
      return v > 0 ? "uintBitsToFloat(0x7f800000u)" : "uintBitsToFloat(0xff800000u)";
    }
    if (!f64) {
      // Denormal literals may be flushed by the parser; spell the bits.
      const float f = static_cast<float>(v);
      if (f != 0 && std::fabs(f) < std::numeric_limits<float>::min()) {
        uint32_t bits;
        std::memcpy(&bits, &f, 4);
        return fmt::format("uintBitsToFloat(0x{:08x}u)", bits);
      }
      std::string s = fmt::format("{:.9g}", f);
      if (s.find_first_of(".e") == std::string::npos) s += ".0";
      return s;
    }
    std::string s = fmt::format("{:.17g}", v);
    if (s.find_first_of(".e") == std::string::npos) s += ".0";
    return "double(" + s + "lf)";
  }

  std::string intLiteral(int64_t v, DType t) const override {
    switch (t) {
      case DType::I64:
        if (v == std::numeric_limits<int64_t>::min()) return "(-9223372036854775807l - 1l)";
        return fmt::format("{}l", v);
      case DType::U64: return fmt::format("{}ul", static_cast<uint64_t>(v));
      case DType::I32:
        if (v == std::numeric_limits<int32_t>::min()) return "(-2147483647 - 1)";
        return fmt::format("{}", static_cast<int32_t>(v));
      case DType::U32: return fmt::format("{}u", static_cast<uint32_t>(v));
      case DType::I8:
      case DType::I16: return fmt::format("{}({})", glslType(t) ? glslType(t) : "?", static_cast<int32_t>(v));
      case DType::U8:
      case DType::U16: return fmt::format("{}({}u)", glslType(t) ? glslType(t) : "?", static_cast<uint32_t>(v) & (t == DType::U8 ? 0xffu : 0xffffu));
      case DType::Bool: return v ? "true" : "false";
      default: return fmt::format("{}", v);
    }
  }

  std::string load(int32_t binding, DType t, const std::string& index) const override {
    std::string e = fmt::format("b{}.v[int({})]", binding, index);  // GLSL indexes with 32-bit ints
    if (t == DType::Bool) return "(uint(" + e + ") != 0u)";
    return e;
  }

  std::string store(int32_t binding, DType t, const std::string& index, const std::string& value) const override {
    std::string v = t == DType::Bool ? "uint8_t(" + value + " ? 1u : 0u)" : value;
    return fmt::format("b{}.v[int({})] = {}", binding, index, v);
  }

  std::string mathFunction(UnaryOp op, DType t) const override {
    // GLSL's double built-ins stop at the exact operations.
    switch (op) {
      case UnaryOp::Abs: return "abs";
      case UnaryOp::Sqrt: return "sqrt";
      case UnaryOp::Floor: return "floor";
      case UnaryOp::Ceil: return "ceil";
      case UnaryOp::RoundEven: return "roundEven";
      default: break;
    }
    if (t == DType::F64) {
      if (op == UnaryOp::Exp) return "ig_exp_f64";
      if (op == UnaryOp::Log) return "ig_log_f64";
      return "";
    }
    switch (op) {
      case UnaryOp::Exp: return "exp";
      case UnaryOp::Log: return "ig_log";
      case UnaryOp::Sin: return "sin";
      case UnaryOp::Cos: return "cos";
      case UnaryOp::Tan: return "tan";
      case UnaryOp::Asin: return "asin";
      case UnaryOp::Acos: return "acos";
      case UnaryOp::Atan: return "atan";
      case UnaryOp::Sinh: return "ig_sinh";
      case UnaryOp::Cosh: return "cosh";
      case UnaryOp::Tanh: return "ig_tanh";
      case UnaryOp::Asinh: return "ig_asinh";
      case UnaryOp::Acosh: return "ig_acosh";
      case UnaryOp::Atanh: return "ig_atanh";
      default: return "";
    }
  }

  // lavapipe (Mesa 22.3, LLVM 15) miscompiles some 64-bit integer ordered
  // comparisons (x < 0 with x = -1 gives false in a OneHot kernel), so they
  // compare the 32-bit halves instead (ig_lt_i64/u64 in kPreamble).
  std::string lessThan(DType t, const std::string& a, const std::string& b) const override {
    if (t == DType::I64) return "ig_lt_i64(" + a + ", " + b + ")";
    if (t == DType::U64) return "ig_lt_u64(" + a + ", " + b + ")";
    return "(" + a + " < " + b + ")";
  }

  std::string powFunction(DType t) const override { return t == DType::F32 ? "pow" : "ig_powpos_f64"; }

  // The 2-D grid of workgroups, flattened (GlslShader.h). In 32 bits the
  // sum is computed unsigned, as the built-ins are (it fits: the emitter
  // asks for I32 only when every launched index does).
  std::string globalIndex(DType t) const override {
    if (t == DType::I32)
      return "int((gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x) * " + std::to_string(kWorkgroupSize) +
             "u + gl_LocalInvocationID.x)";
    return "int64_t(gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x) * " + std::to_string(kWorkgroupSize) +
           "l + int64_t(gl_LocalInvocationID.x)";
  }
  std::string groupIndex(DType t) const override {
    return std::string(t == DType::I32 ? "int" : "int64_t") + "(gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x)";
  }
  std::string localIndex() const override { return "int(gl_LocalInvocationID.x)"; }
  std::string barrier() const override { return "barrier()"; }
  std::string localArray(const std::string& type, const std::string& name, int64_t rows, int64_t cols) const override {
    return fmt::format("shared {} {}[{}][{}];", type, name, rows, cols);
  }
  std::string localVector(const std::string& type, const std::string& name, int64_t n) const override {
    return fmt::format("shared {} {}[{}];", type, name, n);
  }
  std::string groupSize(int64_t declared) const override { return std::to_string(declared); }
};

// Always-present helpers. Vulkan bounds the built-in transcendentals'
// errors loosely (exp-based tanh/sinh cancel near 0; log's error near 1 is
// absolute), which loses the relative precision of small results (mish's
// tanh(softplus(x)) for negative x). These keep f32 relative precision:
// short odd series near 0, exp- and log-based forms elsewhere; log reduces x
// to m * 2^e with m in [sqrt(1/2), sqrt(2)) and sums log(m) = 2 atanh(s),
// s = (m - 1) / (m + 1), |s| < 0.172.
constexpr const char* kPreambleInt64 = R"(bool ig_lt_i64(int64_t a, int64_t b) {
  int ah = int(a >> 32), bh = int(b >> 32);
  return ah < bh || (ah == bh && uint(a) < uint(b));
}
bool ig_lt_u64(uint64_t a, uint64_t b) {
  uint ah = uint(a >> 32), bh = uint(b >> 32);
  return ah < bh || (ah == bh && uint(a) < uint(b));
}
)";

constexpr const char* kPreamble = R"(float ig_log(float x) {
  if (isnan(x) || x < 0.0) return uintBitsToFloat(0x7fc00000u);
  if (x == 0.0) return uintBitsToFloat(0xff800000u);
  if (isinf(x)) return x;
  int e;
  float m = frexp(x, e);
  if (m < 0.70710678) { m = m * 2.0; e = e - 1; }
  float s = (m - 1.0) / (m + 1.0);
  float s2 = s * s;
  float p = s2 * (0.33333333 + s2 * (0.2 + s2 * (0.14285714 + s2 * (0.11111111 + s2 * 0.09090909))));
  return float(e) * 0.69314718 + (2.0 * s + 2.0 * s * p);
}
float ig_tanh(float x) {
  float a = abs(x);
  if (a < 0.125) { float x2 = x * x; return x + x * x2 * (-0.33333333 + x2 * (0.13333333 + x2 * (-0.053968254 + x2 * 0.021869488))); }
  if (a > 15.0) return sign(x);
  float t = exp(-2.0 * a);
  return sign(x) * ((1.0 - t) / (1.0 + t));
}
float ig_sinh(float x) {
  if (abs(x) < 0.125) { float x2 = x * x; return x + x * x2 * (0.16666667 + x2 * (0.0083333333 + x2 * 0.00019841270)); }
  return sinh(x);
}
float ig_asinh(float x) {
  float a = abs(x);
  if (a < 0.125) { float x2 = x * x; return x + x * x2 * (-0.16666667 + x2 * (0.075 + x2 * -0.044642857)); }
  float r = a > 1e18 ? ig_log(a) + 0.69314718 : ig_log(a + sqrt(a * a + 1.0));
  return x < 0.0 ? -r : r;
}
float ig_acosh(float x) {
  if (x > 1e18) return ig_log(x) + 0.69314718;
  return x < 1.0 ? uintBitsToFloat(0x7fc00000u) : ig_log(x + sqrt(x * x - 1.0));
}
float ig_atanh(float x) {
  if (abs(x) < 0.125) { float x2 = x * x; return x + x * x2 * (0.33333333 + x2 * (0.2 + x2 * (0.14285714 + x2 * 0.11111111))); }
  return 0.5 * ig_log((1.0 + x) / (1.0 - x));
}
)";

// GLSL has no double exp/log/pow; these reach f64 precision (within a few
// ulp) with the same reductions: log as above with more terms, exp as
// 2^k * e^r with r = x - k ln2 (ln2 split in two, as fdlibm does) and a
// Taylor polynomial for |r| <= ln2/2.
constexpr const char* kPreamble64 = R"(double ig_log_f64(double x) {
  if (isnan(x) || x < 0.0lf) return packDouble2x32(uvec2(0u, 0x7ff80000u));
  if (x == 0.0lf) return packDouble2x32(uvec2(0u, 0xfff00000u));
  if (isinf(x)) return x;
  int e;
  double m = frexp(x, e);
  if (m < 0.70710678118654752lf) { m = m * 2.0lf; e = e - 1; }
  double s = (m - 1.0lf) / (m + 1.0lf);
  double s2 = s * s;
  double p = 0.0lf;
  for (int i = 21; i >= 3; i -= 2) p = p * s2 + 1.0lf / double(i);
  return double(e) * 0.69314718055994530942lf + (2.0lf * s + 2.0lf * s * s2 * p);
}
double ig_exp_f64(double x) {
  if (isnan(x)) return x;
  if (x > 709.782712893384lf) return packDouble2x32(uvec2(0u, 0x7ff00000u));
  if (x < -745.2lf) return 0.0lf;
  double k = roundEven(x * 1.4426950408889634074lf);
  double r = (x - k * 6.93147180369123816490e-01lf) - k * 1.90821492927058770002e-10lf;
  double p = 1.0lf;
  for (int i = 16; i >= 1; --i) p = 1.0lf + p * r / double(i);
  return ldexp(p, int(k));
}
double ig_powpos_f64(double x, double y) { return ig_exp_f64(y * ig_log_f64(x)); }
)";

Expected<std::string> bufferType(DType t) {
  if (t == DType::Bool) return std::string("uint8_t");
  return GlslDialect().valueType(t);
}

}  // namespace

Expected<GlslKernel> generateGlsl(const kir::Dispatch& d) {
  if (d.opaque) {
    const std::string op = d.opaque->op ? d.opaque->op->name : std::string("fused group");
    return unsupported("the vulkan backend cannot run op {} ('{}'): it has no loop-level form and Vulkan devices "
                       "have no library kernel for it",
                       op, d.label);
  }
  INGOT_RETURN_IF_ERROR(d.validate());
  GlslDialect dialect;
  clike::Emitter em(d, dialect);
  std::string globals;
  GlslKernel out;
  out.workgroupSize = kWorkgroupSize;
  out.invocations = static_cast<uint64_t>(d.gridPoints());

  // The tiled form for float contractions with outputs of at least half a
  // tile each way (smaller ones leave most of a work-group idle), when its
  // indices are 32-bit (GlslShader.h: lavapipe miscomputes it with 64-bit
  // indices). INGOT_VULKAN_TILED_GEMM=0 turns it off (for comparisons).
  const char* tiledEnv = std::getenv("INGOT_VULKAN_TILED_GEMM");
  const bool tiled = !(tiledEnv && std::string(tiledEnv) == "0") && d.contraction &&
                     (d.contraction->accDType == DType::F32 || d.contraction->accDType == DType::F64) &&
                     2 * d.contraction->m >= kTile && 2 * d.contraction->n >= kTile && em.tiledIndexFitsI32(kTile);
  if (d.contraction) {
    const kir::Contraction& c = *d.contraction;
    if (d.grid.size() != c.aBatchStrides.size() + 2 || c.bBatchStrides.size() != c.aBatchStrides.size())
      return internalError("dispatch {}: contraction grid has {} dims for {} batch dims", d.name, d.grid.size(),
                           c.aBatchStrides.size());
  }
  // The work-group reduction form for few outputs of long reductions
  // (clike::Emitter::groupReductionLanes), with no 64-bit integer live
  // across its barriers (GlslShader.h), when INGOT_VULKAN_GROUP_REDUCTIONS=1
  // asks for it (opt-in: slower on lavapipe, GlslShader.h).
  const char* groupEnv = std::getenv("INGOT_VULKAN_GROUP_REDUCTIONS");
  clike::Emitter::GroupReductionOptions groupOptions;
  groupOptions.wideIntegersAcrossBarriers = false;
  const bool group = groupEnv && std::string(groupEnv) == "1";
  const int64_t lanes = tiled || !group ? 0 : em.groupReductionLanes(groupOptions);
  if (tiled) {
    out.workgroupSize = static_cast<uint32_t>(kTile * kTile);
    out.invocations = em.tiledInvocations(kTile);
    INGOT_RETURN_IF_ERROR(em.emitTiledContraction(kTile, globals, 1));
  } else if (lanes > 0) {
    out.workgroupSize = static_cast<uint32_t>(lanes);
    out.invocations = em.groupReductionInvocations(lanes);
    INGOT_RETURN_IF_ERROR(em.emitGroupReduction(lanes, globals, 1));
  } else {
    INGOT_RETURN_IF_ERROR(em.emitPointPrologue(out.invocations, 1));
  }
  if (lanes == 0) INGOT_RETURN_IF_ERROR(em.emitStatements(d.body, 1));

  // Extensions for the types the kernel touches. 64-bit integers only where
  // a binding or a value is one: index arithmetic that fits is 32-bit
  // (clike::Emitter), and a shader without int64 needs no shaderInt64.
  bool int8 = false, int16 = false, int64 = false, storage8 = false, storage16 = false;
  for (DType t : em.dtypesUsed()) {
    int8 |= t == DType::I8 || t == DType::U8;
    int16 |= t == DType::I16 || t == DType::U16;
    int64 |= t == DType::I64 || t == DType::U64;
  }
  for (const kir::Binding& b : d.bindings) {
    storage8 |= b.dtype == DType::Bool || b.dtype == DType::I8 || b.dtype == DType::U8;
    storage16 |= b.dtype == DType::I16 || b.dtype == DType::U16;
    int8 |= b.dtype == DType::I8 || b.dtype == DType::U8;
    int16 |= b.dtype == DType::I16 || b.dtype == DType::U16;
    int64 |= b.dtype == DType::I64 || b.dtype == DType::U64;
  }
  std::string src = "#version 450\n";
  if (int64) src += "#extension GL_EXT_shader_explicit_arithmetic_types_int64 : require\n";
  if (int8) src += "#extension GL_EXT_shader_explicit_arithmetic_types_int8 : require\n";
  if (int16) src += "#extension GL_EXT_shader_explicit_arithmetic_types_int16 : require\n";
  if (storage8) src += "#extension GL_EXT_shader_8bit_storage : require\n";
  if (storage16) src += "#extension GL_EXT_shader_16bit_storage : require\n";
  src += fmt::format("// dispatch {} ({})\nlayout(local_size_x = {}) in;\n", d.name, d.label, out.workgroupSize);
  for (size_t i = 0; i < d.bindings.size(); ++i) {
    const kir::Binding& b = d.bindings[i];
    INGOT_ASSIGN_OR_RETURN(std::string t, bufferType(b.dtype));
    src += fmt::format("layout(std430, set = 0, binding = {0}) {1}buffer B{0} {{ {2} v[]; }} b{0};  // {3}\n", i,
                       b.write ? "" : "readonly ", t, b.name);
  }
  if (int64) src += kPreambleInt64;
  src += kPreamble;
  bool f64 = false;
  for (const kir::Binding& b : d.bindings) f64 |= b.dtype == DType::F64;
  for (DType t : em.dtypesUsed()) f64 |= t == DType::F64;
  if (f64) src += kPreamble64;  // only here: double functions need the Float64 capability
  src += globals;
  src += em.helpers();
  src += "void main() {\n" + em.code() + "}\n";
  out.source = std::move(src);
  return out;
}

}  // namespace ingot::backends::vulkan
