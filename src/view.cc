#include "view.h"

#include <cstdio>
#include <cstring>
#include <initializer_list>

#include "checked_math.h"
#include "error.h"
#include "layout.h"

namespace ravel {
namespace {

// Validates view as a layout named `name`, plus its offset: every byte it reaches, relative to
// the base pointer, must be addressable with int64 byte offsets.
ravel_status CheckViewAs(const ravel_view& view, const char* name) {
  const ravel_layout layout = ravel_view_layout(&view);
  Layout checked;
  RAVEL_RETURN_IF_ERROR(ReadLayout(&layout, name, &checked));
  const ByteSpan span = SpanOf(checked);
  int64_t offset_bytes = 0;
  int64_t lowest = 0;
  int64_t highest = 0;
  if (!CheckedMul(view.offset, view.elem_size, &offset_bytes) ||
      !CheckedAdd(offset_bytes, span.lo, &lowest) || !CheckedAdd(offset_bytes, span.hi, &highest)) {
    return Fail(RAVEL_E_OVERFLOW, "%s->offset is %lld; its byte offsets overflow int64", name,
                static_cast<long long>(view.offset));
  }
  return RAVEL_OK;
}

// Replaces *view with next after validating it as the result of `op`.
ravel_status Commit(const ravel_view& next, const char* op, ravel_view* view) {
  char name[48];
  std::snprintf(name, sizeof(name), "%s result", op);
  RAVEL_RETURN_IF_ERROR(CheckViewAs(next, name));
  *view = next;
  return RAVEL_OK;
}

// Wraps a dim that may count from the end into 0..bound-1.
ravel_status WrapDim(int32_t dim, int32_t bound, const char* name, int32_t* wrapped) {
  if (dim < -bound || dim >= bound) {
    if (bound == 0) {
      return Fail(RAVEL_E_INVALID_ARGUMENT, "%s is %d but the view has no dims", name, dim);
    }
    return Fail(RAVEL_E_INVALID_ARGUMENT, "%s is %d; it must be in %d..%d", name, dim, -bound,
                bound - 1);
  }
  *wrapped = dim < 0 ? dim + bound : dim;
  return RAVEL_OK;
}

// Wraps each of count dims into 0..rank-1 and rejects repeats.
ravel_status WrapDistinctDims(const int32_t* dims, int32_t count, int32_t rank, const char* name,
                              int32_t* wrapped) {
  if (count > 0 && dims == nullptr) {
    return Fail(RAVEL_E_INVALID_ARGUMENT, "%s is NULL with count %d", name, count);
  }
  if (count < 0 || count > rank) {
    return Fail(RAVEL_E_INVALID_ARGUMENT, "count is %d; it must be in 0..%d (the view's rank)",
                count, rank);
  }
  bool seen[RAVEL_MAX_RANK] = {};
  for (int32_t i = 0; i < count; ++i) {
    char element[32];
    std::snprintf(element, sizeof(element), "%s[%d]", name, i);
    RAVEL_RETURN_IF_ERROR(WrapDim(dims[i], rank, element, &wrapped[i]));
    if (seen[wrapped[i]]) {
      return Fail(RAVEL_E_INVALID_ARGUMENT, "%s names dim %d twice", name, wrapped[i]);
    }
    seen[wrapped[i]] = true;
  }
  return RAVEL_OK;
}

void RemoveDim(int32_t dim, ravel_view* view) {
  for (int32_t d = dim; d + 1 < view->rank; ++d) {
    view->shape[d] = view->shape[d + 1];
    view->strides[d] = view->strides[d + 1];
  }
  --view->rank;
}

// Python's slice.indices(): clamps start and stop into the extent for the step's direction.
void ClampSlice(int64_t extent, int64_t step, int64_t* start, int64_t* stop) {
  const int64_t lower = step > 0 ? 0 : -1;
  const int64_t upper = step > 0 ? extent : extent - 1;
  for (int64_t* bound : {start, stop}) {
    if (*bound == RAVEL_SLICE_NONE) {
      continue;
    }
    if (*bound < 0) {
      *bound = *bound + extent < 0 ? lower : *bound + extent;
    } else if (*bound > upper) {
      *bound = upper;
    }
  }
  if (*start == RAVEL_SLICE_NONE) {
    *start = step > 0 ? 0 : extent - 1;
  }
  if (*stop == RAVEL_SLICE_NONE) {
    *stop = step > 0 ? extent : -1;
  }
}

}  // namespace

ravel_status CheckView(const ravel_view* view) {
  if (view == nullptr) {
    return Fail(RAVEL_E_INVALID_ARGUMENT, "view is NULL");
  }
  return CheckViewAs(*view, "view");
}

ravel_status InitView(const ravel_layout* layout, ravel_view* view) {
  Layout checked;
  RAVEL_RETURN_IF_ERROR(ReadLayout(layout, "layout", &checked));
  ravel_view next;
  std::memset(&next, 0, sizeof(next));
  next.rank = checked.rank;
  next.elem_size = checked.elem_size;
  for (int32_t d = 0; d < checked.rank; ++d) {
    next.shape[d] = checked.shape[d];
    next.strides[d] = checked.strides[d];
  }
  *view = next;
  return RAVEL_OK;
}

ravel_status PermuteView(const int32_t* dims, int32_t count, ravel_view* view) {
  if (count != view->rank) {
    return Fail(RAVEL_E_INVALID_ARGUMENT, "count is %d; permute needs all %d dims", count,
                view->rank);
  }
  int32_t wrapped[RAVEL_MAX_RANK];
  RAVEL_RETURN_IF_ERROR(WrapDistinctDims(dims, count, view->rank, "dims", wrapped));
  ravel_view next = *view;
  for (int32_t i = 0; i < count; ++i) {
    next.shape[i] = view->shape[wrapped[i]];
    next.strides[i] = view->strides[wrapped[i]];
  }
  return Commit(next, "permute", view);
}

ravel_status SliceView(int32_t dim, int64_t start, int64_t stop, int64_t step, ravel_view* view) {
  int32_t d = 0;
  RAVEL_RETURN_IF_ERROR(WrapDim(dim, view->rank, "dim", &d));
  if (step == 0 || step == INT64_MIN) {
    return Fail(RAVEL_E_INVALID_ARGUMENT, "step is %lld; it must be nonzero and > INT64_MIN",
                static_cast<long long>(step));
  }
  const int64_t extent = view->shape[d];
  ClampSlice(extent, step, &start, &stop);
  // Both bounds now lie in -1..extent, so these differences cannot overflow.
  const int64_t span = step > 0 ? stop - start : start - stop;
  const int64_t magnitude = step > 0 ? step : -step;
  const int64_t length = span > 0 ? (span - 1) / magnitude + 1 : 0;
  ravel_view next = *view;
  next.shape[d] = length;
  if (length > 0) {
    int64_t shift = 0;
    if (!CheckedMul(start, view->strides[d], &shift) ||
        !CheckedAdd(next.offset, shift, &next.offset)) {
      return Fail(RAVEL_E_OVERFLOW, "start %lld: the view's offset overflows int64",
                  static_cast<long long>(start));
    }
  }
  if (length > 1 && !CheckedMul(view->strides[d], step, &next.strides[d])) {
    return Fail(RAVEL_E_OVERFLOW, "step %lld: the stride of dim %d overflows int64",
                static_cast<long long>(step), d);
  }
  return Commit(next, "slice", view);
}

ravel_status SelectView(int32_t dim, int64_t index, ravel_view* view) {
  int32_t d = 0;
  RAVEL_RETURN_IF_ERROR(WrapDim(dim, view->rank, "dim", &d));
  const int64_t extent = view->shape[d];
  if (index < -extent || index >= extent) {
    return Fail(RAVEL_E_INVALID_ARGUMENT, "index is %lld; dim %d has extent %lld",
                static_cast<long long>(index), d, static_cast<long long>(extent));
  }
  const int64_t position = index < 0 ? index + extent : index;
  ravel_view next = *view;
  int64_t shift = 0;
  if (!CheckedMul(position, view->strides[d], &shift) ||
      !CheckedAdd(next.offset, shift, &next.offset)) {
    return Fail(RAVEL_E_OVERFLOW, "index %lld: the view's offset overflows int64",
                static_cast<long long>(index));
  }
  RemoveDim(d, &next);
  return Commit(next, "select", view);
}

ravel_status ExpandView(const int64_t* shape, int32_t rank, ravel_view* view) {
  if (rank < view->rank || rank > RAVEL_MAX_RANK) {
    return Fail(RAVEL_E_INVALID_ARGUMENT, "rank is %d; expand needs %d..%d", rank, view->rank,
                RAVEL_MAX_RANK);
  }
  if (rank > 0 && shape == nullptr) {
    return Fail(RAVEL_E_INVALID_ARGUMENT, "shape is NULL with rank %d", rank);
  }
  ravel_view next = *view;
  next.rank = rank;
  const int32_t added = rank - view->rank;
  for (int32_t i = 0; i < rank; ++i) {
    const int64_t wanted = shape[i];
    if (i < added) {
      if (wanted < 0) {
        return Fail(RAVEL_E_INVALID_ARGUMENT,
                    "shape[%d] is %lld; a new leading dim needs an extent >= 0", i,
                    static_cast<long long>(wanted));
      }
      next.shape[i] = wanted;
      next.strides[i] = 0;
      continue;
    }
    const int64_t extent = view->shape[i - added];
    const int64_t stride = view->strides[i - added];
    if (wanted == -1 || wanted == extent) {
      next.shape[i] = extent;
      next.strides[i] = stride;
    } else if (extent == 1 && wanted >= 0) {
      next.shape[i] = wanted;
      next.strides[i] = 0;
    } else {
      return Fail(RAVEL_E_INVALID_ARGUMENT,
                  "shape[%d] is %lld; dim %d has extent %lld, which only expands from 1", i,
                  static_cast<long long>(wanted), i - added, static_cast<long long>(extent));
    }
  }
  return Commit(next, "expand", view);
}

ravel_status FlipView(const int32_t* dims, int32_t count, ravel_view* view) {
  int32_t wrapped[RAVEL_MAX_RANK];
  RAVEL_RETURN_IF_ERROR(WrapDistinctDims(dims, count, view->rank, "dims", wrapped));
  ravel_view next = *view;
  for (int32_t i = 0; i < count; ++i) {
    const int32_t d = wrapped[i];
    if (next.shape[d] <= 1) {
      continue;
    }
    int64_t shift = 0;
    if (!CheckedMul(next.shape[d] - 1, next.strides[d], &shift) ||
        !CheckedAdd(next.offset, shift, &next.offset) || next.strides[d] == INT64_MIN) {
      return Fail(RAVEL_E_OVERFLOW, "dims[%d] = %d: the view's offset overflows int64", i, d);
    }
    next.strides[d] = -next.strides[d];
  }
  return Commit(next, "flip", view);
}

ravel_status SqueezeView(int32_t dim, ravel_view* view) {
  if (view->rank == 0 && (dim == 0 || dim == -1)) {
    return RAVEL_OK;
  }
  int32_t d = 0;
  RAVEL_RETURN_IF_ERROR(WrapDim(dim, view->rank, "dim", &d));
  if (view->shape[d] == 1) {
    RemoveDim(d, view);
  }
  return RAVEL_OK;
}

ravel_status SqueezeAllView(ravel_view* view) {
  ravel_view next = *view;
  next.rank = 0;
  for (int32_t d = 0; d < view->rank; ++d) {
    if (view->shape[d] != 1) {
      next.shape[next.rank] = view->shape[d];
      next.strides[next.rank] = view->strides[d];
      ++next.rank;
    }
  }
  *view = next;
  return RAVEL_OK;
}

ravel_status UnsqueezeView(int32_t dim, ravel_view* view) {
  if (view->rank == RAVEL_MAX_RANK) {
    return Fail(RAVEL_E_INVALID_ARGUMENT, "view has rank %d already, the most a view can have",
                RAVEL_MAX_RANK);
  }
  int32_t d = 0;
  RAVEL_RETURN_IF_ERROR(WrapDim(dim, view->rank + 1, "dim", &d));
  ravel_view next = *view;
  for (int32_t i = view->rank; i > d; --i) {
    next.shape[i] = view->shape[i - 1];
    next.strides[i] = view->strides[i - 1];
  }
  // PyTorch's choice of stride for the new dim: it keeps the view's contiguity.
  int64_t stride = 1;
  if (d < view->rank && !CheckedMul(view->shape[d], view->strides[d], &stride)) {
    stride = 1;
  }
  next.shape[d] = 1;
  next.strides[d] = stride;
  ++next.rank;
  return Commit(next, "unsqueeze", view);
}

ravel_status AsStridedView(const int64_t* shape, const int64_t* strides, int32_t rank,
                           int64_t offset, ravel_view* view) {
  if (rank < 0 || rank > RAVEL_MAX_RANK) {
    return Fail(RAVEL_E_INVALID_ARGUMENT, "rank is %d; it must be in 0..%d", rank, RAVEL_MAX_RANK);
  }
  if (rank > 0 && (shape == nullptr || strides == nullptr)) {
    return Fail(RAVEL_E_INVALID_ARGUMENT, "%s is NULL with rank %d",
                shape == nullptr ? "shape" : "strides", rank);
  }
  ravel_view next = *view;
  next.rank = rank;
  next.offset = offset;
  for (int32_t d = 0; d < rank; ++d) {
    if (shape[d] < 0) {
      return Fail(RAVEL_E_INVALID_ARGUMENT, "shape[%d] is %lld; extents must be >= 0", d,
                  static_cast<long long>(shape[d]));
    }
    next.shape[d] = shape[d];
    next.strides[d] = strides[d];
  }
  return Commit(next, "as_strided", view);
}

}  // namespace ravel
