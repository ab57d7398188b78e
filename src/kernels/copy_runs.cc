// Copy runs: each destination row is a contiguous run of the source (a memcpy per row).
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/copy_runs.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
//
#include "hwy/highway.h"
#include "kernels/kernels.h"
#include "kernels/simd-inl.h"

HWY_BEFORE_NAMESPACE();
namespace ravel {
namespace HWY_NAMESPACE {

void CopyRuns(const RowsArgs& args, const char* src, char* dst, size_t row_bytes) {
  for (int64_t r = 0; r < args.rows; ++r) {
    CopyBytes(dst + r * args.dst_row_stride, src + r * args.src_row_stride, row_bytes, args.stream);
  }
}

template <size_t kWidth>
void CopyRunsOfWidth(const RowsArgs& args, const char* src, char* dst) {
  CopyRuns(args, src, dst, static_cast<size_t>(args.n) * kWidth);
}

RowsKernel CopyRunsKernelFor(int64_t width) {
  switch (width) {
    case 1:
      return &CopyRunsOfWidth<1>;
    case 2:
      return &CopyRunsOfWidth<2>;
    case 4:
      return &CopyRunsOfWidth<4>;
    case 8:
      return &CopyRunsOfWidth<8>;
    case 16:
      return &CopyRunsOfWidth<16>;
    default:
      return nullptr;
  }
}

}  // namespace HWY_NAMESPACE
}  // namespace ravel
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace ravel {

HWY_EXPORT(CopyRunsKernelFor);

RowsKernel CopyRunsKernel(int64_t hwy_target, int64_t width) {
  return HWY_DISPATCH_TABLE(CopyRunsKernelFor)[HwyDispatchIndex(hwy_target)](width);
}

}  // namespace ravel
#endif  // HWY_ONCE
