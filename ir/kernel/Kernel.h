// The dispatch form: the one loop-level kernel representation every backend
// consumes (docs/ARCHITECTURE.md, "The dispatch form", has an example).
//
// A Dispatch is one kernel launch: buffer bindings with static types, a grid
// of parallel iterations (one index variable per grid dimension), and a body
// of statements run once per grid point. The body is scalar code: loads and
// stores at flat element indices, arithmetic, serial loops, accumulators.
// A contraction (MatMul/Gemm) is not spelled out as loops: the dispatch
// records it (operands, M/N/K, strides) and the body reads its value at the
// current grid point through a ContractAcc expression. That is the tiled form
// whose tile sizes a backend chooses: a CPU backend computes a register tile
// of accumulators with its micro-kernel and then runs the body (the
// epilogue) per element of the tile; a GPU backend stages tiles in shared
// memory. Ops without a loop-level form become opaque dispatches that name
// the op; only backends with a library kernel for it can run them.
//
// Expressions live in the dispatch's arena (`exprs`) and are referenced by
// index; they are pure, so a DAG (one id used twice) means the same value.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "ir/Attribute.h"
#include "support/DType.h"
#include "support/Status.h"
#include "support/Tensor.h"

namespace ingot::ir {
class Graph;
struct OpDef;
struct TensorType;
}  // namespace ingot::ir

namespace ingot::kir {

using ExprId = int32_t;
using VarId = int32_t;
inline constexpr ExprId kNoExpr = -1;

enum class UnaryOp : uint8_t {
  Neg, Abs, Sign, Exp, Log, Sqrt, Sin, Cos, Tan, Asin, Acos, Atan, Sinh, Cosh, Tanh,
  Asinh, Acosh, Atanh, Erf, Floor, Ceil, RoundEven, Not, BitNot, IsNaN,
};
// Integer Div truncates and Rem has the dividend's sign (C); both give 0 for
// a zero divisor, as the reference kernels define. Max/Min propagate NaN.
// Comparisons give bool. Shl/Shr shift unsigned values; shifts >= the width give 0.
enum class BinaryOp : uint8_t {
  Add, Sub, Mul, Div, Rem, Pow, Max, Min, Lt, Le, Gt, Ge, Eq, Ne, And, Or, Xor,
  BitAnd, BitOr, BitXor, Shl, Shr,
};
std::string_view unaryOpName(UnaryOp op);
std::string_view binaryOpName(BinaryOp op);
bool isComparison(BinaryOp op);

enum class ExprKind : uint8_t {
  Const,        // f (floats) or i (ints, bool)
  Var,          // i = the variable's id
  Load,         // i = binding index, a = flat element index (i64)
  Unary,        // op, a
  Binary,       // op, a, b
  Select,       // a ? b : c
  Cast,         // a converted to dtype
  ContractAcc,  // the dispatch's contraction at the current grid point
};

struct Expr {
  ExprKind kind = ExprKind::Const;
  DType dtype = DType::F32;
  uint8_t op = 0;
  ExprId a = kNoExpr, b = kNoExpr, c = kNoExpr;
  double f = 0;
  int64_t i = 0;
  bool operator==(const Expr& o) const;
};

enum class VarKind : uint8_t {
  Grid,  // a grid dimension's index (parallel)
  Loop,  // a serial loop's index
  Let,   // an immutable scalar
  Acc,   // a mutable accumulator (declared with an initial value, then assigned)
};

struct Var {
  std::string name;
  DType dtype = DType::I64;
  VarKind kind = VarKind::Let;
};

enum class StmtKind : uint8_t {
  Let,     // var = value (defined once)
  Acc,     // declare var = value (mutable)
  Assign,  // var = value (var is an Acc)
  For,     // for var in [0, extent): body
  Store,   // binding[index] = value
};

struct Stmt {
  StmtKind kind = StmtKind::Let;
  VarId var = -1;
  ExprId value = kNoExpr;
  ExprId index = kNoExpr;
  int32_t binding = -1;
  int64_t extent = 0;
  std::vector<Stmt> body;
};

struct Binding {
  std::string name;  // the tensor bound (for messages and printing)
  DType dtype = DType::F32;
  Shape shape;
  bool write = false;  // written by the dispatch (a result); read-only otherwise
  int64_t elements() const { return numElements(shape); }
};

// C[batch..., i, j] = sum_k A(batch..., i, k) * B(batch..., k, j). The grid is
// [batch..., M, N]: the contraction's result shape. Element (i, k) of A for
// grid batch indices (b0, b1, ...) is at
//   sum_d b_d * aBatchStrides[d] + i * aStrideM + k * aStrideK
// (strides in elements; a batch stride of 0 broadcasts), and likewise for B
// with (k, j). Transposed operands are just other strides.
struct Contraction {
  int32_t a = -1, b = -1;  // read bindings
  int64_t m = 0, n = 0, k = 0;
  std::vector<int64_t> aBatchStrides, bBatchStrides;
  int64_t aStrideM = 0, aStrideK = 0, bStrideK = 0, bStrideN = 0;
  DType accDType = DType::F32;
};

// An op without a loop-level form: bindings are its present operands then its
// results; the op and attributes say what to compute.
struct OpaqueOp {
  const ir::OpDef* op = nullptr;
  ir::AttrMap attrs;
  std::string label;
  std::vector<bool> operandPresent;  // parallels the op's operands
  // A fused node run as one opaque kernel (the reference backend): its body
  // is interpreted instead of the op's reference kernel.
  std::shared_ptr<const ir::Graph> body;
};

struct Dispatch {
  std::string name;   // unique in a module: "d3_dense"
  std::string label;  // the node or fused group it came from
  std::vector<Binding> bindings;
  std::vector<int64_t> grid;
  std::vector<VarId> gridVars;  // parallels grid
  std::optional<Contraction> contraction;
  std::optional<OpaqueOp> opaque;
  std::vector<Var> vars;
  std::vector<Expr> exprs;
  std::vector<Stmt> body;

