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

HWY_BEFORE_NAMESPACE();
namespace ravel {
namespace HWY_NAMESPACE {

#undef RAVEL_TRANSPOSE_BLOCK_TILES
#if HWY_TARGET == HWY_SVE || HWY_TARGET == HWY_SVE2 || HWY_TARGET == HWY_SVE_256 || \
    HWY_TARGET == HWY_SVE2_128 || HWY_TARGET == HWY_SCALAR
#define RAVEL_TRANSPOSE_BLOCK_TILES 0
#else
#define RAVEL_TRANSPOSE_BLOCK_TILES 1
#endif

#if RAVEL_TRANSPOSE_BLOCK_TILES
// 1- and 2-byte lanes: each 128-bit block of a tile holds its own square (16x16 u8, 8x8 u16), so
// the tile is one block tall and a whole vector wide; the edge tile is one block.
template <typename T>
constexpr bool kBlockTile = sizeof(T) <= 2;
template <typename T>
using TileTag = std::conditional_t<kBlockTile<T>, hn::ScalableTag<T>, hn::CappedTag<T, 16>>;
template <typename T>
using EdgeTileTag = std::conditional_t<kBlockTile<T>, hn::CappedTag<T, 16 / sizeof(T)>, TileTag<T>>;
#else
template <typename T>
constexpr bool kBlockTile = false;
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
template <typename T>
using EdgeTileTag = TileTag<T>;
#endif  // RAVEL_TRANSPOSE_BLOCK_TILES

// Staged (DRAM-sized) transposes take block tiles at most two blocks wide: a 512-bit tile reads
// 16 bytes from each of 64 source rows, and on Zen 5 its staged transposes of u8 and f16 ran
// 1.1-1.4x slower than with 256- or 128-bit tiles (which are equal); in cache the wider tile wins.
template <typename T>
using StagedTileTag =
    std::conditional_t<kBlockTile<T>, hn::CappedTag<T, 32 / sizeof(T)>, TileTag<T>>;

// Destination rows of one micro-tile of tag d (its destination columns are Lanes(d)).
template <class D, typename T = hn::TFromD<D>>
HWY_INLINE int64_t TileRows(D d) {
  return static_cast<int64_t>(kBlockTile<T> ? 16 / sizeof(T) : hn::Lanes(d));
}

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

// Stores the tile's destination rows v[0, count), row m at dst + m * dst_stride.
template <class D, class V, typename T = hn::TFromD<D>>
HWY_INLINE void StoreTileRows(D d, const V* v, size_t count, char* HWY_RESTRICT dst,
                              int64_t dst_stride, bool stream) {
  for (size_t m = 0; m < count; ++m) {
    StoreMaybeStream(v[m], d, reinterpret_cast<T*>(dst + static_cast<int64_t>(m) * dst_stride),
                     stream);
  }
}

// The tiles of 4- or 8-byte lanes in vectors of one, two or four 128-bit blocks (4x4 and 2x2 on
// SSE4 and NEON, 8x8 and 4x4 on AVX2, 16x16 and 8x8 on AVX-512) go through the unpack network:
// interleaves inside blocks, then a 2x2 or 4x4 transpose of the blocks, instead of log2(L)
// rounds of even/odd concatenation (two-table permutes: on Zen 5, 16x16 f32 tiles in L1 move
// 1.45x the bytes by the network).
template <class D, typename T = hn::TFromD<D>>
constexpr bool kUnpackTile = (sizeof(T) == 4 || sizeof(T) == 8) &&
                             (hn::MaxLanes(D()) * sizeof(T) == 16 ||
                              hn::MaxLanes(D()) * sizeof(T) == 32 ||
                              hn::MaxLanes(D()) * sizeof(T) == 64);

// The 4x4 transpose of the 128-bit blocks of four vectors of four blocks: out[k] block b is
// in[b] block k.
template <class D, class V>
HWY_INLINE void TransposeBlocks4(D d, V a, V b, V c, V e, V* out0, V* out1, V* out2, V* out3) {
  const V low_ac = hn::ConcatLowerLower(d, c, a);   // a0 a1 c0 c1
  const V high_ac = hn::ConcatUpperUpper(d, c, a);  // a2 a3 c2 c3
  const V low_be = hn::ConcatLowerLower(d, e, b);   // b0 b1 e0 e1
  const V high_be = hn::ConcatUpperUpper(d, e, b);  // b2 b3 e2 e3
  *out0 = hn::OddEvenBlocks(hn::SwapAdjacentBlocks(low_be), low_ac);
  *out1 = hn::OddEvenBlocks(low_be, hn::SwapAdjacentBlocks(low_ac));
  *out2 = hn::OddEvenBlocks(hn::SwapAdjacentBlocks(high_be), high_ac);
  *out3 = hn::OddEvenBlocks(high_be, hn::SwapAdjacentBlocks(high_ac));
}

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
    } else if constexpr (kQuads == 2) {
      for (size_t c = 0; c < 4; ++c) {
        out[c] = hn::ConcatLowerLower(d, u[4 + c], u[c]);
        out[4 + c] = hn::ConcatUpperUpper(d, u[4 + c], u[c]);
      }
    } else {
      for (size_t c = 0; c < 4; ++c) {
        TransposeBlocks4(d, u[c], u[4 + c], u[8 + c], u[12 + c], &out[c], &out[4 + c], &out[8 + c],
                         &out[12 + c]);
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
    } else if constexpr (kPairs == 2) {
      for (size_t c = 0; c < 2; ++c) {
        out[c] = hn::ConcatLowerLower(d, t[2 + c], t[c]);
        out[2 + c] = hn::ConcatUpperUpper(d, t[2 + c], t[c]);
      }
    } else {
      for (size_t c = 0; c < 2; ++c) {
        TransposeBlocks4(d, t[c], t[2 + c], t[4 + c], t[6 + c], &out[c], &out[2 + c], &out[4 + c],
                         &out[6 + c]);
      }
    }
  }
  StoreTileRows(d, out, kLanes, dst, dst_stride, stream);
}

