// Validation of caller layouts: statuses, messages naming the argument, spans.
#include "layout.h"

#include <gtest/gtest.h>

#include <climits>
#include <string>

#include "error.h"

namespace ravel {
namespace {

ravel_layout CLayout(int32_t rank, int64_t elem_size, const int64_t* shape,
                     const int64_t* strides) {
  ravel_layout layout;
  layout.rank = rank;
  layout.elem_size = elem_size;
  layout.shape = shape;
  layout.strides = strides;
  return layout;
}

TEST(ReadLayout, FillsDenseStridesWhenNull) {
  const int64_t shape[] = {2, 0, 3, 4};
  const ravel_layout c = CLayout(4, 2, shape, nullptr);
  Layout layout;
  ASSERT_EQ(ReadLayout(&c, "src_layout", &layout), RAVEL_OK);
  EXPECT_EQ(layout.strides[0], 12);  // a size-0 dim counts as 1, as in PyTorch
  EXPECT_EQ(layout.strides[1], 12);
  EXPECT_EQ(layout.strides[2], 4);
  EXPECT_EQ(layout.strides[3], 1);
  EXPECT_EQ(ElementCount(layout), 0);
}

TEST(ReadLayout, RejectsEachBadField) {
  Layout layout;
  const int64_t shape[] = {2, -1};
  EXPECT_EQ(ReadLayout(nullptr, "dst_layout", &layout), RAVEL_E_INVALID_ARGUMENT);
  EXPECT_EQ(std::string(LastError()), "dst_layout is NULL");

  ravel_layout c = CLayout(RAVEL_MAX_RANK + 1, 4, shape, nullptr);
  EXPECT_EQ(ReadLayout(&c, "src_layout", &layout), RAVEL_E_INVALID_ARGUMENT);
  EXPECT_NE(std::string(LastError()).find("src_layout->rank"), std::string::npos);

  c = CLayout(1, 0, shape, nullptr);
  EXPECT_EQ(ReadLayout(&c, "src_layout", &layout), RAVEL_E_INVALID_ARGUMENT);
  EXPECT_NE(std::string(LastError()).find("src_layout->elem_size"), std::string::npos);

  c = CLayout(2, 4, nullptr, nullptr);
  EXPECT_EQ(ReadLayout(&c, "src_layout", &layout), RAVEL_E_INVALID_ARGUMENT);
  EXPECT_NE(std::string(LastError()).find("src_layout->shape is NULL"), std::string::npos);

  c = CLayout(2, 4, shape, nullptr);
  EXPECT_EQ(ReadLayout(&c, "src_layout", &layout), RAVEL_E_INVALID_ARGUMENT);
  EXPECT_NE(std::string(LastError()).find("src_layout->shape[1]"), std::string::npos);
}

TEST(ReadLayout, DetectsOverflow) {
  Layout layout;
  const int64_t huge[] = {int64_t{1} << 32, int64_t{1} << 32};
  ravel_layout c = CLayout(2, 1, huge, nullptr);
  EXPECT_EQ(ReadLayout(&c, "src_layout", &layout), RAVEL_E_OVERFLOW);

  const int64_t three[] = {3};
  const int64_t big_stride[] = {INT64_MAX / 2 + 1};
  c = CLayout(1, 1, three, big_stride);
  EXPECT_EQ(ReadLayout(&c, "src_layout", &layout), RAVEL_E_OVERFLOW);
  EXPECT_NE(std::string(LastError()).find("src_layout->strides[0]"), std::string::npos);

  c = CLayout(1, INT64_MAX / 2, three, nullptr);
  EXPECT_EQ(ReadLayout(&c, "src_layout", &layout), RAVEL_E_OVERFLOW);

  // Reaching both far directions: each offset fits, the span's size does not.
  const int64_t two_two[] = {2, 2};
  const int64_t opposite[] = {INT64_MAX / 2 + 1, -(INT64_MAX / 2 + 1)};
  c = CLayout(2, 1, two_two, opposite);
  EXPECT_EQ(ReadLayout(&c, "src_layout", &layout), RAVEL_E_OVERFLOW);
}

TEST(ReadLayout, EmptyLayoutsSkipOffsetChecks) {
  Layout layout;
  const int64_t shape[] = {0, 3};
  const int64_t strides[] = {INT64_MAX, INT64_MAX};
  const ravel_layout c = CLayout(2, 8, shape, strides);
  EXPECT_EQ(ReadLayout(&c, "src_layout", &layout), RAVEL_OK);
  EXPECT_EQ(SpanOf(layout).lo, SpanOf(layout).hi);
  // Dense strides of an empty shape may not fit int64; they are never used.
  const int64_t huge_empty[] = {0, int64_t{1} << 32, int64_t{1} << 32};
  const ravel_layout dense = CLayout(3, 4, huge_empty, nullptr);
  EXPECT_EQ(ReadLayout(&dense, "src_layout", &layout), RAVEL_OK);
  EXPECT_STREQ(ravel_last_error(), "");
}

TEST(ReadLayout, SpanOfMoreThanInt64BytesIsAnOverflow) {
  Layout layout;
  const int64_t shape[] = {2};
  const int64_t strides[] = {INT64_MIN};
  const ravel_layout c = CLayout(1, 1, shape, strides);
  EXPECT_EQ(ReadLayout(&c, "src_layout", &layout), RAVEL_E_OVERFLOW);
  const int64_t shape2[] = {2, 2};
  const int64_t strides2[] = {-(int64_t{1} << 62), -(int64_t{1} << 62)};
  const ravel_layout c2 = CLayout(2, 1, shape2, strides2);
  EXPECT_EQ(ReadLayout(&c2, "dst_layout", &layout), RAVEL_E_OVERFLOW);
}

TEST(SpanOf, CoversNegativeAndPositiveReach) {
  const int64_t shape[] = {3, 4};
  const int64_t strides[] = {-10, 2};
  const ravel_layout c = CLayout(2, 4, shape, strides);
  Layout layout;
  ASSERT_EQ(ReadLayout(&c, "src_layout", &layout), RAVEL_OK);
  const ByteSpan span = SpanOf(layout);
  EXPECT_EQ(span.lo, -80);
  EXPECT_EQ(span.hi, 28);
}

TEST(SpansIntersect, AdjacentDoNotIntersectOneByteDoes) {
  char buffer[64] = {};
  const ByteSpan first{0, 16};
  EXPECT_FALSE(SpansIntersect(buffer, first, buffer + 16, first));
  EXPECT_TRUE(SpansIntersect(buffer, first, buffer + 15, first));
  EXPECT_TRUE(SpansIntersect(buffer + 15, first, buffer, first));
  EXPECT_FALSE(SpansIntersect(buffer, ByteSpan{}, buffer, first));
  EXPECT_TRUE(SpansIntersect(buffer + 32, ByteSpan{-8, 1}, buffer + 24, ByteSpan{0, 1}));
}

}  // namespace
}  // namespace ravel
