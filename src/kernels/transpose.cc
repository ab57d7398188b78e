// Transpose: source rows run along the destination's row index (src_row_stride == width).
// Register micro-tiles of L x L lanes are transposed with log2(L) rounds of even/odd lane
// concatenation; edges reuse an overlapping tile, and only blocks narrower than a tile move
// element by element.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/transpose.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
//
#include "hwy/highway.h"
#include "kernels/kernels.h"
#include "kernels/simd-inl.h"

HWY_BEFORE_NAMESPACE();
namespace ravel {
namespace HWY_NAMESPACE {

// Lanes of one micro-tile: at most 16 rows in registers, never wider than the target's vector.
#if HWY_TARGET == HWY_SVE_256
// Highway 1.0.3's ConcatEven/ConcatOdd on SVE_256 ignore the tag and concatenate whole vectors,
// wrong for a partial one (16 of 32 u8 lanes): tiles there take whole vectors.
template <typename T>
using TileTag = hn::CappedTag<T, 32>;
#else
template <typename T>
using TileTag = hn::CappedTag<T, 16>;
#endif

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

// Transposes the L x L tile whose top-left element is src (rows j: src + j * src_stride) into
// dst (rows r: dst + r * dst_stride).
#if HWY_TARGET == HWY_SVE || HWY_TARGET == HWY_SVE2 || HWY_TARGET == HWY_SVE_256 || \
    HWY_TARGET == HWY_SVE2_128
// SVE vectors are sizeless and cannot form arrays: the same log2(L) rounds of even/odd
// concatenation (uzp1/uzp2) run one pair of rows at a time, for any vector length (Highway's L is
// a power of two), through two tiles in L1; the first round reads the source rows, the last
// writes the destination rows.
template <class D, typename T = hn::TFromD<D>>
HWY_INLINE void TransposeTile(D d, const char* HWY_RESTRICT src, int64_t src_stride,
                              char* HWY_RESTRICT dst, int64_t dst_stride, bool stream) {
  constexpr size_t kMaxLanes = hn::MaxLanes(D());
  const size_t lanes = hn::Lanes(d);
  HWY_ALIGN T tiles[2][kMaxLanes * kMaxLanes];
  size_t rounds = 0;
  for (size_t span = 1; span < lanes; span *= 2) {
    ++rounds;
  }
  for (size_t round = 0; round < rounds; ++round) {
    const T* in = tiles[(round + 1) & 1];
    T* out = tiles[round & 1];
    const auto row = [&](size_t k) {
      return round == 0
                 ? hn::LoadU(d,
                             reinterpret_cast<const T*>(src + static_cast<int64_t>(k) * src_stride))
                 : hn::Load(d, in + k * lanes);
    };
    for (size_t i = 0; i < lanes / 2; ++i) {
      const auto lo = row(2 * i);
      const auto hi = row(2 * i + 1);
      const auto even = hn::ConcatEven(d, hi, lo);
      const auto odd = hn::ConcatOdd(d, hi, lo);
      if (round + 1 < rounds) {
        hn::Store(even, d, out + i * lanes);
        hn::Store(odd, d, out + (i + lanes / 2) * lanes);
      } else {
        StoreMaybeStream(even, d, reinterpret_cast<T*>(dst + static_cast<int64_t>(i) * dst_stride),
                         stream);
        StoreMaybeStream(
            odd, d, reinterpret_cast<T*>(dst + static_cast<int64_t>(i + lanes / 2) * dst_stride),
            stream);
      }
    }
  }
}
#else
// 64-bit interleaves of vectors of narrower lanes, per 128-bit block.
template <class D, class V>
HWY_INLINE V InterleaveLower64(D d, V a, V b) {
  const hn::Repartition<uint64_t, D> d64;
  return hn::BitCast(d, hn::InterleaveLower(d64, hn::BitCast(d64, a), hn::BitCast(d64, b)));
}
template <class D, class V>
HWY_INLINE V InterleaveUpper64(D d, V a, V b) {
  const hn::Repartition<uint64_t, D> d64;
  return hn::BitCast(d, hn::InterleaveUpper(d64, hn::BitCast(d64, a), hn::BitCast(d64, b)));
}

// The tiles whose vectors hold at most two 128-bit blocks of 4- or 8-byte lanes (8x8 and 4x4 on
// AVX2, 4x4 and 2x2 on SSE4 and NEON) go through the unpack network: interleaves inside blocks,
// then at most one round of half swaps, instead of log2(L) rounds of even/odd concatenation.
template <class D, typename T = hn::TFromD<D>>
constexpr bool kUnpackTile = (sizeof(T) == 4 || sizeof(T) == 8) &&
                             (hn::MaxLanes(D()) * sizeof(T) == 16 ||
                              hn::MaxLanes(D()) * sizeof(T) == 32);

template <class D, typename T = hn::TFromD<D>>
HWY_INLINE void UnpackTransposeTile(D d, const char* HWY_RESTRICT src, int64_t src_stride,
                                    char* HWY_RESTRICT dst, int64_t dst_stride, bool stream) {
  constexpr size_t kLanes = hn::MaxLanes(D());
  using V = hn::Vec<D>;
  V r[kLanes];
  for (size_t k = 0; k < kLanes; ++k) {
    r[k] = hn::LoadU(d, reinterpret_cast<const T*>(src + static_cast<int64_t>(k) * src_stride));
  }
  V out[kLanes];
  // cols[c] ends up holding column c of the tile's blocks; for 4-byte lanes the first round
  // pairs rows at lane granularity, the second at 64 bits.
  if constexpr (sizeof(T) == 4) {
    constexpr size_t kQuads = kLanes / 4;  // groups of four rows: one per 128-bit block column
    V u[kLanes];
    for (size_t q = 0; q < kQuads; ++q) {
      const V* rows = r + 4 * q;
      const V t0 = hn::InterleaveLower(d, rows[0], rows[1]);
      const V t1 = hn::InterleaveUpper(d, rows[0], rows[1]);
      const V t2 = hn::InterleaveLower(d, rows[2], rows[3]);
      const V t3 = hn::InterleaveUpper(d, rows[2], rows[3]);
      u[4 * q + 0] = InterleaveLower64(d, t0, t2);
      u[4 * q + 1] = InterleaveUpper64(d, t0, t2);
      u[4 * q + 2] = InterleaveLower64(d, t1, t3);
      u[4 * q + 3] = InterleaveUpper64(d, t1, t3);
    }
    if constexpr (kQuads == 1) {
      for (size_t c = 0; c < 4; ++c) {
        out[c] = u[c];
      }
    } else {
      for (size_t c = 0; c < 4; ++c) {
        out[c] = hn::ConcatLowerLower(d, u[4 + c], u[c]);
        out[4 + c] = hn::ConcatUpperUpper(d, u[4 + c], u[c]);
      }
    }
  } else {
    constexpr size_t kPairs = kLanes / 2;  // pairs of rows: one per 128-bit block column
    V t[kLanes];
    for (size_t p = 0; p < kPairs; ++p) {
      t[2 * p] = hn::InterleaveLower(d, r[2 * p], r[2 * p + 1]);
      t[2 * p + 1] = hn::InterleaveUpper(d, r[2 * p], r[2 * p + 1]);
    }
    if constexpr (kPairs == 1) {
      out[0] = t[0];
      out[1] = t[1];
    } else {
      for (size_t c = 0; c < 2; ++c) {
        out[c] = hn::ConcatLowerLower(d, t[2 + c], t[c]);
        out[2 + c] = hn::ConcatUpperUpper(d, t[2 + c], t[c]);
      }
    }
  }
  for (size_t m = 0; m < kLanes; ++m) {
    StoreMaybeStream(out[m], d, reinterpret_cast<T*>(dst + static_cast<int64_t>(m) * dst_stride),
                     stream);
  }
}

template <class D, typename T = hn::TFromD<D>>
HWY_INLINE void TransposeTile(D d, const char* HWY_RESTRICT src, int64_t src_stride,
                              char* HWY_RESTRICT dst, int64_t dst_stride, bool stream) {
  if constexpr (kUnpackTile<D>) {
    UnpackTransposeTile(d, src, src_stride, dst, dst_stride, stream);
    return;
  }
  constexpr size_t kMaxLanes = hn::MaxLanes(D());
  const size_t lanes = hn::Lanes(d);
  using V = hn::Vec<D>;
  V rows[kMaxLanes];
  V next[kMaxLanes];
  for (size_t k = 0; k < lanes; ++k) {
    rows[k] = hn::LoadU(d, reinterpret_cast<const T*>(src + static_cast<int64_t>(k) * src_stride));
  }
  for (size_t span = 1; span < lanes; span *= 2) {
    for (size_t i = 0; i < lanes / 2; ++i) {
      next[i] = hn::ConcatEven(d, rows[2 * i + 1], rows[2 * i]);
      next[i + lanes / 2] = hn::ConcatOdd(d, rows[2 * i + 1], rows[2 * i]);
    }
    for (size_t i = 0; i < lanes; ++i) {
      rows[i] = next[i];
    }
  }
  for (size_t m = 0; m < lanes; ++m) {
    StoreMaybeStream(rows[m], d, reinterpret_cast<T*>(dst + static_cast<int64_t>(m) * dst_stride),
                     stream);
  }
}
#endif  // SVE

// Two to four destination rows read from interleaved source elements (an HWC image's channels):
// Highway's interleaved loads split a run of columns into one vector per row.
template <typename T>
bool Deinterleave(const RowsArgs& args, const char* src, char* dst) {
  constexpr int64_t kWidth = sizeof(T);
  const hn::ScalableTag<T> d;
  const int64_t lanes = static_cast<int64_t>(hn::Lanes(d));
  if (args.rows < 2 || args.rows > 4 || args.src_stride != args.rows * kWidth || args.n < lanes) {
    return false;
  }
  const auto columns = [&](int64_t j) {
    const T* in = reinterpret_cast<const T*>(src + j * args.src_stride);
    const auto row = [&](int64_t r) {
      return reinterpret_cast<T*>(dst + r * args.dst_row_stride + j * kWidth);
    };
    if (args.rows == 2) {
      hn::Vec<decltype(d)> v0, v1;
      hn::LoadInterleaved2(d, in, v0, v1);
      StoreMaybeStream(v0, d, row(0), args.stream);
      StoreMaybeStream(v1, d, row(1), args.stream);
    } else if (args.rows == 3) {
      hn::Vec<decltype(d)> v0, v1, v2;
      hn::LoadInterleaved3(d, in, v0, v1, v2);
      StoreMaybeStream(v0, d, row(0), args.stream);
      StoreMaybeStream(v1, d, row(1), args.stream);
      StoreMaybeStream(v2, d, row(2), args.stream);
    } else {
      hn::Vec<decltype(d)> v0, v1, v2, v3;
      hn::LoadInterleaved4(d, in, v0, v1, v2, v3);
      StoreMaybeStream(v0, d, row(0), args.stream);
      StoreMaybeStream(v1, d, row(1), args.stream);
      StoreMaybeStream(v2, d, row(2), args.stream);
      StoreMaybeStream(v3, d, row(3), args.stream);
    }
  };
  int64_t j = 0;
  for (; j + lanes <= args.n; j += lanes) {
    columns(j);
  }
  if (j < args.n) {
    columns(args.n - lanes);
  }
  return true;
}

// Two to four destination columns written as interleaved elements (CHW to HWC): one vector per
// source row, stored interleaved.
template <typename T>
bool Interleave(const RowsArgs& args, const char* src, char* dst) {
  constexpr int64_t kWidth = sizeof(T);
  const hn::ScalableTag<T> d;
  const int64_t lanes = static_cast<int64_t>(hn::Lanes(d));
  if (args.n < 2 || args.n > 4 || args.dst_row_stride != args.n * kWidth || args.rows < lanes) {
    return false;
  }
  const auto rows = [&](int64_t r) {
    const auto column = [&](int64_t j) {
      return hn::LoadU(d, reinterpret_cast<const T*>(src + j * args.src_stride + r * kWidth));
    };
    T* out = reinterpret_cast<T*>(dst + r * args.dst_row_stride);
    if (args.n == 2) {
      hn::StoreInterleaved2(column(0), column(1), d, out);
    } else if (args.n == 3) {
      hn::StoreInterleaved3(column(0), column(1), column(2), d, out);
    } else {
      hn::StoreInterleaved4(column(0), column(1), column(2), column(3), d, out);
    }
  };
  int64_t r = 0;
  for (; r + lanes <= args.rows; r += lanes) {
    rows(r);
  }
  if (r < args.rows) {
    rows(args.rows - lanes);
  }
  return true;
}

template <typename T>
void TransposeRows(const RowsArgs& args, const char* src, char* dst) {
  constexpr int64_t kWidth = sizeof(T);
  const TileTag<T> d;
  const int64_t lanes = static_cast<int64_t>(hn::Lanes(d));
  if (lanes < 2 || args.rows < lanes || args.n < lanes) {
    if (Deinterleave<T>(args, src, dst) || Interleave<T>(args, src, dst)) {
      return;
    }
    TransposeScalar<kWidth>(args, src, dst, 0, args.rows, 0, args.n);
    return;
  }
  const auto tile = [&](int64_t r, int64_t j) {
    TransposeTile(d, src + r * kWidth + j * args.src_stride, args.src_stride,
                  dst + r * args.dst_row_stride + j * kWidth, args.dst_row_stride, args.stream);
  };
  const auto row_band = [&](int64_t r) {
    int64_t j = 0;
    for (; j + lanes <= args.n; j += lanes) {
      tile(r, j);
    }
    if (j < args.n) {
      tile(r, args.n - lanes);
    }
  };
  int64_t r = 0;
  for (; r + lanes <= args.rows; r += lanes) {
    row_band(r);
  }
  if (r < args.rows) {
    row_band(args.rows - lanes);
  }
}

constexpr int64_t kLineBytes = 64;
// Most destination bytes per row one staged block covers (the planner's column tile), and the
// rows staged at once: the buffer, 20 KiB, stays in L1.
constexpr int64_t kMaxStagedRowBytes = 256;
constexpr int64_t kMaxStagedRows = 64;

// Writes row bytes [0, own) of a staged destination row, whose staging holds `staged` >= own
// bytes (the block's columns plus what the next block starts with). Each cache line belongs to
// the block where it starts: whole lines are streamed, the row's first bytes before a line
// boundary (first block only) and its last partial line are stored normally.
HWY_INLINE void WriteOwnedLines(char* HWY_RESTRICT out, const char* HWY_RESTRICT staged_row,
                                int64_t own, int64_t staged, bool first_block) {
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
        hn::Stream(hn::LoadU(d, reinterpret_cast<const uint8_t*>(staged_row + line + k)), d,
                   reinterpret_cast<uint8_t*>(out + line + k));
      }
    } else {
      CopySmall(out + line, staged_row + line, static_cast<size_t>(staged - line));
    }
  }
}

