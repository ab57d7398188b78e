// Does a layout map two distinct indices onto one byte? (A destination must not.)
#ifndef RAVEL_SRC_PLAN_OVERLAP_H_
#define RAVEL_SRC_PLAN_OVERLAP_H_

#include <cstdint>

#include "layout.h"

namespace ravel {

enum class SelfOverlap {
  kNone,      // every index has bytes of its own
  kOverlaps,  // two indices share a byte (a witness pair exists)
  kUnknown,   // the search gave up within its work limit
};

// Decides self-overlap of a validated layout: a fast sufficient test (sorted strides, each
// beyond the reach of the smaller ones), then a bounded exact search for index differences
// x != 0, |x_d| < shape[d], with |sum x_d * stride_d * elem_size| < elem_size.
SelfOverlap FindSelfOverlap(const Layout& layout, int64_t work_limit = 1 << 20);

}  // namespace ravel

#endif  // RAVEL_SRC_PLAN_OVERLAP_H_