// One vector whose block b is the 16 bytes at src + b * block_stride: 128-bit loads, inserted.
template <class D, typename T = hn::TFromD<D>>
HWY_INLINE hn::Vec<D> LoadBlocks(D d, const char* HWY_RESTRICT src, int64_t block_stride) {
  if constexpr (hn::MaxLanes(D()) * sizeof(T) <= 16) {
    return hn::LoadU(d, reinterpret_cast<const T*>(src));
  } else {
    const hn::Half<D> dh;
    const int64_t half_blocks = static_cast<int64_t>(hn::MaxLanes(dh) * sizeof(T) / 16);
    return hn::Combine(d, LoadBlocks(dh, src + half_blocks * block_stride, block_stride),
                       LoadBlocks(dh, src, block_stride));
  }
}

// Transposes the K x (K * blocks) tile of 1- or 2-byte lanes (K = 16 / sizeof(T)) whose source
// rows j start at src + j * src_stride into K destination rows of one vector each. Vector k holds
// source rows k, K + k, 2K + k, ... in its blocks; log2(K) rounds pairing vector i with i + K/2
// (InterleaveLower into 2i, InterleaveUpper into 2i + 1) rotate each block's (vector, lane) index
// bits by one, so after log2(K) rounds every block is transposed and vector m is destination row
// m, its blocks side by side. Interleaves never cross blocks: one instruction each on every target.
template <class D, typename T = hn::TFromD<D>>
HWY_INLINE void BlockTransposeTile(D d, const char* HWY_RESTRICT src, int64_t src_stride,
                                   char* HWY_RESTRICT dst, int64_t dst_stride, bool stream) {
  constexpr size_t kK = 16 / sizeof(T);
  using V = hn::Vec<D>;
  V v[kK];
  for (size_t k = 0; k < kK; ++k) {
    v[k] = LoadBlocks(d, src + static_cast<int64_t>(k) * src_stride,
                      static_cast<int64_t>(kK) * src_stride);
  }
  for (size_t span = 1; span < kK; span *= 2) {
    V w[kK];
    for (size_t i = 0; i < kK / 2; ++i) {
      w[2 * i] = hn::InterleaveLower(d, v[i], v[i + kK / 2]);
      w[2 * i + 1] = hn::InterleaveUpper(d, v[i], v[i + kK / 2]);
    }
    for (size_t i = 0; i < kK; ++i) {
      v[i] = w[i];
    }
  }
  StoreTileRows(d, v, kK, dst, dst_stride, stream);
}

