// Every error path of the public C API: each bad argument returns the status ravel.h documents,
// writes nothing (destination canaries intact, *plan NULL, views unchanged), and leaves a message
// in ravel_last_error() naming the argument, which the next successful call clears. Also the
// NULL and out-of-range behaviour of the small helpers.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <string>
#include <thread>
#include <vector>

#include "ravel/ravel.h"

namespace ravel_test {
namespace {

constexpr size_t kBufferBytes = 4096;
constexpr uint8_t kCanary = 0xCD;
constexpr int64_t kBig = int64_t{1} << 32;
constexpr int64_t kHalfRange = (INT64_MAX / 2) + 1;  // 2^62: twice it overflows int64

::testing::AssertionResult LastErrorNames(const char* needle) {
  const std::string message = ravel_last_error();
  if (message.empty()) {
    return ::testing::AssertionFailure() << "ravel_last_error() is empty";
  }
  if (message.find(needle) == std::string::npos) {
    return ::testing::AssertionFailure()
           << "ravel_last_error() \"" << message << "\" does not name " << needle;
  }
  return ::testing::AssertionSuccess();
}

// A successful call must leave ravel_last_error() empty.
void ExpectSuccessClearsError() {
  const int64_t shape[] = {3};
  const ravel_layout layout = {1, 1, shape, nullptr};
  const char src[3] = {1, 2, 3};
  char dst[3] = {};
  ASSERT_EQ(ravel_copy(src, &layout, dst, nullptr, nullptr), RAVEL_OK) << ravel_last_error();
  EXPECT_STREQ(ravel_last_error(), "");
  EXPECT_EQ(std::memcmp(src, dst, sizeof(src)), 0);
}

// Holds layouts for the duration of a test; the buffers are canaried.
class BadCopyTest : public ::testing::Test {
 protected:
  BadCopyTest() : src_(kBufferBytes), dst_(kBufferBytes, kCanary) {
    for (size_t i = 0; i < src_.size(); ++i) {
      src_[i] = static_cast<uint8_t>(i * 7 + 1);
    }
    ravel_options_init(&options_);
  }

  // A layout that lives as long as the test; an empty shape or strides vector passes NULL.
  const ravel_layout* Layout(int32_t rank, int64_t elem_size, std::vector<int64_t> shape,
                             std::vector<int64_t> strides = {}) {
    shapes_.push_back(std::move(shape));
    strides_.push_back(std::move(strides));
    layouts_.push_back({rank, elem_size, shapes_.back().empty() ? nullptr : shapes_.back().data(),
                        strides_.back().empty() ? nullptr : strides_.back().data()});
    return &layouts_.back();
  }

  // A valid 2x3 layout of 4-byte elements.
  const ravel_layout* Good() { return Layout(2, 4, {2, 3}); }

  void ResetDst() { std::fill(dst_.begin(), dst_.end(), kCanary); }

  bool DstIntact() const {
    for (uint8_t byte : dst_) {
      if (byte != kCanary) {
        return false;
      }
    }
    return true;
  }

  // Both ravel_plan_create and ravel_copy must reject the arguments with `expected`, write
  // nothing, and name `needle`; a following good call clears the message. ravel_copy is not
  // tried when ravel_plan_create accepts: it would run a copy of a layout meant to be invalid.
  void ExpectRejected(const ravel_layout* src, const ravel_layout* dst,
                      const ravel_options* options, ravel_status expected, const char* needle) {
    static char not_a_plan;
    ravel_plan plan = reinterpret_cast<ravel_plan>(&not_a_plan);
    const ravel_status status = ravel_plan_create(src, dst, options, &plan);
    EXPECT_EQ(status, expected) << ravel_status_string(expected)
                                << " expected from ravel_plan_create; message: "
                                << ravel_last_error();
    if (status == RAVEL_OK) {
      ravel_plan_destroy(plan);
      return;
    }
    EXPECT_EQ(plan, nullptr) << "a failed ravel_plan_create must set *plan to NULL";
    EXPECT_TRUE(LastErrorNames(needle)) << "after ravel_plan_create";
    ExpectSuccessClearsError();

    EXPECT_EQ(ravel_copy(src_.data(), src, dst_.data(), dst, options), expected)
        << ravel_status_string(expected)
        << " expected from ravel_copy; message: " << ravel_last_error();
    EXPECT_TRUE(LastErrorNames(needle)) << "after ravel_copy";
    EXPECT_TRUE(DstIntact()) << "ravel_copy wrote to dst";
    ExpectSuccessClearsError();
  }

  void ExpectOptionsRejected(ravel_status expected, const char* needle) {
    ExpectRejected(Good(), nullptr, &options_, expected, needle);
  }

