// Gather: no source dim is unit-stride. A source stride of two elements loads two vectors and
// keeps the even lanes; strides of three and four elements de-interleave; other strides use the
// CPU's gather instruction where there is one, else move element by element.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/gather.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
//
#include "hwy/highway.h"
#include "kernels/kernels.h"
#include "kernels/simd-inl.h"

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
template <typename T>
void GatherEveryOther(T* HWY_RESTRICT out, const T* HWY_RESTRICT in, size_t n, bool stream) {
  const hn::ScalableTag<T> d;
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
template <typename T, int kStride>
void GatherDeinterleaved(T* HWY_RESTRICT out, const T* HWY_RESTRICT in, size_t n, bool stream) {
  static_assert(kStride == 3 || kStride == 4, "interleaved loads of 3 or 4 vectors");
  const hn::ScalableTag<T> d;
  using V = hn::Vec<decltype(d)>;
  const size_t lanes = hn::Lanes(d);
  V v0, v1, v2, v3;
  size_t j = 0;
  for (; j + lanes < n; j += lanes) {
    if constexpr (kStride == 3) {
      hn::LoadInterleaved3(d, in + kStride * j, v0, v1, v2);
    } else {
      hn::LoadInterleaved4(d, in + kStride * j, v0, v1, v2, v3);
    }
    StoreMaybeStream(v0, d, out + j, stream);
  }
  const T* last = in + kStride * (n - lanes) - (kStride - 1);
  if constexpr (kStride == 3) {
    hn::LoadInterleaved3(d, last, v0, v1, v2);
    hn::StoreU(v2, d, out + n - lanes);
  } else {
    hn::LoadInterleaved4(d, last, v0, v1, v2, v3);
    hn::StoreU(v3, d, out + n - lanes);
  }
}

// Rows whose source stride is 3 or 4 elements and destination dense, at least a vector and one
// element long; false (nothing written) otherwise.
template <typename T>
bool GatherStrided(const RowsArgs& args, const char* src, char* dst) {
  constexpr int64_t kWidth = sizeof(T);
  const hn::ScalableTag<T> d;
  const int64_t lanes = static_cast<int64_t>(hn::Lanes(d));
  const int64_t stride = args.src_stride / kWidth;
  if (args.src_stride % kWidth != 0 || (stride != 3 && stride != 4) || args.dst_stride != kWidth ||
      args.n <= lanes || lanes < 2) {
    return false;
  }
  const size_t n = static_cast<size_t>(args.n);
  for (int64_t r = 0; r < args.rows; ++r) {
    T* out = reinterpret_cast<T*>(dst + r * args.dst_row_stride);
    const T* in = reinterpret_cast<const T*>(src + r * args.src_row_stride);
    if (stride == 3) {
      GatherDeinterleaved<T, 3>(out, in, n, args.stream);
    } else {
      GatherDeinterleaved<T, 4>(out, in, n, args.stream);
    }
  }
  return true;
}
#endif  // HWY_TARGET != HWY_SCALAR

#if HWY_TARGET == HWY_AVX2 || HWY_TARGET == HWY_AVX3 || HWY_TARGET == HWY_AVX3_DL
#define RAVEL_HAVE_HARDWARE_GATHER 1
// Strided rows of 4- or 8-byte elements with the CPU's gather instruction: byte offsets
// j * stride for one vector of columns, the last vector overlapping the one before.
template <typename T>
bool GatherHardware(const RowsArgs& args, const char* src, char* dst) {
  using Offset = hwy::MakeSigned<T>;
  const hn::ScalableTag<T> d;
  const hn::RebindToSigned<decltype(d)> di;
  const int64_t lanes = static_cast<int64_t>(hn::Lanes(d));
  const int64_t reach = (lanes - 1) * (args.src_stride < 0 ? -args.src_stride : args.src_stride);
  if (args.dst_stride != static_cast<int64_t>(sizeof(T)) || args.n < lanes ||
      reach > static_cast<int64_t>(hwy::LimitsMax<Offset>())) {
    return false;
  }
  const auto offsets = hn::Mul(hn::Iota(di, 0), hn::Set(di, static_cast<Offset>(args.src_stride)));
  for (int64_t r = 0; r < args.rows; ++r) {
    const char* in = src + r * args.src_row_stride;
    T* out = reinterpret_cast<T*>(dst + r * args.dst_row_stride);
    const auto columns = [&](int64_t j) {
      return hn::GatherOffset(d, reinterpret_cast<const T*>(in + j * args.src_stride), offsets);
    };
    int64_t j = 0;
    for (; j + lanes <= args.n; j += lanes) {
      StoreMaybeStream(columns(j), d, out + j, args.stream);
    }
    if (j < args.n) {
      hn::StoreU(columns(args.n - lanes), d, out + args.n - lanes);
    }
  }
  return true;
}
#endif

template <typename T>
void GatherRows(const RowsArgs& args, const char* src, char* dst) {
  constexpr size_t kWidth = sizeof(T);
#if HWY_TARGET != HWY_SCALAR
  if (GatherStrided<T>(args, src, dst)) {
    return;
  }
#endif
#if defined(RAVEL_HAVE_HARDWARE_GATHER)
  if constexpr (sizeof(T) >= 4) {
    if (args.src_stride != 2 * static_cast<int64_t>(kWidth) && GatherHardware<T>(args, src, dst)) {
      return;
    }
  }
#endif
#if HWY_TARGET != HWY_SCALAR
  const size_t n = static_cast<size_t>(args.n);
  const hn::ScalableTag<T> d;
  if (args.src_stride == 2 * static_cast<int64_t>(kWidth) &&
      args.dst_stride == static_cast<int64_t>(kWidth) && n >= hn::Lanes(d) && hn::Lanes(d) >= 2) {
    for (int64_t r = 0; r < args.rows; ++r) {
      GatherEveryOther(reinterpret_cast<T*>(dst + r * args.dst_row_stride),
                       reinterpret_cast<const T*>(src + r * args.src_row_stride), n, args.stream);
    }
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

#undef RAVEL_HAVE_HARDWARE_GATHER

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
