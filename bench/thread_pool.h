// A small persistent pool of std::threads for the benchmarks' baselines: at N threads, memcpy and
// the streaming copy run on N threads too, so that ravel's ratio to them compares like with like.
#ifndef RAVEL_BENCH_THREAD_POOL_H_
#define RAVEL_BENCH_THREAD_POOL_H_

#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace ravel_bench {

// threads - 1 workers that sleep until Run hands them a batch; the calling thread takes part.
class ThreadPool {
 public:
  // threads >= 1; 1 runs everything on the calling thread.
  explicit ThreadPool(int threads);
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;
  ~ThreadPool();

  // Threads that run a batch, the caller included.
  int threads() const { return static_cast<int>(workers_.size()) + 1; }

  // Runs task(i) for every i in [0, threads()), task i on thread i (0 = the caller), and returns
  // when all have finished.
  void Run(const std::function<void(size_t)>& task);

 private:
  void WorkerLoop(size_t index);

  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable start_;
  std::condition_variable done_;
  const std::function<void(size_t)>* task_ = nullptr;
  uint64_t generation_ = 0;
  size_t pending_ = 0;
  bool stop_ = false;
};

// Splits [0, bytes) into pool.threads() contiguous chunks (cache-line multiples, the last one
// takes the rest; fewer chunks when they would be under 256 KiB, ravel's own grain) and runs
// copy(dst + begin, src + begin, size) on each chunk on its own thread.
void ParallelCopy(ThreadPool& pool, void (*copy)(void*, const void*, size_t), void* dst,
                  const void* src, size_t bytes);

}  // namespace ravel_bench

#endif  // RAVEL_BENCH_THREAD_POOL_H_
