// The view algebra behind ravel_view_*: PyTorch/numpy view operations on a validated view. Each
// function edits *view only when it succeeds, and names the failing argument in its message.
#ifndef RAVEL_SRC_VIEW_H_
#define RAVEL_SRC_VIEW_H_

#include <cstdint>

#include "ravel/ravel.h"

namespace ravel {

// Checks a caller's view: non-NULL, rank in 0..RAVEL_MAX_RANK, elem_size >= 1, extents >= 0,
// element count and byte offsets within int64.
ravel_status CheckView(const ravel_view* view);

// A view of the whole of layout at offset 0.
ravel_status InitView(const ravel_layout* layout, ravel_view* view);

// New dim i is old dim dims[i]; dims is a permutation of 0..rank-1 (negatives count from rank).
ravel_status PermuteView(const int32_t* dims, int32_t count, ravel_view* view);

// Python's start:stop:step on dim (RAVEL_SLICE_NONE for an omitted bound); bounds are clamped.
ravel_status SliceView(int32_t dim, int64_t start, int64_t stop, int64_t step, ravel_view* view);

// Removes dim, keeping element index (negatives count from the extent).
ravel_status SelectView(int32_t dim, int64_t index, ravel_view* view);

// PyTorch's expand: size-1 dims broadcast with stride 0, new leading dims, -1 keeps a dim.
ravel_status ExpandView(const int64_t* shape, int32_t rank, ravel_view* view);

// Reverses each listed dim (no dim listed twice).
ravel_status FlipView(const int32_t* dims, int32_t count, ravel_view* view);

// Removes dim if its extent is 1; a no-op otherwise.
ravel_status SqueezeView(int32_t dim, ravel_view* view);

// Removes every dim of extent 1.
ravel_status SqueezeAllView(ravel_view* view);

// Inserts an extent-1 dim before position dim (0..rank; negatives count from rank + 1).
ravel_status UnsqueezeView(int32_t dim, ravel_view* view);

// Replaces shape, strides and offset (the view's base and elem_size stay).
ravel_status AsStridedView(const int64_t* shape, const int64_t* strides, int32_t rank,
                           int64_t offset, ravel_view* view);

}  // namespace ravel

#endif  // RAVEL_SRC_VIEW_H_
