// Renders the scalar part of a dispatch (ir/kernel/Kernel.h) -- expressions
// and statements -- as C-like source: the shared core of the GLSL (Vulkan)
// and OpenCL C backends. What differs between the two languages (type
// names, literals, conversions, buffer access, built-in math) is a Dialect;
// the semantics live here once, exactly as the dispatch-form interpreter
// (ir/kernel/KernelInterpreter.cpp) defines them:
//  - integer Div truncates and Rem has the dividend's sign; both give 0 for
//    a zero divisor, and x / -1 is -x wrapping (no trap on INT_MIN / -1);
//  - Max/Min propagate NaN and otherwise pick like std::max/std::min;
//  - Shl/Shr shift the unsigned representation; a shift >= the width gives 0;
//  - float -> int casts saturate and send NaN to 0; float -> bool is x != 0;
//  - Neg is 0 - x; Pow and Rem on floats follow C's pow and fmod;
//  - a load under a select's branch is clamped into its binding, because
//    both branches are evaluated here while the interpreter evaluates only
//    the one taken (padding and gathers index out of range on the other).
// Those rules become small helper functions (emitted once per type used)
// rather than inline code, so the generated kernels stay readable.
//
// Every expression is rendered once per statement into a temporary (the
// dispatch's expressions are a DAG: inlining would duplicate shared parts).
//
// Index arithmetic in 32 bits. The dispatch form computes indices in i64;
// the emitter computes an i64 expression as a 32-bit int wherever
// kir::IndexRanges proves its value and its i64 operands' values lie in
// int32 (ir/kernel/IndexRange.h), which gives the same values as 64-bit
// arithmetic, and widens or narrows by a plain conversion where a 32-bit
// and a 64-bit expression meet. i64 *values* (int64 tensor elements, a
// Gather index as loaded) stay 64-bit, and a loaded index is clamped into
// its binding exactly as before. The launch's own variables (the flat
// invocation index, the contraction's addresses and k) are 32-bit when
// launchFitsI32 and IndexRanges::contractionFitsI32 say so.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "ir/kernel/IndexRange.h"
#include "ir/kernel/Kernel.h"
#include "support/Status.h"

namespace ingot::backends::clike {

// The language-specific spellings. Each returns source text.
class Dialect {
 public:
  virtual ~Dialect() = default;
  // The register type of a dtype (bool is the language's bool), or
  // Unsupported (f16, bf16; a dialect may refuse more).
  virtual Expected<std::string> valueType(DType t) const = 0;
  // `x` converted to `to` by the language's plain conversion (used only
  // where the emitter knows it is exact or has the defined meaning: int
  // widening/narrowing, int -> float, float -> float, in-range float -> int).
  virtual std::string convert(DType to, const std::string& x) const = 0;
  // Literals. Non-finite floats need dialect help (GLSL has no INFINITY).
  virtual std::string floatLiteral(double v, DType t) const = 0;
  virtual std::string intLiteral(int64_t v, DType t) const = 0;
  // Element `index` (an i64 expression) of binding b, as a value of the
  // binding's value type; and the statement storing `value` there.
  virtual std::string load(int32_t binding, DType t, const std::string& index) const = 0;
  virtual std::string store(int32_t binding, DType t, const std::string& index, const std::string& value) const = 0;
  // The built-in for a float unary op on `t` (exp, sqrt, floor, ...), or ""
  // when the language has none (the emitter then uses its own helper where
  // it has one, else reports Unsupported).
  virtual std::string mathFunction(kir::UnaryOp op, DType t) const = 0;
  // pow(x, y) for positive x, or "" when the language has none for `t`.
  virtual std::string powFunction(DType t) const = 0;
  // The isnan built-in's call on x.
  virtual std::string isNan(const std::string& x) const { return "isnan(" + x + ")"; }
  // a < b for values of dtype t (a hook for drivers whose 64-bit integer
  // comparisons are unreliable).
  virtual std::string lessThan(DType t, const std::string& a, const std::string& b) const {
    return "(" + a + " < " + b + ")";
  }
  // Truncation toward zero of a float (C's trunc).
  virtual std::string truncFunction() const { return "trunc"; }
  // The flat index of the running invocation among all launched, an
  // expression of type `t` (I32 or I64; I32 only when every launched index
  // fits). GLSL derives it from workgroup ids, OpenCL C has get_global_id.
  virtual std::string globalIndex(DType t) const = 0;
  // For the tiled contraction (Emitter::emitTiledContraction): the flat
  // index of the running work-group (of type `t`, I32 or I64), the
  // invocation's index within it (i32), a work-group barrier that also
  // orders local memory (a statement without its semicolon), and the
  // declaration of a rows x cols array in work-group local memory (a whole
  // statement).
  virtual std::string groupIndex(DType t) const = 0;
  virtual std::string localIndex() const = 0;
  virtual std::string barrier() const = 0;
  virtual std::string localArray(const std::string& type, const std::string& name, int64_t rows, int64_t cols) const = 0;
  // For the work-group reduction (Emitter::emitGroupReduction): the
  // declaration of an n-element array in work-group local memory (a whole
  // statement), and the number of invocations in the running work-group as
  // an i32 expression, for a kernel generated for work-groups of `declared`
  // (GLSL fixes the size in the shader; an OpenCL device may run fewer).
  virtual std::string localVector(const std::string& type, const std::string& name, int64_t n) const = 0;
  virtual std::string groupSize(int64_t declared) const = 0;
};

// Emits the body of one dispatch. Usage: declare the grid variables (named
// by varName) and, for contractions, the accumulator (setContractAcc), then
// emitStatements(d.body), and put helpers() before the kernel function.
// The dispatch must have passed Dispatch::validate.
class Emitter {
 public:
  Emitter(const kir::Dispatch& d, const Dialect& dialect)
      : d_(d), dialect_(dialect), ranges_(kir::IndexRanges::analyze(d)) {}

