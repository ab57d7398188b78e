// Copy runs: each destination row is a contiguous run of the source (a memcpy per row).
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/copy_runs.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
//
#include <algorithm>

#include "hwy/highway.h"
#include "kernels/kernels.h"
#include "kernels/simd-inl.h"

HWY_BEFORE_NAMESPACE();
namespace ravel {
namespace HWY_NAMESPACE {

#if HWY_TARGET != HWY_SCALAR
// One group of packed short runs: the window at `in`, its gaps dropped by `shuffle`, stored at
// `out` (the bytes past the group are rewritten by the next group's store).
template <class D, class V>
HWY_INLINE void PackShortRuns(D d, const uint8_t* in, V shuffle, uint8_t* out) {
  hn::StoreU(hn::TableLookupBytes(hn::LoadU(d, in), shuffle), d, out);
}

// Runs of fewer than 16 bytes into a dense destination (RGBA to RGB, xyz of xyzw), packed
// ShortRunsPerWindow at a time: a 16-byte window from the first run of a group, one byte shuffle
// that drops the gaps, one 16-byte store. The last groups of the block, whose window or store
// would pass the block's bytes, copy run by run. Returns false (nothing copied) when the block
// does not have that shape.
bool CopyShortRuns(const RowsArgs& args, const char* src, char* dst, int64_t run) {
  const int64_t step = args.src_row_stride;
  const int64_t group = ShortRunsPerWindow(run, step);
  if (group == 0 || args.dst_row_stride != run || args.rows * run < 2 * kShortRunWindow) {
    return false;
  }
  alignas(16) uint8_t indices[kShortRunWindow] = {};
  for (int64_t i = 0; i < group; ++i) {
    for (int64_t b = 0; b < run; ++b) {
      indices[i * run + b] = static_cast<uint8_t>(i * step + b);
    }
  }
  const hn::FixedTag<uint8_t, kShortRunWindow> d;
  const auto shuffle = hn::Load(d, indices);
  // Groups [0, full) have their window inside the block's source bytes and their store inside
  // its destination bytes.
  const int64_t src_room = (args.rows - 1) * step + run - kShortRunWindow;
  const int64_t dst_room = args.rows * run - kShortRunWindow;
  const int64_t last = src_room < 0 || dst_room < 0
                           ? -1
                           : std::min({src_room / step, dst_room / run, args.rows - group});
  const int64_t full = last < 0 ? 0 : last / group + 1;
  const int64_t in_step = group * step;
  const int64_t out_step = group * run;
  const uint8_t* in = reinterpret_cast<const uint8_t*>(src);
  uint8_t* out = reinterpret_cast<uint8_t*>(dst);
  int64_t g = 0;
  for (; g + 4 <= full; g += 4) {
    PackShortRuns(d, in + g * in_step, shuffle, out + g * out_step);
    PackShortRuns(d, in + (g + 1) * in_step, shuffle, out + (g + 1) * out_step);
    PackShortRuns(d, in + (g + 2) * in_step, shuffle, out + (g + 2) * out_step);
    PackShortRuns(d, in + (g + 3) * in_step, shuffle, out + (g + 3) * out_step);
  }
  for (; g < full; ++g) {
    PackShortRuns(d, in + g * in_step, shuffle, out + g * out_step);
  }
  for (int64_t k = full * group; k < args.rows; ++k) {
    CopySmall(dst + k * run, src + k * step, static_cast<size_t>(run));
  }
  return true;
}
#endif  // HWY_TARGET != HWY_SCALAR

void CopyRuns(const RowsArgs& args, const char* src, char* dst, size_t row_bytes) {
#if HWY_TARGET != HWY_SCALAR
  if (CopyShortRuns(args, src, dst, static_cast<int64_t>(row_bytes))) {
    return;
  }
#endif
  // Each run's prefetch goes on into the next: the next row's, after the last row the next
  // call's first (RowsArgs::next_src_offset).
  const char* after_block = args.next_src_offset != 0 ? src + args.next_src_offset : nullptr;
  for (int64_t r = 0; r < args.rows; ++r) {
    const char* next = r + 1 < args.rows ? src + (r + 1) * args.src_row_stride : after_block;
    CopyBytes(dst + r * args.dst_row_stride, src + r * args.src_row_stride, row_bytes, args.stream,
              next);
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
