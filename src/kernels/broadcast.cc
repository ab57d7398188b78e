// Broadcast: the innermost source stride is zero, so each destination row is one value
// repeated.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/broadcast.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
//
#include "hwy/highway.h"
#include "kernels/kernels.h"
#include "kernels/simd-inl.h"

HWY_BEFORE_NAMESPACE();
namespace ravel {
namespace HWY_NAMESPACE {

// Writes v to elements [0, n) of out (lanes of one vector), ending with an overlapping store.
template <class D, class V, typename T = hn::TFromD<D>>
HWY_INLINE void FillVectors(D d, V v, T* HWY_RESTRICT out, size_t n, bool stream) {
  const size_t lanes = hn::Lanes(d);
  size_t j = 0;
  for (; j + lanes <= n; j += lanes) {
    StoreMaybeStream(v, d, out + j, stream);
  }
  if (j < n) {
    hn::StoreU(v, d, out + n - lanes);
  }
}

template <size_t kWidth>
void FillScalar(char* HWY_RESTRICT dst, const char* HWY_RESTRICT value, size_t n) {
  for (size_t j = 0; j < n; ++j) {
    CopyElement<kWidth>(dst + j * kWidth, value);
  }
}

template <typename T>
void BroadcastLanes(const RowsArgs& args, const char* src, char* dst) {
  const hn::ScalableTag<T> d;
  const size_t n = static_cast<size_t>(args.n);
  for (int64_t r = 0; r < args.rows; ++r) {
    const char* value = src + r * args.src_row_stride;
    char* out = dst + r * args.dst_row_stride;
    if (n < hn::Lanes(d)) {
      FillScalar<sizeof(T)>(out, value, n);
      continue;
    }
    T lane;
    std::memcpy(&lane, value, sizeof(T));
    FillVectors(d, hn::Set(d, lane), reinterpret_cast<T*>(out), n, args.stream);
  }
}

// 16-byte elements: a vector of u64 pairs repeating one 128-bit block.
void Broadcast16(const RowsArgs& args, const char* src, char* dst) {
  const hn::ScalableTag<uint64_t> d;
  const size_t n = static_cast<size_t>(args.n);
  const size_t pairs_per_vector = hn::Lanes(d) / 2;
  for (int64_t r = 0; r < args.rows; ++r) {
    const char* value = src + r * args.src_row_stride;
    char* out = dst + r * args.dst_row_stride;
    if (pairs_per_vector == 0 || n < pairs_per_vector) {
      FillScalar<16>(out, value, n);
      continue;
    }
    alignas(16) uint64_t block[2];
    std::memcpy(block, value, sizeof(block));
    FillVectors(d, hn::LoadDup128(d, block), reinterpret_cast<uint64_t*>(out), 2 * n, args.stream);
  }
}

RowsKernel BroadcastKernelFor(int64_t width) {
  switch (width) {
    case 1:
      return &BroadcastLanes<uint8_t>;
    case 2:
      return &BroadcastLanes<uint16_t>;
    case 4:
      return &BroadcastLanes<uint32_t>;
    case 8:
      return &BroadcastLanes<uint64_t>;
    case 16:
      return &Broadcast16;
    default:
      return nullptr;
  }
}

}  // namespace HWY_NAMESPACE
}  // namespace ravel
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace ravel {

HWY_EXPORT(BroadcastKernelFor);

RowsKernel BroadcastKernel(int64_t hwy_target, int64_t width) {
  return HWY_DISPATCH_TABLE(BroadcastKernelFor)[HwyDispatchIndex(hwy_target)](width);
}

}  // namespace ravel
#endif  // HWY_ONCE
