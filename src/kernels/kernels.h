// The Highway kernels: one family per file, compiled for every target Highway builds, looked up
// once per plan for an ISA and an element width.
#ifndef RAVEL_SRC_KERNELS_KERNELS_H_
#define RAVEL_SRC_KERNELS_KERNELS_H_

#include <cstdint>

#include "kernels/family.h"
#include "kernels/isa.h"

namespace ravel {

// Element widths the kernels are specialized for; other sizes are lowered to one of these.
constexpr int64_t kKernelWidths[] = {1, 2, 4, 8, 16};

// True for 1, 2, 4, 8 and 16.
bool IsKernelWidth(int64_t width);

// The kernel of a family for an element width on an available ISA; nullptr if there is none
// (kEmpty, an unavailable ISA, or another width).
RowsKernel HwyKernel(Family family, int64_t width, Isa isa);

// The streaming transpose that stages bands and writes whole lines at any alignment; nullptr if
// there is none for the width on the ISA.
RowsKernel StagedTransposeKernel(Isa isa, int64_t width);
RowsKernel StagedTransposeKernel(int64_t hwy_target, int64_t width);

// Lanes along one edge of the transpose micro-tile for a width on an ISA (1: element by
// element).
int64_t TransposeTileLanes(int64_t width, Isa isa);
int64_t TransposeTileLanesFor(int64_t hwy_target, int64_t width);

// Copy runs shorter than kShortRunWindow bytes into a dense destination are packed several per
// window of that many source bytes (kernels/copy_runs.cc): the runs one window holds for runs of
// `run` bytes `src_row_stride` bytes apart, 0 if the kernel does not pack them.
constexpr int64_t kShortRunWindow = 16;
constexpr int64_t ShortRunsPerWindow(int64_t run, int64_t src_row_stride) {
  if (run <= 0 || run >= kShortRunWindow || src_row_stride <= 0) {
    return 0;
  }
  const int64_t in_window = (kShortRunWindow - run) / src_row_stride + 1;
  const int64_t in_vector = kShortRunWindow / run;
  return in_window < in_vector ? in_window : in_vector;
}

// Per-family lookups by Highway target bit (defined in each family's file).
RowsKernel CopyRunsKernel(int64_t hwy_target, int64_t width);
RowsKernel BroadcastKernel(int64_t hwy_target, int64_t width);
RowsKernel ReverseKernel(int64_t hwy_target, int64_t width);
RowsKernel GatherKernel(int64_t hwy_target, int64_t width);
RowsKernel TransposeKernel(int64_t hwy_target, int64_t width);

}  // namespace ravel

#endif  // RAVEL_SRC_KERNELS_KERNELS_H_
