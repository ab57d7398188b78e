// Task runners: inline, a caller's pool, ravel's own pool.
#include "runtime/threads.h"

#include <gtest/gtest.h>

#include <atomic>
#include <vector>

namespace ravel {
namespace {

struct Counts {
  std::vector<std::atomic<int>> runs;
  explicit Counts(size_t n) : runs(n) {}
};

void CountTask(void* ctx, size_t index) { ++static_cast<Counts*>(ctx)->runs[index]; }

void ReversePool(void* pool, TaskFn task, void* ctx, size_t count) {
  ++*static_cast<int*>(pool);
  for (size_t i = count; i-- > 0;) {
    task(ctx, i);
  }
}

TEST(RunTasks, OwnPoolRunsEveryTaskOnce) {
  Counts counts(1000);
  RunTasks(TaskRunner{}, &CountTask, &counts, 1000);
  for (size_t i = 0; i < 1000; ++i) {
    ASSERT_EQ(counts.runs[i].load(), 1) << i;
  }
}

TEST(RunTasks, CallersPoolIsUsedForSeveralTasks) {
  Counts counts(17);
  int calls = 0;
  RunTasks(TaskRunner{&ReversePool, &calls}, &CountTask, &counts, 17);
  EXPECT_EQ(calls, 1);
  for (size_t i = 0; i < 17; ++i) {
    EXPECT_EQ(counts.runs[i].load(), 1) << i;
  }
}

TEST(RunTasks, OneTaskRunsInlineWithoutThePool) {
  Counts counts(1);
  int calls = 0;
  RunTasks(TaskRunner{&ReversePool, &calls}, &CountTask, &counts, 1);
  EXPECT_EQ(calls, 0);
  EXPECT_EQ(counts.runs[0].load(), 1);
}

TEST(DefaultThreadCount, IsPositive) { EXPECT_GE(DefaultThreadCount(), 1); }

}  // namespace
}  // namespace ravel
