// Memory planning over a lowered graph: where every value lives.
//
// Graph inputs, graph outputs, parameters (persistent state) and compile-time
// constants get buffers of their own: callers and the optimizer address them
// by name, and constants must never be overwritten. Every other value is a
// temporary placed in one activation arena: its lifetime runs from the
// dispatch that writes it to the last dispatch that reads it, and temporaries
// whose lifetimes do not overlap share bytes (greedy by size, offsets
// aligned). An elementwise dispatch may write its result over an operand
// that dies there when both have the same size and every read of the operand
// is at the element being written (in place).
//
// State updates: the plan copies each update's source into its parameter's
// buffer after all dispatches (backends/common/ProgramBuilder), so a
// temporary source lives to the end of the run (lastStep = the number of
// dispatches). Unless the source can be written straight into the
// parameter's buffer (state in place, ValuePlacement::stateOf): it is a
// temporary written by an elementwise dispatch that reads the parameter, if
// at all, only at the element it writes; no later dispatch reads the
// parameter; and the parameter's old value is not needed at the end (it is
// neither a graph output nor the source of another update). An optimizer's
// `w_next = w - lr * g` then updates w in place, with no copy. Otherwise
// parameters are never written by a dispatch.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "passes/Lowering.h"

namespace ingot::passes {

enum class StorageClass { Input, Output, Param, Constant, Temporary };
std::string_view storageClassName(StorageClass c);

struct ValuePlacement {
  StorageClass storage = StorageClass::Temporary;
  uint64_t bytes = 0;
  uint64_t offset = 0;       // in the arena (temporaries only)
  int64_t firstStep = -1;    // dispatch index that writes it
  int64_t lastStep = -1;     // last dispatch index that reads it (#dispatches: read after all, by a state update)
  const ir::Value* inPlaceOf = nullptr;  // the operand whose bytes it reuses
  // A state update's source written straight into this parameter's buffer
  // (storage Param): the update needs no copy.
  const ir::Value* stateOf = nullptr;
};

struct MemoryPlanOptions {
  uint64_t alignment = 64;
  bool reuse = true;    // false: every temporary gets its own bytes
  // Every temporary in a runtime buffer of its own rather than at an offset
  // in the shared arena (implies no reuse): with --guard-pages each one then
  // sits against an inaccessible page, so a kernel overrunning a temporary
  // faults instead of touching its neighbour.
  bool ownBuffers = false;
  bool inPlace = true;
  bool stateInPlace = true;  // state updates written into the parameter's buffer where safe
};

struct MemoryPlan {
  std::unordered_map<const ir::Value*, ValuePlacement> placements;
  uint64_t arenaBytes = 0;         // peak activation memory: the arena's size
  uint64_t temporaryBytes = 0;     // all temporaries side by side (no reuse)
  uint64_t paramBytes = 0;         // weights and other persistent state
  uint64_t constantBytes = 0;
  uint64_t ioBytes = 0;            // graph inputs and outputs
  size_t temporaryCount = 0;
  size_t inPlaceCount = 0;
  size_t stateInPlaceCount = 0;  // state updates with no copy
  bool ownBuffers = false;       // MemoryPlanOptions::ownBuffers

  const ValuePlacement* find(const ir::Value* v) const {
    auto it = placements.find(v);
    return it == placements.end() ? nullptr : &it->second;
  }
  // A few lines for `--stats`.
  std::string summary() const;
};

Expected<MemoryPlan> planMemory(const ir::Graph& g, const LoweredGraph& lowered, const MemoryPlanOptions& options = {});

}  // namespace ingot::passes