  std::vector<uint8_t> src_;
  std::vector<uint8_t> dst_;
  ravel_options options_;
  std::deque<std::vector<int64_t>> shapes_;
  std::deque<std::vector<int64_t>> strides_;
  std::deque<ravel_layout> layouts_;
};

// ---- Layout pointers, ranks, element sizes, extents ---------------------------------------

TEST_F(BadCopyTest, NullSrcLayout) {
  ExpectRejected(nullptr, nullptr, nullptr, RAVEL_E_INVALID_ARGUMENT, "src_layout");
  ExpectRejected(nullptr, Good(), nullptr, RAVEL_E_INVALID_ARGUMENT, "src_layout");
}

TEST_F(BadCopyTest, NullShapeWithPositiveRank) {
  ExpectRejected(Layout(2, 4, {}), nullptr, nullptr, RAVEL_E_INVALID_ARGUMENT, "src_layout->shape");
  ExpectRejected(Good(), Layout(2, 4, {}), nullptr, RAVEL_E_INVALID_ARGUMENT, "dst_layout->shape");
}

// ravel_copy remembers its last call to skip validation when the next one repeats it; a NULL
// shape must still be rejected there. Run in a child process, so a crash fails only this test.
TEST_F(BadCopyTest, NullShapeAfterACopyOfTheSameRank) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  const ravel_layout* src = Layout(2, 4, {2, 3});
  const ravel_layout* dst = Layout(2, 4, {2, 3}, {1, 2});
  const ravel_layout* src_without_shape = Layout(2, 4, {});
  const ravel_layout* dst_without_shape = Layout(2, 4, {}, {1, 2});
  const auto rejects = [&](const ravel_layout* bad_src, const ravel_layout* good_dst,
                           const ravel_layout* bad_dst, const char* needle) {
    if (ravel_copy(src_.data(), src, dst_.data(), good_dst, nullptr) != RAVEL_OK) {
      return false;
    }
    ResetDst();
    return ravel_copy(src_.data(), bad_src, dst_.data(), bad_dst, nullptr) ==
               RAVEL_E_INVALID_ARGUMENT &&
           LastErrorNames(needle) && DstIntact();
  };
  EXPECT_EXIT(std::exit(rejects(src_without_shape, nullptr, nullptr, "src_layout->shape") ? 0 : 1),
              ::testing::ExitedWithCode(0), "")
      << "src_layout {rank 2, elem_size 4, shape NULL} after a copy of a rank-2 src";
  EXPECT_EXIT(std::exit(rejects(src, dst, dst_without_shape, "dst_layout->shape") ? 0 : 1),
              ::testing::ExitedWithCode(0), "")
      << "dst_layout {rank 2, elem_size 4, shape NULL, strides {1, 2}} after a copy into a "
         "rank-2 dst";
}

TEST_F(BadCopyTest, RankOutOfRange) {
  const std::vector<int64_t> ones(RAVEL_MAX_RANK + 1, 1);
  for (int32_t rank : {-1, RAVEL_MAX_RANK + 1, INT32_MIN, INT32_MAX}) {
    SCOPED_TRACE("rank " + std::to_string(rank));
    ExpectRejected(Layout(rank, 4, ones), nullptr, nullptr, RAVEL_E_INVALID_ARGUMENT,
                   "src_layout->rank");
    ExpectRejected(Layout(1, 4, {1}), Layout(rank, 4, ones), nullptr, RAVEL_E_INVALID_ARGUMENT,
                   "dst_layout->rank");
  }
}

TEST_F(BadCopyTest, MaxRankIsValid) {
  const std::vector<int64_t> ones(RAVEL_MAX_RANK, 1);
  std::vector<int64_t> strides(RAVEL_MAX_RANK, 1);
  strides[7] = -5;
  const ravel_layout* src = Layout(RAVEL_MAX_RANK, 8, ones, strides);
  const ravel_layout* dst = Layout(RAVEL_MAX_RANK, 8, ones);
  ASSERT_EQ(ravel_copy(src_.data(), src, dst_.data(), dst, nullptr), RAVEL_OK)
      << ravel_last_error();
  EXPECT_EQ(std::memcmp(src_.data(), dst_.data(), 8), 0);
  EXPECT_EQ(dst_[8], kCanary);
  EXPECT_STREQ(ravel_last_error(), "");
}

TEST_F(BadCopyTest, ElemSizeBelowOne) {
  for (int64_t elem_size : {int64_t{0}, int64_t{-1}, int64_t{-4}, INT64_MIN}) {
    SCOPED_TRACE("elem_size " + std::to_string(elem_size));
    ExpectRejected(Layout(2, elem_size, {2, 3}), nullptr, nullptr, RAVEL_E_INVALID_ARGUMENT,
                   "src_layout->elem_size");
    ExpectRejected(Layout(2, 4, {2, 3}), Layout(2, elem_size, {2, 3}), nullptr,
                   RAVEL_E_INVALID_ARGUMENT, "dst_layout->elem_size");
  }
}

TEST_F(BadCopyTest, HugeElemSizeOverflowsTheByteCount) {
  ExpectRejected(Layout(1, INT64_MAX, {2}), nullptr, nullptr, RAVEL_E_OVERFLOW, "src_layout");
  ExpectRejected(Layout(2, INT64_MAX / 2, {1, 3}), nullptr, nullptr, RAVEL_E_OVERFLOW,
                 "src_layout");
  ExpectRejected(Layout(1, 8, {2}), Layout(1, INT64_MAX, {2}), nullptr, RAVEL_E_OVERFLOW,
                 "dst_layout");
}

TEST_F(BadCopyTest, NegativeExtent) {
  for (int64_t extent : {int64_t{-1}, int64_t{-7}, INT64_MIN}) {
    SCOPED_TRACE("extent " + std::to_string(extent));
    ExpectRejected(Layout(3, 4, {2, extent, 3}), nullptr, nullptr, RAVEL_E_INVALID_ARGUMENT,
                   "src_layout->shape[1]");
    ExpectRejected(Layout(3, 4, {2, 0, 3}), Layout(3, 4, {2, extent, 3}), nullptr,
                   RAVEL_E_INVALID_ARGUMENT, "dst_layout->shape[1]");
  }
}

TEST_F(BadCopyTest, MaxExtentOverflowsTheByteCount) {
  ExpectRejected(Layout(1, 2, {INT64_MAX}), nullptr, nullptr, RAVEL_E_OVERFLOW, "src_layout");
  ExpectRejected(Layout(2, 1, {INT64_MAX, 2}), nullptr, nullptr, RAVEL_E_OVERFLOW, "src_layout");
  ExpectRejected(Layout(2, 1, {3, INT64_MAX}), nullptr, nullptr, RAVEL_E_OVERFLOW, "src_layout");
  ExpectRejected(Layout(2, 1, {INT64_MAX, 2}, {1, 1}), Layout(2, 1, {INT64_MAX, 2}), nullptr,
                 RAVEL_E_OVERFLOW, "src_layout");
}

TEST_F(BadCopyTest, ElementCountOverflows) {
  ExpectRejected(Layout(2, 1, {kBig, kBig}), nullptr, nullptr, RAVEL_E_OVERFLOW, "src_layout");
  ExpectRejected(Layout(3, 1, {int64_t{1} << 21, int64_t{1} << 21, int64_t{1} << 21}), nullptr,
                 nullptr, RAVEL_E_OVERFLOW, "src_layout");
  ExpectRejected(Layout(1, 4, {int64_t{1} << 62}), nullptr, nullptr, RAVEL_E_OVERFLOW,
                 "src_layout");
  ExpectRejected(Layout(2, 1, {2, 2}), Layout(2, 1, {kBig, kBig}), nullptr, RAVEL_E_OVERFLOW,
                 "dst_layout");
}

TEST_F(BadCopyTest, EmptyShapesWithHugeExtentsAreValid) {
  const ravel_layout* layout = Layout(3, 16, {kBig, 0, kBig}, {1, 1, 1});
  ASSERT_EQ(ravel_copy(src_.data(), layout, dst_.data(), layout, nullptr), RAVEL_OK)
      << ravel_last_error();
  EXPECT_TRUE(DstIntact());
  ASSERT_EQ(ravel_copy(nullptr, layout, nullptr, layout, nullptr), RAVEL_OK) << ravel_last_error();
}

TEST_F(BadCopyTest, StrideOffsetsOverflow) {
  struct StrideCase {
    const char* name;
    int64_t elem_size;
    std::vector<int64_t> shape;
    std::vector<int64_t> strides;
    const char* needle;
  };
  const StrideCase cases[] = {
      {"(n-1)*stride", 1, {3}, {kHalfRange}, "src_layout->strides[0]"},
      {"(n-1)*stride negative", 1, {3}, {INT64_MIN}, "src_layout->strides[0]"},
      {"stride*elem_size", 8, {2}, {INT64_MAX / 4 + 1}, "src_layout->strides[0]"},
      {"sum of reaches", 1, {2, 2}, {kHalfRange, kHalfRange}, "src_layout->strides[1]"},
      {"inner dim", 2, {1, 5, 2}, {1, 1, INT64_MAX / 2}, "src_layout->strides[2]"},
      {"span hi - lo", 1, {2, 2}, {-kHalfRange, -kHalfRange}, "src_layout"},
      {"span reaches INT64_MIN", 1, {2}, {INT64_MIN}, "src_layout"},
      {"span both ways", 1, {2, 2}, {-kHalfRange, kHalfRange - 1}, "src_layout"},
  };
  for (const StrideCase& c : cases) {
    SCOPED_TRACE(c.name);
    const int32_t rank = static_cast<int32_t>(c.shape.size());
    ExpectRejected(Layout(rank, c.elem_size, c.shape, c.strides), nullptr, nullptr,
                   RAVEL_E_OVERFLOW, c.needle);
    std::string dst_needle = c.needle;
    dst_needle.replace(0, 3, "dst");
    ExpectRejected(Layout(rank, c.elem_size, c.shape),
                   Layout(rank, c.elem_size, c.shape, c.strides), nullptr, RAVEL_E_OVERFLOW,
                   dst_needle.c_str());
  }
}

// ---- src and dst disagree -----------------------------------------------------------------

TEST_F(BadCopyTest, RankMismatch) {
  ExpectRejected(Layout(2, 4, {2, 3}), Layout(3, 4, {1, 2, 3}), nullptr, RAVEL_E_INVALID_ARGUMENT,
                 "dst_layout->rank");
  ExpectRejected(Layout(0, 4, {}), Layout(1, 4, {1}), nullptr, RAVEL_E_INVALID_ARGUMENT,
                 "dst_layout->rank");
}

TEST_F(BadCopyTest, ShapeMismatch) {
  ExpectRejected(Layout(2, 4, {2, 3}), Layout(2, 4, {3, 2}), nullptr, RAVEL_E_INVALID_ARGUMENT,
                 "dst_layout->shape[0]");
  ExpectRejected(Layout(3, 4, {2, 3, 0}), Layout(3, 4, {2, 3, 1}), nullptr,
                 RAVEL_E_INVALID_ARGUMENT, "dst_layout->shape[2]");
}

TEST_F(BadCopyTest, ElemSizeMismatch) {
  ExpectRejected(Layout(2, 4, {2, 3}), Layout(2, 2, {2, 3}), nullptr, RAVEL_E_INVALID_ARGUMENT,
                 "dst_layout->elem_size");
  ExpectRejected(Layout(2, 1, {2, 6}), Layout(2, 2, {2, 3}), nullptr, RAVEL_E_INVALID_ARGUMENT,
                 "dst_layout");
}

// ---- a destination in which two indices share an address ----------------------------------

TEST_F(BadCopyTest, DstWithAliasedIndices) {
  struct AliasCase {
    const char* name;
    std::vector<int64_t> shape;
    std::vector<int64_t> strides;
  };
  const AliasCase cases[] = {
      {"broadcast dim", {3, 4}, {4, 0}},       {"broadcast outer dim", {2, 5}, {0, 1}},
      {"equal strides", {2, 2}, {1, 1}},       {"overlapping rows", {3, 4}, {2, 1}},
      {"index sums coincide", {3, 2}, {1, 2}}, {"opposite strides", {2, 2}, {-1, 1}},
      {"three dims", {2, 3, 4}, {5, 4, 1}},
  };
  for (const AliasCase& c : cases) {
    SCOPED_TRACE(c.name);
    const int32_t rank = static_cast<int32_t>(c.shape.size());
    ExpectRejected(Layout(rank, 2, c.shape), Layout(rank, 2, c.shape, c.strides), nullptr,
                   RAVEL_E_OVERLAP, "dst_layout");
  }
}

TEST_F(BadCopyTest, ZeroStrideOfExtentOneIsNotAliasing) {
  const ravel_layout* src = Layout(2, 4, {1, 3});
  const ravel_layout* dst = Layout(2, 4, {1, 3}, {0, 1});
  ASSERT_EQ(ravel_copy(src_.data(), src, dst_.data(), dst, nullptr), RAVEL_OK)
      << ravel_last_error();
  EXPECT_EQ(std::memcmp(src_.data(), dst_.data(), 12), 0);
}

// ---- pointers ------------------------------------------------------------------------------

TEST_F(BadCopyTest, NullPointersWithNonEmptyShape) {
  EXPECT_EQ(ravel_copy(nullptr, Good(), dst_.data(), nullptr, nullptr), RAVEL_E_INVALID_ARGUMENT);
  EXPECT_TRUE(LastErrorNames("src"));
  EXPECT_TRUE(DstIntact());
  ExpectSuccessClearsError();
  EXPECT_EQ(ravel_copy(src_.data(), Good(), nullptr, nullptr, nullptr), RAVEL_E_INVALID_ARGUMENT);
  EXPECT_TRUE(LastErrorNames("dst"));
  ExpectSuccessClearsError();
  EXPECT_EQ(ravel_copy(nullptr, Layout(0, 4, {}), nullptr, nullptr, nullptr),
            RAVEL_E_INVALID_ARGUMENT);
  EXPECT_TRUE(LastErrorNames("src"));
  ExpectSuccessClearsError();
}

TEST_F(BadCopyTest, NullPointersWithEmptyShapeAreANoOp) {
  EXPECT_EQ(ravel_copy(nullptr, Layout(2, 4, {3, 0}), nullptr, nullptr, nullptr), RAVEL_OK)
      << ravel_last_error();
  EXPECT_STREQ(ravel_last_error(), "");
}

// src occupies bytes [at, at + 16) of one buffer; dst 16 dense bytes placed around it.
class OverlapTest : public BadCopyTest {
 protected:
  static constexpr ptrdiff_t kSrcAt = 256;
  static constexpr ptrdiff_t kViewBytes = 16;

