// Kernel families and the one kernel signature they share.
#ifndef RAVEL_SRC_KERNELS_FAMILY_H_
#define RAVEL_SRC_KERNELS_FAMILY_H_

#include <cstdint>

namespace ravel {

enum class Family {
  kEmpty,      // nothing to copy
  kCopyRuns,   // the innermost destination dim is unit-stride in the source
  kTranspose,  // another dim is unit-stride in the source
  kGather,     // no unit-stride source dim
  kBroadcast,  // the innermost source stride is zero
  kReverse,    // the innermost source stride is -1 element
};

// "copy-runs", "transpose", ...
const char* FamilyName(Family family);

// One kernel call copies a block of `rows` destination rows of `n` elements of `width` bytes:
//   dst[r * dst_row_stride + j * dst_stride] = src[r * src_row_stride + j * src_stride]
// for r < rows, j < n (strides in bytes). dst_stride == width for every family but gather;
// transposes are the case src_row_stride == width.
struct RowsArgs {
  int64_t rows = 1;
  int64_t n = 0;
  int64_t src_stride = 0;
  int64_t dst_stride = 0;
  int64_t src_row_stride = 0;
  int64_t dst_row_stride = 0;
  bool stream = false;  // non-temporal stores where the destination allows them
  // Where the block sits in its destination rows: its first column and the row length (kernels
  // that write whole cache lines across block edges need them).
  int64_t col_begin = 0;
  int64_t cols_total = 0;
  // Where the next call's source starts relative to this call's (the innermost loop's step; 0
  // for a single call): what kernels that prefetch the next block fetch.
  int64_t next_src_offset = 0;
  // Staged transposes only: columns in groups of col_group (a second node continues the
  // destination rows), column j's source at (j / col_group) * src_group_stride + (j % col_group)
  // * src_stride; 0 for one group. Blocks start on a group and hold whole groups.
  int64_t col_group = 0;
  int64_t src_group_stride = 0;
  // Likewise rows in groups of row_group (a second node continues the source rows): row r's
  // destination at (r / row_group) * dst_group_stride + (r % row_group) * dst_row_stride.
  int64_t row_group = 0;
  int64_t dst_group_stride = 0;
};

using RowsKernel = void (*)(const RowsArgs& args, const char* src, char* dst);

}  // namespace ravel

#endif  // RAVEL_SRC_KERNELS_FAMILY_H_
