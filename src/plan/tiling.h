// The loop nest around a kernel: which nodes the kernel covers, their tiles, and the driver's
// loops over everything else, in destination order except where copy runs walk the source.
#ifndef RAVEL_SRC_PLAN_TILING_H_
#define RAVEL_SRC_PLAN_TILING_H_

#include "plan/plan.h"

namespace ravel {

// A transpose tile is one destination cache line wide and one source page long: every line is
// read and written whole, and each source page is finished before the walk leaves it, so the
// TLB holds what a tile needs.
constexpr int64_t kTransposeColumnBytes = 64;
constexpr int64_t kTransposeRowBytes = 4096;
// A staged streaming transpose writes each destination row four whole lines at a time (scattered
// non-temporal stores of one line are several times slower than of four), reading a band of that
// many source rows a few lines at a time: its source tile is kStagedTransposeRowBytes wide, its
// loop walks along the band, and the kernel prefetches the next tile while it works. Bands are
// at most kMaxStagedTransposeRows destination rows (1- and 2-byte lanes reach it).
constexpr int64_t kStagedTransposeColumnBytes = 256;
constexpr int64_t kStagedTransposeRowBytes = 256;
constexpr int64_t kMaxStagedTransposeRows = 128;
// Destination bytes one call of a row kernel aims to cover.
constexpr int64_t kRowBlockBytes = int64_t{64} << 10;
// The longest destination row segment one call covers (longer rows are split in tiles).
constexpr int64_t kMaxRowSegmentBytes = int64_t{256} << 10;

// The node whose source stride is one element, other than the innermost, else one whose source
// stride is minus one element (rows read backwards: x.t().flip(0), rot90); -1 if neither.
int32_t FindTransposeNode(const Problem& problem);

// Fills plan->block, loops, tile loops and extents for plan->problem and plan->family; sets
// plan->units to the number of kernel calls.
void LayOutLoops(Plan* plan);

// Splits plan->units into at most max_threads tasks of contiguous units (fewer for small
// copies, kBytesPerThread of destination per thread).
void PartitionTasks(int32_t max_threads, Plan* plan);

}  // namespace ravel

#endif  // RAVEL_SRC_PLAN_TILING_H_
