// Gather: no source dim is unit-stride. A source stride of two elements loads two vectors and
// keeps the even lanes; strides of three and four elements de-interleave; strides of 5 to 16
// elements, and of -2 to -16 (up to a vector's lanes), of 4- and 8-byte elements permute lanes
// of that many vectors, and of 1- and 2-byte elements (up to 16 bytes) shuffle bytes of that
// many 16-byte blocks; other strides move element by element. The CPU's gather instruction is not
// used: on Zen 5 it was never faster than element moves and up to 3x slower (strides of 9 to 100).
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/gather.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
//
#include <algorithm>
#include <array>
#include <utility>

#include "hwy/highway.h"
#include "kernels/kernels.h"
#include "kernels/simd-inl.h"
#include "kernels/transpose_tile-inl.h"

HWY_BEFORE_NAMESPACE();
namespace ravel {
namespace HWY_NAMESPACE {

template <size_t kWidth>
void GatherScalar(char* HWY_RESTRICT dst, const char* HWY_RESTRICT src, int64_t n,
                  int64_t src_stride, int64_t dst_stride) {
  for (int64_t j = 0; j < n; ++j) {
    CopyElement<kWidth>(dst + j * dst_stride, src + j * src_stride);
  }
}

#if HWY_TARGET != HWY_SCALAR
// Every other element of the source: even lanes of two adjacent vectors. The last window is
// read one element early (odd lanes) so that no byte past the view is touched.
template <typename T, class D = hn::ScalableTag<T>>
void GatherEveryOther(T* HWY_RESTRICT out, const T* HWY_RESTRICT in, size_t n, bool stream) {
  const D d;
  const size_t lanes = hn::Lanes(d);
  size_t j = 0;
  for (; j + lanes < n; j += lanes) {
    const auto lo = hn::LoadU(d, in + 2 * j);
    const auto hi = hn::LoadU(d, in + 2 * j + lanes);
    StoreMaybeStream(hn::ConcatEven(d, hi, lo), d, out + j, stream);
  }
  const size_t last = n - lanes;
  const auto lo = hn::LoadU(d, in + 2 * last);
  const auto hi_shifted = hn::LoadU(d, in + 2 * last + lanes - 1);
  const auto evens = hn::ConcatEven(d, hi_shifted, lo);
  const auto odds = hn::ConcatOdd(d, hi_shifted, lo);
  hn::StoreU(hn::ConcatUpperLower(d, odds, evens), d, out + last);
}

// Every kStride-th element (kStride 3 or 4): the first vector of Highway's interleaved loads. The
// loop stops a window early and the last window starts kStride - 1 elements before the element
// it needs and keeps the last vector, so that no byte past the view's last element is read.
template <typename T, int kStride, class D = hn::ScalableTag<T>>
void GatherDeinterleaved(T* HWY_RESTRICT out, const T* HWY_RESTRICT in, size_t n, bool stream) {
  static_assert(kStride == 3 || kStride == 4, "interleaved loads of 3 or 4 vectors");
  const D d;
  using V = hn::Vec<decltype(d)>;
  const size_t lanes = hn::Lanes(d);
  V v0, v1, v2, v3;
  size_t j = 0;
  for (; j + lanes < n; j += lanes) {
    LoadInterleavedAt<kStride>(d, in + kStride * j, v0, v1, v2, v3);
    StoreMaybeStream(v0, d, out + j, stream);
  }
  LoadInterleavedAt<kStride>(d, in + kStride * (n - lanes) - (kStride - 1), v0, v1, v2, v3);
  hn::StoreU(kStride == 3 ? v2 : v3, d, out + n - lanes);
}

// Stepped rows (every kStep-th element, kStep = +-2..16, backwards when negative) read windows
// of |kStep| adjacent vectors or 16-byte blocks that hold one output vector or block. Lane i of
// the window starting at output j takes the element at position i * |kStep| (backwards:
// (lanes - 1 - i) * |kStep|) from the window's lowest element. Windows are shifted down by
// |kStep| - 1 elements at the row's far end (the last output window forwards, the first
// backwards), so that no load passes the element at that end.
constexpr int Span(int step) { return step < 0 ? -step : step; }

// Lane i's position in a window of `lanes` outputs, shifted windows included.
template <int kStep>
constexpr int WindowPosition(int i, int lanes, bool shifted) {
  return (kStep > 0 ? i : lanes - 1 - i) * Span(kStep) + (shifted ? Span(kStep) - 1 : 0);
}

// The output vector of the window whose lowest element is at `in`: each of the |kStep| loads
// is permuted (idx = pos % lanes) and kept where pos lies in it.
template <int kStep, class D, class DI, class Indices, typename T = hn::TFromD<D>>
HWY_INLINE hn::Vec<D> SteppedWindow(D d, DI di, const T* HWY_RESTRICT in, hn::Vec<DI> pos,
                                    Indices idx) {
  using TI = hn::TFromD<DI>;
  const size_t lanes = hn::Lanes(d);
  auto out = hn::TableLookupLanes(hn::LoadU(d, in), idx);
  for (int k = 1; k < Span(kStep); ++k) {
    const auto from_k = hn::RebindMask(d, hn::Gt(pos, hn::Set(di, static_cast<TI>(k * lanes - 1))));
    out = hn::IfThenElse(from_k, hn::TableLookupLanes(hn::LoadU(d, in + k * lanes), idx), out);
  }
  return out;
}

// Walks a stepped row of n > lanes outputs: window(j, shifted) returns outputs [j, j + lanes),
// shifted for the window at the row's far end (the last forwards, the first backwards).
template <int kStep, class D, class Window, typename T = hn::TFromD<D>>
HWY_INLINE void WalkSteppedRow(D d, size_t lanes, T* HWY_RESTRICT out, size_t n, bool stream,
                               const Window& window) {
  size_t j = 0;
  if constexpr (kStep < 0) {
    hn::StoreU(window(0, true), d, out);
    j = lanes;
    for (; j + lanes <= n; j += lanes) {
      StoreMaybeStream(window(j, false), d, out + j, stream);
    }
    if (j < n) {
      hn::StoreU(window(n - lanes, false), d, out + n - lanes);
    }
  } else {
    for (; j + lanes < n; j += lanes) {
      StoreMaybeStream(window(j, false), d, out + j, stream);
    }
    hn::StoreU(window(n - lanes, true), d, out + n - lanes);
  }
}

// The element offset of window j's lowest element from the row's first element.
template <int kStep>
HWY_INLINE ptrdiff_t WindowStart(size_t j, size_t lanes, bool shifted) {
  const auto span = static_cast<ptrdiff_t>(Span(kStep));
  const auto first = static_cast<ptrdiff_t>(kStep > 0 ? j : j + lanes - 1);
  return (kStep > 0 ? first : -first) * span - (shifted ? span - 1 : 0);
}

// Stepped rows of 4- and 8-byte elements (|kStep| <= lanes) through lane permutations.
template <typename T, int kStep>
void GatherSteppedLanes(T* HWY_RESTRICT out, const T* HWY_RESTRICT in, size_t n, bool stream) {
  const hn::ScalableTag<T> d;
  const hn::RebindToSigned<decltype(d)> di;
  using TI = hn::TFromD<decltype(di)>;
  const size_t lanes = hn::Lanes(d);
  HWY_ALIGN TI plain[HWY_MAX_BYTES / sizeof(TI)];
  HWY_ALIGN TI shifted[HWY_MAX_BYTES / sizeof(TI)];
  for (size_t i = 0; i < lanes; ++i) {
    plain[i] =
        static_cast<TI>(WindowPosition<kStep>(static_cast<int>(i), static_cast<int>(lanes), false));
    shifted[i] =
        static_cast<TI>(WindowPosition<kStep>(static_cast<int>(i), static_cast<int>(lanes), true));
  }
  const auto mod_lanes = hn::Set(di, static_cast<TI>(lanes - 1));
  const auto plain_pos = hn::Load(di, plain);
  const auto shifted_pos = hn::Load(di, shifted);
  const auto plain_idx = hn::IndicesFromVec(d, hn::And(plain_pos, mod_lanes));
  const auto shifted_idx = hn::IndicesFromVec(d, hn::And(shifted_pos, mod_lanes));
  WalkSteppedRow<kStep>(d, lanes, out, n, stream, [&](size_t j, bool shift) {
    const T* start = in + WindowStart<kStep>(j, lanes, shift);
    return shift ? SteppedWindow<kStep>(d, di, start, shifted_pos, shifted_idx)
                 : SteppedWindow<kStep>(d, di, start, plain_pos, plain_idx);
  });
}

#if !HWY_HAVE_SCALABLE
// Byte shuffles that take 16 bytes' worth of stepped T from |kStep| adjacent 16-byte blocks:
// entry [k][i] is output byte i's position in block k, or 0x80 where it lies in another block.
template <typename T, int kStep, bool kShifted>
struct SteppedByteIndices {
  static constexpr std::array<uint8_t, 16 * Span(kStep)> Make() {
    constexpr int kWidth = static_cast<int>(sizeof(T));
    std::array<uint8_t, 16 * Span(kStep)> idx{};
    for (int k = 0; k < Span(kStep); ++k) {
      for (int i = 0; i < 16; ++i) {
        const int element = WindowPosition<kStep>(i / kWidth, 16 / kWidth, kShifted);
        const int byte = element * kWidth + i % kWidth;
        idx[static_cast<size_t>(k * 16 + i)] =
            static_cast<uint8_t>(byte / 16 == k ? byte % 16 : 0x80);
      }
    }
    return idx;
  }
  static constexpr std::array<uint8_t, 16 * Span(kStep)> kValues = Make();
};

// One 16-byte output block from the |kStep| 16-byte blocks at `in`.
template <typename T, int kStep, bool kShifted>
HWY_INLINE hn::Vec<hn::Full128<uint8_t>> SteppedBytes(const uint8_t* HWY_RESTRICT in) {
  const hn::Full128<uint8_t> d;
  const uint8_t* idx = SteppedByteIndices<T, kStep, kShifted>::kValues.data();
  auto out = hn::TableLookupBytesOr0(hn::LoadU(d, in), hn::LoadU(d, idx));
  for (int k = 1; k < Span(kStep); ++k) {
    out =
        hn::Or(out, hn::TableLookupBytesOr0(hn::LoadU(d, in + 16 * k), hn::LoadU(d, idx + 16 * k)));
  }
  return out;
}

// Stepped rows of 1- and 2-byte elements (|kStep| <= 16 / sizeof(T)) through byte shuffles.
template <typename T, int kStep>
void GatherSteppedBytes(T* HWY_RESTRICT out, const T* HWY_RESTRICT in, size_t n, bool stream) {
  const hn::Full128<uint8_t> d;
  constexpr size_t kLanes = 16 / sizeof(T);
  auto* out_bytes = reinterpret_cast<uint8_t*>(out);
  WalkSteppedRow<kStep>(d, 16, out_bytes, n * sizeof(T), stream, [&](size_t byte, bool shift) {
    const size_t element = byte / sizeof(T);
    const auto* start =
        reinterpret_cast<const uint8_t*>(in + WindowStart<kStep>(element, kLanes, shift));
    return shift ? SteppedBytes<T, kStep, true>(start) : SteppedBytes<T, kStep, false>(start);
  });
}
#endif  // !HWY_HAVE_SCALABLE

using GatherRow = void (*)(void* out, const void* in, size_t n, bool stream);

// Adapts a typed row gather to GatherRow.
template <typename T, void (*kRow)(T* HWY_RESTRICT, const T* HWY_RESTRICT, size_t, bool)>
void UntypedRow(void* out, const void* in, size_t n, bool stream) {
  kRow(static_cast<T*>(out), static_cast<const T*>(in), n, stream);
}

constexpr int kMaxRowStep = 16;

// The stepped row for kStep (byte shuffles for 1- and 2-byte elements, lane permutations for
// wider ones), or nullptr where other rows serve (steps 2 to 4) or none does (-1 to 1).
template <typename T, int kStep>
constexpr GatherRow SteppedRow() {
  if constexpr ((kStep < 5 && kStep > -2) || (sizeof(T) <= 2 && HWY_HAVE_SCALABLE)) {
    return nullptr;
#if !HWY_HAVE_SCALABLE
  } else if constexpr (sizeof(T) <= 2) {
    return &UntypedRow<T, &GatherSteppedBytes<T, kStep>>;
#endif
  } else {
    return &UntypedRow<T, &GatherSteppedLanes<T, kStep>>;
  }
}

// SteppedRow for steps -kMaxRowStep + kI.
template <typename T, size_t... kI>
constexpr std::array<GatherRow, sizeof...(kI)> SteppedRows(std::index_sequence<kI...>) {
  return {SteppedRow<T, static_cast<int>(kI) - kMaxRowStep>()...};
}

// The vector row gather for every `step`-th element into a dense row of n elements, or nullptr:
// steps 2 to 4 on at least a vector (2: a vector exactly, 3 and 4: one more element); 5 to 16
// of 4- and 8-byte elements up to a vector's lanes on more than a vector; 5 to 16 bytes' worth of
// 1- and 2-byte elements on more than 16 bytes (fixed-width targets).
template <typename T>
GatherRow VectorGatherRow(int64_t step, int64_t n) {
  static constexpr std::array<GatherRow, 2 * kMaxRowStep + 1> kSteppedRows =
      SteppedRows<T>(std::make_index_sequence<2 * kMaxRowStep + 1>());
  const int64_t span = step < 0 ? -step : step;
  const GatherRow stepped =
      span <= kMaxRowStep ? kSteppedRows[static_cast<size_t>(step + kMaxRowStep)] : nullptr;
  constexpr int64_t kBlockLanes = 16 / sizeof(T);
  if (sizeof(T) <= 2 && stepped != nullptr && span <= kBlockLanes && n > kBlockLanes) {
    return stepped;
  }
  const hn::ScalableTag<T> d;
  const int64_t lanes = static_cast<int64_t>(hn::Lanes(d));
  if (lanes < 2 || n < lanes || (n == lanes && step != 2)) {
    return nullptr;
  }
  switch (step) {
    case 2:
      return &UntypedRow<T, &GatherEveryOther<T>>;
    case 3:
      return &UntypedRow<T, &GatherDeinterleaved<T, 3>>;
    case 4:
      return &UntypedRow<T, &GatherDeinterleaved<T, 4>>;
    default:
      break;
  }
  if (sizeof(T) >= 4 && stepped != nullptr && span <= lanes && n > lanes) {
    return stepped;
  }
  return nullptr;
}

#if RAVEL_TRANSPOSE_BLOCK_TILES
// The row gathers of steps 2 to 4 in 128-bit vectors, for runs shorter than a whole vector's
// (fixed-width targets: Highway's partial vectors on SVE concatenate whole vectors), or nullptr.
template <typename T>
GatherRow BlockGatherRow(int64_t step, int64_t n) {
  using D = hn::Full128<T>;
  const int64_t lanes = static_cast<int64_t>(hn::MaxLanes(D()));
  if (n < lanes || (n == lanes && step != 2)) {
    return nullptr;
  }
  switch (step) {
    case 2:
      return &UntypedRow<T, &GatherEveryOther<T, D>>;
    case 3:
      return &UntypedRow<T, &GatherDeinterleaved<T, 3, D>>;
    case 4:
      return &UntypedRow<T, &GatherDeinterleaved<T, 4, D>>;
    default:
      return nullptr;
  }
}
#endif

// The stepped tile's bytes: Lanes(TileTag) source rows of up to two vectors' worth of elements.
constexpr int64_t kMaxSteppedTileBytes = 8192;

// A stepped transpose (x[::2, ::2].t(), a strided NCHW -> NHWC): the elements of a destination
// row lie a vector step apart in a source row (src_row_stride), and its columns are source rows
// too far apart for one. Walking a destination row would touch a line per element (0.01-0.2 of
// memcpy); instead each tile of Lanes(d) source rows gathers up to two vectors' worth of every
// row's stepped run into an L1 tile (VectorGatherRow, or BlockGatherRow for runs shorter than a
// vector), whose columns TransposeTile writes as destination rows. False where the step has no
// vector row or the block is narrower than a tile.
template <typename T>
bool GatherTransposed(const RowsArgs& args, const char* src, char* dst) {
  constexpr int64_t kWidth = sizeof(T);
  const TileTag<T> d;
  const int64_t tile_cols = static_cast<int64_t>(hn::Lanes(d));
  const int64_t tile_rows = TileRows(d);
  const int64_t run = std::min(
      args.rows, 2 * std::max(static_cast<int64_t>(hn::Lanes(hn::ScalableTag<T>())), tile_rows));
  if (args.dst_stride != kWidth || args.src_row_stride % kWidth != 0 || tile_cols < 2 ||
      args.n < tile_cols || run < tile_rows || run * tile_cols * kWidth > kMaxSteppedTileBytes) {
    return false;
  }
  GatherRow gather = VectorGatherRow<T>(args.src_row_stride / kWidth, run);
#if RAVEL_TRANSPOSE_BLOCK_TILES
  if (gather == nullptr) {
    gather = BlockGatherRow<T>(args.src_row_stride / kWidth, run);
  }
#endif
  if (gather == nullptr) {
    return false;
  }
  HWY_ALIGN char tile[kMaxSteppedTileBytes];
  const int64_t tile_stride = run * kWidth;
  ForEachTile(args.rows, run, [&](int64_t r) {
    ForEachTile(args.n, tile_cols, [&](int64_t j) {
      for (int64_t k = 0; k < tile_cols; ++k) {
        gather(tile + k * tile_stride, src + (j + k) * args.src_stride + r * args.src_row_stride,
               static_cast<size_t>(run), false);
      }
      ForEachTile(run, tile_rows, [&](int64_t m) {
        TransposeTile(d, tile + m * kWidth, tile_stride,
                      dst + (r + m) * args.dst_row_stride + j * kWidth, args.dst_row_stride,
                      args.stream);
      });
    });
  });
  return true;
}
#endif  // HWY_TARGET != HWY_SCALAR

template <typename T>
void GatherRows(const RowsArgs& args, const char* src, char* dst) {
  constexpr int64_t kWidth = sizeof(T);
#if HWY_TARGET != HWY_SCALAR
  const GatherRow row = args.src_stride % kWidth == 0 && args.dst_stride == kWidth
                            ? VectorGatherRow<T>(args.src_stride / kWidth, args.n)
                            : nullptr;
  if (row != nullptr) {
    for (int64_t r = 0; r < args.rows; ++r) {
      row(dst + r * args.dst_row_stride, src + r * args.src_row_stride, static_cast<size_t>(args.n),
          args.stream);
    }
    return;
  }
  if (GatherTransposed<T>(args, src, dst)) {
    return;
  }
#endif
  for (int64_t r = 0; r < args.rows; ++r) {
    GatherScalar<kWidth>(dst + r * args.dst_row_stride, src + r * args.src_row_stride, args.n,
                         args.src_stride, args.dst_stride);
  }
}

void GatherRows16(const RowsArgs& args, const char* src, char* dst) {
  for (int64_t r = 0; r < args.rows; ++r) {
    GatherScalar<16>(dst + r * args.dst_row_stride, src + r * args.src_row_stride, args.n,
                     args.src_stride, args.dst_stride);
  }
}

RowsKernel GatherKernelFor(int64_t width) {
  switch (width) {
    case 1:
      return &GatherRows<uint8_t>;
    case 2:
      return &GatherRows<uint16_t>;
    case 4:
      return &GatherRows<uint32_t>;
    case 8:
      return &GatherRows<uint64_t>;
    case 16:
      return &GatherRows16;
    default:
      return nullptr;
  }
}

}  // namespace HWY_NAMESPACE
}  // namespace ravel
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace ravel {

HWY_EXPORT(GatherKernelFor);

RowsKernel GatherKernel(int64_t hwy_target, int64_t width) {
  return HWY_DISPATCH_TABLE(GatherKernelFor)[HwyDispatchIndex(hwy_target)](width);
}

}  // namespace ravel
#endif  // HWY_ONCE
