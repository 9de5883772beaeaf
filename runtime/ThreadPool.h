// A small fork-join thread pool owned by a host device (never process-wide):
// `threads - 1` workers plus the calling thread. Kernels receive their work
// range as arguments; the pool only hands out ranges.
//
// Tasks are claimed, not assigned: the calling thread and every awake worker
// take the next unclaimed task until none is left, and the caller then waits
// only for tasks already running. On a machine busier than its cores a
// descheduled worker therefore costs nothing: the caller runs its share
// (measured: a training step split over 2 threads took 1.5 ms instead of
// 0.25 ms when workers had to be waited for while a build ran beside it).
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

  // Runs task(i) for each i in [0, tasks), tasks <= size(), each exactly once
  // on some participant (the calling thread among them); returns when all
  // are done. Task i may use scratch(i): no two threads run the same task.
  template <typename F>
  void run(unsigned tasks, F&& task) {
    runImpl(tasks, [](void* ctx, unsigned i) { (*static_cast<std::remove_reference_t<F>*>(ctx))(i); }, &task);
  }

  // Makes every task's scratch at least `bytes` (64-byte aligned); call
  // between jobs. scratch(i) is task i's buffer (i < size()).
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

  // Claims the next task of the job published in `state_` and runs it;
  // false when there is none left (or no job).
  bool runOneTask();

  // The current job. fn_/ctx_ are written before state_ publishes the job and
  // read only by a thread that has claimed one of its tasks: the caller does
  // not return (and publish the next job) before every claimed task is done.
  TaskFn fn_ = nullptr;
  void* ctx_ = nullptr;
  // Job id (bits 22+), task count (bits 11-21), next task to claim (bits 0-10).
  std::atomic<uint64_t> state_{0};
  std::atomic<unsigned> done_{0};
  uint64_t jobId_ = 0;
  std::atomic<bool> stop_{false};
  std::mutex mutex_;
  std::condition_variable wake_;
  std::atomic<unsigned> sleeping_{0};
};

}  // namespace ingot::rt