  // Every invocation index of a launch of `invocations` work items fits in
  // int32. Launches round up to whole work-groups (at most 1024 items
  // each), and the vulkan device splits the work-groups over a 2-D grid of
  // at most twice as many, so 2 * (invocations + 1024) < 2^31 bounds every
  // index an invocation (including one past the end, which returns) sees.
  static bool launchFitsI32(uint64_t invocations);

  // A unique, valid identifier for a dispatch variable.
  std::string varName(kir::VarId v) const;
  // What ContractAcc expressions read (a local the caller computed).
  void setContractAcc(std::string name) { contractAcc_ = std::move(name); }

  Status emitStatements(const std::vector<kir::Stmt>& body, int indent);

  // The launch every backend shares for a dispatch run one invocation per
  // grid point: the invocation's flat index `gid`, a return for invocations
  // past the last of `invocations` points (launches round up to whole
  // workgroups), the grid variables (row-major, the last dimension fastest)
  // and, for a contraction, a plain loop over k into the local `acc` (which
  // the body's contraction value then reads).
  Status emitPointPrologue(uint64_t invocations, int indent);
  // The contraction record agrees with the grid and the bindings.
  Status checkContraction() const;
  // Grid variables 0..dims-1 from the local `flat` of type `flatType` (I32
  // or I64; row-major; `flat` is consumed: it is divided down as the
  // variables are taken off). Each variable gets its own width
  // (IndexRanges::narrowVar).
  Status emitUnflatten(size_t dims, const std::string& flat, DType flatType, int indent);
  // Element offsets of the contraction's A and B batches at the batch grid
  // variables, as expressions of type `t` (I32 or I64).
  std::pair<std::string, std::string> contractionBatchBases(DType t) const;
  // The contraction in work-group tiles: a work-group of tile x tile
  // invocations computes a tile x tile block of outputs, one each, staging
  // tile x tile blocks of A and B in local memory for each step of `tile`
  // along k (each element of A and B is read from the buffer once per block
  // instead of once per output). Sums run over k in order, as the loop does.
  // Every invocation takes part in the barriers; those outside the output
  // return after the k loop, before the body. Work-groups are numbered
  // (batch, tile row, tile column), row-major; launch tiledInvocations(tile)
  // invocations in work-groups of tile * tile. `localDecls` receives the two
  // local arrays' declarations (where they go is the language's business).
  Status emitTiledContraction(int64_t tile, std::string& localDecls, int indent);
  uint64_t tiledInvocations(int64_t tile) const;
  // emitTiledContraction computes its indices in 32 bits (else 64).
  bool tiledIndexFitsI32(int64_t tile) const;
  // The work-group reduction form (CLikeReduction.cpp), for dispatches
  // whose work is a few outputs each reducing many elements: one work-group
  // per grid point, whose invocations ("lanes") split every reduction loop
  // of the body (each takes every lanes-th element), combine their partial
  // accumulators in a tree in local memory with barriers, and all go on with
  // the combined value; loops that only store (softmax's last loop) are
  // split over the lanes as well, and the body's other stores run in lane 0.
  // groupReductionLanes says whether it applies and with how many lanes (0:
  // the dispatch keeps the point form); see the heuristic there.
  struct GroupReductionOptions {
    // Whether 64-bit integer values (accumulators, lets) may live across a
    // barrier (lavapipe mishandles them: GlslShader.h).
    bool wideIntegersAcrossBarriers = true;
  };
  int64_t groupReductionLanes(const GroupReductionOptions& options) const;
  // Launch groupReductionInvocations(lanes) invocations in work-groups of
  // `lanes` (work-groups are numbered like grid points; an OpenCL device may
  // run smaller ones, the extra work-groups then compute nothing).
  uint64_t groupReductionInvocations(int64_t lanes) const;
  // The whole kernel body in that form (not followed by emitStatements);
  // `localDecls` receives the local arrays' declarations.
  Status emitGroupReduction(int64_t lanes, std::string& localDecls, int indent);
  // Renders an expression (temporaries go to the output at `indent`).
  Expected<std::string> expression(kir::ExprId id, int indent) { return expr(id, false, indent); }
  // What the index analysis found (which i64 expressions are 32-bit here).
  const kir::IndexRanges& ranges() const { return ranges_; }

