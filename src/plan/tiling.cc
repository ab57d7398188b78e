#include "plan/tiling.h"

#include <algorithm>
#include <cstdlib>

namespace ravel {
namespace {

// Source rows at least this far apart are on separate pages or DRAM rows: walking many of them at
// once defeats the prefetchers and the TLB.
constexpr int64_t kFarRowBytes = 1024;
// Copy runs walk the source in order when the destination then has at most this many streams
// open, or when its runs are at least kLongRunBytes (whole lines, posted stores: scattered runs
// that long cost the writes little). Otherwise, past two tiles of rows (fewer source streams
// cost little), a tiled walk keeps kTiledWalkRows source streams and writes kTiledWalkRows runs
// in a row. Measured on head split/merge shapes (64-256 MiB):
// 0.2-0.5 of the copy limit in destination order, 0.6-0.9 walked so.
constexpr int64_t kMaxRowStreams = 64;
constexpr int64_t kLongRunBytes = 512;
constexpr int64_t kTiledWalkRows = 8;

// Whether a staged block groups source rows of `row_bytes` (StagedRowGroupNode): rows of a line or
// less, or shorter than kStagedTransposeTileBytes and not whole lines (whose lines the blocks
// before and after read again). Measured on Zen 5, one thread (tools/ab.py --per-case, 3-4
// rounds), grouped over not: f32 16^6 full reversal (rows of 64 B, 4 groups) 1.38x; 32^5 full
// reversal (rows of 128 B, 2 groups) 0.97x. [12,16,20,16,12,24].permute(3,5,0,4,2,1) (96 B, 2
// groups) read 1.24x over the plan before any grouping, its columns grouped alone 0.81x. With
// 1-byte lanes a grouped side may pass kMaxStagedTransposeRows (u8 16^6: 256 rows).
bool GroupedSourceRows(int64_t row_bytes) {
  constexpr int64_t kLine = kTransposeColumnBytes;
  return row_bytes * 2 <= kStagedTransposeTileBytes &&
         (row_bytes <= kLine || row_bytes % kLine != 0);
}

// Whether a staged block groups destination rows of `row_bytes` (StagedColumnGroupNode): rows
// under kStagedTransposeTileBytes, or under kOblongStagedColumnBytes and not whole lines (two
// groups a block). Measured on Zen 5 (tools/ab.py --per-case, 3 rounds), one / two threads, two
// groups over one: f32 [72,72,72,72].permute(3,2,1,0) (rows of 288 B) 1.28 / 1.34x,
// [72,3236,72].permute(2,1,0) 1.24 / 1.18x; [64,64,64,64].permute(0,3,2,1) (256 B, whole lines)
// 1.08 / 0.93x.
bool GroupedDestinationRows(int64_t row_bytes) {
  constexpr int64_t kLine = kTransposeColumnBytes;
  return row_bytes < kStagedTransposeTileBytes ||
         (row_bytes < kOblongStagedColumnBytes && row_bytes % kLine != 0);
}

// ceil(a / b) for a >= 0, b > 0, without forming a + b - 1 (an extent may be near INT64_MAX).
int64_t CeilDiv(int64_t a, int64_t b) { return a / b + (a % b != 0 ? 1 : 0); }

// A staged transpose's tile along a side of `extent` elements whose nominal tile is `tile`: the
// whole side when it fits kMaxStagedTransposeWholeBytes. Longer sides keep the nominal tile and
// a shorter last one (equal tiles measured 0.84-1.3x, median 0.93x, on TTC-style shapes).
int64_t StagedSideTile(int64_t extent, int64_t tile, int64_t width) {
  return extent * width <= kMaxStagedTransposeWholeBytes ? extent : tile;
}

struct TileShape {
  int64_t rows;  // destination rows (source columns)
  int64_t cols;  // destination columns (source rows)
};

// A staged transpose's tile: oblong (kOblongStagedRowBytes x kOblongStagedColumnBytes) where
// OblongStagedTile, else kStagedTransposeTileBytes a side; sides taken whole stay whole. Grouped
// sides (StagedRowGroupNode, StagedColumnGroupNode) take whole groups: kStagedTransposeTileBytes
// of source row, kOblongStagedColumnBytes of destination row, or all the groups there are.
TileShape StagedTileShape(const Problem& problem, int64_t lanes) {
  const int64_t width = problem.elem_size;
  const int64_t rows_extent = problem.nodes[FindTransposeNode(problem)].n;
  const int64_t cols_extent = problem.nodes[problem.rank - 1].n;
  const bool oblong = OblongStagedTile(problem);
  const int64_t row_bytes = oblong ? kOblongStagedRowBytes : kStagedTransposeTileBytes;
  const int64_t col_bytes = oblong ? kOblongStagedColumnBytes : kStagedTransposeTileBytes;
  const int64_t rows =
      std::min(rows_extent, std::max(lanes, std::max<int64_t>(1, row_bytes / width)));
  const int64_t whole_rows = StagedSideTile(rows_extent, rows, width);
  TileShape tile{
      whole_rows <= kMaxStagedTransposeRows ? whole_rows : std::min(rows, kMaxStagedTransposeRows),
      0};
  const int32_t row_group = StagedRowGroupNode(problem, lanes);
  if (row_group >= 0) {
    tile.rows = rows_extent * std::min(problem.nodes[row_group].n,
                                       kStagedTransposeTileBytes / (rows_extent * width));
  }
  const int32_t group = StagedColumnGroupNode(problem, lanes);
  if (group >= 0) {
    tile.cols = cols_extent *
                std::min(problem.nodes[group].n,
                         std::max<int64_t>(2, kOblongStagedColumnBytes / (cols_extent * width)));
  } else {
    const int64_t cols = std::min(cols_extent, std::max<int64_t>(1, col_bytes / width));
    tile.cols = StagedSideTile(cols_extent, cols, width);
  }
  return tile;
}

void AddLoop(Plan* plan, int64_t count, int64_t src_step, int64_t dst_step) {
  if (count > 1) {
    plan->loops[plan->loop_count++] = Loop{count, src_step, dst_step};
  }
}

// How a row family walks the destination-inner node A when its source rows are far apart and a
// node B outside it is nearer in the source.
enum class RowWalk {
  kDestinationOrder,  // kernel rows along A, B outside: |A| source streams
  kSourceOrder,       // kernel rows along B, A outside: |B| destination streams
  kTiled,             // kernel rows along a tile of A, B inside the tile loop
};

struct RowChoice {
  int32_t row = -1;   // the kernel's row node
  int32_t near = -1;  // with kTiled, the node walked inside the row tiles
  RowWalk walk = RowWalk::kDestinationOrder;
};

RowChoice ChooseRows(const Problem& problem) {
  RowChoice choice;
  if (problem.rank < 2) {
    return choice;
  }
  const int32_t a = problem.rank - 2;
  choice.row = a;
  const int64_t a_reach = std::abs(problem.nodes[a].src_stride);
  int32_t b = -1;
  for (int32_t d = 0; d < a; ++d) {
    const int64_t reach = std::abs(problem.nodes[d].src_stride);
    if (reach < a_reach && (b < 0 || reach < std::abs(problem.nodes[b].src_stride))) {
      b = d;
    }
  }
  if (b < 0 || a_reach < kFarRowBytes) {
    return choice;
  }
  const int64_t run_bytes = problem.nodes[problem.rank - 1].n * problem.elem_size;
  if (problem.nodes[b].n <= kMaxRowStreams || run_bytes >= kLongRunBytes) {
    choice.walk = RowWalk::kSourceOrder;
    choice.row = b;
  } else if (problem.nodes[a].n > 2 * kTiledWalkRows) {
    choice.walk = RowWalk::kTiled;
    choice.near = b;
  }
  return choice;
}

// The smaller of a loop's two steps: how far its iterations move on the side they stay nearer on.
int64_t NearStep(const Loop& loop) {
  return std::min(std::abs(loop.src_step), std::abs(loop.dst_step));
}

// Orders a transpose's loops by NearStep, largest outermost, so that the calls of the inner loops
// continue on at least one side where the last ones stopped and a batch node that moves little on
// both sides does not split the lines and pages a tile loop walks. The two tile loops count as
// one (the smaller NearStep of the two) and keep their order; ties keep destination order.
// Measured on Zen 5 (tools/ab.py --per-case, 3-5 rounds), over destination order: f32
// [96,48,64,96].permute(2,1,3,0) 1.74x at one thread and 1.20x at two, [384,144,384].permute(2,1,0)
// 1.44x and 1.45x, [12,16,20,16,12,24].permute(3,5,0,4,2,1) 1.05x and 1.11x, the full reversals
// of 32^5 and 16^6 1.03-1.10x.
void OrderTransposeLoops(Plan* plan) {
  const int32_t count = plan->loop_count;
  int64_t tile_step = INT64_MAX;
  for (const int32_t tile_loop : {plan->row_tile_loop, plan->col_tile_loop}) {
    if (tile_loop >= 0) {
      tile_step = std::min(tile_step, NearStep(plan->loops[tile_loop]));
    }
  }
  const auto step_of = [&](int32_t l) {
    return l == plan->row_tile_loop || l == plan->col_tile_loop ? tile_step
                                                                : NearStep(plan->loops[l]);
  };
  int32_t order[RAVEL_MAX_RANK + 2];
  for (int32_t l = 0; l < count; ++l) {
    order[l] = l;
  }
  std::stable_sort(order, order + count,
                   [&](int32_t a, int32_t b) { return step_of(a) > step_of(b); });
  Loop ordered[RAVEL_MAX_RANK + 2];
  int32_t row_tile_loop = -1;
  int32_t col_tile_loop = -1;
  for (int32_t l = 0; l < count; ++l) {
    ordered[l] = plan->loops[order[l]];
    row_tile_loop = order[l] == plan->row_tile_loop ? l : row_tile_loop;
    col_tile_loop = order[l] == plan->col_tile_loop ? l : col_tile_loop;
  }
  std::copy(ordered, ordered + count, plan->loops);
  plan->row_tile_loop = row_tile_loop;
  plan->col_tile_loop = col_tile_loop;
}

}  // namespace

int32_t FindTransposeNode(const Problem& problem) {
  for (const int64_t stride : {problem.elem_size, -problem.elem_size}) {
    for (int32_t d = problem.rank - 2; d >= 0; --d) {
      if (problem.nodes[d].src_stride == stride) {
        return d;
      }
    }
  }
  return -1;
}

bool SourceFromDram(const Problem& problem) {
  return problem.count * problem.elem_size >= StreamingThreshold();
}

bool OblongStagedTile(const Problem& problem) {
  const int32_t row = FindTransposeNode(problem);
  const int64_t width = problem.elem_size;
  return row >= 0 && width >= 2 && SourceFromDram(problem) &&
         problem.nodes[row].n * width >= kStagedTransposeTileBytes &&
         problem.nodes[problem.rank - 1].n * width >= kStagedTransposeTileBytes;
}

int32_t StagedColumnGroupNode(const Problem& problem, int64_t lanes) {
  const int32_t row = FindTransposeNode(problem);
  if (row < 0 || !SourceFromDram(problem)) {
    return -1;
  }
  const Node& inner = problem.nodes[problem.rank - 1];
  const int64_t row_bytes = inner.n * problem.elem_size;
  if (inner.dst_stride != problem.elem_size || inner.n < lanes || problem.nodes[row].n < lanes ||
      !GroupedDestinationRows(row_bytes)) {
    return -1;
  }
  for (int32_t d = 0; d + 1 < problem.rank; ++d) {
    const Node& node = problem.nodes[d];
    if (d != row && node.dst_stride == row_bytes && node.src_stride > 0 && node.n >= 2) {
      return d;
    }
  }
  return -1;
}

int32_t StagedRowGroupNode(const Problem& problem, int64_t lanes) {
  const int32_t row = FindTransposeNode(problem);
  if (row < 0 || !SourceFromDram(problem)) {
    return -1;
  }
  const Node& rows = problem.nodes[row];
  const int64_t row_bytes = rows.n * problem.elem_size;
  if (rows.src_stride != problem.elem_size || rows.n < lanes ||
      problem.nodes[problem.rank - 1].n < lanes || !GroupedSourceRows(row_bytes)) {
    return -1;
  }
  const int32_t col_group = StagedColumnGroupNode(problem, lanes);
  for (int32_t d = 0; d + 1 < problem.rank; ++d) {
    const Node& node = problem.nodes[d];
    if (d != row && d != col_group && node.src_stride == row_bytes && node.dst_stride > 0 &&
        node.n >= 2) {
      return d;
    }
  }
  return -1;
}

bool StagedWalksDestination(const Problem& problem, int64_t lanes) {
  const int32_t row = FindTransposeNode(problem);
  if (row < 0) {
    return false;
  }
  const TileShape tile = StagedTileShape(problem, lanes);
  return tile.rows >= tile.cols;
}

void LayOutLoops(Plan* plan) {
  const Problem& problem = plan->problem;
  const int64_t width = problem.elem_size;
  plan->loop_count = 0;
  plan->row_tile_loop = -1;
  plan->col_tile_loop = -1;
  RowsArgs& block = plan->block;
  block = RowsArgs{};
  block.n = 1;
  if (problem.rank == 0) {
    plan->units = problem.count == 0 ? 0 : 1;
    return;
  }
  const int32_t col = problem.rank - 1;
  const Node& col_node = problem.nodes[col];
  const bool staged_transpose =
      plan->family == Family::kTranspose && plan->transpose_store == TransposeStore::kStaged;
  const int32_t group =
      staged_transpose ? StagedColumnGroupNode(problem, plan->transpose_lanes) : -1;
  const int32_t row_group =
      staged_transpose ? StagedRowGroupNode(problem, plan->transpose_lanes) : -1;
  // Grouped columns: the innermost node's entries, then the group node's (its steps per column
  // tile are those of a tile's groups).
  const int64_t cols_extent = group >= 0 ? col_node.n * problem.nodes[group].n : col_node.n;
  const int64_t col_tile_src_step = group >= 0 ? problem.nodes[group].src_stride : 0;
  int32_t row = -1;
  RowChoice rows;
  if (plan->family == Family::kTranspose) {
    row = FindTransposeNode(problem);
  } else if (plan->family == Family::kCopyRuns) {
    rows = ChooseRows(problem);
    row = rows.row;
  } else if (problem.rank >= 2) {
    row = problem.rank - 2;
  }

  int64_t col_tile = col_node.n;
  int64_t row_tile = 1;
  if (plan->family == Family::kTranspose) {
    const int64_t rows_extent = problem.nodes[row].n;
    const int64_t lanes = plan->transpose_lanes;
    if (rows_extent < lanes || col_node.n < lanes) {
      // Two to a few rows or columns (image channels): long blocks of the other side.
      const int64_t narrow = std::min(rows_extent, col_node.n);
      const int64_t wide = std::max<int64_t>(1, kRowBlockBytes / (narrow * width));
      row_tile = rows_extent < lanes ? rows_extent : std::min(rows_extent, wide);
      col_tile = rows_extent < lanes ? std::min(col_node.n, wide) : col_node.n;
    } else {
      const bool staged = plan->transpose_store == TransposeStore::kStaged;
      const bool along_destination = plan->transpose_walks_destination;
      const int64_t column_bytes = staged              ? kStagedTransposeTileBytes
                                   : along_destination ? kTransposeRowBytes
                                                       : kTransposeColumnBytes;
      const int64_t row_bytes = staged              ? kStagedTransposeTileBytes
                                : along_destination ? kTransposeColumnBytes
                                                    : kTransposeRowBytes;
      col_tile = std::min(col_node.n, std::max<int64_t>(1, column_bytes / width));
      row_tile = std::min(rows_extent, std::max<int64_t>(lanes, row_bytes / width));
      if (staged) {
        const TileShape tile = StagedTileShape(problem, lanes);
        row_tile = tile.rows;
        col_tile = tile.cols;
      }
    }
  } else {
    col_tile = std::min(col_node.n, std::max<int64_t>(1, kMaxRowSegmentBytes / width));
    if (row >= 0) {
      row_tile =
          std::min(problem.nodes[row].n, std::max<int64_t>(1, kRowBlockBytes / (col_tile * width)));
      if (rows.walk == RowWalk::kTiled) {
        row_tile = std::min(row_tile, kTiledWalkRows);
      }
    }
  }

  block.n = col_tile;
  block.cols_total = cols_extent;
  block.src_stride = col_node.src_stride;
  block.dst_stride = col_node.dst_stride;
  block.rows = row_tile;
  if (group >= 0) {
    block.col_group = col_node.n;
    block.src_group_stride = col_tile_src_step;
  }
  plan->cols_extent = cols_extent;
  plan->rows_extent = 1;
  if (row >= 0) {
    block.src_row_stride = problem.nodes[row].src_stride;
    block.dst_row_stride = problem.nodes[row].dst_stride;
    plan->rows_extent = problem.nodes[row].n;
  }
  if (row_group >= 0) {
    block.row_group = problem.nodes[row].n;
    block.dst_group_stride = problem.nodes[row_group].dst_stride;
    plan->rows_extent *= problem.nodes[row_group].n;
  }

  // A staged transpose walks along its band of source rows (the column tiles go outside) unless
  // it walks along the destination rows (StagedWalksDestination).
  const bool columns_outside = plan->family == Family::kTranspose &&
                               plan->transpose_store == TransposeStore::kStaged &&
                               !plan->transpose_walks_destination;
  const auto add_column_tiles = [&] {
    const int32_t before = plan->loop_count;
    if (group >= 0) {
      AddLoop(plan, CeilDiv(cols_extent, col_tile), col_tile / col_node.n * col_tile_src_step,
              col_tile * col_node.dst_stride);
    } else {
      AddLoop(plan, CeilDiv(col_node.n, col_tile), col_tile * col_node.src_stride,
              col_tile * col_node.dst_stride);
    }
    if (plan->loop_count > before) {
      plan->col_tile_loop = before;
    }
  };
  const auto add_row_tiles = [&] {
    const Node& row_node = problem.nodes[row];
    const int32_t before = plan->loop_count;
    if (row_group >= 0) {
      AddLoop(plan, CeilDiv(plan->rows_extent, row_tile), row_tile * row_node.src_stride,
              row_tile / row_node.n * problem.nodes[row_group].dst_stride);
    } else {
      AddLoop(plan, CeilDiv(row_node.n, row_tile), row_tile * row_node.src_stride,
              row_tile * row_node.dst_stride);
    }
    if (plan->loop_count > before) {
      plan->row_tile_loop = before;
    }
  };
  for (int32_t d = 0; d < col; ++d) {
    const Node& node = problem.nodes[d];
    if (d == group || d == row_group) {
      continue;
    }
    if (d == rows.near) {
      // A tiled walk: the row tiles outside the near node.
      add_row_tiles();
      AddLoop(plan, node.n, node.src_stride, node.dst_stride);
    } else if (d == row) {
      if (rows.near >= 0) {
        continue;
      }
      if (columns_outside) {
        add_column_tiles();
      }
      add_row_tiles();
    } else {
      AddLoop(plan, node.n, node.src_stride, node.dst_stride);
    }
  }
  if (!columns_outside) {
    add_column_tiles();
  }
  if (plan->family == Family::kTranspose) {
    OrderTransposeLoops(plan);
  }
  plan->row_tiles_backward = false;
  plan->walk_src_offset = 0;
  plan->walk_dst_offset = 0;
  if (plan->row_tile_loop >= 0 && plan->loops[plan->row_tile_loop].src_step < 0) {
    Loop& loop = plan->loops[plan->row_tile_loop];
    plan->row_tiles_backward = true;
    plan->walk_src_offset = (loop.count - 1) * loop.src_step;
    plan->walk_dst_offset = (loop.count - 1) * loop.dst_step;
    loop.src_step = -loop.src_step;
    loop.dst_step = -loop.dst_step;
  }
  block.next_src_offset = plan->loop_count > 0 ? plan->loops[plan->loop_count - 1].src_step : 0;
  plan->units = 1;
  for (int32_t l = 0; l < plan->loop_count; ++l) {
    plan->units *= plan->loops[l].count;
  }
}

void PartitionTasks(int32_t max_threads, Plan* plan) {
  if (plan->units == 0) {
    plan->threads = 1;
    plan->task_count = 0;
    plan->units_per_task = 0;
    return;
  }
  const int64_t bytes = plan->problem.count * plan->problem.elem_size;
  const int64_t by_bytes = std::max<int64_t>(1, bytes / kBytesPerThread);
  const int64_t threads = std::min<int64_t>({std::max(max_threads, 1), by_bytes, plan->units});
  plan->units_per_task = CeilDiv(plan->units, threads);
  plan->task_count = CeilDiv(plan->units, plan->units_per_task);
  plan->threads = static_cast<int32_t>(plan->task_count);
}

}  // namespace ravel
