// Register micro-tiles of the transposes (kernels/transpose.cc) and of stepped transposes
// (kernels/gather.cc): the tile tags per lane width and the in-register transposes of one tile.
// Compiled once per target (per-target include guard).
#if defined(RAVEL_SRC_KERNELS_TRANSPOSE_TILE_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef RAVEL_SRC_KERNELS_TRANSPOSE_TILE_INL_H_
#undef RAVEL_SRC_KERNELS_TRANSPOSE_TILE_INL_H_
#else
#define RAVEL_SRC_KERNELS_TRANSPOSE_TILE_INL_H_
#endif

#include <cstdint>
#include <type_traits>

#include "hwy/highway.h"
#include "kernels/simd-inl.h"

HWY_BEFORE_NAMESPACE();
namespace ravel {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

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

// Destination rows of one micro-tile of tag d (its destination columns are Lanes(d)).
template <class D, typename T = hn::TFromD<D>>
HWY_INLINE int64_t TileRows(D d) {
  return static_cast<int64_t>(kBlockTile<T> ? 16 / sizeof(T) : hn::Lanes(d));
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

// The second half of the unpack network: in[g * kColumns + c] holds block column c of the rows of
// group g, one block per 128-bit block of the tile; out[b * kColumns + c] gathers block b of every
// group, in group order (a transpose of the kGroups x kGroups grid of blocks, per column c).
template <size_t kGroups, size_t kColumns, class D, class V>
HWY_INLINE void TransposeBlockGrid(D d, const V* in, V* out) {
  static_assert(kGroups == 1 || kGroups == 2 || kGroups == 4, "one, two or four blocks");
  for (size_t c = 0; c < kColumns; ++c) {
    if constexpr (kGroups == 1) {
      out[c] = in[c];
    } else if constexpr (kGroups == 2) {
      out[c] = hn::ConcatLowerLower(d, in[kColumns + c], in[c]);
      out[kColumns + c] = hn::ConcatUpperUpper(d, in[kColumns + c], in[c]);
    } else {
      TransposeBlocks4(d, in[c], in[kColumns + c], in[2 * kColumns + c], in[3 * kColumns + c],
                       &out[c], &out[kColumns + c], &out[2 * kColumns + c], &out[3 * kColumns + c]);
    }
  }
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
  // Interleaves inside blocks transpose each block (4-byte lanes: rows paired at lane
  // granularity, then at 64 bits); TransposeBlockGrid then moves whole blocks into place.
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
    TransposeBlockGrid<kQuads, 4>(d, u, out);
  } else {
    constexpr size_t kPairs = kLanes / 2;  // pairs of rows: one per 128-bit block column
    V t[kLanes];
    for (size_t p = 0; p < kPairs; ++p) {
      t[2 * p] = hn::InterleaveLower(d, r[2 * p], r[2 * p + 1]);
      t[2 * p + 1] = hn::InterleaveUpper(d, r[2 * p], r[2 * p + 1]);
    }
    TransposeBlockGrid<kPairs, 2>(d, t, out);
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
#endif  // HWY_TARGET != HWY_SCALAR

}  // namespace HWY_NAMESPACE
}  // namespace ravel
HWY_AFTER_NAMESPACE();

#endif  // RAVEL_SRC_KERNELS_TRANSPOSE_TILE_INL_H_
