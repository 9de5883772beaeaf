// The compiler side every code-generating backend shares: optimize and fuse
// a graph, lower it to dispatches, plan memory, and lay out the runtime plan
// (buffers, one dispatch step per kernel, copies for outputs that no kernel
// writes, then one copy per state update that memory planning did not write
// in place into its parameter's State buffer).
// A backend then only turns each dispatch into a kernel.
#pragma once

#include <iosfwd>
#include <memory>
#include <set>
#include <string>

#include "ir/Graph.h"
#include "passes/Fusion.h"
#include "passes/Lowering.h"
#include "passes/MemoryPlanning.h"
#include "passes/PassManager.h"
#include "runtime/Plan.h"

namespace ingot::backends {

struct PipelineOptions {
  bool optimize = true;  // the standard pipeline (canonicalize, fold, cse, dce)
  bool fuse = true;      // then fusion
  passes::PassOptions passOptions;  // verification, dumps, statistics
  // Where the fusion pass explains itself (may be null).
  passes::FusionReport* fusionReport = nullptr;
  passes::MemoryPlanOptions memory;
};

struct LoweredProgram {
  std::unique_ptr<ir::Graph> graph;  // the optimized graph the dispatches bind
  passes::LoweredGraph lowered;
  passes::MemoryPlan memory;
  rt::Plan plan;  // DispatchStep i runs kernel i = lowered.dispatches[i]
  std::vector<passes::PassRunStats> passStats;
};

// Runs the passes on a copy of `g`.
Expected<std::unique_ptr<ir::Graph>> optimizeGraph(const ir::Graph& g, const PipelineOptions& options,
                                                   std::vector<passes::PassRunStats>* stats = nullptr);

// Lowers an optimized graph and builds the plan; takes ownership of it.
Expected<LoweredProgram> buildProgram(std::unique_ptr<ir::Graph> graph, const passes::MemoryPlanOptions& memory = {});

// optimizeGraph then buildProgram.
Expected<LoweredProgram> compileToDispatches(const ir::Graph& g, const PipelineOptions& options = {});

}  // namespace ingot::backends
