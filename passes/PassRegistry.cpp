// The table of passes and the standard pipeline.
#include <algorithm>

#include "passes/PassManager.h"
#include "passes/Fusion.h"
#include "passes/Passes.h"
#include "passes/Unfuse.h"

namespace ingot::passes {

namespace {

// A table row from a factory: name and description are read off one
// instance so they are written once, in the pass's own file.
PassInfo row(std::unique_ptr<Pass> (*factory)()) {
  std::unique_ptr<Pass> p = factory();
  return PassInfo{std::string(p->name()), std::string(p->description()), factory};
}

}  // namespace

const std::vector<PassInfo>& passRegistry() {
  static const std::vector<PassInfo> table = [] {
    std::vector<PassInfo> t = {
        row(&createCanonicalizePass),
        row(&createCommonSubexpressionEliminationPass),
        row(&createConstantFoldingPass),
        row(&createDeadCodeEliminationPass),
        row(&createInferTypesPass),
        // Not in the standard pipeline: fusion runs when named or after it.
        row([] { return createFusionPass(); }),
        row(&createUnfusePass),
    };
    std::sort(t.begin(), t.end(), [](const PassInfo& a, const PassInfo& b) { return a.name < b.name; });
    return t;
  }();
  return table;
}

const PassInfo* findPass(std::string_view name) {
  for (const PassInfo& p : passRegistry())
    if (p.name == name) return &p;
  return nullptr;
}

std::string passNames() {
  std::string out;
  for (const PassInfo& p : passRegistry()) out += (out.empty() ? "" : ", ") + p.name;
  return out;
}

const std::vector<std::string>& standardPipeline() {
  // Canonicalize first (it exposes constants and duplicates), then fold,
  // merge duplicates, and drop what became dead.
  static const std::vector<std::string> pipeline = {"canonicalize", "fold", "cse", "dce"};
  return pipeline;
}

}  // namespace ingot::passes
