#include "passes/PassManager.h"

#include <chrono>
#include <ostream>

#include "ir/TextPrinter.h"
#include "ir/Verifier.h"

namespace ingot::passes {

Expected<std::vector<std::string>> parsePassList(std::string_view list) {
  std::vector<std::string> names;
  size_t start = 0;
  while (true) {
    size_t comma = list.find(',', start);
    std::string_view item = list.substr(start, comma == std::string_view::npos ? list.npos : comma - start);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item.empty()) return invalidInput("empty pass name in pass list '{}'", list);
    if (!findPass(item)) return invalidInput("unknown pass '{}'; the passes are: {}", item, passNames());
    names.emplace_back(item);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return names;
}

Status PassManager::addPass(std::string_view name) {
  const PassInfo* info = findPass(name);
  if (!info) return invalidInput("unknown pass '{}'; the passes are: {}", name, passNames());
  passes_.push_back(info->create());
  return Status::ok();
}

Status PassManager::addPasses(std::string_view list) {
  INGOT_ASSIGN_OR_RETURN(std::vector<std::string> names, parsePassList(list));
  for (const std::string& n : names) INGOT_RETURN_IF_ERROR(addPass(n));
  return Status::ok();
}

Status PassManager::addStandardPipeline() {
  for (const std::string& n : standardPipeline()) INGOT_RETURN_IF_ERROR(addPass(n));
  if (options_.maxIterations < kStandardIterations) options_.maxIterations = kStandardIterations;
  return Status::ok();
}

Expected<bool> PassManager::runOne(Pass& pass, ir::Graph& g, int iteration) {
  PassRunStats s;
  s.pass = std::string(pass.name());
  s.iteration = iteration;
  s.nodesBefore = g.nodes().size();
  s.paramsBefore = g.params().size();
  auto start = std::chrono::steady_clock::now();
  Expected<bool> changed = pass.run(g);
  auto end = std::chrono::steady_clock::now();
  if (!changed.ok()) return changed.status().withContext(fmt::format("pass '{}'", pass.name()));
  s.milliseconds = std::chrono::duration<double, std::milli>(end - start).count();
  s.nodesAfter = g.nodes().size();
  s.paramsAfter = g.params().size();
  s.changed = *changed;
  if (options_.collectStats) stats_.push_back(s);

  if (options_.verifyEach) {
    Status v = ir::verifyGraph(g);
    // A pass must never produce invalid IR: this is a bug in the pass.
    if (!v.isOk())
      return internalError("pass '{}' produced an invalid graph: {}", pass.name(), v.message());
  }
  if (options_.dumpStream && (options_.printAfterAll || options_.printAfter.count(pass.name())))
    *options_.dumpStream << fmt::format("# IR after pass '{}' (iteration {}{})\n", pass.name(), iteration,
                                        *changed ? "" : ", unchanged")
                         << ir::printGraph(g);
  return *changed;
}

Expected<bool> PassManager::run(ir::Graph& g) {
  // The input is not verified here: loaders verify what they read, and
  // infer-types exists to repair a graph whose declared types went stale.
  bool anyChange = false;
  iterationsRun_ = 0;
  reachedCap_ = false;
  const int cap = std::max(1, options_.maxIterations);
  for (int iteration = 1; iteration <= cap; ++iteration) {
    bool changed = false;
    for (auto& pass : passes_) {
      INGOT_ASSIGN_OR_RETURN(bool c, runOne(*pass, g, iteration));
      changed = changed || c;
    }
    iterationsRun_ = iteration;
    anyChange = anyChange || changed;
    if (!changed) break;
    if (iteration == cap && cap > 1) reachedCap_ = true;
  }
  return anyChange;
}

std::string formatPassStats(const std::vector<PassRunStats>& stats, std::string_view totalSuffix) {
  std::string out = fmt::format("{:<14} {:>4} {:>10} {:>14} {:>14} {}\n", "pass", "iter", "ms", "nodes", "params",
                                "changed");
  double total = 0;
  for (const PassRunStats& s : stats) {
    total += s.milliseconds;
    out += fmt::format("{:<14} {:>4} {:>10.3f} {:>14} {:>14} {}\n", s.pass, s.iteration, s.milliseconds,
                       fmt::format("{} -> {}", s.nodesBefore, s.nodesAfter),
                       fmt::format("{} -> {}", s.paramsBefore, s.paramsAfter), s.changed ? "yes" : "no");
  }
  out += fmt::format("total {:.3f} ms in {} pass runs{}\n", total, stats.size(), totalSuffix);
  return out;
}

void PassManager::printStats(std::ostream& os) const {
  os << formatPassStats(stats_, fmt::format(", {} iteration(s){}", iterationsRun_,
                                            reachedCap_ ? " (stopped at the iteration cap before a fixed point)" : ""));
}

}  // namespace ingot::passes
