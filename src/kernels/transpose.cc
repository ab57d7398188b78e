// Transpose: source rows run along the destination's row index (src_row_stride == width; where
// the view's run backwards, the driver turns each call round and dst_row_stride is negative).
// Register micro-tiles are transposed by networks of lane interleaves and block moves (SVE, whose
// vectors are sizeless: log2(L) rounds of even/odd lane concatenation); edges reuse an
// overlapping tile, and only blocks narrower than a tile move element by element.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/transpose.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
//
#include <algorithm>
#include <cstring>
#include <type_traits>

#include "hwy/highway.h"
#include "kernels/kernels.h"
#include "kernels/simd-inl.h"
#include "kernels/transpose_tile-inl.h"

HWY_BEFORE_NAMESPACE();
namespace ravel {
namespace HWY_NAMESPACE {

// Staged (DRAM-sized) transposes take block tiles at most two blocks wide: a 512-bit tile reads
// 16 bytes from each of 64 source rows, and on Zen 5 its staged transposes of u8 and f16 ran
// 1.1-1.4x slower than with 256- or 128-bit tiles (which are equal); in cache the wider tile wins.
template <typename T>
using StagedTileTag =
    std::conditional_t<kBlockTile<T>, hn::CappedTag<T, 32 / sizeof(T)>, TileTag<T>>;

template <size_t kWidth>
void TransposeScalar(const RowsArgs& args, const char* src, char* dst, int64_t row_begin,
                     int64_t row_end, int64_t col_begin, int64_t col_end) {
  for (int64_t r = row_begin; r < row_end; ++r) {
    for (int64_t j = col_begin; j < col_end; ++j) {
      CopyElement<kWidth>(dst + r * args.dst_row_stride + j * static_cast<int64_t>(kWidth),
                          src + r * static_cast<int64_t>(kWidth) + j * args.src_stride);
    }
  }
}

#if HWY_TARGET != HWY_SCALAR

// Two to four destination rows read from interleaved source elements (an HWC image's channels):
// Highway's interleaved loads split a run of columns into one vector per row. One loop per row
// count, so the shuffle constants stay in registers.
template <int kRows, class D, typename T = hn::TFromD<D>>
HWY_INLINE void DeinterleaveVectors(D d, const T* in, T* const* out, int64_t j, bool stream) {
  hn::Vec<D> v0, v1, v2, v3;
  LoadInterleavedAt<kRows>(d, in, v0, v1, v2, v3);
  StoreMaybeStream(v0, d, out[0] + j, stream);
  StoreMaybeStream(v1, d, out[1] + j, stream);
  if constexpr (kRows >= 3) {
    StoreMaybeStream(v2, d, out[2] + j, stream);
  }
  if constexpr (kRows == 4) {
    StoreMaybeStream(v3, d, out[3] + j, stream);
  }
}

template <typename T, int kRows>
void DeinterleaveColumns(const RowsArgs& args, const char* src, char* dst) {
  const hn::ScalableTag<T> d;
  const int64_t lanes = static_cast<int64_t>(hn::Lanes(d));
  const T* in = reinterpret_cast<const T*>(src);
  T* out[kRows];
  for (int r = 0; r < kRows; ++r) {
    out[r] = reinterpret_cast<T*>(dst + r * args.dst_row_stride);
  }
  int64_t j = 0;
  for (; j + lanes <= args.n; j += lanes) {
    DeinterleaveVectors<kRows>(d, in + j * kRows, out, j, args.stream);
  }
  if (j < args.n) {
    j = args.n - lanes;
    DeinterleaveVectors<kRows>(d, in + j * kRows, out, j, args.stream);
  }
}

template <typename T>
bool Deinterleave(const RowsArgs& args, const char* src, char* dst) {
  constexpr int64_t kWidth = sizeof(T);
  const hn::ScalableTag<T> d;
  const int64_t lanes = static_cast<int64_t>(hn::Lanes(d));
  if (args.rows < 2 || args.rows > 4 || args.src_stride != args.rows * kWidth || args.n < lanes) {
    return false;
  }
  if (args.rows == 2) {
    DeinterleaveColumns<T, 2>(args, src, dst);
  } else if (args.rows == 3) {
    DeinterleaveColumns<T, 3>(args, src, dst);
  } else {
    DeinterleaveColumns<T, 4>(args, src, dst);
  }
  return true;
}

// Two to four destination columns written as interleaved elements (CHW to HWC): one vector per
// source row, stored interleaved; one loop per column count.
template <int kColumns, class D, typename T = hn::TFromD<D>>
HWY_INLINE void InterleaveVectors(D d, const T* const* in, int64_t r, T* out) {
  const auto v0 = hn::LoadU(d, in[0] + r);
  const auto v1 = hn::LoadU(d, in[1] + r);
  const auto v2 = kColumns >= 3 ? hn::LoadU(d, in[2] + r) : v0;
  const auto v3 = kColumns == 4 ? hn::LoadU(d, in[3] + r) : v0;
  StoreInterleavedAt<kColumns>(d, v0, v1, v2, v3, out);
}

template <typename T, int kColumns>
void InterleaveRows(const RowsArgs& args, const char* src, char* dst) {
  const hn::ScalableTag<T> d;
  const int64_t lanes = static_cast<int64_t>(hn::Lanes(d));
  const T* in[kColumns];
  for (int j = 0; j < kColumns; ++j) {
    in[j] = reinterpret_cast<const T*>(src + j * args.src_stride);
  }
  T* out = reinterpret_cast<T*>(dst);
  int64_t r = 0;
  for (; r + lanes <= args.rows; r += lanes) {
    InterleaveVectors<kColumns>(d, in, r, out + r * kColumns);
  }
  if (r < args.rows) {
    r = args.rows - lanes;
    InterleaveVectors<kColumns>(d, in, r, out + r * kColumns);
  }
}

template <typename T>
bool Interleave(const RowsArgs& args, const char* src, char* dst) {
  constexpr int64_t kWidth = sizeof(T);
  const hn::ScalableTag<T> d;
  const int64_t lanes = static_cast<int64_t>(hn::Lanes(d));
  if (args.n < 2 || args.n > 4 || args.dst_row_stride != args.n * kWidth || args.rows < lanes) {
    return false;
  }
  if (args.n == 2) {
    InterleaveRows<T, 2>(args, src, dst);
  } else if (args.n == 3) {
    InterleaveRows<T, 3>(args, src, dst);
  } else {
    InterleaveRows<T, 4>(args, src, dst);
  }
  return true;
}

constexpr int64_t kMaxNarrowTileLanes = 32;

// The edge tile's lanes where it is square and fits the narrow (de)interleaves' stack tiles of
// kMaxNarrowTileLanes^2 elements, else 0.
template <typename T>
int64_t NarrowTileLanes() {
  const EdgeTileTag<T> d;
  const int64_t lanes = static_cast<int64_t>(hn::Lanes(d));
  return lanes <= kMaxNarrowTileLanes && TileRows(d) == lanes ? lanes : 0;
}

// 5 to lanes - 1 destination rows read from dense source pixels of that many channels: tiles
// of `lanes` pixels whose source rows run on into the next pixels (tiles that would read past
// the block's last pixel read a copy of their pixels), of which the first args.rows rows are
// stored. false (nothing written) where this does not apply.
template <typename T>
bool DeinterleaveNarrow(const RowsArgs& args, const char* src, char* dst) {
  constexpr int64_t kWidth = sizeof(T);
  const EdgeTileTag<T> d;
  const int64_t lanes = NarrowTileLanes<T>();
  if (args.rows < 5 || args.rows >= lanes || args.src_stride != args.rows * kWidth ||
      args.n < lanes) {
    return false;
  }
  const int64_t tile_row_bytes = lanes * kWidth;
  const int64_t pixel_bytes = args.rows * kWidth;
  const int64_t block_bytes = args.n * pixel_bytes;
  HWY_ALIGN char in_tile[kMaxNarrowTileLanes * kMaxNarrowTileLanes * kWidth] = {};
  HWY_ALIGN char out_tile[kMaxNarrowTileLanes * kMaxNarrowTileLanes * kWidth];
  const auto tile = [&](int64_t j) {
    const char* in = src + j * pixel_bytes;
    int64_t in_stride = pixel_bytes;
    if ((j + lanes - 1) * pixel_bytes + tile_row_bytes > block_bytes) {
      for (int64_t i = 0; i < lanes; ++i) {
        std::memcpy(in_tile + i * tile_row_bytes, in + i * pixel_bytes,
                    static_cast<size_t>(pixel_bytes));
      }
      in = in_tile;
      in_stride = tile_row_bytes;
    }
    TransposeTile(d, in, in_stride, out_tile, tile_row_bytes, false);
    for (int64_t r = 0; r < args.rows; ++r) {
      hn::StoreU(hn::LoadU(d, reinterpret_cast<const T*>(out_tile + r * tile_row_bytes)), d,
                 reinterpret_cast<T*>(dst + r * args.dst_row_stride + j * kWidth));
    }
  };
  ForEachTile(args.n, lanes, tile);
  return true;
}

// 5 to lanes - 1 destination columns packed in dense destination rows (a pixel of that many
// channels from planes): tiles of `lanes` rows whose missing source rows repeat the last, each
// written a tile row at a time in increasing order so that a row's extra lanes land on the rows
// after it, which overwrite them; rows whose extra lanes would pass the block's end are copied
// exactly. false (nothing written) where this does not apply.
template <typename T>
bool InterleaveNarrow(const RowsArgs& args, const char* src, char* dst) {
  constexpr int64_t kWidth = sizeof(T);
  const EdgeTileTag<T> d;
  const int64_t lanes = NarrowTileLanes<T>();
  if (args.n < 5 || args.n >= lanes || args.dst_row_stride != args.n * kWidth ||
      args.rows < lanes) {
    return false;
  }
  const int64_t tile_row_bytes = lanes * kWidth;
  HWY_ALIGN char in_tile[kMaxNarrowTileLanes * kMaxNarrowTileLanes * kWidth];
  HWY_ALIGN char out_tile[kMaxNarrowTileLanes * kMaxNarrowTileLanes * kWidth];
  const int64_t row_bytes = args.n * kWidth;
  const int64_t block_bytes = args.rows * row_bytes;
  const auto band = [&](int64_t r) {
    for (int64_t j = 0; j < lanes; ++j) {
      std::memcpy(in_tile + j * tile_row_bytes,
                  src + std::min(j, args.n - 1) * args.src_stride + r * kWidth,
                  static_cast<size_t>(tile_row_bytes));
    }
    TransposeTile(d, in_tile, tile_row_bytes, out_tile, tile_row_bytes, false);
    for (int64_t i = 0; i < lanes; ++i) {
      char* out = dst + (r + i) * row_bytes;
      const char* row = out_tile + i * tile_row_bytes;
      if ((r + i) * row_bytes + tile_row_bytes <= block_bytes) {
        hn::StoreU(hn::LoadU(d, reinterpret_cast<const T*>(row)), d, reinterpret_cast<T*>(out));
      } else {
        std::memcpy(out, row, static_cast<size_t>(row_bytes));
      }
    }
  };
  ForEachTile(args.rows, lanes, band);
  return true;
}

// Transposes rows [0, args.rows) x columns [0, args.n) in tiles of tag d, row bands outermost;
// the last tile of a band and the last band overlap their predecessors (the block is at least
// one tile in each dimension).
template <class D, typename T = hn::TFromD<D>>
HWY_INLINE void TransposeTiles(D d, const RowsArgs& args, const char* src, char* dst) {
  constexpr int64_t kWidth = sizeof(T);
  const int64_t tile_rows = TileRows(d);
  const int64_t tile_cols = static_cast<int64_t>(hn::Lanes(d));
  // Streamed (DRAM-sized) tiles of 4- and 8-byte lanes, a line of each source row, prefetch the
  // same lines of the next call's block (RowsArgs::next_src_offset) into the L2.
  const char* next = args.stream && !kBlockTile<T> && args.next_src_offset != 0
                         ? src + args.next_src_offset
                         : nullptr;
  const auto tile = [&](int64_t r, int64_t j) {
    TransposeTile(d, src + r * kWidth + j * args.src_stride, args.src_stride,
                  dst + r * args.dst_row_stride + j * kWidth, args.dst_row_stride, args.stream);
    if (next != nullptr) {
      for (int64_t k = 0; k < tile_cols; ++k) {
        PrefetchToL2(next + r * kWidth + (j + k) * args.src_stride);
      }
    }
  };
  ForEachTile(args.rows, tile_rows,
              [&](int64_t r) { ForEachTile(args.n, tile_cols, [&](int64_t j) { tile(r, j); }); });
}

template <typename T>
void TransposeRows(const RowsArgs& args, const char* src, char* dst) {
  constexpr int64_t kWidth = sizeof(T);
  const EdgeTileTag<T> edge;
  const int64_t lanes = static_cast<int64_t>(hn::Lanes(edge));
  if (lanes < 2 || args.rows < lanes || args.n < lanes) {
    if (Deinterleave<T>(args, src, dst) || Interleave<T>(args, src, dst) ||
        DeinterleaveNarrow<T>(args, src, dst) || InterleaveNarrow<T>(args, src, dst)) {
      return;
    }
    TransposeScalar<kWidth>(args, src, dst, 0, args.rows, 0, args.n);
    return;
  }
  const TileTag<T> d;
  if (args.n >= static_cast<int64_t>(hn::Lanes(d))) {
    TransposeTiles(d, args, src, dst);
  } else {
    TransposeTiles(edge, args, src, dst);
  }
}

constexpr int64_t kLineBytes = 64;
// Most destination bytes per row one staged block covers (the planner's column tile), and the
// rows staged at once, at most kMaxStagedRows: as many as a 40 KiB stack buffer holds. 1- and
// 2-byte lanes stage 128 rows of 256 B, 1.2x faster on f16 8192^2 than 64 (fewer source rows per
// destination line, twice the bytes read from each); sides the planner takes whole stage 71 rows
// at a time up to 512 B, 37 up to 1024 B.
constexpr int64_t kMaxStagedRowBytes = 1024;
constexpr int64_t kMaxStagedRows = 128;
constexpr int64_t kStagedBufferBytes = 40 << 10;
// The buffer's row pitch for blocks of up to 256, 512 and 1024 destination bytes a row: a line
// more, room for the staged columns past them (less than a line). Constants, so that the tile
// stores' offsets fold into their addresses. One pitch for 257-1024 B would stage 512-byte rows
// 37 at a time (0.94-1.19x, median 1.06x, below three pitches); whole rows of up to 2048 B, 19
// at a time, lost 0.6-0.9x on f32.
constexpr int64_t kNarrowStagedPitch = 256 + kLineBytes;
constexpr int64_t kMidStagedPitch = 512 + kLineBytes;
constexpr int64_t kWideStagedPitch = kMaxStagedRowBytes + kLineBytes;

// Destination rows one chunk stages with a buffer pitch of `pitch` bytes.
constexpr int64_t StagedChunkRows(int64_t pitch) {
  return std::min(kMaxStagedRows, kStagedBufferBytes / pitch);
}

// Writes row bytes [0, own) of a staged destination row, whose staging holds `staged` >= own
// bytes (the block's columns plus what the next block starts with). Each cache line belongs to
// the block where it starts: whole lines are streamed, the row's first bytes before a line
// boundary (first block only) and its last partial line are stored normally.
HWY_INLINE void WriteOwnedLines(char* HWY_RESTRICT out, const char* HWY_RESTRICT staged_row,
                                int64_t own, int64_t staged, bool first_block, bool stream) {
  // At most a line per vector (SVE vectors may be wider than 64 bytes).
  const hn::CappedTag<uint8_t, kLineBytes> d;
  const int64_t lanes = static_cast<int64_t>(hn::Lanes(d));
  const int64_t misalignment = static_cast<int64_t>(reinterpret_cast<uintptr_t>(out) % kLineBytes);
  const int64_t first_line = misalignment == 0 ? 0 : kLineBytes - misalignment;
  if (first_block) {
    CopySmall(out, staged_row, static_cast<size_t>(std::min(first_line, own)));
  }
  for (int64_t line = first_line; line < own; line += kLineBytes) {
    if (line + kLineBytes <= staged) {
      for (int64_t k = 0; k < kLineBytes; k += lanes) {
        const auto bytes = hn::LoadU(d, reinterpret_cast<const uint8_t*>(staged_row + line + k));
        uint8_t* to = reinterpret_cast<uint8_t*>(out + line + k);
        if (stream) {
          hn::Stream(bytes, d, to);
        } else {
          hn::StoreU(bytes, d, to);
        }
      }
    } else if (line < staged) {  // always (staged >= own); tells the compiler the size is small
      CopySmall(out + line, staged_row + line, static_cast<size_t>(staged - line));
    }
  }
}

// Prefetches into the L2 every line that bytes [p, p + bytes) touch, the last one too when p is
// misaligned.
HWY_INLINE void PrefetchLinesToL2(const char* p, int64_t bytes) {
  const uintptr_t begin = reinterpret_cast<uintptr_t>(p);
  for (uintptr_t line = begin & ~uintptr_t{kLineBytes - 1}; line < begin + bytes;
       line += kLineBytes) {
    PrefetchToL2(reinterpret_cast<const char*>(line));
  }
}

// The source offset of block column j, in groups where RowsArgs::col_group is set.
HWY_INLINE int64_t ColumnSourceOffset(const RowsArgs& args, int64_t j) {
  if (args.col_group == 0) {
    return j * args.src_stride;
  }
  return (j / args.col_group) * args.src_group_stride + (j % args.col_group) * args.src_stride;
}

// The destination offset of block row r, in groups where RowsArgs::row_group is set.
HWY_INLINE int64_t RowDestinationOffset(const RowsArgs& args, int64_t r) {
  if (args.row_group == 0) {
    return r * args.dst_row_stride;
  }
  return (r / args.row_group) * args.dst_group_stride + (r % args.row_group) * args.dst_row_stride;
}

// fn(j) for tiles of `lanes` columns [j, j + lanes) covering columns [0, cols), none across a
// column group (RowsArgs::col_group, at least `lanes`): each group's last tile overlaps its
// predecessor, and a last group shorter than a tile (columns staged past the block's own, which
// the next block owns whole) is staged a whole tile of it, past `cols`.
template <class Fn>
HWY_INLINE void ForEachColumnTile(const RowsArgs& args, int64_t cols, int64_t lanes, const Fn& fn) {
  if (args.col_group == 0) {
    ForEachTile(cols, lanes, fn);
    return;
  }
  for (int64_t group = 0; group < cols; group += args.col_group) {
    const int64_t group_cols = std::min(args.col_group, cols - group);
    if (group_cols < lanes) {
      fn(group);
    } else {
      ForEachTile(group_cols, lanes, [&](int64_t j) { fn(group + j); });
    }
  }
}

// Columns after the block's own that its staging also holds: up to the end of the line where
// each row's last owned byte lies (none when rows are line-aligned and the block ends on a line
// boundary: those reads would come from DRAM again for the next block), within the row.
HWY_INLINE int64_t StagedExtraColumns(const RowsArgs& args, const char* dst, int64_t width) {
  int64_t bytes = kLineBytes;
  if (args.dst_row_stride % kLineBytes == 0 && args.dst_group_stride % kLineBytes == 0) {
    const int64_t end =
        static_cast<int64_t>((reinterpret_cast<uintptr_t>(dst) + args.n * width) % kLineBytes);
    bytes = (kLineBytes - end) % kLineBytes;
  }
  return std::min(args.cols_total - args.col_begin - args.n, (bytes + width - 1) / width);
}

// Stages the block in chunks of chunk_rows destination rows through an L1 buffer, in tiles of
// tag d, and writes each chunk's rows by WriteOwnedLines. The next call's block (the same rows
// args.next_src_offset further: along the band in 2-D, the next batch where a node outside
// continues the rows) is prefetched meanwhile, each chunk taking every chunks-th source row whole
// so that each row's lines are requested together.
template <int64_t kPitch, class D, typename T = hn::TFromD<D>>
HWY_INLINE void StageBlock(D d, const RowsArgs& args, const char* src, char* dst,
                           int64_t staged_cols) {
  constexpr int64_t kWidth = sizeof(T);
  constexpr int64_t chunk_rows = StagedChunkRows(kPitch);
  alignas(64) char buffer[kStagedBufferBytes];
  const int64_t tile_rows = TileRows(d);
  const int64_t tile_cols = static_cast<int64_t>(hn::Lanes(d));
  const bool first_block = args.col_begin == 0;
  const char* next_tile = src + args.next_src_offset;
  const int64_t next_tile_bytes = args.next_src_offset != 0 ? args.rows * kWidth : 0;
  const int64_t chunks = (args.rows + chunk_rows - 1) / chunk_rows;
  for (int64_t chunk = 0; chunk < chunks; ++chunk) {
    const int64_t chunk_begin = chunk * chunk_rows;
    const int64_t chunk_end = std::min(args.rows, chunk_begin + chunk_rows);
    // The buffer starts at row `base`, earlier than the chunk when it is shorter than a tile.
    const int64_t base = std::min(chunk_begin, chunk_end - tile_rows);
    const auto stage_group = [&](int64_t j) {
      for (int64_t k = j + (chunk - j % chunks + chunks) % chunks; k < j + tile_cols; k += chunks) {
        PrefetchLinesToL2(next_tile + ColumnSourceOffset(args, k), next_tile_bytes);
      }
      const char* column = src + ColumnSourceOffset(args, j);
      const auto stage = [&](int64_t r) {
        TransposeTile(d, column + r * kWidth, args.src_stride,
                      buffer + (r - base) * kPitch + j * kWidth, kPitch, false);
      };
      int64_t r = base;
      for (; r + tile_rows <= chunk_end; r += tile_rows) {
        stage(r);
      }
      if (r < chunk_end) {
        stage(chunk_end - tile_rows);
      }
    };
    ForEachColumnTile(args, staged_cols, tile_cols, stage_group);
    for (int64_t r = chunk_begin; r < chunk_end; ++r) {
      WriteOwnedLines(dst + RowDestinationOffset(args, r), buffer + (r - base) * kPitch,
                      args.n * kWidth, staged_cols * kWidth, first_block, args.stream);
    }
  }
}

// StageBlock with the buffer pitch `pitch` (one of the three constants).
template <class D>
HWY_INLINE void StageBlockWithPitch(D d, int64_t pitch, const RowsArgs& args, const char* src,
                                    char* dst, int64_t staged_cols) {
  if (pitch == kNarrowStagedPitch) {
    StageBlock<kNarrowStagedPitch>(d, args, src, dst, staged_cols);
  } else if (pitch == kMidStagedPitch) {
    StageBlock<kMidStagedPitch>(d, args, src, dst, staged_cols);
  } else {
    StageBlock<kWideStagedPitch>(d, args, src, dst, staged_cols);
  }
}

// A block whose destination rows follow one another (whole rows, the row stride their length:
// NHWC -> NCHW with small images) is one run of the destination: it is staged as it lies there
// and copied out as one run, whole lines streamed. Returns false (nothing written) otherwise.
// Not inlined, so that its buffer and StageBlock's are never on the stack together.
template <typename T>
HWY_NOINLINE bool TransposeContiguousBlock(const RowsArgs& args, const char* src, char* dst) {
  constexpr int64_t kWidth = sizeof(T);
  const StagedTileTag<T> d;
  const int64_t tile_rows = TileRows(d);
  const int64_t tile_cols = static_cast<int64_t>(hn::Lanes(d));
  const int64_t row_bytes = args.n * kWidth;
  if (args.col_group != 0 || args.row_group != 0 || args.dst_row_stride != row_bytes ||
      args.n != args.cols_total || args.rows < tile_rows || args.n < tile_cols ||
      args.rows * row_bytes > kStagedBufferBytes) {
    return false;
  }
  alignas(64) char buffer[kStagedBufferBytes];
  const char* next_tile = src + args.next_src_offset;
  const int64_t next_tile_bytes = args.next_src_offset != 0 ? args.rows * kWidth : 0;
  ForEachTile(args.n, tile_cols, [&](int64_t j) {
    for (int64_t k = j; k < j + tile_cols; ++k) {
      PrefetchLinesToL2(next_tile + k * args.src_stride, next_tile_bytes);
    }
    ForEachTile(args.rows, tile_rows, [&](int64_t r) {
      TransposeTile(d, src + r * kWidth + j * args.src_stride, args.src_stride,
                    buffer + r * row_bytes + j * kWidth, row_bytes, false);
    });
  });
  CopyBytes(dst, buffer, static_cast<size_t>(args.rows * row_bytes), args.stream);
  return true;
}

// Whether staged tiles of tag d fit a block's column groups (RowsArgs::col_group): none crosses a
// group, and a tile staged past the block's columns stays in its buffer row (a line past them).
template <class D, typename T = hn::TFromD<D>>
HWY_INLINE bool TilesFitGroups(D d, const RowsArgs& args) {
  const int64_t lanes = static_cast<int64_t>(hn::Lanes(d));
  return args.col_group == 0 ||
         (args.col_group >= lanes && lanes * static_cast<int64_t>(sizeof(T)) <= kLineBytes);
}

// The block transposed a row group by a column group at a time by TransposeRows, with regular
// stores.
template <typename T>
void TransposeGroupsDirect(const RowsArgs& args, const char* src, char* dst) {
  const int64_t row_group = args.row_group != 0 ? args.row_group : args.rows;
  const int64_t col_group = args.col_group != 0 ? args.col_group : args.n;
  RowsArgs group = args;
  group.col_group = 0;
  group.row_group = 0;
  group.stream = false;
  for (int64_t r = 0; r < args.rows; r += row_group) {
    group.rows = std::min(row_group, args.rows - r);
    for (int64_t j = 0; j < args.n; j += col_group) {
      group.n = std::min(col_group, args.n - j);
      TransposeRows<T>(group, src + r * sizeof(T) + ColumnSourceOffset(args, j),
                       dst + RowDestinationOffset(args, r) + j * sizeof(T));
    }
  }
}

// Streaming transpose for any destination alignment and lane width: blocks are transposed into
// an L1 buffer and written out as whole lines (StageBlock, or TransposeContiguousBlock).
template <typename T>
void TransposeStaged(const RowsArgs& args, const char* src, char* dst) {
  constexpr int64_t kWidth = sizeof(T);
  if (TransposeContiguousBlock<T>(args, src, dst)) {
    return;
  }
  const EdgeTileTag<T> edge;
  const int64_t lanes = static_cast<int64_t>(hn::Lanes(edge));
  const int64_t staged_cols = args.n + StagedExtraColumns(args, dst, kWidth);
  const StagedTileTag<T> d;
  const int64_t row_bytes = args.n * kWidth;
  const int64_t pitch = row_bytes <= kNarrowStagedPitch - kLineBytes ? kNarrowStagedPitch
                        : row_bytes <= kMidStagedPitch - kLineBytes  ? kMidStagedPitch
                                                                     : kWideStagedPitch;
  if (lanes < 2 || args.rows < lanes || staged_cols < lanes || row_bytes > kMaxStagedRowBytes ||
      StagedChunkRows(pitch) < TileRows(d) || !TilesFitGroups(edge, args)) {
    if (args.col_group != 0 || args.row_group != 0) {
      TransposeGroupsDirect<T>(args, src, dst);
      return;
    }
    RowsArgs direct = args;
    direct.stream = false;
    TransposeRows<T>(direct, src, dst);
    return;
  }
  if (staged_cols >= static_cast<int64_t>(hn::Lanes(d)) && TilesFitGroups(d, args)) {
    StageBlockWithPitch(d, pitch, args, src, dst, staged_cols);
  } else {
    StageBlockWithPitch(edge, pitch, args, src, dst, staged_cols);
  }
}

#endif  // HWY_TARGET != HWY_SCALAR

template <size_t kWidth>
void TransposeElements(const RowsArgs& args, const char* src, char* dst) {
  TransposeScalar<kWidth>(args, src, dst, 0, args.rows, 0, args.n);
}

// Streaming transposes through a staging buffer; nullptr where tiles are element by element.
RowsKernel StagedTransposeKernelFor(int64_t width) {
#if HWY_TARGET == HWY_SCALAR
  (void)width;
  return nullptr;
#else
  switch (width) {
    case 1:
      return &TransposeStaged<uint8_t>;
    case 2:
      return &TransposeStaged<uint16_t>;
    case 4:
      return &TransposeStaged<uint32_t>;
    case 8:
      return &TransposeStaged<uint64_t>;
    default:
      return nullptr;
  }
#endif
}

int64_t TileLanesFor(int64_t width) {
#if HWY_TARGET == HWY_SCALAR
  (void)width;
  return 1;
#else
  switch (width) {
    case 1:
      return static_cast<int64_t>(hn::Lanes(EdgeTileTag<uint8_t>()));
    case 2:
      return static_cast<int64_t>(hn::Lanes(EdgeTileTag<uint16_t>()));
    case 4:
      return static_cast<int64_t>(hn::Lanes(EdgeTileTag<uint32_t>()));
    case 8:
      return static_cast<int64_t>(hn::Lanes(EdgeTileTag<uint64_t>()));
    default:
      return 1;
  }
#endif
}

RowsKernel TransposeKernelFor(int64_t width) {
#if HWY_TARGET == HWY_SCALAR
  switch (width) {
    case 1:
      return &TransposeElements<1>;
    case 2:
      return &TransposeElements<2>;
    case 4:
      return &TransposeElements<4>;
    case 8:
      return &TransposeElements<8>;
    case 16:
      return &TransposeElements<16>;
    default:
      return nullptr;
  }
#else
  switch (width) {
    case 1:
      return &TransposeRows<uint8_t>;
    case 2:
      return &TransposeRows<uint16_t>;
    case 4:
      return &TransposeRows<uint32_t>;
    case 8:
      return &TransposeRows<uint64_t>;
    case 16:
      return &TransposeElements<16>;
    default:
      return nullptr;
  }
#endif
}

}  // namespace HWY_NAMESPACE
}  // namespace ravel
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace ravel {

HWY_EXPORT(TransposeKernelFor);
HWY_EXPORT(StagedTransposeKernelFor);
HWY_EXPORT(TileLanesFor);

RowsKernel StagedTransposeKernel(int64_t hwy_target, int64_t width) {
  return HWY_DISPATCH_TABLE(StagedTransposeKernelFor)[HwyDispatchIndex(hwy_target)](width);
}

int64_t TransposeTileLanesFor(int64_t hwy_target, int64_t width) {
  return HWY_DISPATCH_TABLE(TileLanesFor)[HwyDispatchIndex(hwy_target)](width);
}

RowsKernel TransposeKernel(int64_t hwy_target, int64_t width) {
  return HWY_DISPATCH_TABLE(TransposeKernelFor)[HwyDispatchIndex(hwy_target)](width);
}

}  // namespace ravel
#endif  // HWY_ONCE
