// The memcpy and streaming-store baselines.
#include "bench/stream_copy.h"

#include <cstdint>
#include <cstring>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define RAVEL_BENCH_X86 1
#else
#define RAVEL_BENCH_X86 0
#endif

namespace ravel_bench {
namespace {

#if RAVEL_BENCH_X86

constexpr size_t kUnroll = 4;

// Plain-copies the bytes before dst's first vector_bytes-aligned address; returns their count.
size_t CopyHead(uint8_t* dst, const uint8_t* src, size_t bytes, size_t vector_bytes) {
  const size_t misalignment = reinterpret_cast<uintptr_t>(dst) & (vector_bytes - 1);
  size_t head = misalignment == 0 ? 0 : vector_bytes - misalignment;
  if (head > bytes) {
    head = bytes;
  }
  std::memcpy(dst, src, head);
  return head;
}

template <bool kFence>
__attribute__((target("avx2"))) void StreamCopyAvx2(void* dst_bytes, const void* src_bytes,
                                                    size_t bytes) {
  using Vector = __m256i;
  constexpr size_t kVectorBytes = sizeof(Vector);
  constexpr size_t kBlockBytes = kUnroll * kVectorBytes;
  auto* dst = static_cast<uint8_t*>(dst_bytes);
  const auto* src = static_cast<const uint8_t*>(src_bytes);
  const size_t head = CopyHead(dst, src, bytes, kVectorBytes);
  dst += head;
  src += head;
  bytes -= head;
  for (; bytes >= kBlockBytes; bytes -= kBlockBytes, dst += kBlockBytes, src += kBlockBytes) {
    Vector v[kUnroll];
    for (size_t i = 0; i < kUnroll; ++i) {
      v[i] = _mm256_loadu_si256(reinterpret_cast<const Vector*>(src) + i);
    }
    for (size_t i = 0; i < kUnroll; ++i) {
      _mm256_stream_si256(reinterpret_cast<Vector*>(dst) + i, v[i]);
    }
  }
  for (; bytes >= kVectorBytes; bytes -= kVectorBytes, dst += kVectorBytes, src += kVectorBytes) {
    _mm256_stream_si256(reinterpret_cast<Vector*>(dst),
                        _mm256_loadu_si256(reinterpret_cast<const Vector*>(src)));
  }
  std::memcpy(dst, src, bytes);
  if (kFence) {
    _mm_sfence();
  }
}

template <bool kFence>
void StreamCopySse2(void* dst_bytes, const void* src_bytes, size_t bytes) {
  using Vector = __m128i;
  constexpr size_t kVectorBytes = sizeof(Vector);
  constexpr size_t kBlockBytes = kUnroll * kVectorBytes;
  auto* dst = static_cast<uint8_t*>(dst_bytes);
  const auto* src = static_cast<const uint8_t*>(src_bytes);
  const size_t head = CopyHead(dst, src, bytes, kVectorBytes);
  dst += head;
  src += head;
  bytes -= head;
  for (; bytes >= kBlockBytes; bytes -= kBlockBytes, dst += kBlockBytes, src += kBlockBytes) {
    Vector v[kUnroll];
    for (size_t i = 0; i < kUnroll; ++i) {
      v[i] = _mm_loadu_si128(reinterpret_cast<const Vector*>(src) + i);
    }
    for (size_t i = 0; i < kUnroll; ++i) {
      _mm_stream_si128(reinterpret_cast<Vector*>(dst) + i, v[i]);
    }
  }
  for (; bytes >= kVectorBytes; bytes -= kVectorBytes, dst += kVectorBytes, src += kVectorBytes) {
    _mm_stream_si128(reinterpret_cast<Vector*>(dst),
                     _mm_loadu_si128(reinterpret_cast<const Vector*>(src)));
  }
  std::memcpy(dst, src, bytes);
  if (kFence) {
    _mm_sfence();
  }
}

bool HasAvx2() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") != 0;
}

#endif  // RAVEL_BENCH_X86

using CopyFunction = void (*)(void*, const void*, size_t);

struct StreamVariant {
  CopyFunction copy;
  CopyFunction unfenced;
  const char* name;
};

const StreamVariant& SelectedVariant() {
#if RAVEL_BENCH_X86
  static const StreamVariant variant =
      HasAvx2() ? StreamVariant{StreamCopyAvx2<true>, StreamCopyAvx2<false>, "avx2"}
                : StreamVariant{StreamCopySse2<true>, StreamCopySse2<false>, "sse2"};
#else
  static const StreamVariant variant{MemcpyCopy, MemcpyCopy, "memcpy"};
#endif
  return variant;
}

}  // namespace

void MemcpyCopy(void* dst, const void* src, size_t bytes) { std::memcpy(dst, src, bytes); }

void StreamCopy(void* dst, const void* src, size_t bytes) {
  SelectedVariant().copy(dst, src, bytes);
}

void StreamCopyUnfenced(void* dst, const void* src, size_t bytes) {
  SelectedVariant().unfenced(dst, src, bytes);
}

void StoreFence() {
#if RAVEL_BENCH_X86
  _mm_sfence();
#endif
}

const char* StreamCopyVariant() { return SelectedVariant().name; }

}  // namespace ravel_bench
