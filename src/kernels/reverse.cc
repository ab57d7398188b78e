// Reverse: the innermost source stride is -1 element; vectors are loaded backwards and their
// lanes reversed.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/reverse.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
//
#include "hwy/highway.h"
#include "kernels/kernels.h"
#include "kernels/simd-inl.h"

HWY_BEFORE_NAMESPACE();
namespace ravel {
namespace HWY_NAMESPACE {

template <size_t kWidth>
void ReverseScalar(char* HWY_RESTRICT dst, const char* HWY_RESTRICT src, size_t n) {
  for (size_t j = 0; j < n; ++j) {
    CopyElement<kWidth>(dst + j * kWidth, src - j * kWidth);
  }
}

// Reverses the lanes of v (bytes through 16-bit lanes with their bytes swapped).
template <class D, class V>
HWY_INLINE V ReverseLanes(D d, V v) {
#if HWY_TARGET == HWY_SCALAR
  (void)d;
  return v;
#else
  if constexpr (sizeof(hn::TFromD<D>) == 1) {
    const hn::Repartition<uint16_t, D> d16;
    const auto pairs = hn::Reverse(d16, hn::BitCast(d16, v));
    return hn::BitCast(d, hn::Or(hn::ShiftLeft<8>(pairs), hn::ShiftRight<8>(pairs)));
  } else {
    return hn::Reverse(d, v);
  }
#endif
}

// Element j of a row is at src - j; `lanes_per_element` lanes of T make one element.
template <typename T, size_t kLanesPerElement>
void ReverseRows(const RowsArgs& args, const char* src, char* dst) {
  constexpr size_t kWidth = sizeof(T) * kLanesPerElement;
  const hn::ScalableTag<T> d;
  const size_t per_vector = hn::Lanes(d) / kLanesPerElement;
  const size_t n = static_cast<size_t>(args.n);
  for (int64_t r = 0; r < args.rows; ++r) {
    const char* in = src + r * args.src_row_stride;
    char* out = dst + r * args.dst_row_stride;
    if (per_vector == 0 || n < per_vector) {
      ReverseScalar<kWidth>(out, in, n);
      continue;
    }
    // Elements j .. j + per_vector - 1 start at in - (j + per_vector - 1) * kWidth.
    const auto reversed_window = [&](size_t j) {
      const auto v = hn::LoadU(d, reinterpret_cast<const T*>(in - (j + per_vector - 1) * kWidth));
      if constexpr (kLanesPerElement == 2) {
        return hn::Reverse2(d, hn::Reverse(d, v));
      } else {
        return ReverseLanes(d, v);
      }
    };
    size_t j = 0;
    for (; j + per_vector <= n; j += per_vector) {
      StoreMaybeStream(reversed_window(j), d, reinterpret_cast<T*>(out + j * kWidth), args.stream);
    }
    if (j < n) {
      const size_t last = n - per_vector;
      hn::StoreU(reversed_window(last), d, reinterpret_cast<T*>(out + last * kWidth));
    }
  }
}

RowsKernel ReverseKernelFor(int64_t width) {
  switch (width) {
    case 1:
      return &ReverseRows<uint8_t, 1>;
    case 2:
      return &ReverseRows<uint16_t, 1>;
    case 4:
      return &ReverseRows<uint32_t, 1>;
    case 8:
      return &ReverseRows<uint64_t, 1>;
    case 16:
      return &ReverseRows<uint64_t, 2>;
    default:
      return nullptr;
  }
}

}  // namespace HWY_NAMESPACE
}  // namespace ravel
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace ravel {

HWY_EXPORT(ReverseKernelFor);

RowsKernel ReverseKernel(int64_t hwy_target, int64_t width) {
  return HWY_DISPATCH_TABLE(ReverseKernelFor)[HwyDispatchIndex(hwy_target)](width);
}

}  // namespace ravel
#endif  // HWY_ONCE