  // src_ is both source and destination buffer here: the whole buffer must stay unchanged.
  bool BufferIntact() const {
    for (size_t i = 0; i < src_.size(); ++i) {
      if (src_[i] != static_cast<uint8_t>(i * 7 + 1)) {
        return false;
      }
    }
    return true;
  }

  void ExpectOverlap(const ravel_layout* src_layout, ptrdiff_t src_at, ptrdiff_t dst_at) {
    SCOPED_TRACE("src at " + std::to_string(src_at) + ", dst at " + std::to_string(dst_at));
    uint8_t* src = src_.data() + src_at;
    uint8_t* dst = src_.data() + dst_at;
    const ravel_layout* dst_layout = Layout(1, 4, {4});
    EXPECT_EQ(ravel_copy(src, src_layout, dst, dst_layout, nullptr), RAVEL_E_OVERLAP);
    EXPECT_TRUE(LastErrorNames("src")) << "after ravel_copy";
    EXPECT_TRUE(LastErrorNames("dst")) << "after ravel_copy";
    EXPECT_TRUE(BufferIntact()) << "ravel_copy wrote to overlapping memory";
    ExpectSuccessClearsError();
    ravel_plan plan = nullptr;
    ASSERT_EQ(ravel_plan_create(src_layout, dst_layout, nullptr, &plan), RAVEL_OK)
        << ravel_last_error();
    EXPECT_EQ(ravel_plan_execute(plan, src, dst), RAVEL_E_OVERLAP);
    EXPECT_TRUE(LastErrorNames("src")) << "after ravel_plan_execute";
    EXPECT_TRUE(BufferIntact()) << "ravel_plan_execute wrote to overlapping memory";
    ExpectSuccessClearsError();
    ravel_plan_destroy(plan);
  }

