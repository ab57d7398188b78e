// The one-shot memo: a repeated ravel_copy reuses its plan, and any change to the layouts' values
// (even through the same arrays), to the destination's presence or to the options is noticed.
#include <gtest/gtest.h>

#include <cstdint>
#include <numeric>
#include <vector>

#include "ravel/ravel.h"

namespace {

// dst[i, j] = src at (i * row + j * col) elements, for a rows x cols destination of stride dst_row.
std::vector<int32_t> Expected(const std::vector<int32_t>& src, int64_t rows, int64_t cols,
                              int64_t row, int64_t col, int64_t dst_row, size_t dst_size) {
  std::vector<int32_t> out(dst_size, -1);
  for (int64_t i = 0; i < rows; ++i) {
    for (int64_t j = 0; j < cols; ++j) {
      out[static_cast<size_t>(i * dst_row + j)] = src[static_cast<size_t>(i * row + j * col)];
    }
  }
  return out;
}

TEST(RecentCopy, ValuesChangedInTheSameArraysAreNoticed) {
  std::vector<int32_t> src(64 * 64);
  std::iota(src.begin(), src.end(), 0);
  int64_t shape[2] = {16, 16};
  int64_t strides[2] = {1, 64};
  const ravel_layout layout{2, 4, shape, strides};
  for (int round = 0; round < 4; ++round) {
    std::vector<int32_t> dst(256, -1);
    ASSERT_EQ(ravel_copy(src.data(), &layout, dst.data(), nullptr, nullptr), RAVEL_OK);
    EXPECT_EQ(dst, Expected(src, 16, 16, strides[0], strides[1], 16, 256)) << "round " << round;
    // Alternate a transpose and a copy of every other row through the very same arrays.
    strides[0] = strides[0] == 1 ? 128 : 1;
    strides[1] = strides[1] == 64 ? 1 : 64;
  }
}

TEST(RecentCopy, ShapeElementSizeAndDestinationChangesAreNoticed) {
  std::vector<int32_t> src(64 * 64);
  std::iota(src.begin(), src.end(), 0);
  int64_t shape[2] = {8, 8};
  const int64_t strides[2] = {1, 64};
  const ravel_layout layout{2, 4, shape, strides};
  std::vector<int32_t> dense(64, -1);
  ASSERT_EQ(ravel_copy(src.data(), &layout, dense.data(), nullptr, nullptr), RAVEL_OK);
  EXPECT_EQ(dense, Expected(src, 8, 8, 1, 64, 8, 64));

  const int64_t padded_strides[2] = {16, 1};
  const ravel_layout padded{2, 4, shape, padded_strides};
  std::vector<int32_t> wide(128, -1);
  ASSERT_EQ(ravel_copy(src.data(), &layout, wide.data(), &padded, nullptr), RAVEL_OK);
  EXPECT_EQ(wide, Expected(src, 8, 8, 1, 64, 16, 128));

  shape[1] = 4;
  std::vector<int32_t> narrow(32, -1);
  ASSERT_EQ(ravel_copy(src.data(), &layout, narrow.data(), nullptr, nullptr), RAVEL_OK);
  EXPECT_EQ(narrow, Expected(src, 8, 4, 1, 64, 4, 32));

  // The same numbers read as 2-byte elements: strides and offsets are in elements of that size.
  const ravel_layout halves{2, 2, shape, strides};
  std::vector<int16_t> src16(64 * 64);
  std::iota(src16.begin(), src16.end(), int16_t{0});
  std::vector<int16_t> dst16(32, -1);
  ASSERT_EQ(ravel_copy(src16.data(), &halves, dst16.data(), nullptr, nullptr), RAVEL_OK);
  for (int64_t i = 0; i < 8; ++i) {
    for (int64_t j = 0; j < 4; ++j) {
      EXPECT_EQ(dst16[static_cast<size_t>(i * 4 + j)], src16[static_cast<size_t>(i + j * 64)]);
    }
  }
}

TEST(RecentCopy, OptionsChangesAreNoticed) {
  std::vector<int32_t> src(64 * 64);
  std::iota(src.begin(), src.end(), 0);
  const int64_t shape[2] = {64, 64};
  const int64_t strides[2] = {1, 64};
  const ravel_layout layout{2, 4, shape, strides};
  ravel_options options;
  ravel_options_init(&options);
  std::vector<int32_t> dst(64 * 64, -1);
  ASSERT_EQ(ravel_copy(src.data(), &layout, dst.data(), nullptr, &options), RAVEL_OK);
  // A backend that does not exist yet must fail now, not reuse the plan of the call before.
  options.backend = RAVEL_BACKEND_JIT;
  std::vector<int32_t> untouched(64 * 64, -1);
  const ravel_status jit = ravel_copy(src.data(), &layout, untouched.data(), nullptr, &options);
  if (jit != RAVEL_OK) {
    EXPECT_EQ(jit, RAVEL_E_UNSUPPORTED);
    EXPECT_EQ(untouched, std::vector<int32_t>(64 * 64, -1));
  }
  options.backend = RAVEL_BACKEND_REFERENCE;
  std::vector<int32_t> reference(64 * 64, -1);
  ASSERT_EQ(ravel_copy(src.data(), &layout, reference.data(), nullptr, &options), RAVEL_OK);
  EXPECT_EQ(reference, dst);
}

TEST(RecentCopy, RepeatedCallsStillCheckPointers) {
  std::vector<int32_t> buffer(2 * 256);
  const int64_t shape[2] = {16, 16};
  const int64_t strides[2] = {1, 16};
  const ravel_layout layout{2, 4, shape, strides};
  ASSERT_EQ(ravel_copy(buffer.data(), &layout, buffer.data() + 256, nullptr, nullptr), RAVEL_OK);
  EXPECT_EQ(ravel_copy(buffer.data(), &layout, buffer.data() + 255, nullptr, nullptr),
            RAVEL_E_OVERLAP);
  EXPECT_EQ(ravel_copy(buffer.data(), &layout, nullptr, nullptr, nullptr),
            RAVEL_E_INVALID_ARGUMENT);
}

}  // namespace
