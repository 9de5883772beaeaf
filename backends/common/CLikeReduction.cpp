// The work-group reduction form of the C-like emitter (CLikeEmitter.h,
// Emitter::emitGroupReduction): a dispatch whose grid points each reduce
// many elements runs one work-group per grid point instead of one
// invocation, so a device is not left idle by a sum over 100k elements or a
// scalar loss over a batch.
//
// Which dispatches: the body's top-level statements are
//  - lets, accumulator declarations and assignments, which every lane
//    computes (they are cheap, and every lane then has their values);
//  - stores, which lane 0 makes;
//  - reduction loops: a perfect nest of For loops whose innermost body is
//    lets and updates `acc = acc op x` of top-level accumulators with op one
//    of Add, Mul, Max, Min (associative and commutative: integer arithmetic
//    wraps, Max/Min propagate NaN either way round), each accumulator
//    updated once, and no let or x reading an accumulator the nest updates.
//    Lane l takes the nest's flat iterations l, l + lanes, ...; lane 0
//    starts from the accumulator's value, the others from op's identity;
//    a tree over local memory (log2(lanes) steps, a barrier each) combines
//    the lanes' values, and every lane reads the result;
//  - store loops: one For whose body is lets and stores, each binding
//    stored once per iteration at an index that is (something independent
//    of the loop) + c * loop variable with c != 0, so iterations write
//    distinct elements, and stored by nothing else in the dispatch; lanes
//    take every lanes-th iteration.
// No expression may load from a binding the dispatch writes (the form
// reorders the body's memory accesses). Float sums are reassociated: lane
// partial sums then a tree, which is no worse than the serial loop's error.
//
// The heuristic (groupReductionLanes): at most kMaxOutputs grid points (the
// point form runs them in one work-group of 64, one compute unit of a GPU
// while the others idle) and a reduction nest of at least kMinReducedExtent
// elements (shorter loops cost less than the tree's barriers). Measured on
// the CPU implementations only (lavapipe, PoCL: docs/ARCHITECTURE.md), where
// barriers are expensive and one invocation per output is already
// vectorized, the form is mostly slower; with more outputs (256 x 256, 1000
// x 64) it was 2-8x slower there, hence the tight bound. Lanes: 64 up to 2047
// elements, 128 up to 4095, 256 from 4096 (at least 4 elements per lane,
// and 16 once there are more than 64 lanes).
//
// Lavapipe mishandles 64-bit values live across barrier() (GlslShader.h):
// every index here is 32-bit (the form requires it), and a backend can
// refuse the form when a 64-bit integer would cross a barrier.
#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <set>

#include "backends/common/CLikeEmitter.h"

namespace ingot::backends::clike {

using kir::BinaryOp;
using kir::ExprKind;
using kir::StmtKind;

namespace {

constexpr int64_t kMaxOutputs = 64;
constexpr int64_t kMinReducedExtent = 256;
// Loop extents stay far below INT32_MAX, so `i += lanes` cannot wrap.
constexpr int64_t kMaxLoopExtent = int64_t{1} << 30;

struct AccUpdate {
  kir::VarId acc = -1;
  BinaryOp op = BinaryOp::Add;
};

// One top-level statement of the body and how the form runs it.
struct Section {
  enum Kind { Every, LaneZero, Reduce, StoreLoop } kind = Every;
  const kir::Stmt* stmt = nullptr;
  std::vector<const kir::Stmt*> nest;  // Reduce: the loops, outermost first
  std::vector<AccUpdate> updates;      // Reduce: in the order of the body
  int64_t extent = 0;                  // Reduce, StoreLoop: iterations in all
};

struct Analysis {
  std::vector<Section> sections;
  int64_t longestReduction = 0;
};

// Whether expression e reads any of `vars` (anywhere in its DAG).
class VarUse {
 public:
  VarUse(const kir::Dispatch& d, std::set<kir::VarId> vars) : d_(d), vars_(std::move(vars)), memo_(d.exprs.size(), -1) {}
  bool reads(kir::ExprId e) {
    if (e < 0 || static_cast<size_t>(e) >= d_.exprs.size()) return false;
    signed char& m = memo_[static_cast<size_t>(e)];
    if (m >= 0) return m != 0;
    const kir::Expr& x = d_.expr(e);
    bool r = x.kind == ExprKind::Var && vars_.count(static_cast<kir::VarId>(x.i));
    if (!r && x.kind != ExprKind::Const && x.kind != ExprKind::Var) r = reads(x.a) || reads(x.b) || reads(x.c);
    m = r ? 1 : 0;
    return r;
  }

