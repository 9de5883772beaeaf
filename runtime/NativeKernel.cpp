#include "runtime/NativeKernel.h"

#include <algorithm>
#include <memory>
#include <new>

#include "runtime/FloatEnvironment.h"

namespace ingot::rt {

namespace {

// A dispatch is split over the device's threads only when its estimated
// single-thread time is at least this (waking workers and joining them
// costs a few microseconds; batch-1 inference stays on the calling thread).
constexpr double kSplitNs = 25000;

struct AlignedFree {
  void operator()(std::byte* p) const { ::operator delete[](p, std::align_val_t(64)); }
};

}  // namespace

Status runNativeKernel(NativeKernelFn fn, const NativeKernelInfo& k, bool flushDenormals,
                       std::span<std::byte* const> bindings, std::span<const uint64_t> bytes, ThreadPool* pool) {
  if (bindings.size() != k.bindingBytes.size() || bytes.size() != k.bindingBytes.size())
    return runtimeError("dispatch {}: {} bindings expected, {} given", k.name, k.bindingBytes.size(), bindings.size());
  // The generated code indexes with static shapes; a binding smaller than its
  // shape would be a stray access, so it is refused here.
  for (size_t b = 0; b < bytes.size(); ++b)
    if (bytes[b] < k.bindingBytes[b])
      return runtimeError("dispatch {}: binding ${} has {} bytes, its shape needs {}", k.name, b, bytes[b],
                          k.bindingBytes[b]);
  if (k.units <= 0) return Status::ok();
  const ScopedFlushDenormals fpEnv(flushDenormals);  // this thread; pool tasks set their own
  const unsigned threads = pool ? pool->size() : 1;
  const double work = static_cast<double>(k.units) * k.nsPerUnit;
  if (threads > 1 && k.units > 1 && work >= kSplitNs) {
    // Contiguous, balanced unit ranges, one per task (tasks are claimed by
    // whichever threads are running, the calling thread included).
    const int64_t tasks = std::min<int64_t>(threads, k.units);
    pool->reserveScratch(k.scratchBytes);
    pool->run(threads, [&](unsigned t) {
      if (t >= tasks) return;
      const ScopedFlushDenormals taskFpEnv(flushDenormals);
      const int64_t begin = k.units * t / tasks, end = k.units * (t + 1) / tasks;
      fn(bindings.data(), begin, end, pool->scratch(t));
    });
    return Status::ok();
  }
  std::byte* scratch = nullptr;
  std::unique_ptr<std::byte, AlignedFree> local;
  if (pool) {
    pool->reserveScratch(k.scratchBytes);
    scratch = pool->scratch(0);
  } else if (k.scratchBytes > 0) {
    local.reset(static_cast<std::byte*>(::operator new[](k.scratchBytes, std::align_val_t(64))));
    scratch = local.get();
  }
  fn(bindings.data(), 0, k.units, scratch);
  return Status::ok();
}

}  // namespace ingot::rt
