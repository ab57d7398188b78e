#include "runtime/threads.h"

#include <pthreadpool.h>

#include <cstdlib>
#include <mutex>
#include <thread>

namespace ravel {
namespace {

int32_t HardwareThreads() {
  const unsigned cores = std::thread::hardware_concurrency();
  return cores == 0 ? 1 : static_cast<int32_t>(cores);
}

// ravel's own pool, created on first use with one thread per core and kept for the process.
// A NULL pool (creation failed) makes pthreadpool run tasks on the calling thread.
pthreadpool_t OwnPool() {
  static std::once_flag once;
  static pthreadpool_t pool = nullptr;
  std::call_once(once, [] { pool = pthreadpool_create(static_cast<size_t>(HardwareThreads())); });
  return pool;
}

}  // namespace

void RunTasks(const TaskRunner& runner, TaskFn task, void* ctx, size_t count) {
  if (count == 1) {
    task(ctx, 0);
    return;
  }
  if (count == 0) {
    return;
  }
  if (runner.parallel_for != nullptr) {
    runner.parallel_for(runner.pool, task, ctx, count);
    return;
  }
  pthreadpool_parallelize_1d(OwnPool(), task, ctx, count, 0);
}

int32_t DefaultThreadCount() {
  static const int32_t threads = [] {
    const char* env = std::getenv("RAVEL_NUM_THREADS");
    if (env != nullptr) {
      char* end = nullptr;
      const long value = std::strtol(env, &end, 10);
      if (end != env && *end == '\0' && value > 0 && value <= 4096) {
        return static_cast<int32_t>(value);
      }
    }
    return HardwareThreads();
  }();
  return threads;
}

}  // namespace ravel
