// Copy runs: each destination row is a contiguous run of the source (a memcpy per row).
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/copy_runs.cc"
#include "hwy/foreach_target.h"  // IWYU pragma: keep
//
#include <algorithm>

#include "hwy/cache_control.h"
#include "hwy/highway.h"
#include "kernels/kernels.h"
#include "kernels/simd-inl.h"

HWY_BEFORE_NAMESPACE();
namespace ravel {
namespace HWY_NAMESPACE {

#if HWY_TARGET != HWY_SCALAR
// Runs of fewer than 16 bytes into a dense destination (RGBA to RGB, xyz of xyzw), packed several
// per vector: a 16-byte window from the first run of a group, one byte shuffle that drops the gaps,
// and a 16-byte store whose bytes past the group are rewritten by the next group's store. The
// last groups of the block, whose window or store would pass the block's bytes, copy run by run.
// Returns false (nothing copied) when the block does not have that shape.
bool CopyShortRuns(const RowsArgs& args, const char* src, char* dst, int64_t run) {
  constexpr int64_t kWindow = 16;
  const int64_t step = args.src_row_stride;
  if (run >= kWindow || step <= 0 || args.dst_row_stride != run || args.rows * run < 2 * kWindow) {
    return false;
  }
  // Runs per window: each run's bytes inside the window and the packed group inside a vector.
  const int64_t group = std::min((kWindow - run) / step + 1, kWindow / run);
  alignas(16) uint8_t indices[kWindow] = {};
  for (int64_t i = 0; i < group; ++i) {
    for (int64_t b = 0; b < run; ++b) {
      indices[i * run + b] = static_cast<uint8_t>(i * step + b);
    }
  }
  const hn::FixedTag<uint8_t, kWindow> d;
  const auto shuffle = hn::Load(d, indices);
  // Groups [0, full) have their window inside the block's source bytes and their store inside
  // its destination bytes.
  const int64_t src_room = (args.rows - 1) * step + run - kWindow;
  const int64_t dst_room = args.rows * run - kWindow;
  const int64_t last = src_room < 0 || dst_room < 0
                           ? -1
                           : std::min({src_room / step, dst_room / run, args.rows - group});
  const int64_t full = last < 0 ? 0 : last / group + 1;
  const int64_t in_step = group * step;
  const int64_t out_step = group * run;
  const uint8_t* in = reinterpret_cast<const uint8_t*>(src);
  uint8_t* out = reinterpret_cast<uint8_t*>(dst);
  int64_t g = 0;
  if (args.stream) {
    // Packed into an L1 buffer first, so that whole lines stream out.
    constexpr int64_t kBufferBytes = 2048;
    alignas(64) uint8_t buffer[kBufferBytes + kWindow];
    const int64_t chunk = kBufferBytes / out_step;
    for (; g + chunk <= full; g += chunk) {
      for (int64_t ahead = 0; ahead < chunk * in_step; ahead += 64) {
        hwy::Prefetch(in + (g + chunk) * in_step + ahead);
      }
      for (int64_t i = 0; i < chunk; ++i) {
        const auto window = hn::LoadU(d, in + (g + i) * in_step);
        hn::StoreU(hn::TableLookupBytes(window, shuffle), d, buffer + i * out_step);
      }
      CopyBytes(dst + g * out_step, reinterpret_cast<const char*>(buffer),
                static_cast<size_t>(chunk * out_step), true);
    }
  }
  for (; g + 4 <= full; g += 4) {
    const auto w0 = hn::LoadU(d, in + g * in_step);
    const auto w1 = hn::LoadU(d, in + (g + 1) * in_step);
    const auto w2 = hn::LoadU(d, in + (g + 2) * in_step);
    const auto w3 = hn::LoadU(d, in + (g + 3) * in_step);
    hn::StoreU(hn::TableLookupBytes(w0, shuffle), d, out + g * out_step);
    hn::StoreU(hn::TableLookupBytes(w1, shuffle), d, out + (g + 1) * out_step);
    hn::StoreU(hn::TableLookupBytes(w2, shuffle), d, out + (g + 2) * out_step);
    hn::StoreU(hn::TableLookupBytes(w3, shuffle), d, out + (g + 3) * out_step);
  }
  for (; g < full; ++g) {
    hn::StoreU(hn::TableLookupBytes(hn::LoadU(d, in + g * in_step), shuffle), d,
               out + g * out_step);
  }
  int64_t k = full * group;
  for (; k < args.rows; ++k) {
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
