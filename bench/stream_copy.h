// Baseline copies of N contiguous bytes that ravel's bandwidth is compared against.
#ifndef RAVEL_BENCH_STREAM_COPY_H_
#define RAVEL_BENCH_STREAM_COPY_H_

#include <cstddef>

namespace ravel_bench {

// The C library's memcpy.
void MemcpyCopy(void* dst, const void* src, size_t bytes);

// Copies bytes from src to dst (which must not overlap) with non-temporal stores: on x86, 32-byte
// AVX2 or 16-byte SSE2 streaming stores chosen at run time, plain stores up to the first aligned
// destination address and for the tail, then a store fence. Elsewhere, memcpy.
void StreamCopy(void* dst, const void* src, size_t bytes);

// StreamCopy without its closing store fence, for many short copies followed by one StoreFence.
void StreamCopyUnfenced(void* dst, const void* src, size_t bytes);
void StoreFence();

// The variant StreamCopy runs on this machine: "avx2", "sse2" or "memcpy".
const char* StreamCopyVariant();

}  // namespace ravel_bench

#endif  // RAVEL_BENCH_STREAM_COPY_H_