 private:
  const kir::Dispatch& d_;
  std::set<kir::VarId> vars_;
  std::vector<signed char> memo_;
};

// c when index = (terms without v) + c * v, by Add, Sub and Mul by constants.
std::optional<int64_t> coefficientOf(const kir::Dispatch& d, kir::ExprId e, kir::VarId v, VarUse& uses) {
  if (!uses.reads(e)) return 0;
  const kir::Expr& x = d.expr(e);
  if (x.kind == ExprKind::Var) return 1;  // reads v, so it is v
  if (x.kind != ExprKind::Binary) return std::nullopt;
  const auto op = static_cast<BinaryOp>(x.op);
  if (op == BinaryOp::Add || op == BinaryOp::Sub) {
    auto a = coefficientOf(d, x.a, v, uses), b = coefficientOf(d, x.b, v, uses);
    if (!a || !b) return std::nullopt;
    return op == BinaryOp::Add ? *a + *b : *a - *b;
  }
  if (op == BinaryOp::Mul) {
    const kir::Expr &a = d.expr(x.a), &b = d.expr(x.b);
    if (b.kind == ExprKind::Const && isInteger(b.dtype)) {
      auto c = coefficientOf(d, x.a, v, uses);
      return c ? std::optional<int64_t>(*c * b.i) : std::nullopt;
    }
    if (a.kind == ExprKind::Const && isInteger(a.dtype)) {
      auto c = coefficientOf(d, x.b, v, uses);
      return c ? std::optional<int64_t>(*c * a.i) : std::nullopt;
    }
  }
  return std::nullopt;
}

void countStores(const std::vector<kir::Stmt>& body, std::vector<int>& stores) {
  for (const kir::Stmt& s : body) {
    if (s.kind == StmtKind::Store && s.binding >= 0 && static_cast<size_t>(s.binding) < stores.size()) ++stores[static_cast<size_t>(s.binding)];
    if (s.kind == StmtKind::For) countStores(s.body, stores);
  }
}

bool isCombine(BinaryOp op) {
  return op == BinaryOp::Add || op == BinaryOp::Mul || op == BinaryOp::Max || op == BinaryOp::Min;
}

// The loop variable is computed as a 32-bit int.
bool narrowLoopVar(const kir::IndexRanges& ranges, const kir::Dispatch& d, kir::VarId v) {
  const DType t = d.vars[static_cast<size_t>(v)].dtype;
  return t == DType::I32 || (t == DType::I64 && ranges.narrowVar(v));
}

// A reduction nest starting at top-level loop s, or nothing.
std::optional<Section> reductionNest(const kir::Dispatch& d, const kir::IndexRanges& ranges, const kir::Stmt& s) {
  Section sec;
  sec.kind = Section::Reduce;
  sec.stmt = &s;
  sec.nest.push_back(&s);
  while (sec.nest.back()->body.size() == 1 && sec.nest.back()->body[0].kind == StmtKind::For)
    sec.nest.push_back(&sec.nest.back()->body[0]);
  sec.extent = 1;
  for (const kir::Stmt* l : sec.nest) {
    if (l->extent < 0 || !narrowLoopVar(ranges, d, l->var)) return std::nullopt;
    sec.extent = std::min(sec.extent * std::max<int64_t>(l->extent, 0), kMaxLoopExtent + 1);
  }
  if (sec.extent > kMaxLoopExtent) return std::nullopt;
  std::set<kir::VarId> updated;
  std::vector<kir::ExprId> operands;  // every value the nest computes but the accumulators' own reads
  for (const kir::Stmt& st : sec.nest.back()->body) {
    if (st.kind == StmtKind::Let) {
      operands.push_back(st.value);
      continue;
    }
    if (st.kind != StmtKind::Assign) return std::nullopt;
    const kir::Var& v = d.vars[static_cast<size_t>(st.var)];
    if (v.kind != kir::VarKind::Acc || v.dtype == DType::Bool || (!isInteger(v.dtype) && !isFloat(v.dtype)) ||
        !updated.insert(st.var).second)
      return std::nullopt;
    const kir::Expr& e = d.expr(st.value);
    if (e.kind != ExprKind::Binary || !isCombine(static_cast<BinaryOp>(e.op))) return std::nullopt;
    auto isAcc = [&](kir::ExprId id) { return d.expr(id).kind == ExprKind::Var && d.expr(id).i == st.var; };
    if (isAcc(e.a)) operands.push_back(e.b);
    else if (isAcc(e.b)) operands.push_back(e.a);
    else return std::nullopt;
    sec.updates.push_back({st.var, static_cast<BinaryOp>(e.op)});
  }
  if (sec.updates.empty()) return std::nullopt;
  VarUse uses(d, updated);
  for (kir::ExprId e : operands)
    if (uses.reads(e)) return std::nullopt;
  return sec;
}

// A store loop at top-level loop s, or nothing; `stores` counts each
// binding's stores in the whole dispatch.
std::optional<Section> storeLoop(const kir::Dispatch& d, const kir::IndexRanges& ranges, const kir::Stmt& s,
                                 const std::vector<int>& stores) {
  if (s.extent < 0 || s.extent > kMaxLoopExtent || !narrowLoopVar(ranges, d, s.var)) return std::nullopt;
  VarUse uses(d, {s.var});
  bool anyStore = false;
  for (const kir::Stmt& st : s.body) {
    if (st.kind == StmtKind::Let) continue;
    if (st.kind != StmtKind::Store || stores[static_cast<size_t>(st.binding)] != 1) return std::nullopt;
    auto c = coefficientOf(d, st.index, s.var, uses);
    if (!c || *c == 0) return std::nullopt;
    anyStore = true;
  }
  if (!anyStore) return std::nullopt;
  Section sec;
  sec.kind = Section::StoreLoop;
  sec.stmt = &s;
  sec.extent = s.extent;
  return sec;
}

std::optional<Analysis> analyze(const kir::Dispatch& d, const kir::IndexRanges& ranges) {
  if (d.opaque || d.contraction) return std::nullopt;
  for (const kir::Expr& e : d.exprs) {
    if (e.kind == ExprKind::ContractAcc) return std::nullopt;
    if (e.kind == ExprKind::Load && e.i >= 0 && static_cast<size_t>(e.i) < d.bindings.size() &&
        d.bindings[static_cast<size_t>(e.i)].write)
      return std::nullopt;
  }
  std::vector<int> stores(d.bindings.size(), 0);
  countStores(d.body, stores);
  Analysis a;
  for (const kir::Stmt& s : d.body) {
    switch (s.kind) {
      case StmtKind::Let:
      case StmtKind::Acc:
      case StmtKind::Assign: a.sections.push_back({Section::Every, &s, {}, {}, 0}); break;
      case StmtKind::Store: a.sections.push_back({Section::LaneZero, &s, {}, {}, 0}); break;
      case StmtKind::For: {
        if (auto r = reductionNest(d, ranges, s)) {
          a.longestReduction = std::max(a.longestReduction, r->extent);
          a.sections.push_back(std::move(*r));
        } else if (auto m = storeLoop(d, ranges, s, stores)) {
          a.sections.push_back(std::move(*m));
        } else {
          return std::nullopt;
        }
        break;
      }
    }
  }
  return a;
}

bool wideInteger(DType t) { return t == DType::I64 || t == DType::U64; }

// Local arrays hold 8- and 16-bit values widened (GLSL's shared memory has no
// small integer types without more extensions).
DType localType(DType t) {
  switch (t) {
    case DType::I8:
    case DType::I16: return DType::I32;
    case DType::U8:
    case DType::U16: return DType::U32;
    default: return t;
  }
}

}  // namespace

std::string Emitter::identity(BinaryOp op, DType t) const {
  if (op == BinaryOp::Add) return lit(t, 0);
  if (op == BinaryOp::Mul) return lit(t, 1);
  const bool max = op == BinaryOp::Max;  // the identity of max is the lowest value
  if (isFloat(t)) return dialect_.floatLiteral(max ? -INFINITY : INFINITY, t);
  int64_t lo = 0, hi = 0;
  visitDType(t, [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_integral_v<T>) {
      lo = static_cast<int64_t>(std::numeric_limits<T>::lowest());
      hi = static_cast<int64_t>(std::numeric_limits<T>::max());  // u64's max is -1 as int64: its bits
    }
  });
  return dialect_.intLiteral(max ? lo : hi, t);
}

