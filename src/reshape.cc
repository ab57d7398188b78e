#include "reshape.h"

#include <utility>

#include "checked_math.h"
#include "error.h"

namespace ravel {
namespace {

// PyTorch's computeStride: strides that let new_shape view the memory of (shape, strides), found
// by matching runs of new dims against chunks of old dims that are contiguous with each other.
// False when no such strides exist. The layout holds at least one element.
bool ComputeViewStrides(const Layout& layout, const int64_t* new_shape, int32_t new_rank,
                        int64_t* new_strides) {
  if (layout.rank == 0) {
    for (int32_t d = 0; d < new_rank; ++d) {
      new_strides[d] = 1;
    }
    return true;
  }
  // Every product below is bounded by the element count and cannot overflow.
  int32_t view_d = new_rank - 1;
  int64_t chunk_base_stride = layout.strides[layout.rank - 1];
  int64_t tensor_count = 1;
  int64_t view_count = 1;
  for (int32_t tensor_d = layout.rank - 1; tensor_d >= 0; --tensor_d) {
    tensor_count *= layout.shape[tensor_d];
    int64_t chunk_stride = 0;
    const bool chunk_ends =
        tensor_d == 0 || (layout.shape[tensor_d - 1] != 1 &&
                          (!CheckedMul(tensor_count, chunk_base_stride, &chunk_stride) ||
                           layout.strides[tensor_d - 1] != chunk_stride));
    if (!chunk_ends) {
      continue;
    }
    while (view_d >= 0 && (view_count < tensor_count || new_shape[view_d] == 1)) {
      if (!CheckedMul(view_count, chunk_base_stride, &new_strides[view_d])) {
        // Only a size-1 dim past its chunk's end can get here; any stride serves it.
        if (new_shape[view_d] != 1) {
          return false;
        }
        new_strides[view_d] = chunk_base_stride;
      }
      view_count *= new_shape[view_d];
      --view_d;
    }
    if (view_count != tensor_count) {
      return false;
    }
    if (tensor_d > 0) {
      chunk_base_stride = layout.strides[tensor_d - 1];
      tensor_count = 1;
      view_count = 1;
    }
  }
  return view_d == -1;
}

}  // namespace

ravel_status ReshapeLayout(const Layout& layout, const int64_t* new_shape, int32_t new_rank,
                           Reshaped* out) {
  if (new_rank < 0 || new_rank > RAVEL_MAX_RANK) {
    return Fail(RAVEL_E_INVALID_ARGUMENT, "new_rank is %d; it must be in 0..%d", new_rank,
                RAVEL_MAX_RANK);
  }
  if (new_rank > 0 && new_shape == nullptr) {
    return Fail(RAVEL_E_INVALID_ARGUMENT, "new_shape is NULL with new_rank %d", new_rank);
  }
  const int64_t count = ElementCount(layout);
  int32_t inferred = -1;
  int64_t known = 1;
  for (int32_t d = 0; d < new_rank; ++d) {
    if (new_shape[d] == -1) {
      if (inferred >= 0) {
        return Fail(RAVEL_E_INVALID_ARGUMENT, "new_shape[%d] and new_shape[%d] are both -1",
                    inferred, d);
      }
      inferred = d;
    } else if (new_shape[d] < 0) {
      return Fail(RAVEL_E_INVALID_ARGUMENT, "new_shape[%d] is %lld; extents must be >= 0 or -1", d,
                  static_cast<long long>(new_shape[d]));
    } else if (!CheckedMul(known, new_shape[d], &known)) {
      return Fail(RAVEL_E_INVALID_ARGUMENT, "new_shape: its element count overflows int64");
    }
  }
  out->rank = new_rank;
  for (int32_t d = 0; d < new_rank; ++d) {
    out->shape[d] = new_shape[d];
  }
  if (inferred >= 0) {
    if (known == 0) {
      return Fail(RAVEL_E_INVALID_ARGUMENT,
                  "new_shape[%d] is -1, which is ambiguous when the other extents multiply to 0",
                  inferred);
    }
    if (count % known != 0) {
      return Fail(RAVEL_E_INVALID_ARGUMENT,
                  "new_shape does not fit %lld elements: %lld is not a multiple of %lld",
                  static_cast<long long>(count), static_cast<long long>(count),
                  static_cast<long long>(known));
    }
    out->shape[inferred] = count / known;
  } else if (known != count) {
    return Fail(RAVEL_E_INVALID_ARGUMENT, "new_shape has %lld elements; the layout has %lld",
                static_cast<long long>(known), static_cast<long long>(count));
  }
  if (count == 0) {
    // PyTorch views every empty reshape: the old strides for the same shape, else dense ones.
    out->is_view = true;
    bool same_shape = layout.rank == new_rank;
    for (int32_t d = 0; same_shape && d < new_rank; ++d) {
      same_shape = layout.shape[d] == out->shape[d];
    }
    if (same_shape) {
      for (int32_t d = 0; d < new_rank; ++d) {
        out->strides[d] = layout.strides[d];
      }
      return RAVEL_OK;
    }
    return DenseStrides(out->shape, new_rank, out->strides, "new_shape");
  }
  out->is_view = ComputeViewStrides(layout, out->shape, new_rank, out->strides);
  if (!out->is_view) {
    RAVEL_RETURN_IF_ERROR(DenseStrides(out->shape, new_rank, out->strides, "new_shape"));
  }
  return RAVEL_OK;
}

ravel_status FlattenLayout(const Layout& layout, int32_t start_dim, int32_t end_dim,
                           Reshaped* out) {
  const int32_t bound = layout.rank > 0 ? layout.rank : 1;
  for (const auto& [name, dim] : {std::pair<const char*, int32_t>{"start_dim", start_dim},
                                  std::pair<const char*, int32_t>{"end_dim", end_dim}}) {
    if (dim < -bound || dim >= bound) {
      return Fail(RAVEL_E_INVALID_ARGUMENT, "%s is %d; it must be in %d..%d", name, dim, -bound,
                  bound - 1);
    }
  }
  const int32_t start = start_dim < 0 ? start_dim + bound : start_dim;
  const int32_t end = end_dim < 0 ? end_dim + bound : end_dim;
  if (start > end) {
    return Fail(RAVEL_E_INVALID_ARGUMENT, "start_dim (%d) comes after end_dim (%d)", start_dim,
                end_dim);
  }
  if (layout.rank == 0) {
    const int64_t one = 1;
    return ReshapeLayout(layout, &one, 1, out);
  }
  if (start == end) {
    out->rank = layout.rank;
    for (int32_t d = 0; d < layout.rank; ++d) {
      out->shape[d] = layout.shape[d];
      out->strides[d] = layout.strides[d];
    }
    out->is_view = true;
    return RAVEL_OK;
  }
  int64_t new_shape[RAVEL_MAX_RANK];
  int32_t new_rank = 0;
  for (int32_t d = 0; d < start; ++d) {
    new_shape[new_rank++] = layout.shape[d];
  }
  int64_t merged = 1;
  for (int32_t d = start; d <= end; ++d) {
    if (!CheckedMul(merged, layout.shape[d], &merged)) {
      return Fail(RAVEL_E_OVERFLOW, "layout: flattening dims %d..%d overflows int64", start, end);
    }
  }
  new_shape[new_rank++] = merged;
  for (int32_t d = end + 1; d < layout.rank; ++d) {
    new_shape[new_rank++] = layout.shape[d];
  }
  return ReshapeLayout(layout, new_shape, new_rank, out);
}

}  // namespace ravel
