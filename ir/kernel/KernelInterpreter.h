// Runs a dispatch on host memory, one grid point at a time: the oracle for
// the dispatch form (lowering is tested by running lowered dispatches here
// and comparing with the graph-level reference interpreter), and the kernel
// of the `lowered` backend. Every load and store is bounds-checked: a bad
// index is an error naming the dispatch, never a stray write.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "ir/kernel/Kernel.h"
#include "support/Status.h"

namespace ingot::kir {

// `bindings` parallels d.bindings; `bytes` gives each binding's size.
Status interpretDispatch(const Dispatch& d, std::span<std::byte* const> bindings,
                         std::span<const uint64_t> bytes);

}  // namespace ingot::kir