  // The generated statements so far, and the helper definitions they use.
  const std::string& code() const { return out_; }
  std::string& mutableCode() { return out_; }
  std::string helpers() const;
  // Every dtype a value of the kernel has (for enabling language extensions).
  const std::set<DType>& dtypesUsed() const { return types_; }

 private:
  Status fail(const std::string& what) const;
  Expected<std::string> type(DType t);
  Expected<std::string> expr(kir::ExprId id, bool guarded, int indent);
  Expected<std::string> render(kir::ExprId id, bool guarded, int indent);
  Expected<std::string> renderLoad(const kir::Expr& e, bool guarded, int indent);
  Expected<std::string> renderCast(kir::ExprId id, bool guarded, int indent);
  // The dtype an expression is computed in here: I32 for a narrow i64
  // expression (IndexRanges::narrow), else its own.
  DType computedType(kir::ExprId id) const;
  DType varType(kir::VarId v) const;
  // `s` (expression id's rendering) as a value of type `want`: a conversion
  // where a 32-bit index meets a 64-bit one (narrowing only values that fit).
  std::string as(kir::ExprId id, const std::string& s, DType want) const;
  // I32 when the i64 expression fits in int32, else I64.
  DType indexType(kir::ExprId id) const { return ranges_.fitsI32(id) ? DType::I32 : DType::I64; }
  // Grid variable i as a value of type `t`.
  std::string gridVar(size_t i, DType t) const;
  Expected<std::string> unary(kir::UnaryOp op, DType t, const std::string& x);
  Expected<std::string> binary(kir::BinaryOp op, DType t, const std::string& x, const std::string& y);
  Expected<std::string> cast(DType from, DType to, const std::string& x);
  // Registers helper `name` (defined by `body`, a full function definition)
  // and returns a call of it.
  std::string call(const std::string& name, const std::string& definition, const std::vector<std::string>& args);
  std::string lit(DType t, double v) const;
  // The identity of an associative combine (0, 1, the lowest or highest
  // value of t) as a literal of t.
  std::string identity(kir::BinaryOp op, DType t) const;
  void line(int indent, const std::string& s);

  const kir::Dispatch& d_;
  const Dialect& dialect_;
  kir::IndexRanges ranges_;
  std::string out_;
  std::string contractAcc_;
  std::map<std::pair<kir::ExprId, bool>, std::string> memo_;  // rendered in the current statement
  std::vector<std::string> helperOrder_;
  std::map<std::string, std::string> helperDefs_;
  std::set<DType> types_;
  int temps_ = 0;
};

}  // namespace ingot::backends::clike
