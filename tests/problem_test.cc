// Table tests of the canonical problem: each normalization step alone, then the whole pipeline.
#include "plan/problem.h"

#include <gtest/gtest.h>

#include <initializer_list>
#include <vector>

#include "layout.h"

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

Layout MakeLayout(int64_t elem_size, std::vector<int64_t> shape, std::vector<int64_t> strides) {
  Layout layout;
  layout.rank = static_cast<int32_t>(shape.size());
  layout.elem_size = elem_size;
  for (size_t d = 0; d < shape.size(); ++d) {
    layout.shape[d] = shape[d];
    layout.strides[d] = strides[d];
  }
  return layout;
}

std::vector<Node> NodesOf(const Problem& problem) {
  return std::vector<Node>(problem.nodes, problem.nodes + problem.rank);
}

TEST(DropUnitNodes, RemovesExtentOneKeepsOrder) {
  Problem problem = MakeProblem(4, {{1, 400, 4}, {3, 4, 16}, {1, 0, 0}, {5, 12, 4}});
  DropUnitNodes(&problem);
  EXPECT_EQ(NodesOf(problem), (std::vector<Node>{{3, 4, 16}, {5, 12, 4}}));
  EXPECT_EQ(problem.count, 15);
}

TEST(DropUnitNodes, ZeroExtentEmptiesTheProblem) {
  Problem problem = MakeProblem(4, {{3, 4, 16}, {0, 12, 4}, {5, 1, 1}});
  problem.src_offset = 8;
  DropUnitNodes(&problem);
  EXPECT_EQ(problem.rank, 0);
  EXPECT_EQ(problem.count, 0);
  EXPECT_EQ(problem.src_offset, 0);
}

TEST(FlipNegativeDestination, FlipsBothSidesAndMovesOffsets) {
  Problem problem = MakeProblem(2, {{4, -2, -8}, {3, 8, 2}, {5, -6, 24}});
  FlipNegativeDestination(&problem);
  EXPECT_EQ(NodesOf(problem), (std::vector<Node>{{4, 2, 8}, {3, 8, 2}, {5, -6, 24}}));
  EXPECT_EQ(problem.src_offset, -6);
  EXPECT_EQ(problem.dst_offset, -24);
}

TEST(SortByDestinationStride, OutermostHasLargestDestinationStride) {
  Problem problem = MakeProblem(4, {{2, 4, 4}, {3, 8, 24}, {4, 24, 8}});
  SortByDestinationStride(&problem);
  EXPECT_EQ(NodesOf(problem), (std::vector<Node>{{3, 8, 24}, {4, 24, 8}, {2, 4, 4}}));
}

TEST(SortByDestinationStride, IsStableForEqualStrides) {
  Problem problem = MakeProblem(4, {{2, 4, 0}, {3, 4, 0}});
  SortByDestinationStride(&problem);
  EXPECT_EQ(NodesOf(problem), (std::vector<Node>{{2, 4, 0}, {3, 4, 0}}));
}

TEST(MergeContiguousNodes, FoldsDenseRuns) {
  // Dense [2,3,4] f32 to dense: one run of 24 elements.
  Problem problem = MakeProblem(4, {{2, 48, 48}, {3, 16, 16}, {4, 4, 4}});
  MergeContiguousNodes(&problem);
  EXPECT_EQ(NodesOf(problem), (std::vector<Node>{{24, 4, 4}}));
}

TEST(MergeContiguousNodes, KeepsDimsContiguousOnOneSideOnly) {
  // [8,4] -> transposed source: destination dense, source not.
  Problem problem = MakeProblem(4, {{8, 4, 16}, {4, 32, 4}});
  MergeContiguousNodes(&problem);
  EXPECT_EQ(NodesOf(problem), (std::vector<Node>{{8, 4, 16}, {4, 32, 4}}));
}

TEST(MergeContiguousNodes, MergesBroadcastDims) {
  Problem problem = MakeProblem(4, {{3, 0, 80}, {5, 0, 16}, {4, 4, 4}});
  MergeContiguousNodes(&problem);
  EXPECT_EQ(NodesOf(problem), (std::vector<Node>{{15, 0, 16}, {4, 4, 4}}));
}

TEST(MergeContiguousNodes, MergesOnlyAdjacentPairs) {
  // Outer pair merges, inner pair merges, the middle does not.
  Problem problem = MakeProblem(1, {{2, 60, 60}, {3, 20, 20}, {4, 1, 5}, {5, 4, 1}});
  MergeContiguousNodes(&problem);
  EXPECT_EQ(NodesOf(problem), (std::vector<Node>{{6, 20, 20}, {4, 1, 5}, {5, 4, 1}}));
}

