// Google Benchmark rows for the memory traffic of a transpose held in DRAM, without ravel: how
// fast the machine runs the access pattern of a staged transpose alone, beside the streaming copy
// of the same bytes. "pattern/transpose-lines" moves a square matrix of 4-byte elements (256 MiB)
// as a staged transpose does, a band of `rows` source rows at a time, `bytes` of each into an L1
// buffer by plain loads and stores (prefetching the same rows' next `bytes` into the L2), then
// streamed out as bytes / 4 destination rows of rows * 4 bytes, but without the shuffles (the
// lines land in the wrong places).
// "stream/copy" is the streaming-store copy of the same bytes (bench/stream_copy.h).
// "pattern/tile-stores" stores only, into an L3-resident 1024 x 1024 f32 matrix whose rows are
// 4096 + pad bytes apart, the lines a transpose's 16 x 16 tiles write: a line of each of 16
// destination rows a step, walked along the source (order 0: the same line of every group of 16
// rows, then the next line), along the destination rows (order 1: the next line of the same 16
// rows), or along them skewed (order 2: row k a line behind row k - 1). Its "stored_GB" counter
// is bytes stored / seconds.
// Bandwidth is the "GB" rate counter: 2 x bytes / seconds, as in CASES.md.
//   build/bench/ravel_bench_patterns --benchmark_repetitions=3
//       --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <vector>

#include "bench/stream_copy.h"
#include "cases/run.h"