  void ExpectDisjoint(const ravel_layout* src_layout, ptrdiff_t src_at, ptrdiff_t dst_at,
                      ptrdiff_t first_src_byte) {
    SCOPED_TRACE("src at " + std::to_string(src_at) + ", dst at " + std::to_string(dst_at));
    std::vector<uint8_t> expected(static_cast<size_t>(kViewBytes));
    std::memcpy(expected.data(), src_.data() + first_src_byte, expected.size());
    EXPECT_EQ(ravel_copy(src_.data() + src_at, src_layout, src_.data() + dst_at, nullptr, nullptr),
              RAVEL_OK)
        << ravel_last_error();
    EXPECT_EQ(std::memcmp(src_.data() + dst_at, expected.data(), expected.size()), 0);
  }
};

TEST_F(OverlapTest, DenseViewsIntersectingByOneByte) {
  const ravel_layout* src = Layout(1, 4, {4});
  ExpectOverlap(src, kSrcAt, kSrcAt + kViewBytes - 1);
  ExpectOverlap(src, kSrcAt, kSrcAt - kViewBytes + 1);
  ExpectOverlap(src, kSrcAt, kSrcAt);
}

TEST_F(OverlapTest, NegativeStrideSourceIntersectingByOneByte) {
  // Reversed: the pointer is the last element, the view reaches 12 bytes below it.
  const ravel_layout* src = Layout(1, 4, {4}, {-1});
  const ptrdiff_t at = kSrcAt + 12;
  ExpectOverlap(src, at, kSrcAt - kViewBytes + 1);
  ExpectOverlap(src, at, at + 3);
}

TEST_F(OverlapTest, StridedSourceIntersectingDst) {
  // Every other element: src reads bytes [at + 8, at + 12), which dst covers.
  const ravel_layout* src = Layout(1, 4, {4}, {2});
  ExpectOverlap(src, kSrcAt, kSrcAt + 4);
}

TEST_F(OverlapTest, AdjacentViewsAreDisjoint) {
  const ravel_layout* src = Layout(1, 4, {4});
  ExpectDisjoint(src, kSrcAt, kSrcAt + kViewBytes, kSrcAt);
  ExpectDisjoint(src, kSrcAt + 2 * kViewBytes, kSrcAt + kViewBytes, kSrcAt + 2 * kViewBytes);
}

// ---- options ---------------------------------------------------------------------------------

TEST_F(BadCopyTest, OptionsStructSize) {
  for (uint32_t size :
       {0u, 1u, static_cast<uint32_t>(RAVEL_OPTIONS_SIZE_V1) - 1,
        static_cast<uint32_t>(sizeof(ravel_options)) + 1, 0xDEADBEEFu, UINT32_MAX}) {
    SCOPED_TRACE("struct_size " + std::to_string(size));
    ravel_options_init(&options_);
    options_.struct_size = size;
    ExpectOptionsRejected(RAVEL_E_INVALID_ARGUMENT, "options->struct_size");
  }
}

TEST_F(BadCopyTest, OptionsV1SizeIgnoresLaterFields) {
  ravel_options_init(&options_);
  options_.struct_size = static_cast<uint32_t>(RAVEL_OPTIONS_SIZE_V1);
  options_.isa = 1000;
  options_.streaming = -1000;
  EXPECT_EQ(ravel_copy(src_.data(), Good(), dst_.data(), nullptr, &options_), RAVEL_OK)
      << ravel_last_error();
  EXPECT_EQ(std::memcmp(src_.data(), dst_.data(), 24), 0);
  options_.struct_size = static_cast<uint32_t>(offsetof(ravel_options, streaming));
  options_.isa = RAVEL_ISA_SCALAR;
  EXPECT_EQ(ravel_copy(src_.data(), Good(), dst_.data(), nullptr, &options_), RAVEL_OK)
      << ravel_last_error();
  ResetDst();
  options_.isa = 1000;
  ExpectOptionsRejected(RAVEL_E_INVALID_ARGUMENT, "options->isa");
}

TEST_F(BadCopyTest, OptionsNumThreadsNegative) {
  for (int32_t threads : {-1, -2, INT32_MIN}) {
    SCOPED_TRACE("num_threads " + std::to_string(threads));
    ravel_options_init(&options_);
    options_.num_threads = threads;
    ExpectOptionsRejected(RAVEL_E_INVALID_ARGUMENT, "options->num_threads");
  }
}

TEST_F(BadCopyTest, OptionsBackendOutOfRange) {
  for (int32_t backend : {-1, RAVEL_BACKEND_REFERENCE + 1, 100, INT32_MIN, INT32_MAX}) {
    SCOPED_TRACE("backend " + std::to_string(backend));
    ravel_options_init(&options_);
    options_.backend = backend;
    ExpectOptionsRejected(RAVEL_E_INVALID_ARGUMENT, "options->backend");
  }
}

TEST_F(BadCopyTest, OptionsIsaOutOfRange) {
  for (int32_t isa : {-1, RAVEL_ISA_SVE + 1, 100, INT32_MIN}) {
    SCOPED_TRACE("isa " + std::to_string(isa));
    ravel_options_init(&options_);
    options_.isa = isa;
    ExpectOptionsRejected(RAVEL_E_INVALID_ARGUMENT, "options->isa");
  }
}

TEST_F(BadCopyTest, OptionsStreamingOutOfRange) {
  for (int32_t streaming : {-1, RAVEL_STREAMING_ON + 1, INT32_MAX}) {
    SCOPED_TRACE("streaming " + std::to_string(streaming));
    ravel_options_init(&options_);
    options_.streaming = streaming;
    ExpectOptionsRejected(RAVEL_E_INVALID_ARGUMENT, "options->streaming");
  }
}

TEST_F(BadCopyTest, OptionsPoolWithoutParallelFor) {
  int pool = 0;
  options_.pool = &pool;
  ExpectOptionsRejected(RAVEL_E_INVALID_ARGUMENT, "options->pool");
}

TEST_F(BadCopyTest, UnavailableIsaForced) {
  int unavailable = 0;
  for (int32_t isa = RAVEL_ISA_SCALAR; isa <= RAVEL_ISA_SVE; ++isa) {
    if (ravel_isa_available(isa) == 1) {
      continue;
    }
    ++unavailable;
    for (int32_t backend : {RAVEL_BACKEND_AUTO, RAVEL_BACKEND_HWY}) {
      SCOPED_TRACE(std::string("isa ") + ravel_isa_name(isa) + " backend " +
                   std::to_string(backend));
      ravel_options_init(&options_);
      options_.isa = isa;
      options_.backend = backend;
      ExpectOptionsRejected(RAVEL_E_UNSUPPORTED, "options->isa");
    }
  }
  if (unavailable == 0) {
    GTEST_SKIP() << "this machine runs every ISA";
  }
}

TEST_F(BadCopyTest, JitBackendIsUnsupportedOrCopies) {
  options_.backend = RAVEL_BACKEND_JIT;
  const ravel_status status = ravel_copy(src_.data(), Good(), dst_.data(), nullptr, &options_);
  if (status == RAVEL_E_UNSUPPORTED) {
    EXPECT_TRUE(LastErrorNames("options->backend"));
    EXPECT_TRUE(DstIntact());
    ExpectOptionsRejected(RAVEL_E_UNSUPPORTED, "options->backend");
  } else {
    ASSERT_EQ(status, RAVEL_OK) << ravel_last_error();
    EXPECT_EQ(std::memcmp(src_.data(), dst_.data(), 24), 0);
  }
}

// RAVEL_ISA is read when a plan is built; a bad value fails like a bad option.
TEST_F(BadCopyTest, BadIsaEnvironmentVariable) {
  const char* saved = std::getenv("RAVEL_ISA");
  const std::string restore = saved == nullptr ? "" : saved;
  std::vector<std::string> values = {"bogus", "AVX2"};
  for (int32_t isa = RAVEL_ISA_SCALAR; isa <= RAVEL_ISA_SVE; ++isa) {
    if (ravel_isa_available(isa) == 0) {
      values.push_back(ravel_isa_name(isa));
    }
  }
  for (const std::string& value : values) {
    SCOPED_TRACE("RAVEL_ISA=" + value);
    ASSERT_EQ(setenv("RAVEL_ISA", value.c_str(), 1), 0);
    ravel_plan plan = nullptr;
    EXPECT_EQ(ravel_plan_create(Good(), nullptr, nullptr, &plan), RAVEL_E_UNSUPPORTED);
    EXPECT_EQ(plan, nullptr);
    EXPECT_TRUE(LastErrorNames("RAVEL_ISA"));
    ravel_plan_destroy(plan);
  }
  if (saved == nullptr) {
    unsetenv("RAVEL_ISA");
  } else {
    setenv("RAVEL_ISA", restore.c_str(), 1);
  }
  ExpectSuccessClearsError();
}

// ---- plans -----------------------------------------------------------------------------------

TEST_F(BadCopyTest, PlanCreateWithNullPlan) {
  EXPECT_EQ(ravel_plan_create(Good(), nullptr, nullptr, nullptr), RAVEL_E_INVALID_ARGUMENT);
  EXPECT_TRUE(LastErrorNames("plan"));
  ExpectSuccessClearsError();
}

TEST_F(BadCopyTest, PlanExecuteWithNullPlan) {
  EXPECT_EQ(ravel_plan_execute(nullptr, src_.data(), dst_.data()), RAVEL_E_INVALID_ARGUMENT);
  EXPECT_TRUE(LastErrorNames("plan"));
  EXPECT_TRUE(DstIntact());
  ExpectSuccessClearsError();
}

TEST_F(BadCopyTest, PlanExecuteWithNullPointers) {
  ravel_plan plan = nullptr;
  ASSERT_EQ(ravel_plan_create(Good(), nullptr, nullptr, &plan), RAVEL_OK) << ravel_last_error();
  EXPECT_EQ(ravel_plan_execute(plan, nullptr, dst_.data()), RAVEL_E_INVALID_ARGUMENT);
  EXPECT_TRUE(LastErrorNames("src"));
  EXPECT_TRUE(DstIntact());
  ExpectSuccessClearsError();
  EXPECT_EQ(ravel_plan_execute(plan, src_.data(), nullptr), RAVEL_E_INVALID_ARGUMENT);
  EXPECT_TRUE(LastErrorNames("dst"));
  ExpectSuccessClearsError();
  EXPECT_EQ(ravel_plan_execute(plan, src_.data(), dst_.data()), RAVEL_OK) << ravel_last_error();
  EXPECT_STREQ(ravel_last_error(), "");
  EXPECT_EQ(std::memcmp(src_.data(), dst_.data(), 24), 0);
  ravel_plan_destroy(plan);
}

TEST_F(BadCopyTest, EmptyPlanAcceptsNullPointers) {
  ravel_plan plan = nullptr;
  ASSERT_EQ(ravel_plan_create(Layout(2, 4, {0, 3}), nullptr, nullptr, &plan), RAVEL_OK)
      << ravel_last_error();
  EXPECT_EQ(ravel_plan_execute(plan, nullptr, nullptr), RAVEL_OK) << ravel_last_error();
  ravel_plan_destroy(plan);
}

TEST(PlanHelpers, NullPlan) {
  EXPECT_EQ(ravel_plan_backend(nullptr), -1);
  EXPECT_EQ(ravel_plan_isa(nullptr), -1);
  ravel_plan_destroy(nullptr);
  char buf[32];
  std::memset(buf, 'x', sizeof(buf));
  const size_t length = ravel_plan_describe(nullptr, buf, sizeof(buf));
  EXPECT_EQ(length, std::strlen(buf));
  EXPECT_GT(length, 0u);
}

TEST(PlanHelpers, DescribeWithSmallOrNullBuffers) {
  const int64_t shape[] = {5, 7};
  const int64_t strides[] = {1, 5};
  const ravel_layout layout = {2, 4, shape, strides};
  ravel_plan plan = nullptr;
  ASSERT_EQ(ravel_plan_create(&layout, nullptr, nullptr, &plan), RAVEL_OK) << ravel_last_error();
  const size_t length = ravel_plan_describe(plan, nullptr, 0);
  ASSERT_GT(length, 0u);
  EXPECT_EQ(ravel_plan_describe(plan, nullptr, 100), length);

  std::vector<char> buf(length + 8, 'x');
  EXPECT_EQ(ravel_plan_describe(plan, buf.data(), 0), length);
  EXPECT_EQ(buf[0], 'x') << "size 0 must write nothing";

  EXPECT_EQ(ravel_plan_describe(plan, buf.data(), 1), length);
  EXPECT_EQ(buf[0], '\0');
  EXPECT_EQ(buf[1], 'x');

  const size_t small = 6;
  std::fill(buf.begin(), buf.end(), 'x');
  EXPECT_EQ(ravel_plan_describe(plan, buf.data(), small), length);
  EXPECT_EQ(std::strlen(buf.data()), small - 1);
  EXPECT_EQ(buf[small], 'x');

  std::fill(buf.begin(), buf.end(), 'x');
  EXPECT_EQ(ravel_plan_describe(plan, buf.data(), length), length);
  EXPECT_EQ(std::strlen(buf.data()), length - 1) << "one byte short truncates";
  EXPECT_EQ(ravel_plan_describe(plan, buf.data(), length + 1), length);
  EXPECT_EQ(std::strlen(buf.data()), length);
  EXPECT_EQ(buf[length + 1], 'x');
  ravel_plan_destroy(plan);
}

// ---- messages and names ------------------------------------------------------------------------

TEST(Messages, LastErrorIsPerThread) {
  ExpectSuccessClearsError();
  std::string other_thread;
  std::thread([&] {
    EXPECT_EQ(ravel_copy(nullptr, nullptr, nullptr, nullptr, nullptr), RAVEL_E_INVALID_ARGUMENT);
    other_thread = ravel_last_error();
  }).join();
  EXPECT_NE(other_thread, "");
  EXPECT_STREQ(ravel_last_error(), "");
}

// Each entry point that returns a status clears the previous failure's message on success.
TEST(Messages, EverySuccessfulCallClearsTheMessage) {
  const int64_t shape[] = {2, 3};
  const ravel_layout layout = {2, 4, shape, nullptr};
  const float src[6] = {1, 2, 3, 4, 5, 6};
  float dst[6] = {};
  const auto fail = [] {
    ASSERT_EQ(ravel_copy(nullptr, nullptr, nullptr, nullptr, nullptr), RAVEL_E_INVALID_ARGUMENT);
    ASSERT_STRNE(ravel_last_error(), "");
  };
  fail();
  ravel_plan plan = nullptr;
  ASSERT_EQ(ravel_plan_create(&layout, nullptr, nullptr, &plan), RAVEL_OK);
  EXPECT_STREQ(ravel_last_error(), "") << "ravel_plan_create";
  fail();
  ASSERT_EQ(ravel_plan_execute(plan, src, dst), RAVEL_OK);
  EXPECT_STREQ(ravel_last_error(), "") << "ravel_plan_execute";
  ravel_plan_destroy(plan);
  fail();
  ASSERT_EQ(ravel_copy(src, &layout, dst, nullptr, nullptr), RAVEL_OK);
  EXPECT_STREQ(ravel_last_error(), "") << "ravel_copy";
  fail();
  ravel_view view;
  ASSERT_EQ(ravel_view_init(&view, &layout), RAVEL_OK);
  EXPECT_STREQ(ravel_last_error(), "") << "ravel_view_init";
  fail();
  ASSERT_EQ(ravel_view_unsqueeze(&view, 0), RAVEL_OK);
  EXPECT_STREQ(ravel_last_error(), "") << "ravel_view_unsqueeze";
  fail();
  ASSERT_EQ(ravel_view_squeeze(&view, 0), RAVEL_OK);
  EXPECT_STREQ(ravel_last_error(), "") << "ravel_view_squeeze";
  fail();
  ASSERT_EQ(ravel_view_squeeze_all(&view), RAVEL_OK);
  EXPECT_STREQ(ravel_last_error(), "") << "ravel_view_squeeze_all";
  int64_t out_shape[RAVEL_MAX_RANK];
  int64_t out_strides[RAVEL_MAX_RANK];
  int32_t out_rank = 0;
  int is_view = 0;
  fail();
  ASSERT_EQ(ravel_flatten(&layout, 0, -1, out_shape, out_strides, &out_rank, &is_view), RAVEL_OK);
  EXPECT_STREQ(ravel_last_error(), "") << "ravel_flatten";
  const int64_t new_shape[] = {3, 2};
  fail();
  ASSERT_EQ(ravel_reshape(&layout, new_shape, 2, out_shape, out_strides, &is_view), RAVEL_OK);
  EXPECT_STREQ(ravel_last_error(), "") << "ravel_reshape";
}

TEST(Messages, StatusStrings) {
  const std::pair<ravel_status, const char*> names[] = {
      {RAVEL_OK, "RAVEL_OK"},
      {RAVEL_E_INVALID_ARGUMENT, "RAVEL_E_INVALID_ARGUMENT"},
      {RAVEL_E_UNSUPPORTED, "RAVEL_E_UNSUPPORTED"},
      {RAVEL_E_OVERFLOW, "RAVEL_E_OVERFLOW"},
      {RAVEL_E_OVERLAP, "RAVEL_E_OVERLAP"},
      {RAVEL_E_OUT_OF_MEMORY, "RAVEL_E_OUT_OF_MEMORY"},
      {RAVEL_E_INTERNAL, "RAVEL_E_INTERNAL"},
  };
  for (const auto& [status, name] : names) {
    EXPECT_STREQ(ravel_status_string(status), name);
  }
  const char* unknown = ravel_status_string(static_cast<ravel_status>(RAVEL_E_INTERNAL + 1));
  ASSERT_NE(unknown, nullptr);
  EXPECT_NE(std::string(unknown), "");
  for (const auto& [status, name] : names) {
    EXPECT_STRNE(unknown, name);
  }
}

TEST(Messages, IsaNames) {
  const char* const expected[] = {"auto", "scalar", "sse4", "avx2", "avx512", "neon", "sve"};
  for (int32_t isa = RAVEL_ISA_AUTO; isa <= RAVEL_ISA_SVE; ++isa) {
    EXPECT_STREQ(ravel_isa_name(isa), expected[isa]);
  }
  for (int32_t isa : {-1, RAVEL_ISA_SVE + 1, 1000, INT32_MIN, INT32_MAX}) {
    SCOPED_TRACE("isa " + std::to_string(isa));
    ASSERT_NE(ravel_isa_name(isa), nullptr);
    for (const char* name : expected) {
      EXPECT_STRNE(ravel_isa_name(isa), name);
    }
    EXPECT_EQ(ravel_isa_available(isa), 0);
  }
  EXPECT_EQ(ravel_isa_available(RAVEL_ISA_AUTO), 0);
  EXPECT_EQ(ravel_isa_available(RAVEL_ISA_SCALAR), 1);
}

TEST(Messages, OptionsInitAndVersion) {
  ravel_options_init(nullptr);
  ravel_options options;
  std::memset(&options, 0x7F, sizeof(options));
  ravel_options_init(&options);
  EXPECT_EQ(options.struct_size, sizeof(ravel_options));
  EXPECT_EQ(options.num_threads, 0);
  EXPECT_EQ(options.backend, RAVEL_BACKEND_AUTO);
  EXPECT_EQ(options.parallel_for, nullptr);
  EXPECT_EQ(options.pool, nullptr);
  EXPECT_EQ(options.isa, RAVEL_ISA_AUTO);
  EXPECT_EQ(options.streaming, RAVEL_STREAMING_AUTO);
  EXPECT_EQ(std::string(ravel_version()), std::to_string(RAVEL_VERSION_MAJOR) + "." +
                                              std::to_string(RAVEL_VERSION_MINOR) + "." +
                                              std::to_string(RAVEL_VERSION_PATCH));
}

// ---- views, flatten and reshape -------------------------------------------------------------

// A rank-3 view [2, 3, 4] of 4-byte elements with a nonzero offset; every rejected edit must
// leave all of its bytes as they were.
class BadViewTest : public ::testing::Test {
 protected:
  BadViewTest() {
    std::memset(&view_, 0x5A, sizeof(view_));
    const int64_t shape[] = {2, 3, 4};
    const ravel_layout layout = {3, 4, shape, nullptr};
    EXPECT_EQ(ravel_view_init(&view_, &layout), RAVEL_OK) << ravel_last_error();
    EXPECT_EQ(ravel_view_slice(&view_, 2, 1, RAVEL_SLICE_NONE, 1), RAVEL_OK) << ravel_last_error();
    EXPECT_EQ(ravel_view_slice(&view_, 2, RAVEL_SLICE_NONE, RAVEL_SLICE_NONE, -1), RAVEL_OK);
    EXPECT_EQ(view_.offset, 3);
    std::memcpy(&saved_, &view_, sizeof(view_));
  }