// Transposes the TileRows(d) x Lanes(d) tile whose top-left element is src (rows j: src + j *
// src_stride) into dst (rows r: dst + r * dst_stride).
template <class D, typename T = hn::TFromD<D>>
HWY_INLINE void TransposeTile(D d, const char* HWY_RESTRICT src, int64_t src_stride,
                              char* HWY_RESTRICT dst, int64_t dst_stride, bool stream) {
  if constexpr (kBlockTile<T>) {
    BlockTransposeTile(d, src, src_stride, dst, dst_stride, stream);
  } else {
    static_assert(kUnpackTile<D>, "4- and 8-byte tiles are one, two or four blocks wide");
    UnpackTransposeTile(d, src, src_stride, dst, dst_stride, stream);
  }
}
#endif  // SVE

// Two to four destination rows read from interleaved source elements (an HWC image's channels):
// Highway's interleaved loads split a run of columns into one vector per row. One loop per row
// count, so the shuffle constants stay in registers.
template <int kRows, class D, typename T = hn::TFromD<D>>
HWY_INLINE void DeinterleaveVectors(D d, const T* in, T* const* out, int64_t j, bool stream) {
  hn::Vec<D> v0, v1, v2, v3;
  if constexpr (kRows == 2) {
    hn::LoadInterleaved2(d, in, v0, v1);
  } else if constexpr (kRows == 3) {
    hn::LoadInterleaved3(d, in, v0, v1, v2);
  } else {
    hn::LoadInterleaved4(d, in, v0, v1, v2, v3);
  }
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
  if constexpr (kColumns == 2) {
    hn::StoreInterleaved2(hn::LoadU(d, in[0] + r), hn::LoadU(d, in[1] + r), d, out);
  } else if constexpr (kColumns == 3) {
    hn::StoreInterleaved3(hn::LoadU(d, in[0] + r), hn::LoadU(d, in[1] + r), hn::LoadU(d, in[2] + r),
                          d, out);
  } else {
    hn::StoreInterleaved4(hn::LoadU(d, in[0] + r), hn::LoadU(d, in[1] + r), hn::LoadU(d, in[2] + r),
                          hn::LoadU(d, in[3] + r), d, out);
  }
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

// fn(i) for tiles [i, i + lanes) covering [0, extent >= lanes); the last overlaps its predecessor.
template <class Fn>
HWY_INLINE void ForEachTile(int64_t extent, int64_t lanes, const Fn& fn) {
  int64_t i = 0;
  for (; i + lanes <= extent; i += lanes) {
    fn(i);
  }
  if (i < extent) {
    fn(extent - lanes);
  }
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
  const auto tile = [&](int64_t r, int64_t j) {
    TransposeTile(d, src + r * kWidth + j * args.src_stride, args.src_stride,
                  dst + r * args.dst_row_stride + j * kWidth, args.dst_row_stride, args.stream);
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
// rows staged at once: a 40 KiB stack buffer, of which 4- and 8-byte lanes use half (64 rows, in
// L1); 1- and 2-byte lanes stage 128 rows, 1.2x faster on f16 8192^2 than 64 (fewer source rows
// per destination line, twice the bytes read from each).
constexpr int64_t kMaxStagedRowBytes = 256;
constexpr int64_t kMaxStagedRows = 128;

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

// Columns after the block's own that its staging also holds: up to the end of the line where
// each row's last owned byte lies (none when rows are line-aligned and the block ends on a line
// boundary: those reads would come from DRAM again for the next block), within the row.
HWY_INLINE int64_t StagedExtraColumns(const RowsArgs& args, const char* dst, int64_t width) {
  int64_t bytes = kLineBytes;
  if (args.dst_row_stride % kLineBytes == 0) {
    const int64_t end =
        static_cast<int64_t>((reinterpret_cast<uintptr_t>(dst) + args.n * width) % kLineBytes);
    bytes = (kLineBytes - end) % kLineBytes;
  }
  return std::min(args.cols_total - args.col_begin - args.n, (bytes + width - 1) / width);
}

// Stages the block in chunks of kMaxStagedRows destination rows through an L1 buffer, in tiles of
// tag d, and writes each chunk's rows by WriteOwnedLines. The next block along the band (the next
// call's source, rows * width bytes further) is prefetched meanwhile, each chunk taking every
// chunks-th source row whole so that each row's lines are requested together.
template <class D, typename T = hn::TFromD<D>>
HWY_INLINE void StageBlock(D d, const RowsArgs& args, const char* src, char* dst,
                           int64_t staged_cols) {
  constexpr int64_t kWidth = sizeof(T);
  constexpr int64_t kBufferRowBytes = kMaxStagedRowBytes + kLineBytes;
  alignas(64) char buffer[kMaxStagedRows * kBufferRowBytes];
  const int64_t tile_rows = TileRows(d);
  const int64_t tile_cols = static_cast<int64_t>(hn::Lanes(d));
  const bool first_block = args.col_begin == 0;
  const char* next_tile = src + args.rows * kWidth;
  const int64_t next_tile_bytes = args.rows * kWidth;
  const int64_t chunks = (args.rows + kMaxStagedRows - 1) / kMaxStagedRows;
  for (int64_t chunk = 0; chunk < chunks; ++chunk) {
    const int64_t chunk_begin = chunk * kMaxStagedRows;
    const int64_t chunk_end = std::min(args.rows, chunk_begin + kMaxStagedRows);
    // The buffer starts at row `base`, earlier than the chunk when it is shorter than a tile.
    const int64_t base = std::min(chunk_begin, chunk_end - tile_rows);
    const auto stage_group = [&](int64_t j) {
      for (int64_t k = j + (chunk - j % chunks + chunks) % chunks; k < j + tile_cols; k += chunks) {
        // Every line the row's bytes touch, the last one too when the row is misaligned.
        const uintptr_t row = reinterpret_cast<uintptr_t>(next_tile + k * args.src_stride);
        for (uintptr_t line = row & ~uintptr_t{kLineBytes - 1}; line < row + next_tile_bytes;
             line += kLineBytes) {
          hwy::Prefetch(reinterpret_cast<const char*>(line));
        }
      }
      const auto stage = [&](int64_t r) {
        TransposeTile(d, src + r * kWidth + j * args.src_stride, args.src_stride,
                      buffer + (r - base) * kBufferRowBytes + j * kWidth, kBufferRowBytes, false);
      };
      int64_t r = base;
      for (; r + tile_rows <= chunk_end; r += tile_rows) {
        stage(r);
      }
      if (r < chunk_end) {
        stage(chunk_end - tile_rows);
      }
    };
    int64_t j = 0;
    for (; j + tile_cols <= staged_cols; j += tile_cols) {
      stage_group(j);
    }
    if (j < staged_cols) {
      stage_group(staged_cols - tile_cols);
    }
    for (int64_t r = chunk_begin; r < chunk_end; ++r) {
      WriteOwnedLines(dst + r * args.dst_row_stride, buffer + (r - base) * kBufferRowBytes,
                      args.n * kWidth, staged_cols * kWidth, first_block, args.stream);
    }
  }
}

// Streaming transpose for any destination alignment and lane width: blocks are transposed into
// an L1 buffer and written out as whole lines (StageBlock).
template <typename T>
void TransposeStaged(const RowsArgs& args, const char* src, char* dst) {
  constexpr int64_t kWidth = sizeof(T);
  const EdgeTileTag<T> edge;
  const int64_t lanes = static_cast<int64_t>(hn::Lanes(edge));
  const int64_t staged_cols = args.n + StagedExtraColumns(args, dst, kWidth);
  if (lanes < 2 || args.rows < lanes || staged_cols < lanes ||
      args.n * kWidth > kMaxStagedRowBytes) {
    RowsArgs direct = args;
    direct.stream = false;
    TransposeRows<T>(direct, src, dst);
    return;
  }
  const StagedTileTag<T> d;
  if (staged_cols >= static_cast<int64_t>(hn::Lanes(d))) {
    StageBlock(d, args, src, dst, staged_cols);
  } else {
    StageBlock(edge, args, src, dst, staged_cols);
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
