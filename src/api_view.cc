// The C entry points of the view algebra and of flatten/reshape.
#include "error.h"
#include "layout.h"
#include "ravel/ravel.h"
#include "reshape.h"
#include "view.h"

namespace ravel {
namespace {

// Validates *view, applies op to a copy, and stores the copy only when op succeeds.
template <typename Op>
ravel_status EditView(ravel_view* view, Op&& op) {
  return Guarded([&] {
    RAVEL_RETURN_IF_ERROR(CheckView(view));
    ravel_view next = *view;
    RAVEL_RETURN_IF_ERROR(op(&next));
    *view = next;
    return RAVEL_OK;
  });
}

ravel_status CheckOutputs(const int64_t* out_shape, const int64_t* out_strides,
                          const int* is_view) {
  if (out_shape == nullptr || out_strides == nullptr || is_view == nullptr) {
    return Fail(RAVEL_E_INVALID_ARGUMENT, "%s is NULL",
                out_shape == nullptr     ? "out_shape"
                : out_strides == nullptr ? "out_strides"
                                         : "is_view");
  }
  return RAVEL_OK;
}

void StoreReshaped(const Reshaped& result, int64_t* out_shape, int64_t* out_strides, int* is_view) {
  for (int32_t d = 0; d < result.rank; ++d) {
    out_shape[d] = result.shape[d];
    out_strides[d] = result.strides[d];
  }
  *is_view = result.is_view ? 1 : 0;
}

}  // namespace
}  // namespace ravel

extern "C" {

ravel_status ravel_view_init(ravel_view* view, const ravel_layout* layout) {
  return ravel::Guarded([&] {
    if (view == nullptr) {
      return ravel::Fail(RAVEL_E_INVALID_ARGUMENT, "view is NULL");
    }
    return ravel::InitView(layout, view);
  });
}

ravel_status ravel_view_permute(ravel_view* view, const int32_t* dims, int32_t count) {
  return ravel::EditView(view, [&](ravel_view* v) { return ravel::PermuteView(dims, count, v); });
}

ravel_status ravel_view_slice(ravel_view* view, int32_t dim, int64_t start, int64_t stop,
                              int64_t step) {
  return ravel::EditView(
      view, [&](ravel_view* v) { return ravel::SliceView(dim, start, stop, step, v); });
}

ravel_status ravel_view_select(ravel_view* view, int32_t dim, int64_t index) {
  return ravel::EditView(view, [&](ravel_view* v) { return ravel::SelectView(dim, index, v); });
}

ravel_status ravel_view_expand(ravel_view* view, const int64_t* shape, int32_t rank) {
  return ravel::EditView(view, [&](ravel_view* v) { return ravel::ExpandView(shape, rank, v); });
}

ravel_status ravel_view_flip(ravel_view* view, const int32_t* dims, int32_t count) {
  return ravel::EditView(view, [&](ravel_view* v) { return ravel::FlipView(dims, count, v); });
}

ravel_status ravel_view_squeeze(ravel_view* view, int32_t dim) {
  return ravel::EditView(view, [&](ravel_view* v) { return ravel::SqueezeView(dim, v); });
}

ravel_status ravel_view_squeeze_all(ravel_view* view) {
  return ravel::EditView(view, [&](ravel_view* v) { return ravel::SqueezeAllView(v); });
}

ravel_status ravel_view_unsqueeze(ravel_view* view, int32_t dim) {
  return ravel::EditView(view, [&](ravel_view* v) { return ravel::UnsqueezeView(dim, v); });
}

ravel_status ravel_view_as_strided(ravel_view* view, const int64_t* shape, const int64_t* strides,
                                   int32_t rank, int64_t offset) {
  return ravel::EditView(
      view, [&](ravel_view* v) { return ravel::AsStridedView(shape, strides, rank, offset, v); });
}

ravel_status ravel_flatten(const ravel_layout* layout, int32_t start_dim, int32_t end_dim,
                           int64_t* out_shape, int64_t* out_strides, int32_t* out_rank,
                           int* is_view) {
  return ravel::Guarded([&] {
    RAVEL_RETURN_IF_ERROR(ravel::CheckOutputs(out_shape, out_strides, is_view));
    if (out_rank == nullptr) {
      return ravel::Fail(RAVEL_E_INVALID_ARGUMENT, "out_rank is NULL");
    }
    ravel::Layout checked;
    RAVEL_RETURN_IF_ERROR(ravel::ReadLayout(layout, "layout", &checked));
    ravel::Reshaped result;
    RAVEL_RETURN_IF_ERROR(ravel::FlattenLayout(checked, start_dim, end_dim, &result));
    ravel::StoreReshaped(result, out_shape, out_strides, is_view);
    *out_rank = result.rank;
    return RAVEL_OK;
  });
}

ravel_status ravel_reshape(const ravel_layout* layout, const int64_t* new_shape, int32_t new_rank,
                           int64_t* out_shape, int64_t* out_strides, int* is_view) {
  return ravel::Guarded([&] {
    RAVEL_RETURN_IF_ERROR(ravel::CheckOutputs(out_shape, out_strides, is_view));
    ravel::Layout checked;
    RAVEL_RETURN_IF_ERROR(ravel::ReadLayout(layout, "layout", &checked));
    ravel::Reshaped result;
    RAVEL_RETURN_IF_ERROR(ravel::ReshapeLayout(checked, new_shape, new_rank, &result));
    ravel::StoreReshaped(result, out_shape, out_strides, is_view);
    return RAVEL_OK;
  });
}

}  // extern "C"
