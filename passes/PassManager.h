// The pass manager: named graph transformations, run in a given order or as
// the standard pipeline iterated to a fixed point, with the verifier after
// every pass, IR dumps and per-pass statistics.
//
// Every pass is listed once in the pass table (passRegistry()); tools look
// passes up there by name, so adding a pass is one file plus one table row
// (PassRegistry.cpp).
#pragma once

#include <functional>
#include <iosfwd>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "ir/Graph.h"
#include "support/Status.h"

namespace ingot::passes {

// A graph transformation. run() returns whether it changed the graph; an
// error means the pass could not keep the graph valid (a bug or an input it
// must reject), never that it merely found nothing to do.
class Pass {
 public:
  virtual ~Pass() = default;
  virtual std::string_view name() const = 0;
  virtual std::string_view description() const = 0;
  virtual Expected<bool> run(ir::Graph& g) = 0;
};

struct PassInfo {
  std::string name;  // "dce": what --passes and --print-after take
  std::string description;
  std::function<std::unique_ptr<Pass>()> create;
};

// Every pass, sorted by name. Built once, immutable.
const std::vector<PassInfo>& passRegistry();
const PassInfo* findPass(std::string_view name);
// "canonicalize, cse, dce, ..." for messages.
std::string passNames();

// The standard cleanup pipeline, in order; PassManager iterates it to a
// fixed point.
const std::vector<std::string>& standardPipeline();

struct PassOptions {
  // Run ir::verifyGraph after every pass; a pass that leaves
  // an invalid graph is reported by name. On by default: tests and debug
  // builds rely on it, and it is cheap next to compiling.
  bool verifyEach = true;
  bool printAfterAll = false;
  std::set<std::string, std::less<>> printAfter;  // pass names
  bool collectStats = false;
  // Where IR dumps go (printAfterAll / printAfter); null: nowhere.
  std::ostream* dumpStream = nullptr;
  // How many times a pipeline may be repeated while some pass still changes
  // the graph (1: run each pass once).
  int maxIterations = 1;
};

// One run of one pass.
struct PassRunStats {
  std::string pass;
  int iteration = 1;
  double milliseconds = 0;
  size_t nodesBefore = 0, nodesAfter = 0;
  size_t paramsBefore = 0, paramsAfter = 0;
  bool changed = false;
};

class PassManager {
 public:
  explicit PassManager(PassOptions options = {}) : options_(std::move(options)) {}

  // Appends passes by name; an unknown name is an InvalidInput error that
  // lists the known passes.
  Status addPass(std::string_view name);
  // A pass object directly (one built with options, or a test's own pass).
  void addPass(std::unique_ptr<Pass> pass) { passes_.push_back(std::move(pass)); }
  // A comma-separated list ("canonicalize,dce"); empty entries are errors.
  Status addPasses(std::string_view commaSeparated);
  // The standard pipeline, iterated to a fixed point (at most
  // kStandardIterations rounds) unless options say otherwise.
  static constexpr int kStandardIterations = 8;
  Status addStandardPipeline();

  // Runs the passes in order, repeating the whole list while something
  // changed, up to options.maxIterations times. Returns whether anything
  // changed. Errors name the pass.
  Expected<bool> run(ir::Graph& g);

  const std::vector<PassRunStats>& stats() const { return stats_; }
  // A table of stats() (time per pass run, node and param counts).
  void printStats(std::ostream& os) const;
  size_t numPasses() const { return passes_.size(); }
  // Iterations the last run() needed (the pipeline converged in this many).
  int iterationsRun() const { return iterationsRun_; }
  bool reachedIterationCap() const { return reachedCap_; }

 private:
  Expected<bool> runOne(Pass& pass, ir::Graph& g, int iteration);

  PassOptions options_;
  std::vector<std::unique_ptr<Pass>> passes_;
  std::vector<PassRunStats> stats_;
  int iterationsRun_ = 0;
  bool reachedCap_ = false;
};

// A table of pass runs: time, node and param counts, whether each changed
// the graph, and the total time.
std::string formatPassStats(const std::vector<PassRunStats>& stats, std::string_view totalSuffix = {});

// Parses a comma-separated pass list, checking every name.
Expected<std::vector<std::string>> parsePassList(std::string_view commaSeparated);

}  // namespace ingot::passes
