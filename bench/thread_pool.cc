// ThreadPool and ParallelCopy.
#include "bench/thread_pool.h"

#include <cstdint>

namespace ravel_bench {
namespace {

constexpr size_t kChunkAlignment = 64;  // a cache line: no two threads write the same line
// Each thread copies at least this much, ravel's own grain (kBytesPerThread in src/plan/plan.h):
// smaller copies use fewer threads (one below 512 KiB) rather than time the pool's wake-up.
constexpr size_t kMinChunkBytes = 256 * 1024;

}  // namespace

ThreadPool::ThreadPool(int threads) {
  const size_t workers = threads > 1 ? static_cast<size_t>(threads - 1) : 0;
  workers_.reserve(workers);
  for (size_t i = 0; i < workers; ++i) {
    workers_.emplace_back([this, i] { WorkerLoop(i + 1); });
  }
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  start_.notify_all();
  for (std::thread& worker : workers_) {
    worker.join();
  }
}

void ThreadPool::Run(const std::function<void(size_t)>& task) {
  if (workers_.empty()) {
    task(0);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    task_ = &task;
    pending_ = workers_.size();
    ++generation_;
  }
  start_.notify_all();
  task(0);
  std::unique_lock<std::mutex> lock(mutex_);
  done_.wait(lock, [this] { return pending_ == 0; });
  task_ = nullptr;
}

void ThreadPool::WorkerLoop(size_t index) {
  uint64_t seen = 0;
  for (;;) {
    const std::function<void(size_t)>* task = nullptr;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      start_.wait(lock, [&] { return stop_ || generation_ != seen; });
      if (stop_) {
        return;
      }
      seen = generation_;
      task = task_;
    }
    (*task)(index);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (--pending_ == 0) {
        done_.notify_one();
      }
    }
  }
}

void ParallelCopy(ThreadPool& pool, void (*copy)(void*, const void*, size_t), void* dst,
                  const void* src, size_t bytes) {
  size_t threads = static_cast<size_t>(pool.threads());
  if (bytes / kMinChunkBytes < threads) {
    threads = bytes / kMinChunkBytes > 1 ? bytes / kMinChunkBytes : 1;
  }
  if (threads == 1) {
    copy(dst, src, bytes);
    return;
  }
  const size_t chunk = (bytes / threads + kChunkAlignment - 1) / kChunkAlignment * kChunkAlignment;
  pool.Run([&](size_t index) {
    if (index >= threads) {
      return;
    }
    const size_t begin = index * chunk < bytes ? index * chunk : bytes;
    const size_t end = index + 1 == threads || begin + chunk > bytes ? bytes : begin + chunk;
    if (end > begin) {
      copy(static_cast<uint8_t*>(dst) + begin, static_cast<const uint8_t*>(src) + begin,
           end - begin);
    }
  });
}

}  // namespace ravel_bench
