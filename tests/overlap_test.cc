// Self-overlap of destination layouts: known cases and a brute-force cross-check.
#include "plan/overlap.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <random>
#include <vector>

namespace ravel {
namespace {

Layout MakeLayout(int64_t elem_size, std::vector<int64_t> shape, std::vector<int64_t> strides) {
  Layout layout;
  layout.rank = static_cast<int32_t>(shape.size());
  layout.elem_size = elem_size;
  std::copy(shape.begin(), shape.end(), layout.shape);
  std::copy(strides.begin(), strides.end(), layout.strides);
  return layout;
}

// True when two distinct indices' byte ranges intersect, by listing every element's address.
bool BruteForceOverlaps(const Layout& layout) {
  std::vector<int64_t> addresses{0};
  for (int32_t d = 0; d < layout.rank; ++d) {
    std::vector<int64_t> next;
    for (int64_t base : addresses) {
      for (int64_t i = 0; i < layout.shape[d]; ++i) {
        next.push_back(base + i * layout.strides[d] * layout.elem_size);
      }
    }
    addresses.swap(next);
  }
  std::sort(addresses.begin(), addresses.end());
  for (size_t i = 1; i < addresses.size(); ++i) {
    if (addresses[i] - addresses[i - 1] < layout.elem_size) {
      return true;
    }
  }
  return false;
}

TEST(FindSelfOverlap, DenseAndPaddedLayoutsAreFree) {
  EXPECT_EQ(FindSelfOverlap(MakeLayout(4, {3, 4}, {4, 1})), SelfOverlap::kNone);
  EXPECT_EQ(FindSelfOverlap(MakeLayout(4, {3, 4}, {9, 2})), SelfOverlap::kNone);
  EXPECT_EQ(FindSelfOverlap(MakeLayout(4, {3, 4}, {1, 3})), SelfOverlap::kNone);
  EXPECT_EQ(FindSelfOverlap(MakeLayout(4, {3, 4}, {-4, -1})), SelfOverlap::kNone);
}

TEST(FindSelfOverlap, BroadcastAndEqualStridesAlias) {
  EXPECT_EQ(FindSelfOverlap(MakeLayout(4, {3, 4}, {0, 1})), SelfOverlap::kOverlaps);
  EXPECT_EQ(FindSelfOverlap(MakeLayout(4, {2, 2}, {1, 1})), SelfOverlap::kOverlaps);
  EXPECT_EQ(FindSelfOverlap(MakeLayout(4, {3, 3}, {2, 1})), SelfOverlap::kOverlaps);
}

TEST(FindSelfOverlap, SizeOneAndEmptyDimsNeverAlias) {
  EXPECT_EQ(FindSelfOverlap(MakeLayout(4, {1, 5}, {0, 1})), SelfOverlap::kNone);
  EXPECT_EQ(FindSelfOverlap(MakeLayout(4, {0, 5}, {0, 0})), SelfOverlap::kNone);
  // An empty extent after a broadcast one: still nothing to write.
  EXPECT_EQ(FindSelfOverlap(MakeLayout(4, {16, 0, 1, 9}, {0, 0, 0, 0})), SelfOverlap::kNone);
  EXPECT_EQ(FindSelfOverlap(MakeLayout(8, {}, {})), SelfOverlap::kNone);
}

TEST(FindSelfOverlap, InterleavedButDistinctIsFree) {
  // Addresses 2i + 3j for i < 3, j < 2: {0, 2, 4, 3, 5, 7}, all distinct.
  EXPECT_EQ(FindSelfOverlap(MakeLayout(1, {3, 2}, {2, 3})), SelfOverlap::kNone);
}

TEST(FindSelfOverlap, WideElementsOverlapWithinTheirBytes) {
  // 8-byte elements 4 bytes apart share bytes.
  EXPECT_EQ(FindSelfOverlap(MakeLayout(8, {2}, {1})), SelfOverlap::kNone);
  Layout half_step = MakeLayout(4, {2, 2}, {3, 2});
  half_step.elem_size = 2;  // byte steps 6 and 4: addresses 0, 4, 6, 10; fine for 2 bytes
  EXPECT_EQ(FindSelfOverlap(half_step), SelfOverlap::kNone);
  half_step.elem_size = 3;  // byte steps 9 and 6 with 3-byte elements: 0, 6, 9, 15; fine
  EXPECT_EQ(FindSelfOverlap(half_step), SelfOverlap::kNone);
}

TEST(FindSelfOverlap, GivesUpHonestlyPastItsWorkLimit) {
  const Layout layout = MakeLayout(1, {50, 50, 50}, {101, 103, 107});
  EXPECT_EQ(FindSelfOverlap(layout, 3), SelfOverlap::kUnknown);
  EXPECT_EQ(FindSelfOverlap(layout) == SelfOverlap::kOverlaps, BruteForceOverlaps(layout));
}

TEST(FindSelfOverlap, AgreesWithBruteForceOnRandomLayouts) {
  const uint32_t seed = 20261125;
  std::mt19937 rng(seed);
  for (int trial = 0; trial < 5000; ++trial) {
    const int32_t rank = static_cast<int32_t>(rng() % 4) + 1;
    std::vector<int64_t> shape(rank);
    std::vector<int64_t> strides(rank);
    for (int32_t d = 0; d < rank; ++d) {
      shape[d] = static_cast<int64_t>(rng() % 5) + 1;
      strides[d] = static_cast<int64_t>(rng() % 13) - 6;
    }
    const int64_t elem_size = static_cast<int64_t>(rng() % 3) + 1;
    const Layout layout = MakeLayout(elem_size, shape, strides);
    const SelfOverlap found = FindSelfOverlap(layout);
    ASSERT_NE(found, SelfOverlap::kUnknown) << "seed " << seed << " trial " << trial;
    ASSERT_EQ(found == SelfOverlap::kOverlaps, BruteForceOverlaps(layout))
        << "seed " << seed << " trial " << trial << " rank " << rank << " elem " << elem_size;
  }
}

}  // namespace
}  // namespace ravel
