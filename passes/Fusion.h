// "fuse": groups nodes into kernels the TVM way, by the fusion class every op
// carries (OpDef::fusion), and makes each group of two or more nodes one
// Fused node whose body holds the group (ir/Graph.h). The pass explains
// itself: a FusionReport lists every group and, for every node left alone,
// why. It is not part of the standard pipeline; it runs when named
// (`--passes fuse`) or after the pipeline (`ingot opt --fuse`).
//
// Rules (a node N joins the group of the producer P of its operand v):
//   - Contraction (MatMul, Gemm) starts a group; producers are never fused
//     into its operands, and a group never holds two contractions.
//   - Elementwise and broadcast ops join their producers' groups: a dense
//     group (contraction + bias + activation + scalings, kind "dense") or a
//     chain (kind "elementwise"). N may join several producer groups at once
//     (they merge) as long as at most one holds a contraction.
//   - Reduction ops (ReduceSum, Softmax, LogSoftmax, ...) take elementwise
//     producers (not a contraction's group) and end their group: nothing
//     joins a group after its reduction (kind "reduction").
//   - Injective ops (Reshape, Transpose, Concat, ...) are left alone: their
//     index mapping would turn the group's one loop nest into several. This
//     is the conservative choice; TVM fuses them as producers.
//   - Opaque ops, nodes with several results and nodes that already have a
//     body are left alone.
//   - Materialization: v must be used by N alone (one user node, not a graph
//     output, not the source of a state update). A value used outside the group is therefore never an
//     intermediate of a group: its producer ends its own group and the value
//     is that group's one result. Fused nodes have exactly one result.
//   - Shapes: an elementwise/broadcast N joins through v only when v has N's
//     result shape, so every member computes the group's one iteration space
//     (the root's result shape) with identity indexing; values from outside
//     the group may broadcast (a bias), which is a simple strided load. A
//     producer that N would broadcast is not fused (it would be recomputed
//     per output element). A reduction reads its whole operand, so its
//     producers need no shape check.
//   - Constants (nodes without operands) stay outside as operands of the
//     fused node: they are data, not kernels.
// Groups of one node are not wrapped. Inside a body, values keep their
// outer names (names are scoped to the body), and the Fused node's result
// keeps the name of the group's last node's result.
#pragma once

#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "ir/Graph.h"
#include "passes/PassManager.h"
#include "support/Status.h"

namespace ingot::passes {

inline constexpr std::string_view kFusionPassName = "fuse";

// One kernel after fusion: a Fused node the pass made, or a node it left
// alone (with the reasons). Constants are listed too, as data.
struct FusionKernel {
  bool fused = false;  // a Fused node of two or more ops
  // "dense" (holds a contraction), "elementwise" or "reduction"; nodes left
  // alone may also be "injective", "opaque" or "constant".
  std::string kind;
  std::string result;                // first result after fusion, as the text IR writes it (%h)
  std::vector<std::string> ops;      // op names in order ("Gemm", "Relu")
  std::vector<std::string> labels;   // Node::label()s, before fusion
  std::vector<std::string> reasons;  // left alone: why ("opaque op", "result %t is used by 2 nodes", ...)
  bool isConstant() const { return kind == "constant"; }
};

struct FusionReport {
  bool ran = false;
  size_t nodesBefore = 0, nodesAfter = 0;
  std::vector<FusionKernel> kernels;  // in graph order, constants included
  size_t numFusedGroups() const;
  // Kernels that compute something: everything but constants.
  size_t numKernels() const;
};

// Fuses `g` (its top-level nodes; existing bodies are not looked into) and
// explains the result. Errors only when the graph could not be kept valid.
Expected<FusionReport> fuseGraph(ir::Graph& g);

// The report as text, one line per kernel and one per reason:
//   fusion: 4 nodes -> 3 kernels (1 fused group, 2 single ops)
//   kernel 1: fused dense group -> %h: Gemm '/fc1/Gemm' (-> %a), Relu '/Relu' (-> %h)
//   kernel 2: Gemm '/fc2/Gemm' (-> %z) alone (dense)
//     - not fused with its producer Relu '/Relu' (-> %h): would put two contractions in one group
std::string formatFusionReport(const FusionReport& report);

// The "fuse" pass. Each run overwrites *sink with its report when sink is
// not null (the caller keeps it alive while the pass can run).
std::unique_ptr<Pass> createFusionPass(FusionReport* sink = nullptr);

// Adds a comma-separated pass list to `pm` like PassManager::addPasses,
// except that "fuse" entries report into *report. Returns how many "fuse"
// entries the list has.
Expected<size_t> addPassesReportingFusion(PassManager& pm, std::string_view list, FusionReport* report);

// What the drivers run (`ingot opt`, `ingot compile`): the pass list, or
// the standard pipeline to a fixed point when there is none, then with
// fuseAfter the fusion pass once, unless the list already named it. Every
// fusion run writes `report` (report.ran tells whether one did). With
// options.collectStats the per-pass table goes to *statsOut (also when a
// pass fails).
Expected<bool> runPassesWithFusion(ir::Graph& g, const PassOptions& options,
                                   const std::optional<std::string>& passList, bool fuseAfter,
                                   FusionReport& report, std::ostream* statsOut);

}  // namespace ingot::passes