  void ExpectRejected(ravel_status status, const char* what) {
    SCOPED_TRACE(what);
    EXPECT_NE(status, RAVEL_OK);
    EXPECT_NE(std::string(ravel_last_error()), "");
    EXPECT_EQ(std::memcmp(&view_, &saved_, sizeof(view_)), 0) << "a failed edit changed the view";
    ExpectSuccessClearsError();
  }

  ravel_view view_;
  ravel_view saved_;
};

TEST_F(BadViewTest, NullView) {
  const int64_t shape[] = {2};
  const ravel_layout layout = {1, 4, shape, nullptr};
  const int32_t dims[] = {0};
  EXPECT_NE(ravel_view_init(nullptr, &layout), RAVEL_OK);
  EXPECT_TRUE(LastErrorNames("view"));
  EXPECT_NE(ravel_view_permute(nullptr, dims, 1), RAVEL_OK);
  EXPECT_TRUE(LastErrorNames("view"));
  EXPECT_NE(ravel_view_slice(nullptr, 0, 0, 1, 1), RAVEL_OK);
  EXPECT_TRUE(LastErrorNames("view"));
  EXPECT_NE(ravel_view_select(nullptr, 0, 0), RAVEL_OK);
  EXPECT_TRUE(LastErrorNames("view"));
  EXPECT_NE(ravel_view_expand(nullptr, shape, 1), RAVEL_OK);
  EXPECT_TRUE(LastErrorNames("view"));
  EXPECT_NE(ravel_view_flip(nullptr, dims, 1), RAVEL_OK);
  EXPECT_TRUE(LastErrorNames("view"));
  EXPECT_NE(ravel_view_squeeze(nullptr, 0), RAVEL_OK);
  EXPECT_TRUE(LastErrorNames("view"));
  EXPECT_NE(ravel_view_squeeze_all(nullptr), RAVEL_OK);
  EXPECT_TRUE(LastErrorNames("view"));
  EXPECT_NE(ravel_view_unsqueeze(nullptr, 0), RAVEL_OK);
  EXPECT_TRUE(LastErrorNames("view"));
  EXPECT_NE(ravel_view_as_strided(nullptr, shape, shape, 1, 0), RAVEL_OK);
  EXPECT_TRUE(LastErrorNames("view"));
  ExpectSuccessClearsError();
}

TEST_F(BadViewTest, InitFromBadLayout) {
  const ravel_status status = ravel_view_init(&view_, nullptr);
  EXPECT_EQ(status, RAVEL_E_INVALID_ARGUMENT);
  EXPECT_TRUE(LastErrorNames("layout"));
  ExpectRejected(status, "NULL layout");
  const int64_t zeros[RAVEL_MAX_RANK + 1] = {};
  const int64_t bad_shape[] = {2, -1};
  const int64_t huge[] = {kBig, kBig};
  const ravel_layout layouts[] = {
      {RAVEL_MAX_RANK + 1, 4, zeros, nullptr},
      {-1, 4, zeros, nullptr},
      {1, 0, zeros, nullptr},
      {2, 4, bad_shape, nullptr},
      {2, 4, nullptr, nullptr},
      {2, 1, huge, nullptr},
  };
  for (const ravel_layout& layout : layouts) {
    ExpectRejected(ravel_view_init(&view_, &layout), "bad layout");
  }
}

TEST_F(BadViewTest, EditsOfACorruptView) {
  view_.rank = RAVEL_MAX_RANK + 1;
  std::memcpy(&saved_, &view_, sizeof(view_));
  ExpectRejected(ravel_view_squeeze_all(&view_), "rank 65");
  view_.rank = 3;
  view_.elem_size = 0;
  std::memcpy(&saved_, &view_, sizeof(view_));
  ExpectRejected(ravel_view_unsqueeze(&view_, 0), "elem_size 0");
  view_.elem_size = 4;
  view_.shape[1] = -3;
  std::memcpy(&saved_, &view_, sizeof(view_));
  ExpectRejected(ravel_view_squeeze(&view_, 0), "negative extent");
  view_.shape[1] = 3;
  view_.offset = INT64_MAX / 2;
  std::memcpy(&saved_, &view_, sizeof(view_));
  ExpectRejected(ravel_view_flip(&view_, nullptr, 0), "offset overflows in bytes");
}

TEST_F(BadViewTest, Permute) {
  const int32_t duplicate[] = {0, 0, 1};
  const int32_t duplicate_negative[] = {0, -3, 1};
  const int32_t out_of_range[] = {0, 1, 3};
  const int32_t below_range[] = {-4, 1, 2};
  const int32_t valid[] = {2, 0, 1};
  ExpectRejected(ravel_view_permute(&view_, duplicate, 3), "duplicate dims");
  ExpectRejected(ravel_view_permute(&view_, duplicate_negative, 3), "duplicate via -3");
  ExpectRejected(ravel_view_permute(&view_, out_of_range, 3), "dim 3");
  ExpectRejected(ravel_view_permute(&view_, below_range, 3), "dim -4");
  ExpectRejected(ravel_view_permute(&view_, valid, 2), "count below rank");
  ExpectRejected(ravel_view_permute(&view_, valid, -1), "negative count");
  ExpectRejected(ravel_view_permute(&view_, nullptr, 3), "NULL dims");
}

TEST_F(BadViewTest, Slice) {
  ExpectRejected(ravel_view_slice(&view_, 0, 0, 2, 0), "step 0");
  ExpectRejected(ravel_view_slice(&view_, 3, 0, 2, 1), "dim 3");
  ExpectRejected(ravel_view_slice(&view_, -4, 0, 2, 1), "dim -4");
  ExpectRejected(ravel_view_slice(&view_, INT32_MIN, 0, 2, 1), "dim INT32_MIN");
}

TEST_F(BadViewTest, Select) {
  ExpectRejected(ravel_view_select(&view_, 0, 2), "index == extent");
  ExpectRejected(ravel_view_select(&view_, 0, -3), "index == -extent - 1");
  ExpectRejected(ravel_view_select(&view_, 1, INT64_MAX), "index INT64_MAX");
  ExpectRejected(ravel_view_select(&view_, 1, INT64_MIN), "index INT64_MIN");
  ExpectRejected(ravel_view_select(&view_, 3, 0), "dim 3");
  ExpectRejected(ravel_view_select(&view_, -4, 0), "dim -4");
  ASSERT_EQ(ravel_view_slice(&view_, 1, 0, 0, 1), RAVEL_OK) << ravel_last_error();
  std::memcpy(&saved_, &view_, sizeof(view_));
  ExpectRejected(ravel_view_select(&view_, 1, 0), "index 0 of an empty dim");
}

TEST_F(BadViewTest, SelectOnRankZero) {
  const ravel_layout scalar = {0, 4, nullptr, nullptr};
  ASSERT_EQ(ravel_view_init(&view_, &scalar), RAVEL_OK) << ravel_last_error();
  std::memcpy(&saved_, &view_, sizeof(view_));
  ExpectRejected(ravel_view_select(&view_, 0, 0), "select on rank 0");
  ExpectRejected(ravel_view_slice(&view_, 0, 0, 1, 1), "slice on rank 0");
}

TEST_F(BadViewTest, Expand) {
  const int64_t incompatible[] = {2, 5, 3};
  const int64_t fewer[] = {3, 3};
  const int64_t new_leading_minus_one[] = {-1, 2, 3, 3};
  const int64_t minus_two[] = {2, -2, 3};
  const int64_t big[RAVEL_MAX_RANK + 1] = {};
  ExpectRejected(ravel_view_expand(&view_, incompatible, 3), "3 expanded to 5");
  ExpectRejected(ravel_view_expand(&view_, fewer, 2), "fewer dims than the view");
  ExpectRejected(ravel_view_expand(&view_, new_leading_minus_one, 4), "-1 for a new dim");
  ExpectRejected(ravel_view_expand(&view_, minus_two, 3), "extent -2");
  ExpectRejected(ravel_view_expand(&view_, nullptr, 3), "NULL shape");
  ExpectRejected(ravel_view_expand(&view_, big, RAVEL_MAX_RANK + 1), "rank 65");
}

TEST_F(BadViewTest, Flip) {
  const int32_t out_of_range[] = {3};
  const int32_t duplicate[] = {1, -2};
  const int32_t too_many[] = {0, 1, 2, 0};
  ExpectRejected(ravel_view_flip(&view_, out_of_range, 1), "dim 3");
  ExpectRejected(ravel_view_flip(&view_, duplicate, 2), "dim 1 twice");
  ExpectRejected(ravel_view_flip(&view_, too_many, 4), "more dims than the rank");
  ExpectRejected(ravel_view_flip(&view_, nullptr, 1), "NULL dims");
}

TEST_F(BadViewTest, SqueezeAndUnsqueeze) {
  ExpectRejected(ravel_view_squeeze(&view_, 3), "squeeze dim 3");
  ExpectRejected(ravel_view_squeeze(&view_, -4), "squeeze dim -4");
  ExpectRejected(ravel_view_unsqueeze(&view_, 4), "unsqueeze dim 4");
  ExpectRejected(ravel_view_unsqueeze(&view_, -5), "unsqueeze dim -5");
}

TEST_F(BadViewTest, UnsqueezeAtMaxRank) {
  const std::vector<int64_t> ones(RAVEL_MAX_RANK, 1);
  const ravel_layout layout = {RAVEL_MAX_RANK, 2, ones.data(), nullptr};
  ASSERT_EQ(ravel_view_init(&view_, &layout), RAVEL_OK) << ravel_last_error();
  std::memcpy(&saved_, &view_, sizeof(view_));
  ExpectRejected(ravel_view_unsqueeze(&view_, 0), "unsqueeze at rank 64");
  ExpectRejected(ravel_view_unsqueeze(&view_, RAVEL_MAX_RANK), "unsqueeze at the end, rank 64");
  const int64_t shape[RAVEL_MAX_RANK + 1] = {};
  ExpectRejected(ravel_view_expand(&view_, shape, RAVEL_MAX_RANK + 1), "expand to rank 65");
}

TEST_F(BadViewTest, AsStrided) {
  const int64_t shape[] = {2, 3};
  const int64_t negative_shape[] = {2, -3};
  const int64_t strides[] = {3, 1};
  const int64_t huge_strides[] = {kHalfRange, 1};
  ExpectRejected(ravel_view_as_strided(&view_, shape, strides, -1, 0), "rank -1");
  ExpectRejected(ravel_view_as_strided(&view_, shape, strides, RAVEL_MAX_RANK + 1, 0), "rank 65");
  ExpectRejected(ravel_view_as_strided(&view_, nullptr, strides, 2, 0), "NULL shape");
  ExpectRejected(ravel_view_as_strided(&view_, shape, nullptr, 2, 0), "NULL strides");
  ExpectRejected(ravel_view_as_strided(&view_, negative_shape, strides, 2, 0), "extent -3");
  ExpectRejected(ravel_view_as_strided(&view_, shape, huge_strides, 2, 0), "strides overflow");
  ExpectRejected(ravel_view_as_strided(&view_, shape, strides, 2, INT64_MAX / 2),
                 "offset overflow");
}

class BadReshapeTest : public ::testing::Test {
 protected:
  BadReshapeTest() {
    std::fill(std::begin(out_shape_), std::end(out_shape_), -7);
    std::fill(std::begin(out_strides_), std::end(out_strides_), -7);
  }

