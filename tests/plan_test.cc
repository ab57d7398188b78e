// The planner without running a kernel: family choice, task partition, spans, description.
#include "plan/plan.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <initializer_list>
#include <string>

namespace ravel {
namespace {

Problem MakeProblem(int64_t elem_size, std::initializer_list<Node> nodes) {
  Problem problem;
  problem.elem_size = elem_size;
  problem.rank = static_cast<int32_t>(nodes.size());
  problem.count = 1;
  int32_t d = 0;
  for (const Node& node : nodes) {
    problem.nodes[d++] = node;
    problem.count *= node.n;
  }
  return problem;
}

TEST(Classify, ByInnermostNode) {
  EXPECT_EQ(Classify(MakeProblem(4, {{8, 4, 4}})), Family::kCopyRuns);
  EXPECT_EQ(Classify(MakeProblem(4, {{8, 4, 32}, {8, 32, 4}})), Family::kTranspose);
  EXPECT_EQ(Classify(MakeProblem(4, {{8, 8, 4}})), Family::kGather);
  EXPECT_EQ(Classify(MakeProblem(4, {{8, 4, 32}, {8, 0, 4}})), Family::kBroadcast);
  EXPECT_EQ(Classify(MakeProblem(2, {{8, -2, 2}})), Family::kReverse);
  EXPECT_EQ(Classify(MakeProblem(2, {{8, -2, 16}, {8, 16, 2}})), Family::kTranspose);
  Problem empty;
  empty.count = 0;
  EXPECT_EQ(Classify(empty), Family::kEmpty);
  EXPECT_EQ(Classify(Problem{}), Family::kCopyRuns);  // rank 0: one element
}

TEST(BuildPlan, SmallCopiesStayOnTheCallingThread) {
  Plan plan;
  ASSERT_EQ(BuildPlan(MakeProblem(4, {{64, 4, 4}}), RAVEL_BACKEND_AUTO, 8, &plan), RAVEL_OK);
  EXPECT_EQ(plan.threads, 1);
  EXPECT_EQ(plan.task_count, 1);
  EXPECT_EQ(plan.elements_per_task, 64);
}

TEST(BuildPlan, TasksCoverWholeRowsAndNeverExceedTheThreadsAsked) {
  const int64_t rows = 1001;
  const int64_t row = 4099;  // prime-ish extents, ~16 MiB of f32
  for (int32_t asked : {1, 2, 3, 7, 64}) {
    Plan plan;
    ASSERT_EQ(BuildPlan(MakeProblem(4, {{rows, row * 4, row * 4}, {row, 4, 4}}),
                        RAVEL_BACKEND_REFERENCE, asked, &plan),
              RAVEL_OK);
    EXPECT_LE(plan.threads, asked);
    EXPECT_GE(plan.threads, 1);
    EXPECT_LE(plan.task_count, plan.threads);
    EXPECT_EQ(plan.elements_per_task % row, 0);
    EXPECT_GE(plan.task_count * plan.elements_per_task, rows * row);
    EXPECT_LT((plan.task_count - 1) * plan.elements_per_task, rows * row);
  }
}

TEST(BuildPlan, ForcedReferenceIsReported) {
  Plan plan;
  ASSERT_EQ(BuildPlan(MakeProblem(1, {{3, 1, 1}}), RAVEL_BACKEND_REFERENCE, 1, &plan), RAVEL_OK);
  EXPECT_EQ(plan.backend, RAVEL_BACKEND_REFERENCE);
  EXPECT_STREQ(plan.isa, "scalar");
  EXPECT_NE(plan.copy_range, nullptr);
}

TEST(BuildPlan, SpansIncludeOffsetsAndNegativeStrides) {
  Problem problem = MakeProblem(4, {{3, -40, 16}, {4, 8, 4}});
  problem.src_offset = 80;
  Plan plan;
  ASSERT_EQ(BuildPlan(problem, RAVEL_BACKEND_AUTO, 1, &plan), RAVEL_OK);
  EXPECT_EQ(plan.src_span.lo, 0);
  EXPECT_EQ(plan.src_span.hi, 80 + 24 + 4);
  EXPECT_EQ(plan.dst_span.lo, 0);
  EXPECT_EQ(plan.dst_span.hi, 48);
}

TEST(DescribePlan, NamesProblemFamilyBackendIsaAndThreads) {
  Plan plan;
  ASSERT_EQ(BuildPlan(MakeProblem(4, {{3, 4, 20}, {5, 12, 4}}), RAVEL_BACKEND_AUTO, 1, &plan),
            RAVEL_OK);
  const std::string text = DescribePlan(plan);
  for (const char* part :
       {"3:4:20 5:12:4", "family: transpose", "backend: reference", "isa: scalar", "threads: 1"}) {
    EXPECT_NE(text.find(part), std::string::npos) << part << " missing in: " << text;
  }
}

}  // namespace
}  // namespace ravel
