// The plan cache: hits, least-recently-used eviction, keys, concurrency.
#include "runtime/plan_cache.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace ravel {
namespace {

PlanKey KeyFor(int64_t n, int32_t threads = 1) {
  PlanKey key;
  key.problem.elem_size = 4;
  key.problem.rank = 1;
  key.problem.nodes[0] = Node{n, 4, 4};
  key.problem.count = n;
  key.request.backend = RAVEL_BACKEND_AUTO;
  key.request.max_threads = threads;
  return key;
}

TEST(PlanCache, SecondLookupHitsAndReturnsTheSamePlan) {
  PlanCache cache(4);
  std::shared_ptr<const Plan> first;
  std::shared_ptr<const Plan> second;
  ASSERT_EQ(cache.GetOrBuild(KeyFor(10), &first), RAVEL_OK);
  ASSERT_EQ(cache.GetOrBuild(KeyFor(10), &second), RAVEL_OK);
  EXPECT_EQ(first.get(), second.get());
  EXPECT_EQ(cache.hits(), 1u);
  EXPECT_EQ(cache.misses(), 1u);
}

TEST(PlanCache, OptionsArePartOfTheKey) {
  PlanCache cache(4);
  std::shared_ptr<const Plan> one;
  std::shared_ptr<const Plan> two;
  ASSERT_EQ(cache.GetOrBuild(KeyFor(10, 1), &one), RAVEL_OK);
  ASSERT_EQ(cache.GetOrBuild(KeyFor(10, 2), &two), RAVEL_OK);
  EXPECT_NE(one.get(), two.get());
  EXPECT_EQ(cache.misses(), 2u);
}

TEST(PlanCache, EvictsTheLeastRecentlyUsed) {
  PlanCache cache(2);
  std::shared_ptr<const Plan> plan;
  ASSERT_EQ(cache.GetOrBuild(KeyFor(1), &plan), RAVEL_OK);
  ASSERT_EQ(cache.GetOrBuild(KeyFor(2), &plan), RAVEL_OK);
  ASSERT_EQ(cache.GetOrBuild(KeyFor(1), &plan), RAVEL_OK);  // 1 is now the most recent
  ASSERT_EQ(cache.GetOrBuild(KeyFor(3), &plan), RAVEL_OK);  // evicts 2
  EXPECT_EQ(cache.size(), 2u);
  const uint64_t misses = cache.misses();
  ASSERT_EQ(cache.GetOrBuild(KeyFor(1), &plan), RAVEL_OK);
  EXPECT_EQ(cache.misses(), misses);
  ASSERT_EQ(cache.GetOrBuild(KeyFor(2), &plan), RAVEL_OK);
  EXPECT_EQ(cache.misses(), misses + 1);
}

TEST(PlanCache, FailuresAreNotCached) {
  PlanCache cache(4);
  PlanKey key = KeyFor(5);
  key.request.backend = RAVEL_BACKEND_JIT;
  std::shared_ptr<const Plan> plan;
  const ravel_status status = cache.GetOrBuild(key, &plan);
  if (status != RAVEL_OK) {
    EXPECT_EQ(plan, nullptr);
    EXPECT_EQ(cache.size(), 0u);
  } else {
    EXPECT_EQ(plan->backend, RAVEL_BACKEND_JIT);
  }
}

TEST(PlanCache, ConcurrentLookupsAgree) {
  PlanCache cache(64);
  constexpr int kThreads = 8;
  constexpr int kLookups = 2000;
  std::vector<std::thread> threads;
  std::vector<int> wrong(kThreads, 0);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&cache, &wrong, t] {
      for (int i = 0; i < kLookups; ++i) {
        const int64_t n = 1 + (i * 7 + t) % 100;
        std::shared_ptr<const Plan> plan;
        if (cache.GetOrBuild(KeyFor(n), &plan) != RAVEL_OK ||
            plan->problem.count * plan->problem.elem_size != n * 4) {
          ++wrong[t];
        }
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(wrong[t], 0) << "thread " << t;
  }
  EXPECT_EQ(cache.hits() + cache.misses(), uint64_t{kThreads} * kLookups);
  EXPECT_LE(cache.size(), 64u);
}

}  // namespace
}  // namespace ravel
