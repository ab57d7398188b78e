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
// A staged streaming transpose writes each destination row several whole lines at a time
// (scattered non-temporal stores of one line are several times slower than of four), reading a
// band of that many source rows a few lines at a time: its source tile is as wide, its loop walks
// along the band, and the kernel prefetches the next call's block (RowsArgs::next_src_offset:
// the next tile of the band, or the next entry of a batch node that continues the rows) while it
// works. Bands are at most kMaxStagedTransposeRows destination rows (1- and 2-byte lanes reach
// it).
constexpr int64_t kMaxStagedTransposeRows = 128;

// The source and destination row bytes of a staged transpose tile, and the most a side takes
// whole rather than in tiles: an extent of 72 to 128 4-byte elements is one tile, not a tile and
// a sliver whose lines the next tile reads again after the loops outside (with the prefetch of
// the next batch entry: f32 [72,72,72,72].permute(3,2,1,0) 1.9-2.5x, [72,3236,72].permute(2,1,0)
// 1.8-2.3x); whole destination rows of up to 1024 bytes make each block one run of the
// destination where rows follow one another (f32 [140,200000].t() 1.6x, [200,200000].t() 1.8x,
// f64 [70,400000].t() 1.9x, [150,4000,150].permute(2,1,0) 1.4x). Longer sides keep 256-byte
// tiles: 512 lost on f32 7264^2 and [5792,4896].t(), whole rows of 2048 bytes 0.8-0.9x. A side
// whole beyond kMaxStagedTransposeRows destination rows is cut into tiles instead.
constexpr int64_t kStagedTransposeTileBytes = 256;
constexpr int64_t kMaxStagedTransposeWholeBytes = 1024;
// From DRAM, a staged tile whose sides both span kStagedTransposeTileBytes or more is oblong:
// 128 bytes of each source row (32 f32 destination rows) by 512 bytes of each destination row
// (128 source rows), so that each block writes 8 whole lines a destination row and reads 2 a
// source row. Sides taken whole stay whole. Measured on Zen 5, one thread, paired runs against
// 256 x 256 bytes: f32 8192^2 1.22, 8191x8193 1.19, [384,144,384].permute(2,1,0) 1.20, f64
// 4096^2 1.19, f16 8192^2 1.11, f16 [4,32,2048,128].transpose(2,3) 1.21, bf16 NCHW->NHWC (256
// channels) 1.20; the access pattern alone (build/bench/ravel_bench_patterns, 128 rows x 128
// bytes against 64 x 256) 1.35. Kept at 256 x 256: 1-byte lanes (u8 16384^2 0.79), a whole
// side shorter than 256 bytes (NCHW <-> NHWC 7x7, f32, 0.90-0.93) and in-cache transposes
// (0.94-1.42, median 1.04).
constexpr int64_t kOblongStagedRowBytes = 128;
constexpr int64_t kOblongStagedColumnBytes = 512;
// Destination bytes one call of a row kernel aims to cover.
constexpr int64_t kRowBlockBytes = int64_t{64} << 10;
// The longest destination row segment one call covers (longer rows are split in tiles).
constexpr int64_t kMaxRowSegmentBytes = int64_t{256} << 10;

// The node whose source stride is one element, other than the innermost, else one whose source
// stride is minus one element (rows read backwards: x.t().flip(0), rot90); -1 if neither.
int32_t FindTransposeNode(const Problem& problem);

// Whether a streamed staged transpose walks along its destination rows, a tile of them at a
// time (the column tiles inside the row tiles), rather than along its band of source rows: where
// a tile's source rows are at least as long as its destination rows. Each block then writes on
// where the last one stopped, and a block that stages the first columns of the next (misaligned
// destination rows) leaves them in cache for it. Measured on Zen 5, one core, streamed, paired
// runs (tools/ab.py --per-case, 6 rounds): f32 8191x8193, 8192^2, 7264^2 and 5000x7001
// 1.03-1.11x, f64 4096^2 and 4095x4097 1.09-1.13x, f16 8191x8193 1.09x, 8192^2 0.95x, f64 1024^2
// (in L3) 0.93x. u8 tiles (256 source rows of 128 bytes) walk the band: along the destination
// 0.5-0.9x.
bool StagedWalksDestination(const Problem& problem, int64_t lanes);

// Whether the problem's bytes are past the streaming threshold (its source comes from DRAM).
bool SourceFromDram(const Problem& problem);

// Whether a staged transpose of the problem takes oblong tiles (or a side whole where it is at
// most kMaxStagedTransposeWholeBytes): from DRAM, lanes of 2 bytes or more, and both sides (the
// transpose node's and the innermost node's) at least kStagedTransposeTileBytes.
bool OblongStagedTile(const Problem& problem);

// A streamed staged transpose whose destination rows are short (under
// kStagedTransposeTileBytes, or under kOblongStagedColumnBytes and not whole lines) where another
// node continues them (its destination stride is the rows' bytes: n3 after n4 in a full reversal
// of rank 5) takes several entries of that node in each block, kOblongStagedColumnBytes of
// destination row at a time or two entries (RowsArgs::col_group): that node, -1 if there is
// none, the source is not from DRAM or either side is under `lanes`. Such
// transposes stage (before, their short rows kept regular stores). Measured on Zen 5
// (tools/ab.py --per-case, 3 rounds), one / two threads, over the plans before (f32: the JIT's
// tiles, regular stores): f32 32^5 full reversal 1.92 / 1.59x, 16^6 full reversal 1.42 / 1.17x
// (rows grouped too), [28,28,28,28,28].permute(0,4,2,1,3) 1.27 / 1.33x,
// [32,24,32,28,32].permute(1,0,4,3,2) 1.07 / 1.41x, [12,16,20,16,12,24].permute(3,5,0,4,2,1) 1.18
// / 1.21x; one thread, u8 32^5 and 16^6 full reversals 2.19x and 2.49x, f16 32^5 1.94x and
// 16^6 1.12x, bf16 [28,...]^5 1.25x; f64 [8,16,16,16,16,16] full reversal (rows of a line) 0.93x.
int32_t StagedColumnGroupNode(const Problem& problem, int64_t lanes);

// Likewise a staged transpose from DRAM whose source rows are a line or less, or under
// kStagedTransposeTileBytes and not whole lines, where another node continues them (its source
// stride is the rows' bytes) takes several entries of that node in each block,
// kStagedTransposeTileBytes of source row at a time (RowsArgs::row_group): that node, -1 if
// there is none.
int32_t StagedRowGroupNode(const Problem& problem, int64_t lanes);

// Fills plan->block, loops, tile loops and extents for plan->problem and plan->family; sets
// plan->units to the number of kernel calls.
void LayOutLoops(Plan* plan);

// Splits plan->units into at most max_threads tasks of contiguous units (fewer for small
// copies, kBytesPerThread of destination per thread).
void PartitionTasks(int32_t max_threads, Plan* plan);

}  // namespace ravel

#endif  // RAVEL_SRC_PLAN_TILING_H_
