// The canonicalization patterns' shared vocabulary (internal to passes/).
//
// A pattern is a named function rooted at one op: given a node of that op it
// either leaves the graph untouched and returns false, or rewrites it and
// returns true. Patterns only redirect uses and add nodes; the driver
// (Canonicalize.cpp) erases what a rewrite left dead, so a pattern never
// deletes a value another node still reads. A pattern that would remove an
// intermediate value therefore checks hasSingleUse on it first.
#pragma once

#include <span>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "ir/Graph.h"
#include "support/Status.h"

namespace ingot::passes {

class RewriteContext {
 public:
  RewriteContext(ir::Graph& g);

  ir::Graph& graph() { return graph_; }
  // Exactly one use by one node, and not a graph output: the value dies
  // with its user.
  bool hasSingleUse(const ir::Value* v) const;
  // The producer of `v` if it is a node of op `op`, else null.
  ir::Node* producerOf(const ir::Value* v, std::string_view op) const;
  // Replaces the root's single result by `repl` (when the output naming
  // rules allow: RewriteUtil.h) and hands the root to the driver to erase.
  // Returns false, changing nothing, when they do not.
  Expected<bool> replaceRoot(ir::Node& root, ir::Value* repl);
  // Adds a node of `op` that replaces the root: placed just before it,
  // taking its result name. Returns false, adding nothing, when the op's
  // type rule rejects the operands, the type differs from the root's or
  // the output naming rules forbid it.
  Expected<bool> replaceRootWithNew(ir::Node& root, std::string_view op, std::vector<ir::Value*> operands,
                                    ir::AttrMap attrs);
  // Nodes whose results a rewrite redirected: erased by the driver if dead.
  void retire(ir::Node* n) { retired_.push_back(n); }
  std::vector<ir::Node*> takeRetired() { return std::move(retired_); }

 private:
  ir::Graph& graph_;
  std::unordered_map<const ir::Value*, std::vector<ir::Node*>> users_;
  std::vector<ir::Node*> retired_;
};

using PatternFn = Expected<bool> (*)(RewriteContext&, ir::Node& root);

struct RewritePattern {
  std::string_view name;     // "remove-identity"
  std::string_view rootOp;   // the op of the node the pattern starts from
  PatternFn apply;
};

// The permutation a Transpose node applies (its empty default: reversed dims).
std::vector<int64_t> effectivePerm(const ir::Node& transpose);

// The pattern tables, one per file.
std::span<const RewritePattern> noOpPatterns();          // CanonicalizeNoOps.cpp
std::span<const RewritePattern> shapePatterns();         // CanonicalizeShapes.cpp
std::span<const RewritePattern> activationPatterns();    // CanonicalizeActivations.cpp
std::span<const RewritePattern> contractionPatterns();   // CanonicalizeContractions.cpp

}  // namespace ingot::passes