  const Expr& expr(ExprId id) const { return exprs[static_cast<size_t>(id)]; }
  // Grid points (the product of grid extents; 1 for an empty grid).
  int64_t gridPoints() const;
  // Structural checks (ids in range, dtypes consistent, stores only to
  // written bindings, vars used in scope); a lowering bug is an Internal
  // error naming the dispatch.
  Status validate() const;
};

// Builds a dispatch's expressions and statements. Expressions are hash-consed
// (an identical expression returns the same id) and constant-folded where it
// is trivially exact (x*1, x+0, x*0 for integers, constant integer arithmetic),
// so index arithmetic stays readable and equal indices are equal ids.
class KernelBuilder {
 public:
  explicit KernelBuilder(Dispatch& d) : d_(d) {}
  Dispatch& dispatch() { return d_; }
  const Expr& expr(ExprId id) const { return d_.exprs[static_cast<size_t>(id)]; }
  DType dtypeOf(ExprId id) const { return expr(id).dtype; }

  ExprId constFloat(double v, DType t = DType::F32);
  ExprId constInt(int64_t v, DType t = DType::I64);
  ExprId constBool(bool v) { return constInt(v ? 1 : 0, DType::Bool); }
  // A constant of dtype t with value v (floats exact, ints truncated).
  ExprId constOf(DType t, double v);
  ExprId var(VarId v);
  ExprId load(int32_t binding, ExprId flatIndex);
  ExprId unary(UnaryOp op, ExprId a);
  ExprId binary(BinaryOp op, ExprId a, ExprId b);
  ExprId select(ExprId cond, ExprId a, ExprId b);
  ExprId cast(ExprId a, DType t);
  ExprId contractAcc(DType t);

  VarId newVar(std::string hint, DType t, VarKind kind);
  int32_t addBinding(Binding b);

  // Statements go into the innermost open block.
  VarId let(std::string hint, ExprId value);  // returns the Let var
  VarId acc(std::string hint, ExprId init);
  void assign(VarId acc, ExprId value);
  void store(int32_t binding, ExprId flatIndex, ExprId value);
  // Opens `for var in [0, extent)`; statements go into its body until endFor.
  VarId beginFor(std::string hint, int64_t extent);
  void endFor();
  // The grid (once per dispatch): returns the index expression of each dim.
  std::vector<ExprId> setGrid(const Shape& extents);

  // Row-major flat index of `index` in `shape` (dims of extent 1 contribute 0).
  ExprId flatIndex(const Shape& shape, const std::vector<ExprId>& index);
  // The inverse: multi-dimensional index of a flat index.
  std::vector<ExprId> unflatten(const Shape& shape, ExprId flat);

 private:
  ExprId intern(Expr e);
  std::vector<Stmt>& block();
  VarId declare(std::string hint, ExprId value, VarKind kind, StmtKind stmt);

  Dispatch& d_;
  std::unordered_map<uint64_t, std::vector<ExprId>> interned_;
  std::vector<Stmt*> open_;  // open For statements
};

// The text form of a dispatch (for `ingot compile --print-dispatches`,
// lowering tests and docs).
std::string printDispatch(const Dispatch& d);

}  // namespace ingot::kir
