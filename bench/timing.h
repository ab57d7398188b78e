// The one timing loop of ravel's benchmarks: warm-up, then batched samples until a minimum count
// and a minimum time are reached, capped in total time. Used by `ravel bench` and the Google
// Benchmark binaries' baselines.
#ifndef RAVEL_BENCH_TIMING_H_
#define RAVEL_BENCH_TIMING_H_

#include <cstdint>
#include <functional>

namespace ravel_bench {

// How long Measure samples.
struct MeasureOptions {
  // Warm-up calls run for at least this long, and at least once.
  double warmup_seconds = 0.02;
  // Sampling continues until both min_samples samples and min_seconds of sampling are reached...
  int64_t min_samples = 3;
  double min_seconds = 0.2;
  // ...unless the next sample would end after max_seconds, counted from the first warm-up call.
  // At least one sample is always taken.
  double max_seconds = 5.0;
  // Calls are batched so that one sample lasts at least this long, which keeps the clock's cost
  // out of nanosecond calls.
  double min_sample_seconds = 1e-4;
};

// Seconds per call, over the samples.
struct Measurement {
  double median_seconds = 0;
  double min_seconds = 0;
  double max_seconds = 0;
  int64_t samples = 0;
  int64_t calls_per_sample = 0;
};

// Times fn as MeasureOptions says.
Measurement Measure(const std::function<void()>& fn, const MeasureOptions& options = {});

// Times a call whose batches run_calls(n) makes itself (n calls in a loop of its own, the callee
// inlined), so that nanosecond calls are timed without an indirect call each.
Measurement MeasureBatched(const std::function<void(int64_t calls)>& run_calls,
                           const MeasureOptions& options = {});

}  // namespace ravel_bench

#endif  // RAVEL_BENCH_TIMING_H_