  void ExpectRejected(ravel_status status, const char* what, const char* needle = "") {
    SCOPED_TRACE(what);
    EXPECT_NE(status, RAVEL_OK);
    EXPECT_TRUE(LastErrorNames(needle));
    ExpectSuccessClearsError();
  }

  ravel_status Reshape(const ravel_layout* layout, std::vector<int64_t> shape) {
    return ravel_reshape(layout, shape.data(), static_cast<int32_t>(shape.size()), out_shape_,
                         out_strides_, &is_view_);
  }

  ravel_status Flatten(const ravel_layout* layout, int32_t start, int32_t end) {
    return ravel_flatten(layout, start, end, out_shape_, out_strides_, &out_rank_, &is_view_);
  }

  const int64_t shape_[3] = {2, 3, 4};
  const ravel_layout layout_ = {3, 4, shape_, nullptr};
  int64_t out_shape_[RAVEL_MAX_RANK];
  int64_t out_strides_[RAVEL_MAX_RANK];
  int32_t out_rank_ = -7;
  int is_view_ = -7;
};

TEST_F(BadReshapeTest, Reshape) {
  ExpectRejected(Reshape(&layout_, {5, 5}), "25 elements for 24", "new_shape");
  ExpectRejected(Reshape(&layout_, {-1, -1}), "two -1s", "new_shape");
  ExpectRejected(Reshape(&layout_, {-1, 5}), "24 not a multiple of 5", "new_shape");
  ExpectRejected(Reshape(&layout_, {-2, -12}), "negative extents", "new_shape");
  ExpectRejected(Reshape(&layout_, {kBig, kBig, 2}), "count overflow", "new_shape");
  ExpectRejected(Reshape(&layout_, {}), "rank 0 holds one element", "new_shape");
  ExpectRejected(ravel_reshape(&layout_, nullptr, 2, out_shape_, out_strides_, &is_view_),
                 "NULL new_shape", "new_shape");
  const int64_t big[RAVEL_MAX_RANK + 1] = {};
  ExpectRejected(
      ravel_reshape(&layout_, big, RAVEL_MAX_RANK + 1, out_shape_, out_strides_, &is_view_),
      "rank 65", "new_rank");
  ExpectRejected(ravel_reshape(&layout_, big, -1, out_shape_, out_strides_, &is_view_), "rank -1",
                 "new_rank");
  const int64_t empty_shape[] = {0, 3};
  const ravel_layout empty = {2, 4, empty_shape, nullptr};
  ExpectRejected(Reshape(&empty, {-1, 0}), "-1 beside a 0 extent", "new_shape");
}

TEST_F(BadReshapeTest, ReshapeBadLayoutOrOutputs) {
  const int64_t new_shape[] = {24};
  ExpectRejected(Reshape(nullptr, {24}), "NULL layout", "layout");
  const int64_t bad_shape[] = {2, -1, 4};
  const ravel_layout bad = {3, 4, bad_shape, nullptr};
  ExpectRejected(Reshape(&bad, {24}), "negative extent", "layout");
  const ravel_layout bad_rank = {RAVEL_MAX_RANK + 1, 4, shape_, nullptr};
  ExpectRejected(Reshape(&bad_rank, {24}), "rank 65", "layout");
  ExpectRejected(ravel_reshape(&layout_, new_shape, 1, nullptr, out_strides_, &is_view_),
                 "NULL out_shape", "out_shape");
  ExpectRejected(ravel_reshape(&layout_, new_shape, 1, out_shape_, nullptr, &is_view_),
                 "NULL out_strides", "out_strides");
  ExpectRejected(ravel_reshape(&layout_, new_shape, 1, out_shape_, out_strides_, nullptr),
                 "NULL is_view", "is_view");
}

TEST_F(BadReshapeTest, Flatten) {
  ExpectRejected(Flatten(&layout_, 2, 1), "start after end", "start_dim");
  ExpectRejected(Flatten(&layout_, -1, 0), "start -1 after end 0", "start_dim");
  ExpectRejected(Flatten(&layout_, 3, 3), "start 3", "start_dim");
  ExpectRejected(Flatten(&layout_, 0, 3), "end 3", "end_dim");
  ExpectRejected(Flatten(&layout_, -4, 2), "start -4", "start_dim");
  ExpectRejected(Flatten(&layout_, 0, INT32_MIN), "end INT32_MIN", "end_dim");
  const ravel_layout scalar = {0, 4, nullptr, nullptr};
  ExpectRejected(Flatten(&scalar, 0, 1), "end 1 on rank 0", "end_dim");
  ExpectRejected(Flatten(nullptr, 0, 1), "NULL layout", "layout");
  const ravel_layout bad_rank = {-1, 4, shape_, nullptr};
  ExpectRejected(Flatten(&bad_rank, 0, 1), "rank -1", "layout");
  ExpectRejected(ravel_flatten(&layout_, 0, 1, out_shape_, out_strides_, nullptr, &is_view_),
                 "NULL out_rank", "out_rank");
  ExpectRejected(ravel_flatten(&layout_, 0, 1, nullptr, out_strides_, &out_rank_, &is_view_),
                 "NULL out_shape", "out_shape");
}

}  // namespace
}  // namespace ravel_test
