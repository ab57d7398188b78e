// Where a plan's tasks run: the calling thread, a caller's pool, or ravel's own pthreadpool.
#ifndef RAVEL_SRC_RUNTIME_THREADS_H_
#define RAVEL_SRC_RUNTIME_THREADS_H_

#include <cstddef>
#include <cstdint>

namespace ravel {

using TaskFn = void (*)(void* ctx, size_t index);
using ParallelForFn = void (*)(void* pool, TaskFn task, void* ctx, size_t count);

// A caller's pool (parallel_for != nullptr) or ravel's own.
struct TaskRunner {
  ParallelForFn parallel_for = nullptr;
  void* pool = nullptr;
};

// Runs task(ctx, i) for every i in [0, count) and returns when all are done: inline for a single
// task, otherwise on the runner's pool.
void RunTasks(const TaskRunner& runner, TaskFn task, void* ctx, size_t count);

// Threads used when a caller asks for the default: RAVEL_NUM_THREADS if it is a positive
// integer, else the number of online cores.
int32_t DefaultThreadCount();

}  // namespace ravel

#endif  // RAVEL_SRC_RUNTIME_THREADS_H_
