// PyTorch's flatten and reshape on a layout: the view-or-copy decision and the result's strides.
#ifndef RAVEL_SRC_RESHAPE_H_
#define RAVEL_SRC_RESHAPE_H_

#include <cstdint>

#include "layout.h"

namespace ravel {

// The outcome of a flatten or reshape: shape and strides of the result; is_view says whether the
// strides address the input's memory (else they are the dense strides of a copy).
struct Reshaped {
  int32_t rank = 0;
  int64_t shape[RAVEL_MAX_RANK] = {};
  int64_t strides[RAVEL_MAX_RANK] = {};
  bool is_view = false;
};

// PyTorch's reshape(new_shape): at most one -1, element counts must agree, a view whenever
// PyTorch's stride rule (computeStride) finds one.
ravel_status ReshapeLayout(const Layout& layout, const int64_t* new_shape, int32_t new_rank,
                           Reshaped* out);

// PyTorch's flatten(start_dim, end_dim): dims start..end merged into one (negatives count from
// the end; rank 0 becomes shape [1]).
ravel_status FlattenLayout(const Layout& layout, int32_t start_dim, int32_t end_dim, Reshaped* out);

}  // namespace ravel

#endif  // RAVEL_SRC_RESHAPE_H_