struct CanonicalCase {
  const char* name;
  int64_t elem_size;
  std::vector<int64_t> shape;
  std::vector<int64_t> src_strides;  // elements
  std::vector<int64_t> dst_strides;  // elements
  std::vector<Node> nodes;           // bytes
  int64_t src_offset;
  int64_t dst_offset;
};

class CanonicalizeTable : public ::testing::TestWithParam<CanonicalCase> {};

TEST_P(CanonicalizeTable, ProducesTheExpectedNest) {
  const CanonicalCase& c = GetParam();
  const Layout src = MakeLayout(c.elem_size, c.shape, c.src_strides);
  const Layout dst = MakeLayout(c.elem_size, c.shape, c.dst_strides);
  const Problem problem = Canonicalize(src, dst);
  EXPECT_EQ(NodesOf(problem), c.nodes) << DumpProblem(problem);
  EXPECT_EQ(problem.src_offset, c.src_offset);
  EXPECT_EQ(problem.dst_offset, c.dst_offset);
  int64_t count = 1;
  for (int64_t extent : c.shape) {
    count *= extent;
  }
  EXPECT_EQ(problem.count, count);
}

INSTANTIATE_TEST_SUITE_P(
    Table, CanonicalizeTable,
    ::testing::Values(
        CanonicalCase{"dense_copy", 4, {2, 3, 4}, {12, 4, 1}, {12, 4, 1}, {{24, 4, 4}}, 0, 0},
        CanonicalCase{"transpose_2d", 4, {3, 5}, {1, 3}, {5, 1}, {{3, 4, 20}, {5, 12, 4}}, 0, 0},
        CanonicalCase{"nchw_to_nhwc",
                      4,
                      {2, 7, 7, 16},
                      {784, 7, 1, 49},
                      {784, 112, 16, 1},
                      {{2, 3136, 3136}, {49, 4, 64}, {16, 196, 4}},
                      0,
                      0},
        CanonicalCase{"size_one_dims_any_stride",
                      2,
                      {1, 4, 1, 6},
                      {999, 6, -5, 1},
                      {24, 6, 6, 1},
                      {{24, 2, 2}},
                      0,
                      0},
        CanonicalCase{"reversed_source", 4, {8}, {-1}, {1}, {{8, -4, 4}}, 0, 0},
        CanonicalCase{
            "negative_in_both_flips", 4, {8, 3}, {-3, -1}, {-3, -1}, {{24, 4, 4}}, -92, -92},
        CanonicalCase{"negative_destination_only", 8, {5}, {1}, {-2}, {{5, -8, 16}}, 32, -64},
        CanonicalCase{"broadcast_rows", 4, {4, 6}, {0, 1}, {6, 1}, {{4, 0, 24}, {6, 4, 4}}, 0, 0},
        CanonicalCase{"strided_destination_slice",
                      4,
                      {16, 12, 64},
                      {768, 64, 1},
                      {1536, 128, 1},
                      {{192, 256, 512}, {64, 4, 4}},
                      0,
                      0},
        CanonicalCase{"rank_zero", 16, {}, {}, {}, {}, 0, 0},
        CanonicalCase{"all_size_one", 4, {1, 1, 1}, {5, 7, 9}, {1, 1, 1}, {}, 0, 0},
        CanonicalCase{"zero_size", 4, {3, 0, 5}, {5, 5, 1}, {0, 5, 1}, {}, 0, 0}),
    [](const ::testing::TestParamInfo<CanonicalCase>& param_info) {
      return param_info.param.name;
    });

TEST(HashProblem, DiffersWhenAFieldDiffers) {
  const Problem a = MakeProblem(4, {{3, 4, 16}, {5, 12, 4}});
  Problem b = a;
  EXPECT_EQ(HashProblem(a), HashProblem(b));
  b.nodes[1].src_stride = 8;
  EXPECT_NE(HashProblem(a), HashProblem(b));
  b = a;
  b.dst_offset = 4;
  EXPECT_NE(HashProblem(a), HashProblem(b));
  EXPECT_FALSE(a == b);
}

TEST(DumpProblem, NamesEveryNode) {
  const Problem problem = MakeProblem(4, {{3, 4, 20}, {5, 12, 4}});
  EXPECT_EQ(DumpProblem(problem), "elem 4, nodes [n:src:dst] 3:4:20 5:12:4, offsets src 0 dst 0");
}

}  // namespace
}  // namespace ravel
