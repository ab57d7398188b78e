// SIMD building blocks shared by the Highway kernel families: lane types by width, in-bounds
// byte copies, stores that may stream. Compiled once per target (per-target include guard).
#if defined(RAVEL_SRC_KERNELS_SIMD_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef RAVEL_SRC_KERNELS_SIMD_INL_H_
#undef RAVEL_SRC_KERNELS_SIMD_INL_H_
#else
#define RAVEL_SRC_KERNELS_SIMD_INL_H_
#endif

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "hwy/cache_control.h"
#include "hwy/highway.h"
#include "kernels/family.h"

HWY_BEFORE_NAMESPACE();
namespace ravel {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// Copies fewer than 64 bytes with at most two overlapping moves of one power-of-two size.
HWY_INLINE void CopySmall(char* HWY_RESTRICT dst, const char* HWY_RESTRICT src, size_t bytes) {
  if (bytes >= 32) {
    char head[32];
    char tail[32];
    std::memcpy(head, src, 32);
    std::memcpy(tail, src + bytes - 32, 32);
    std::memcpy(dst, head, 32);
    std::memcpy(dst + bytes - 32, tail, 32);
  } else if (bytes >= 16) {
    char head[16];
    char tail[16];
    std::memcpy(head, src, 16);
    std::memcpy(tail, src + bytes - 16, 16);
    std::memcpy(dst, head, 16);
    std::memcpy(dst + bytes - 16, tail, 16);
  } else if (bytes >= 8) {
    uint64_t head;
    uint64_t tail;
    std::memcpy(&head, src, 8);
    std::memcpy(&tail, src + bytes - 8, 8);
    std::memcpy(dst, &head, 8);
    std::memcpy(dst + bytes - 8, &tail, 8);
  } else if (bytes >= 4) {
    uint32_t head;
    uint32_t tail;
    std::memcpy(&head, src, 4);
    std::memcpy(&tail, src + bytes - 4, 4);
    std::memcpy(dst, &head, 4);
    std::memcpy(dst + bytes - 4, &tail, 4);
  } else if (bytes >= 2) {
    uint16_t head;
    uint16_t tail;
    std::memcpy(&head, src, 2);
    std::memcpy(&tail, src + bytes - 2, 2);
    std::memcpy(dst, &head, 2);
    std::memcpy(dst + bytes - 2, &tail, 2);
  } else if (bytes == 1) {
    *dst = *src;
  }
}

// Begins loading the line at p into the L2 (prefetcht1 on x86), not the L1 as hwy::Prefetch
// does: the lines of a block read many calls ahead across dozens of rows would evict the L1's
// working lines and hold its miss buffers. Measured on Zen 5, one core, the staged transpose's
// DRAM pattern alone (a band of 64 source rows of 256 B, prefetching the next block; 8192^2
// f32): 14.8 -> 24 GB/s against a 37-40 GB/s streaming copy.
HWY_INLINE void PrefetchToL2(const void* p) { __builtin_prefetch(p, /*rw=*/0, /*locality=*/2); }

// How far ahead of a streaming copy the source is prefetched.
constexpr size_t kStreamPrefetchBytes = 2048;
// How far ahead a streamed run of at least kStreamPrefetchBytes prefetches the next run into the
// L2 (CopyBytes), where at least kMinSkippedBytes lie between them. Measured on Zen 5, one
// thread (tools/ab.py --per-case, 4 rounds), against the L1 prefetch alone: f32
// [8192,4096][:, :1536] 1.49x, [:, :2048] 1.52x, [:, :1366] 1.29x, f64 [4096,4096][:, 100:1000]
// 1.60x, f32 [64,512,1536][:, :, 768:] 1.12x, u8 [8192,8192][:, :3000] 1.03x; two threads
// 1.10-1.38x on the f32 and f64 slices, u8 0.94x. With 384 bytes between runs ([:, :4000]) it read
// 0.83-0.84x: there the hardware's stream prefetch runs on over the gap.
constexpr size_t kStreamL2PrefetchBytes = 6144;
constexpr ptrdiff_t kMinSkippedBytes = 1024;

// Streaming stores write lines of this many bytes; runs that cover fewer whole lines than
// kMinStreamLines are stored regularly.
constexpr size_t kStreamLineBytes = 64;
constexpr size_t kMinStreamLines = 2;

// Runs at least this long are copied by the C library when not streaming.
constexpr size_t kLibraryCopyBytes = 1024;

// Copies `bytes` contiguous bytes, reading and writing nothing outside them. With `stream`,
// the whole cache lines inside them are written with non-temporal stores, and the source is
// prefetched kStreamPrefetchBytes ahead; a run at least that long is prefetched on into `next`
// (the run copied after it; nullptr: none) instead of the bytes past it, which a strided copy
// skips, and into the L2 kStreamL2PrefetchBytes ahead where the gap to `next` is wide. Shorter
// runs prefetch straight ahead (the rows after them are near).
HWY_INLINE void CopyBytes(char* HWY_RESTRICT dst, const char* HWY_RESTRICT src, size_t bytes,
                          bool stream, const char* next = nullptr) {
#if HWY_TARGET == HWY_SCALAR
  (void)stream;
  (void)next;
  std::memcpy(dst, src, bytes);
#else
  const hn::ScalableTag<uint8_t> d;
  const size_t lanes = hn::Lanes(d);
  if (bytes < 64 || bytes < lanes) {
    CopySmall(dst, src, bytes);
    return;
  }
  if (!stream && bytes >= kLibraryCopyBytes) {
    std::memcpy(dst, src, bytes);  // the C library's copy is tuned per CPU for long runs
    return;
  }
  auto* out = reinterpret_cast<uint8_t*>(dst);
  const auto* in = reinterpret_cast<const uint8_t*>(src);
  size_t i = 0;
  // Streamed runs store whole cache lines only: a line that mixes regular and non-temporal
  // stores is flushed half-written, which costs more than the whole copy.
  const size_t head =
      (kStreamLineBytes - reinterpret_cast<uintptr_t>(out) % kStreamLineBytes) % kStreamLineBytes;
  if (stream && lanes <= kStreamLineBytes && bytes >= head + kMinStreamLines * kStreamLineBytes) {
    // The next run lies far enough from this one's end that the hardware's stream prefetch
    // does not run on into it.
    // (Addresses, not pointer differences: `next` may be null or in another allocation.)
    const auto gap = static_cast<ptrdiff_t>(reinterpret_cast<uintptr_t>(next) -
                                            reinterpret_cast<uintptr_t>(src + bytes));
    const bool skips =
        next != nullptr && bytes >= kStreamPrefetchBytes && (gap < 0 || gap >= kMinSkippedBytes);
    CopySmall(dst, src, head);
    for (i = head; i + kStreamLineBytes <= bytes; i += kStreamLineBytes) {
      const size_t ahead = i + kStreamPrefetchBytes;
      if (ahead < bytes || next == nullptr || bytes < kStreamPrefetchBytes) {
        hwy::Prefetch(in + ahead);
      } else {
        hwy::Prefetch(next + (ahead - bytes));
      }
      const size_t far = i + kStreamL2PrefetchBytes;
      if (far >= bytes && skips) {
        PrefetchToL2(next + (far - bytes < bytes ? far - bytes : i));
      }
      for (size_t k = 0; k < kStreamLineBytes; k += lanes) {
        hn::Stream(hn::LoadU(d, in + i + k), d, out + i + k);
      }
    }
    CopySmall(dst + i, src + i, bytes - i);
    return;
  }
  for (; i + 4 * lanes <= bytes; i += 4 * lanes) {
    const auto v0 = hn::LoadU(d, in + i);
    const auto v1 = hn::LoadU(d, in + i + lanes);
    const auto v2 = hn::LoadU(d, in + i + 2 * lanes);
    const auto v3 = hn::LoadU(d, in + i + 3 * lanes);
    hn::StoreU(v0, d, out + i);
    hn::StoreU(v1, d, out + i + lanes);
    hn::StoreU(v2, d, out + i + 2 * lanes);
    hn::StoreU(v3, d, out + i + 3 * lanes);
  }
  for (; i + lanes <= bytes; i += lanes) {
    hn::StoreU(hn::LoadU(d, in + i), d, out + i);
  }
  if (i < bytes) {
    hn::StoreU(hn::LoadU(d, in + bytes - lanes), d, out + bytes - lanes);
  }
#endif  // HWY_TARGET == HWY_SCALAR
}

// Stores v at p: non-temporally when asked and p is vector-aligned, else an unaligned store.
template <class D, class V, typename T = hn::TFromD<D>>
HWY_INLINE void StoreMaybeStream(V v, D d, T* HWY_RESTRICT p, bool stream) {
  if (stream && reinterpret_cast<uintptr_t>(p) % (hn::Lanes(d) * sizeof(T)) == 0) {
    hn::Stream(v, d, p);
  } else {
    hn::StoreU(v, d, p);
  }
}

#if HWY_TARGET != HWY_SCALAR
// EMU128's interleaved loads and stores dereference T* one element at a time, which is
// undefined at the byte-aligned pointers ravel accepts; there they go through an aligned copy
// of the kVectors vectors' bytes. The other targets' are unaligned vector loads and stores.
#if HWY_TARGET == HWY_EMU128
constexpr bool kInterleavedNeedsAlignedCopy = true;
#else
constexpr bool kInterleavedNeedsAlignedCopy = false;
#endif

// v0..v(kVectors-1) from kVectors * Lanes(d) interleaved elements at `in` (Highway's
// LoadInterleavedN); `in` need only be byte-aligned.
template <int kVectors, class D, class V = hn::Vec<D>, typename T = hn::TFromD<D>>
HWY_INLINE void LoadInterleavedAt(D d, const T* in, V& v0, V& v1, V& v2, V& v3) {
  static_assert(kVectors >= 2 && kVectors <= 4, "interleaved loads of 2 to 4 vectors");
  alignas(16) T window[kInterleavedNeedsAlignedCopy ? 4 * 16 / sizeof(T) : 1];
  if constexpr (kInterleavedNeedsAlignedCopy) {
    std::memcpy(window, in, kVectors * hn::Lanes(d) * sizeof(T));
    in = window;
  }
  if constexpr (kVectors == 2) {
    hn::LoadInterleaved2(d, in, v0, v1);
  } else if constexpr (kVectors == 3) {
    hn::LoadInterleaved3(d, in, v0, v1, v2);
  } else {
    hn::LoadInterleaved4(d, in, v0, v1, v2, v3);
  }
}

// Stores v0..v(kVectors-1) interleaved at `out` (Highway's StoreInterleavedN); `out` need only
// be byte-aligned.
template <int kVectors, class D, class V = hn::Vec<D>, typename T = hn::TFromD<D>>
HWY_INLINE void StoreInterleavedAt(D d, V v0, V v1, V v2, V v3, T* out) {
  static_assert(kVectors >= 2 && kVectors <= 4, "interleaved stores of 2 to 4 vectors");
  alignas(16) T window[kInterleavedNeedsAlignedCopy ? 4 * 16 / sizeof(T) : 1];
  T* const target = kInterleavedNeedsAlignedCopy ? window : out;
  if constexpr (kVectors == 2) {
    hn::StoreInterleaved2(v0, v1, d, target);
  } else if constexpr (kVectors == 3) {
    hn::StoreInterleaved3(v0, v1, v2, d, target);
  } else {
    hn::StoreInterleaved4(v0, v1, v2, v3, d, target);
  }
  if constexpr (kInterleavedNeedsAlignedCopy) {
    std::memcpy(out, window, kVectors * hn::Lanes(d) * sizeof(T));
  }
}
#endif  // HWY_TARGET != HWY_SCALAR

// Copies one element of `width` bytes.
template <size_t kWidth>
HWY_INLINE void CopyElement(char* HWY_RESTRICT dst, const char* HWY_RESTRICT src) {
  std::memcpy(dst, src, kWidth);
}

}  // namespace HWY_NAMESPACE
}  // namespace ravel
HWY_AFTER_NAMESPACE();

#endif  // RAVEL_SRC_KERNELS_SIMD_INL_H_
