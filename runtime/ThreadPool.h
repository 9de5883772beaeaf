// A small fork-join thread pool owned by a host device (never process-wide):
// `threads - 1` workers plus the calling thread, which always runs the first
// task itself. Kernels receive their work range as arguments; the pool only
// hands out ranges.
//
// Wake-up cost matters more than throughput here: a training step is a few
// dozen dispatches of 5-100 us each. Workers therefore spin on an atomic
// generation counter for a short while after each job (so the next dispatch
// finds them awake) before sleeping on a condition variable; the caller of a
// job decides whether the work is large enough to be worth splitting at all
// (small dispatches run on the calling thread and never touch the pool).
//
// Each participant (worker index 0 = the calling thread) owns a scratch
// buffer that kernels use for packed operands; it grows on demand and is
// reused across jobs, so steady-state runs allocate nothing.
//
// One job at a time: run() is not reentrant and not meant to be called from
// two threads at once (a device executes one plan at a time).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "support/Status.h"

namespace ingot::rt {

// The thread count a device should use: `requested` when > 0; otherwise the
// environment variable INGOT_THREADS when set (an integer 1..1024, anything
// else is an InvalidInput error naming it); otherwise the number of online
// CPUs (at least 1).
Expected<unsigned> resolveThreadCount(unsigned requested);

class ThreadPool {
 public:
  explicit ThreadPool(unsigned threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  // Participants: the workers plus the calling thread.
  unsigned size() const { return static_cast<unsigned>(workers_.size()) + 1; }

  // Runs task(i) for i in [0, tasks) with tasks <= size(): task 0 on the
  // calling thread, task i on worker i - 1; returns when all are done (every
  // worker checks in, so ask for size() tasks when splitting at all). The
  // task's index is also its participant index (for scratch()).
  template <typename F>
  void run(unsigned tasks, F&& task) {
    runImpl(tasks, [](void* ctx, unsigned i) { (*static_cast<std::remove_reference_t<F>*>(ctx))(i); }, &task);
  }

  // Makes every participant's scratch at least `bytes` (64-byte aligned);
  // call between jobs. scratch(i) is participant i's buffer.
  void reserveScratch(size_t bytes);
  std::byte* scratch(unsigned participant) { return scratch_[participant].get(); }
  size_t scratchBytes() const { return scratchBytes_; }

 private:
  using TaskFn = void (*)(void* ctx, unsigned index);
  void runImpl(unsigned tasks, TaskFn fn, void* ctx);
  void workerLoop(unsigned index);

  struct AlignedFree {
    void operator()(std::byte* p) const;
  };

  std::vector<std::thread> workers_;
  std::vector<std::unique_ptr<std::byte, AlignedFree>> scratch_;
  size_t scratchBytes_ = 0;

  // The current job: published by bumping generation_.
  TaskFn fn_ = nullptr;
  void* ctx_ = nullptr;
  unsigned tasks_ = 0;
  std::atomic<uint64_t> generation_{0};
  std::atomic<unsigned> pending_{0};
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::condition_variable wake_;
  std::atomic<unsigned> sleeping_{0};
};

}  // namespace ingot::rt
