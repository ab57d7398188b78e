// Named copy problems that exercise every kernel family and its edges, shared by the kernel
// and guard-page tests: views as (shape, strides, offset) in elements into their own buffers.
#ifndef RAVEL_TESTS_KERNEL_CASES_H_
#define RAVEL_TESTS_KERNEL_CASES_H_

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "ravel/ravel.h"

namespace ravel_test {

// A strided view into a buffer: offset and strides in elements.
struct ViewSpec {
  std::vector<int64_t> shape;
  std::vector<int64_t> strides;
  int64_t offset = 0;
};

struct KernelCase {
  std::string name;
  int64_t elem_size;
  ViewSpec src;
  ViewSpec dst;
};

inline int64_t Extent(const ViewSpec& view) {
  int64_t hi = view.offset;
  int64_t lo = view.offset;
  for (size_t d = 0; d < view.shape.size(); ++d) {
    if (view.shape[d] == 0) {
      return 0;
    }
    const int64_t reach = (view.shape[d] - 1) * view.strides[d];
    (reach < 0 ? lo : hi) += reach;
  }
  EXPECT_GE(lo, 0) << "test bug: view reaches before its buffer";
  return hi + 1;
}

inline std::vector<int64_t> Dense(const std::vector<int64_t>& shape) {
  std::vector<int64_t> strides(shape.size());
  int64_t stride = 1;
  for (size_t d = shape.size(); d-- > 0;) {
    strides[d] = stride;
    stride *= shape[d];
  }
  return strides;
}

inline ViewSpec DenseView(const std::vector<int64_t>& shape) {
  return ViewSpec{shape, Dense(shape), 0};
}

// A permuted view of a dense buffer of base_shape: view dim i is base dim perm[i].
inline ViewSpec Permuted(const std::vector<int64_t>& base_shape, const std::vector<int>& perm) {
  const std::vector<int64_t> base = Dense(base_shape);
  ViewSpec view;
  for (int axis : perm) {
    view.shape.push_back(base_shape[axis]);
    view.strides.push_back(base[axis]);
  }
  return view;
}

inline ravel_layout LayoutOf(const ViewSpec& view, int64_t elem_size) {
  ravel_layout layout;
  layout.rank = static_cast<int32_t>(view.shape.size());
  layout.elem_size = elem_size;
  layout.shape = view.shape.data();
  layout.strides = view.strides.data();
  return layout;
}

inline std::string Describe(const KernelCase& c) {
  std::string text = c.name + " elem " + std::to_string(c.elem_size) + " shape [";
  for (int64_t extent : c.src.shape) {
    text += std::to_string(extent) + ",";
  }
  text += "] src strides [";
  for (int64_t stride : c.src.strides) {
    text += std::to_string(stride) + ",";
  }
  text += "] off " + std::to_string(c.src.offset) + " dst strides [";
  for (int64_t stride : c.dst.strides) {
    text += std::to_string(stride) + ",";
  }
  return text + "] off " + std::to_string(c.dst.offset);
}

// Named edge cases for one element size; tile is the largest micro-tile edge in lanes.
// Fills destination buffers before a run: bytes a copy must not touch keep it.
constexpr unsigned char kCanary = 0xA5;

// What RunPlanned reports beside the destination bytes.
struct PlannedRun {
  ravel_status status = RAVEL_E_INTERNAL;
  int32_t backend = -1;
  int32_t isa = -1;
  std::string description;  // ravel_plan_describe
};

// Plans c with options and executes the plan from src (c's source buffer at byte misalignment
// shift) into a canary-filled buffer holding c's destination at the same misalignment and 64
// canary bytes past it; returns that whole buffer.
inline std::vector<unsigned char> RunPlanned(const KernelCase& c, const ravel_options& options,
                                             int shift, const std::vector<unsigned char>& src,
                                             PlannedRun* run) {
  constexpr int64_t kSlack = 64;
  const int64_t dst_bytes = Extent(c.dst) * c.elem_size;
  std::vector<unsigned char> dst(static_cast<size_t>(dst_bytes + shift + kSlack), kCanary);
  const ravel_layout src_layout = LayoutOf(c.src, c.elem_size);
  const ravel_layout dst_layout = LayoutOf(c.dst, c.elem_size);
  ravel_plan plan = nullptr;
  *run = PlannedRun{};
  run->status = ravel_plan_create(&src_layout, &dst_layout, &options, &plan);
  if (run->status != RAVEL_OK) {
    return dst;
  }
  run->backend = ravel_plan_backend(plan);
  run->isa = ravel_plan_isa(plan);
  char text[1024];
  ravel_plan_describe(plan, text, sizeof(text));
  run->description = text;
  run->status = ravel_plan_execute(plan, src.data() + shift + c.src.offset * c.elem_size,
                                   dst.data() + shift + c.dst.offset * c.elem_size);
  ravel_plan_destroy(plan);
  return dst;
}

inline std::vector<KernelCase> EdgeCases(int64_t elem) {
  std::vector<KernelCase> cases;
  const int64_t lanes = 64 / std::min<int64_t>(elem, 16);
  for (int64_t cols : {int64_t{1}, int64_t{3}, int64_t{17}, lanes - 1, lanes, lanes + 1, 2 * lanes,
                       int64_t{257}, int64_t{1031}}) {
    const int64_t rows = 5;
    // Copy runs with padded source rows.
    cases.push_back({"copy_runs_padded_" + std::to_string(cols), elem,
                     ViewSpec{{rows, cols}, {cols + 7, 1}, 0}, DenseView({rows, cols})});
    // Broadcast of a column.
    cases.push_back({"broadcast_" + std::to_string(cols), elem, ViewSpec{{rows, cols}, {1, 0}, 0},
                     DenseView({rows, cols})});
    // Reverse along rows.
    cases.push_back({"reverse_" + std::to_string(cols), elem,
                     ViewSpec{{rows, cols}, {cols, -1}, cols - 1}, DenseView({rows, cols})});
    // Every step-th element: steps that de-interleave, that permute lanes of up to 16 vectors
    // (up to a vector's lanes), and longer ones; rows padded on odd steps.
    for (int64_t step : {2, 3, 4, 5, 7, 8, 9, 16, 17}) {
      cases.push_back({"gather_step" + std::to_string(step) + "_" + std::to_string(cols), elem,
                       ViewSpec{{rows, cols}, {step * cols + step % 2, step}, 0},
                       DenseView({rows, cols})});
    }
    // Backwards: each row starts at its highest element.
    for (int64_t step : {2, 3, 5, 8, 16, 17}) {
      cases.push_back({"gather_step_minus" + std::to_string(step) + "_" + std::to_string(cols),
                       elem, ViewSpec{{rows, cols}, {step * cols + 1, -step}, (cols - 1) * step},
                       DenseView({rows, cols})});
    }
    // Into a strided destination: every other element of a wider buffer.
    cases.push_back({"scatter_step2_" + std::to_string(cols), elem, DenseView({rows, cols}),
                     ViewSpec{{rows, cols}, {2 * cols, 2}, 0}});
  }
  // Short runs (under 16 bytes for narrow elements) packed several per vector: RGBA to RGB, gaps
  // of other sizes, source rows that overlap, and enough rows for whole 2 KiB staged chunks.
  for (const auto& [run, step] : std::vector<std::pair<int64_t, int64_t>>{
           {3, 4}, {5, 8}, {7, 8}, {3, 16}, {2, 3}, {3, 2}, {6, 7}, {8, 1}}) {
    for (int64_t rows : {5, 11, 1500}) {
      cases.push_back({"short_runs_" + std::to_string(run) + "_of_" + std::to_string(step) + "_x" +
                           std::to_string(rows),
                       elem, ViewSpec{{rows, run}, {step, 1}, 0}, DenseView({rows, run})});
    }
  }
  const std::vector<int64_t> extents = {1,     2,         3,         lanes / 2, lanes - 1,
                                        lanes, lanes + 1, 2 * lanes, 67,        131};
  for (int64_t a : extents) {
    for (int64_t b : extents) {
      cases.push_back({"transpose_" + std::to_string(a) + "x" + std::to_string(b), elem,
                       Permuted({a, b}, {1, 0}), DenseView({b, a})});
    }
  }
  cases.push_back({"transpose_padded_strides", elem, ViewSpec{{33, 70}, {1, 40}, 0},
                   ViewSpec{{33, 70}, {75, 1}, 2}});
  cases.push_back({"transpose_negative_rows", elem, ViewSpec{{40, 20}, {1, -40}, 19 * 40},
                   DenseView({40, 20})});
  cases.push_back({"transpose_flipped_destination", elem, Permuted({24, 37}, {1, 0}),
                   ViewSpec{{37, 24}, {-24, 1}, 36 * 24}});
  // Planes into pixels of 5 to 15 channels (dense destination rows shorter than a tile).
  for (int64_t channels : {5, 6, 7, 13, 15}) {
    for (int64_t pixels : {19, 300}) {
      cases.push_back({"interleave_" + std::to_string(channels) + "_x" + std::to_string(pixels),
                       elem, Permuted({channels, pixels}, {1, 0}), DenseView({pixels, channels})});
    }
  }
  // Pixels of 5 to 15 channels into planes (dense source pixels shorter than a tile).
  for (int64_t channels : {5, 6, 7, 13, 15}) {
    for (int64_t pixels : {19, 300}) {
      cases.push_back({"deinterleave_" + std::to_string(channels) + "_x" + std::to_string(pixels),
                       elem, Permuted({pixels, channels}, {1, 0}), DenseView({channels, pixels})});
    }
  }
  // Stepped transposes (x[:, ::step].t()): each destination row's elements lie `step` apart in a
  // source row, its columns a source row apart; enough of both for whole tiles, overlapping
  // last tiles and several runs a row (70 rows), or runs shorter than a wide vector (20 rows),
  // forwards and backwards.
  for (int64_t rows : {70, 20}) {
    for (int64_t step : {2, 3, 4, 5, -2, -3}) {
      const int64_t span = step < 0 ? -step : step;
      constexpr int64_t kCols = 75;
      const int64_t far = rows * span + 3;
      cases.push_back({"stepped_transpose_" + std::to_string(step) + "_x" + std::to_string(rows),
                       elem, ViewSpec{{rows, kCols}, {step, far}, step < 0 ? (rows - 1) * span : 0},
                       DenseView({rows, kCols})});
    }
  }
  // x.t().flip(0) (rot90): source rows read backwards, the destination's walked bottom up.
  for (const auto& [a, b] : std::vector<std::pair<int64_t, int64_t>>{
           {lanes + 1, 2 * lanes + 3}, {131, 67}, {300, 150}}) {
    cases.push_back({"transpose_reversed_rows_" + std::to_string(a) + "x" + std::to_string(b), elem,
                     ViewSpec{{b, a}, {-1, b}, b - 1}, DenseView({b, a})});
  }
  // Several staged streaming blocks (256 destination bytes by up to 64 rows) each way, into rows
  // that are line-aligned (whole lines end each block) or not.
  const int64_t block_cols = 256 / std::min<int64_t>(elem, 16);
  const int64_t wide = 2 * block_cols + 37;
  cases.push_back(
      {"transpose_staged_blocks", elem, Permuted({wide, 150}, {1, 0}), DenseView({150, wide})});
  cases.push_back({"transpose_staged_aligned_rows", elem, Permuted({wide, 150}, {1, 0}),
                   ViewSpec{{150, wide}, {(wide + 63) / 64 * 64, 1}, 0}});
  // Sides of at most 1024 bytes staged whole (more rows than one buffer chunk holds), alone and
  // as a batch whose next entry continues both sides' rows ([a, batch, c].permute(2, 1, 0)).
  const int64_t whole_cols = 400 / std::min<int64_t>(elem, 16);
  cases.push_back({"transpose_staged_whole", elem, Permuted({whole_cols, 120}, {1, 0}),
                   DenseView({120, whole_cols})});
  const int64_t long_whole_cols = 1000 / std::min<int64_t>(elem, 16);
  cases.push_back({"transpose_staged_whole_long_rows", elem,
                   Permuted({long_whole_cols, 70}, {1, 0}), DenseView({70, long_whole_cols})});
  cases.push_back({"transpose_staged_whole_batch", elem, Permuted({72, 5, whole_cols}, {2, 1, 0}),
                   DenseView({whole_cols, 5, 72})});
  if (2048 % elem == 0) {
    // Rows 2 KiB apart on both sides (cache-set aliasing): staged with regular stores.
    const int64_t aliasing = 2048 / elem;
    const int64_t dst_row = (300 + aliasing - 1) / aliasing * aliasing;
    cases.push_back({"transpose_aliasing_strides", elem, ViewSpec{{40, 300}, {1, aliasing}, 0},
                     ViewSpec{{40, 300}, {dst_row, 1}, 0}});
    // Destination rows alone 2 KiB apart, or one element past: tiles walk along them a line
    // (16 rows of 4 bytes, 8 of 8, 4 of 16) a call, the last band short; 1- and 2-byte lanes stage.
    cases.push_back({"transpose_aliasing_destination", elem, ViewSpec{{40, 300}, {1, 41}, 0},
                     ViewSpec{{40, 300}, {dst_row, 1}, 0}});
    cases.push_back({"transpose_near_aliasing_destination", elem, ViewSpec{{43, 300}, {1, 47}, 0},
                     ViewSpec{{43, 300}, {dst_row + 1, 1}, 0}});
  }
  cases.push_back(
      {"nchw_to_nhwc", elem, Permuted({2, 19, 5, 7}, {0, 2, 3, 1}), DenseView({2, 5, 7, 19})});
  cases.push_back(
      {"nhwc_to_nchw", elem, Permuted({2, 5, 7, 19}, {0, 3, 1, 2}), DenseView({2, 19, 5, 7})});
  // NHWC -> NCHW with small images: destination rows shorter than a staged block's, one after
  // another, so that each block is one run of the destination (staged when streaming).
  cases.push_back({"nhwc_to_nchw_contiguous_blocks", elem, Permuted({2, 5, 7, 150}, {0, 3, 1, 2}),
                   DenseView({2, 150, 5, 7})});
  cases.push_back(
      {"heads_split", elem, Permuted({2, 9, 3, 8}, {0, 2, 1, 3}), DenseView({2, 3, 9, 8})});
  // Heads split with source rows over 1 KiB apart: few heads walk the source in order, many heads
  // walk tiles of eight rows (19 = two tiles and a remainder).
  for (int64_t heads : {30, 70}) {
    const int64_t rows = heads == 30 ? 7 : 19;
    // Runs longer than 16 bytes stay copy runs (shorter ones fold into wide elements).
    const int64_t dim = std::max((1100 + heads * elem - 1) / (heads * elem), 16 / elem + 1);
    cases.push_back({"heads_split_far_rows_" + std::to_string(heads), elem,
                     Permuted({2, rows, heads, dim}, {0, 2, 1, 3}),
                     DenseView({2, heads, rows, dim})});
  }
  cases.push_back({"rank5_permutation", elem, Permuted({3, 4, 5, 6, 7}, {4, 2, 0, 3, 1}),
                   DenseView({7, 5, 3, 6, 4})});
  for (int64_t channels : {2, 3, 4}) {
    const std::string suffix = "_c" + std::to_string(channels);
    cases.push_back({"hwc_to_chw" + suffix, elem, Permuted({9, 11, channels}, {2, 0, 1}),
                     DenseView({channels, 9, 11})});
    cases.push_back({"chw_to_hwc" + suffix, elem, Permuted({channels, 9, 11}, {1, 2, 0}),
                     DenseView({9, 11, channels})});
    cases.push_back({"chw_to_hwc_tiny" + suffix, elem, Permuted({channels, 1, 5}, {1, 2, 0}),
                     DenseView({1, 5, channels})});
  }
  cases.push_back({"single_element", elem, ViewSpec{{}, {}, 0}, ViewSpec{{}, {}, 0}});
  return cases;
}

}  // namespace ravel_test

#endif  // RAVEL_TESTS_KERNEL_CASES_H_
