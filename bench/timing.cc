// Measure: the timing loop.
#include "bench/timing.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <vector>

namespace ravel_bench {
namespace {

using Clock = std::chrono::steady_clock;

// Bounds on one measurement's bookkeeping, far above what the default options reach.
constexpr int64_t kMaxCallsPerSample = int64_t{1} << 30;
constexpr size_t kMaxSamples = size_t{1} << 20;

double SecondsBetween(Clock::time_point start, Clock::time_point end) {
  return std::chrono::duration<double>(end - start).count();
}

double Median(std::vector<double> values) {
  const size_t middle = values.size() / 2;
  std::nth_element(values.begin(), values.begin() + middle, values.end());
  const double upper = values[middle];
  if (values.size() % 2 == 1) {
    return upper;
  }
  const double lower = *std::max_element(values.begin(), values.begin() + middle);
  return (lower + upper) / 2;
}

}  // namespace

Measurement Measure(const std::function<void()>& fn, const MeasureOptions& options) {
  return MeasureBatched(
      [&fn](int64_t calls) {
        for (int64_t call = 0; call < calls; ++call) {
          fn();
        }
      },
      options);
}

Measurement MeasureBatched(const std::function<void(int64_t calls)>& run_calls,
                           const MeasureOptions& options) {
  const Clock::time_point start = Clock::now();
  int64_t warmup_calls = 0;
  double warmup_seconds = 0;
  do {
    run_calls(1);
    ++warmup_calls;
    warmup_seconds = SecondsBetween(start, Clock::now());
  } while (warmup_seconds < options.warmup_seconds);

  const double seconds_per_call = warmup_seconds / static_cast<double>(warmup_calls);
  int64_t calls_per_sample = 1;
  if (seconds_per_call * static_cast<double>(kMaxCallsPerSample) < options.min_sample_seconds) {
    calls_per_sample = kMaxCallsPerSample;
  } else if (seconds_per_call < options.min_sample_seconds) {
    calls_per_sample =
        static_cast<int64_t>(std::ceil(options.min_sample_seconds / seconds_per_call));
  }

  std::vector<double> samples;
  double sampling_seconds = 0;
  double last_sample_seconds = 0;
  for (;;) {
    const auto taken = static_cast<int64_t>(samples.size());
    if (taken >= options.min_samples && sampling_seconds >= options.min_seconds) {
      break;
    }
    if (taken > 0 &&
        SecondsBetween(start, Clock::now()) + last_sample_seconds > options.max_seconds) {
      break;
    }
    if (samples.size() >= kMaxSamples) {
      break;
    }
    const Clock::time_point sample_start = Clock::now();
    run_calls(calls_per_sample);
    last_sample_seconds = SecondsBetween(sample_start, Clock::now());
    sampling_seconds += last_sample_seconds;
    samples.push_back(last_sample_seconds / static_cast<double>(calls_per_sample));
  }

  Measurement measurement;
  measurement.median_seconds = Median(samples);
  measurement.min_seconds = *std::min_element(samples.begin(), samples.end());
  measurement.max_seconds = *std::max_element(samples.begin(), samples.end());
  measurement.samples = static_cast<int64_t>(samples.size());
  measurement.calls_per_sample = calls_per_sample;
  return measurement;
}

}  // namespace ravel_bench
