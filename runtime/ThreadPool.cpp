#include "runtime/ThreadPool.h"

#include <charconv>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>

#include <unistd.h>

namespace ingot::rt {

namespace {

// How long an idle worker spins before sleeping. Long enough to span the gap
// between two dispatches of a plan (the caller runs small dispatches alone
// in between), short enough not to burn a core when the device is idle.
constexpr auto kSpin = std::chrono::microseconds(200);

// Spin iteration `i` of a wait: a pause instruction at first, then yielding
// the core, so a waiting thread does not starve the one it waits for when
// the machine has more runnable threads than cores.
inline void backoff(int i) {
  if (i < 4096) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
  } else {
    std::this_thread::yield();
  }
}

}  // namespace

Expected<unsigned> resolveThreadCount(unsigned requested) {
  if (requested > 0) return requested;
  if (const char* env = std::getenv("INGOT_THREADS"); env && *env) {
    unsigned v = 0;
    const char* end = env + std::strlen(env);
    auto [ptr, ec] = std::from_chars(env, end, v);
    if (ec != std::errc() || ptr != end || v < 1 || v > 1024)
      return invalidInput("INGOT_THREADS='{}' is not a thread count (an integer from 1 to 1024)", env);
    return v;
  }
  long online = sysconf(_SC_NPROCESSORS_ONLN);
  return static_cast<unsigned>(online > 0 ? online : 1);
}

void ThreadPool::AlignedFree::operator()(std::byte* p) const { ::operator delete[](p, std::align_val_t(64)); }

ThreadPool::ThreadPool(unsigned threads) {
  const unsigned n = std::max(1u, threads);
  scratch_.resize(n);
  for (unsigned i = 1; i < n; ++i) workers_.emplace_back([this, i] { workerLoop(i); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_.store(true);
  }
  wake_.notify_all();
  for (auto& w : workers_) w.join();
}

void ThreadPool::reserveScratch(size_t bytes) {
  if (bytes <= scratchBytes_) return;
  bytes = (bytes + 63) / 64 * 64;
  for (auto& s : scratch_) s.reset(static_cast<std::byte*>(::operator new[](bytes, std::align_val_t(64))));
  scratchBytes_ = bytes;
}

namespace {

constexpr unsigned kTaskBits = 11;  // up to 1024 threads (resolveThreadCount's limit) plus one
constexpr uint64_t kTaskMask = (uint64_t{1} << kTaskBits) - 1;

uint64_t jobOf(uint64_t state) { return state >> (2 * kTaskBits); }
unsigned tasksOf(uint64_t state) { return static_cast<unsigned>((state >> kTaskBits) & kTaskMask); }
unsigned nextOf(uint64_t state) { return static_cast<unsigned>(state & kTaskMask); }

}  // namespace

bool ThreadPool::runOneTask() {
  uint64_t s = state_.load(std::memory_order_acquire);
  while (nextOf(s) < tasksOf(s)) {
    if (state_.compare_exchange_weak(s, s + 1, std::memory_order_acq_rel, std::memory_order_acquire)) {
      fn_(ctx_, nextOf(s));
      done_.fetch_add(1, std::memory_order_acq_rel);
      return true;
    }
  }
  return false;
}

void ThreadPool::runImpl(unsigned tasks, TaskFn fn, void* ctx) {
  tasks = std::min(tasks, size());
  if (tasks == 0) return;
  if (tasks == 1) {
    fn(ctx, 0);
    return;
  }
  fn_ = fn;
  ctx_ = ctx;
  done_.store(0, std::memory_order_relaxed);
  {
    // Under the mutex so a worker between its last check and its wait
    // cannot miss the new job.
    std::lock_guard<std::mutex> lock(mutex_);
    ++jobId_;
    state_.store((jobId_ << (2 * kTaskBits)) | (uint64_t{tasks} << kTaskBits), std::memory_order_release);
  }
  if (sleeping_.load(std::memory_order_acquire) > 0) wake_.notify_all();
  while (runOneTask()) {
  }
  for (int i = 0; done_.load(std::memory_order_acquire) != tasks; ++i) backoff(i);
}

void ThreadPool::workerLoop(unsigned) {
  uint64_t seen = 0;
  for (;;) {
    // Spin a while for the next job, then sleep.
    auto until = std::chrono::steady_clock::now() + kSpin;
    uint64_t job = jobOf(state_.load(std::memory_order_acquire));
    for (int spins = 0; job == seen && !stop_.load(std::memory_order_relaxed); ++spins) {
      backoff(spins);
      if ((spins & 255) == 255 && std::chrono::steady_clock::now() > until) break;
      job = jobOf(state_.load(std::memory_order_acquire));
    }
    if (job == seen) {
      std::unique_lock<std::mutex> lock(mutex_);
      sleeping_.fetch_add(1);
      wake_.wait(lock, [&] { return stop_.load() || jobOf(state_.load(std::memory_order_acquire)) != seen; });
      sleeping_.fetch_sub(1);
      job = jobOf(state_.load(std::memory_order_acquire));
    }
    if (stop_.load()) return;
    seen = job;
    while (runOneTask()) {
    }
  }
}

}  // namespace ingot::rt
