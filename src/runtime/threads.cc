#include "runtime/threads.h"

#include <pthreadpool.h>

#include <cstdlib>
#include <mutex>
#include <thread>

#if defined(__SANITIZE_THREAD__)
#define RAVEL_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define RAVEL_TSAN 1
#endif
#endif

#if defined(RAVEL_TSAN)
extern "C" void __tsan_acquire(void* addr);
extern "C" void __tsan_release(void* addr);
#endif

namespace ravel {
namespace {

#if defined(RAVEL_TSAN)
// A pool that is not built with ThreadSanitizer (Debian's pthreadpool, a caller's) orders the
// caller's writes before its tasks and the tasks' writes before its return with atomics TSan
// cannot see. These annotations state exactly that order, through two objects so that no task
// is ordered after another: the caller releases `dispatch` and each task acquires it; each task
// releases `joined` and the caller acquires it after the pool returns. Races between tasks stay
// visible.
struct AnnotatedTasks {
  TaskFn task;
  void* ctx;
  char dispatch;
  char joined;
};

void RunAnnotatedTask(void* opaque, size_t index) {
  auto* tasks = static_cast<AnnotatedTasks*>(opaque);
  __tsan_acquire(&tasks->dispatch);
  tasks->task(tasks->ctx, index);
  __tsan_release(&tasks->joined);
}
#endif

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
#if defined(RAVEL_TSAN)
  AnnotatedTasks annotated{task, ctx, 0, 0};
  __tsan_release(&annotated.dispatch);
  task = &RunAnnotatedTask;
  ctx = &annotated;
#endif
  if (runner.parallel_for != nullptr) {
    runner.parallel_for(runner.pool, task, ctx, count);
  } else {
    pthreadpool_parallelize_1d(OwnPool(), task, ctx, count, 0);
  }
#if defined(RAVEL_TSAN)
  __tsan_acquire(&annotated.joined);
#endif
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