namespace {

constexpr int64_t kElementBytes = 4;
constexpr int64_t kExtent = 8192;
constexpr int64_t kRowBytes = kExtent * kElementBytes;
constexpr int64_t kMatrixBytes = kExtent * kRowBytes;
constexpr int64_t kLineBytes = 64;
constexpr double kBytesPerGigabyte = 1e9;

struct Buffers {
  ravel_cases::AlignedBuffer src{static_cast<size_t>(kMatrixBytes)};
  ravel_cases::AlignedBuffer dst{static_cast<size_t>(kMatrixBytes)};
  bool ready = false;
};

// The two matrices, allocated and touched once for all rows.
Buffers& SharedBuffers() {
  static Buffers buffers;
  if (!buffers.ready && buffers.src.data() != nullptr && buffers.dst.data() != nullptr) {
    std::memset(buffers.src.data(), 1, kMatrixBytes);
    std::memset(buffers.dst.data(), 2, kMatrixBytes);
    buffers.ready = true;
  }
  return buffers;
}

void SetBandwidth(benchmark::State& state) {
  state.counters["GB"] = benchmark::Counter(2.0 * kMatrixBytes / kBytesPerGigabyte,
                                            benchmark::Counter::kIsIterationInvariantRate);
}

// Moves the matrix in the staged transpose's order with blocks of `rows` source rows x `bytes`.
// Source rows are kRowBytes + src_pad apart (src_pad 4: rows off the line grid, as in 8191 x
// 8193; the last band and column are left out so that the rows stay inside the matrix).
void TransposeLines(const uint8_t* src, uint8_t* dst, int64_t rows, int64_t bytes, int64_t src_pad,
                    std::vector<uint8_t>* buffer) {
  uint8_t* staged = buffer->data();
  const int64_t dst_rows = bytes / kElementBytes;
  const int64_t dst_bytes = rows * kElementBytes;
  const int64_t last = src_pad == 0 ? 0 : 1;
  for (int64_t band = 0; band < kExtent - last * rows; band += rows) {
    for (int64_t column = 0; column < kRowBytes - last * bytes; column += bytes) {
      for (int64_t r = 0; r < rows; ++r) {
        const uint8_t* row = src + (band + r) * (kRowBytes + src_pad) + column;
        // Every line the same row's next block touches, into the L2, as ravel.
        const uintptr_t next = reinterpret_cast<uintptr_t>(row + bytes);
        for (uintptr_t line = next & ~uintptr_t{kLineBytes - 1}; line < next + bytes;
             line += kLineBytes) {
          __builtin_prefetch(reinterpret_cast<const void*>(line), /*rw=*/0, /*locality=*/2);
        }
        std::memcpy(staged + r * bytes, row, static_cast<size_t>(bytes));
      }
      uint8_t* out = dst + (column / kElementBytes) * kRowBytes + band * kElementBytes;
      for (int64_t r = 0; r < dst_rows; ++r) {
        ravel_bench::StreamCopyUnfenced(out + r * kRowBytes, staged + r * dst_bytes,
                                        static_cast<size_t>(dst_bytes));
      }
    }
  }
  ravel_bench::StoreFence();
}

void BenchTransposeLines(benchmark::State& state) {
  Buffers& buffers = SharedBuffers();
  if (!buffers.ready) {
    state.SkipWithError("could not allocate two 256 MiB matrices");
    return;
  }
  const int64_t rows = state.range(0);
  const int64_t bytes = state.range(1);
  const int64_t src_pad = state.range(2);
  std::vector<uint8_t> buffer(static_cast<size_t>(rows * bytes));
  for (auto _ : state) {
    TransposeLines(buffers.src.data(), buffers.dst.data(), rows, bytes, src_pad, &buffer);
    benchmark::ClobberMemory();
  }
  SetBandwidth(state);
}

void BenchStreamCopy(benchmark::State& state) {
  Buffers& buffers = SharedBuffers();
  if (!buffers.ready) {
    state.SkipWithError("could not allocate two 256 MiB matrices");
    return;
  }
  for (auto _ : state) {
    ravel_bench::StreamCopy(buffers.dst.data(), buffers.src.data(), kMatrixBytes);
    benchmark::ClobberMemory();
  }
  SetBandwidth(state);
}

// Source rows x bytes of each: square blocks (64 x 256, 64 x 64 f32 elements, ravel's in cache
// and, until its oblong tiles, from DRAM), ravel's oblong tile from DRAM (128 x 128: 32
// destination rows of 512 bytes), oblong neighbours, and the first two with source rows off
// the line grid (src_pad 4). Zen 5, one thread, two runs: 128 x 128 at 1.29-1.35x the rate of
// 64 x 256, 128 x 256 and 256 x 128 1.12-1.23x; 128 x 128 with source rows off the grid
// 0.85-0.90x (three runs; 64 x 256: 0.89-1.14x).
constexpr std::array<std::array<int64_t, 3>, 9> kBlocks = {{{64, 256, 0},
                                                            {128, 128, 0},
                                                            {128, 256, 0},
                                                            {256, 128, 0},
                                                            {256, 64, 0},
                                                            {128, 64, 0},
                                                            {512, 64, 0},
                                                            {64, 256, 4},
                                                            {128, 128, 4}}};

constexpr int64_t kTileRows = 16;
constexpr int64_t kSmallExtent = 1024;

// Stores one line to each of kTileRows destination rows a step, in `order` (see the top).
void TileStores(uint8_t* dst, int64_t row_stride, int64_t order, const uint8_t* line) {
  constexpr int64_t kLines = kSmallExtent * kElementBytes / kLineBytes;
  const auto store = [&](int64_t row, int64_t column) {
    std::memcpy(dst + row * row_stride + column * kLineBytes, line, kLineBytes);
  };
  for (int64_t outer = 0; outer < (order == 0 ? kLines : kSmallExtent / kTileRows); ++outer) {
    if (order == 0) {
      for (int64_t group = 0; group < kSmallExtent; group += kTileRows) {
        for (int64_t k = 0; k < kTileRows; ++k) {
          store(group + k, outer);
        }
      }
      continue;
    }
    const int64_t skew = order == 2 ? 1 : 0;
    for (int64_t step = 0; step < kLines + skew * (kTileRows - 1); ++step) {
      for (int64_t k = 0; k < kTileRows; ++k) {
        const int64_t column = step - skew * k;
        if (column >= 0 && column < kLines) {
          store(outer * kTileRows + k, column);
        }
      }
    }
  }
}

void BenchTileStores(benchmark::State& state) {
  const int64_t row_stride = kSmallExtent * kElementBytes + state.range(0);
  ravel_cases::AlignedBuffer dst{static_cast<size_t>(kSmallExtent * row_stride)};
  if (dst.data() == nullptr) {
    state.SkipWithError("could not allocate the matrix");
    return;
  }
  std::memset(dst.data(), 0, static_cast<size_t>(kSmallExtent * row_stride));
  // Filled at run time, so that the compiler keeps each line's stores plain moves.
  alignas(64) uint8_t line[kLineBytes];
  std::memset(line, static_cast<int>(state.iterations() + 3), sizeof(line));
  for (auto _ : state) {
    TileStores(dst.data(), row_stride, state.range(1), line);
    benchmark::ClobberMemory();
  }
  state.counters["stored_GB"] = benchmark::Counter(
      static_cast<double>(kSmallExtent * kSmallExtent * kElementBytes) / kBytesPerGigabyte,
      benchmark::Counter::kIsIterationInvariantRate);
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) {
    return 1;
  }
  benchmark::RegisterBenchmark("stream/copy/bytes:268435456", BenchStreamCopy)
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
  for (const std::array<int64_t, 3>& args : kBlocks) {
    benchmark::RegisterBenchmark("pattern/transpose-lines/f32:8192x8192", BenchTransposeLines)
        ->Args({args[0], args[1], args[2]})
        ->ArgNames({"rows", "bytes", "src_pad"})
        ->Unit(benchmark::kMillisecond)
        ->UseRealTime();
  }
  // Rows 4096 B apart (their lines share an L1 set), 8 B off, and 64 B off (spread over the
  // sets), each walked in the three orders. Zen 5, three runs of three repetitions, medians:
  // 4096 B apart 22 / 28 / 44-45 stored GB/s in orders 0 / 1 / 2, 8 B off 21 / 20 / 39-40, 64 B
  // off 53-55 / 45 / 29 (the skew there puts the 16 rows' lines back into one set).
  for (const int64_t pad : {0, 8, 64}) {
    for (const int64_t order : {0, 1, 2}) {
      benchmark::RegisterBenchmark("pattern/tile-stores/f32:1024x1024", BenchTileStores)
          ->Args({pad, order})
          ->ArgNames({"pad", "order"})
          ->Unit(benchmark::kMicrosecond)
          ->UseRealTime();
    }
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