// Streaming transpose for any destination alignment and lane width: the block is transposed into
// an L1 buffer, reading its source rows a few at a time, then written out as whole lines by
// WriteOwnedLines; the next block's source is prefetched meanwhile.
template <typename T>
void TransposeStaged(const RowsArgs& args, const char* src, char* dst) {
  constexpr int64_t kWidth = sizeof(T);
  const TileTag<T> d;
  const int64_t lanes = static_cast<int64_t>(hn::Lanes(d));
  const int64_t extra = std::min(args.cols_total - args.col_begin - args.n, kLineBytes / kWidth);
  const int64_t staged_cols = args.n + extra;
  if (lanes < 2 || args.rows < lanes || staged_cols < lanes ||
      args.n * kWidth > kMaxStagedRowBytes) {
    RowsArgs direct = args;
    direct.stream = false;
    TransposeRows<T>(direct, src, dst);
    return;
  }
  constexpr int64_t kBufferRowBytes = kMaxStagedRowBytes + kLineBytes;
  alignas(64) char buffer[kMaxStagedRows * kBufferRowBytes];
  const bool first_block = args.col_begin == 0;
  const uintptr_t next_tile =
      reinterpret_cast<uintptr_t>(src) + static_cast<uintptr_t>(args.rows * kWidth);
  const int64_t next_tile_bytes = args.rows * kWidth;
  for (int64_t chunk = 0; chunk < args.rows; chunk += kMaxStagedRows) {
    const int64_t chunk_end = std::min(args.rows, chunk + kMaxStagedRows);
    // The buffer starts at row `base`, earlier than chunk when the chunk is narrower than a tile.
    const int64_t base = std::min(chunk, chunk_end - lanes);
    const auto stage_group = [&](int64_t j) {
      for (int64_t k = j; k < j + lanes; ++k) {
        for (int64_t q = 0; q < next_tile_bytes; q += kLineBytes) {
          hwy::Prefetch(reinterpret_cast<const char*>(
              next_tile + static_cast<uintptr_t>(k * args.src_stride + q)));
        }
      }
      const auto stage = [&](int64_t r) {
        TransposeTile(d, src + r * kWidth + j * args.src_stride, args.src_stride,
                      buffer + (r - base) * kBufferRowBytes + j * kWidth, kBufferRowBytes, false);
      };
      int64_t r = base;
      for (; r + lanes <= chunk_end; r += lanes) {
        stage(r);
      }
      if (r < chunk_end) {
        stage(chunk_end - lanes);
      }
    };
    int64_t j = 0;
    for (; j + lanes <= staged_cols; j += lanes) {
      stage_group(j);
    }
    if (j < staged_cols) {
      stage_group(staged_cols - lanes);
    }
    for (int64_t r = chunk; r < chunk_end; ++r) {
      WriteOwnedLines(dst + r * args.dst_row_stride, buffer + (r - base) * kBufferRowBytes,
                      args.n * kWidth, staged_cols * kWidth, first_block);
    }
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
      return static_cast<int64_t>(hn::Lanes(TileTag<uint8_t>()));
    case 2:
      return static_cast<int64_t>(hn::Lanes(TileTag<uint16_t>()));
    case 4:
      return static_cast<int64_t>(hn::Lanes(TileTag<uint32_t>()));
    case 8:
      return static_cast<int64_t>(hn::Lanes(TileTag<uint64_t>()));
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