int64_t Emitter::groupReductionLanes(const GroupReductionOptions& options) const {
  const int64_t points = d_.gridPoints();
  if (points < 1 || points > kMaxOutputs) return 0;
  auto a = analyze(d_, ranges_);
  if (!a || a->longestReduction < kMinReducedExtent) return 0;
  if (!options.wideIntegersAcrossBarriers) {
    // Every top-level value may be live across a barrier.
    for (const Section& s : a->sections)
      if (s.kind == Section::Every && wideInteger(varType(s.stmt->var))) return 0;
  }
  const int64_t lanes = a->longestReduction >= 4096 ? 256 : a->longestReduction >= 2048 ? 128 : 64;
  if (!launchFitsI32(static_cast<uint64_t>(points * lanes))) return 0;
  return lanes;
}

uint64_t Emitter::groupReductionInvocations(int64_t lanes) const {
  return static_cast<uint64_t>(d_.gridPoints()) * static_cast<uint64_t>(lanes);
}

Status Emitter::emitGroupReduction(int64_t lanes, std::string& localDecls, int indent) {
  auto a = analyze(d_, ranges_);
  if (!a) return internalError("dispatch {}: the work-group reduction form does not apply", d_.name);
  if (lanes < 1 || (lanes & (lanes - 1)) != 0 || !launchFitsI32(groupReductionInvocations(lanes)))
    return internalError("dispatch {}: work-group reduction with {} lanes", d_.name, lanes);
  INGOT_ASSIGN_OR_RETURN(std::string I32, type(DType::I32));
  INGOT_ASSIGN_OR_RETURN(std::string B, dialect_.valueType(DType::Bool));
  auto i32 = [&](int64_t v) { return dialect_.intLiteral(v, DType::I32); };
  const int in = indent;
  // Work-groups past the last grid point (a 2-D work-group grid or a smaller
  // OpenCL work-group rounds up) compute point 0 and store nothing; they
  // still reach every barrier (as in emitTiledContraction: lavapipe
  // mishandles a return before a barrier).
  line(in, fmt::format("{} wg = {};", I32, dialect_.groupIndex(DType::I32)));
  line(in, fmt::format("{} live = wg < {};", B, i32(d_.gridPoints())));
  line(in, fmt::format("if (!live) wg = {};", i32(0)));
  line(in, fmt::format("{} lane = {};", I32, dialect_.localIndex()));
  line(in, fmt::format("{} lanes = {};", I32, dialect_.groupSize(lanes)));
  INGOT_RETURN_IF_ERROR(emitUnflatten(d_.grid.size(), "wg", DType::I32, in));
  int arrays = 0, flats = 0;
  for (const Section& s : a->sections) {
    switch (s.kind) {
      case Section::Every: INGOT_RETURN_IF_ERROR(emitStatements({*s.stmt}, in)); break;
      case Section::LaneZero:
        line(in, "if (live && lane == 0) {");
        INGOT_RETURN_IF_ERROR(emitStatements({*s.stmt}, in + 1));
        line(in, "}");
        break;
      case Section::StoreLoop: {
        const std::string v = varName(s.stmt->var);
        line(in, "if (live) {");
        line(in + 1, fmt::format("for ({0} {1} = lane; {1} < {2}; {1} += lanes) {{", I32, v, i32(s.extent)));
        INGOT_RETURN_IF_ERROR(emitStatements(s.stmt->body, in + 2));
        line(in + 1, "}");
        line(in, "}");
        break;
      }
      case Section::Reduce: {
        // Lane 0 goes on from the accumulator's value, the others from the identity.
        for (const AccUpdate& u : s.updates)
          line(in, fmt::format("if (lane != 0) {} = {};", varName(u.acc), identity(u.op, varType(u.acc))));
        // The nest's iterations, flattened; the loop variables from the flat index.
        std::string flat = varName(s.nest[0]->var);
        if (s.nest.size() > 1) flat = "ig_i" + std::to_string(flats++);
        line(in, fmt::format("for ({0} {1} = lane; {1} < {2}; {1} += lanes) {{", I32, flat, i32(s.extent)));
        if (s.nest.size() > 1) {
          line(in + 1, fmt::format("{} ig_q = {};", I32, flat));
          for (size_t i = s.nest.size(); i-- > 0;) {
            const kir::Stmt& l = *s.nest[i];
            if (i == 0) {
              line(in + 1, fmt::format("{} {} = ig_q;", I32, varName(l.var)));
            } else {
              line(in + 1, fmt::format("{} {} = ig_q % {};", I32, varName(l.var), i32(l.extent)));
              line(in + 1, fmt::format("ig_q = ig_q / {};", i32(l.extent)));
            }
          }
        }
        INGOT_RETURN_IF_ERROR(emitStatements(s.nest.back()->body, in + 1));
        line(in, "}");
        // The tree: lanes + s combines into lane, for s = lanes/2 .. 1 (a
        // work-group smaller than `lanes` skips what it does not have).
        std::vector<std::string> names;
        for (const AccUpdate& u : s.updates) {
          const DType t = varType(u.acc), lt = localType(t);
          INGOT_ASSIGN_OR_RETURN(std::string LT, type(lt));
          names.push_back("ig_red" + std::to_string(arrays++));
          localDecls += dialect_.localVector(LT, names.back(), lanes) + "\n";
          const std::string v = varName(u.acc);
          line(in, fmt::format("{}[lane] = {};", names.back(), lt == t ? v : dialect_.convert(lt, v)));
        }
        line(in, dialect_.barrier() + ";");
        for (int64_t step = lanes / 2; step >= 1; step /= 2) {
          line(in, fmt::format("if (lane < {0} && lane + {0} < lanes) {{", i32(step)));
          for (size_t k = 0; k < s.updates.size(); ++k) {
            const DType t = varType(s.updates[k].acc), lt = localType(t);
            auto narrow = [&](const std::string& x) { return lt == t ? x : dialect_.convert(t, x); };
            INGOT_ASSIGN_OR_RETURN(std::string c, binary(s.updates[k].op, t, narrow(names[k] + "[lane]"),
                                                          narrow(fmt::format("{}[lane + {}]", names[k], i32(step)))));
            line(in + 1, fmt::format("{}[lane] = {};", names[k], lt == t ? c : dialect_.convert(lt, c)));
          }
          line(in, "}");
          line(in, dialect_.barrier() + ";");
        }
        for (size_t k = 0; k < s.updates.size(); ++k) {
          const DType t = varType(s.updates[k].acc), lt = localType(t);
          const std::string x = names[k] + "[0]";
          line(in, fmt::format("{} = {};", varName(s.updates[k].acc), lt == t ? x : dialect_.convert(t, x)));
        }
        break;
      }
    }
  }
  return Status::ok();
}

}  // namespace ingot::backends::clike
