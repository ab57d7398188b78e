// Google Benchmark rows: ravel on a handful of cases, including odd sizes (117, primes, powers of
// two and their neighbours), each beside memcpy and the streaming copy of the same bytes.
// Bandwidth is the "GB" rate counter, shown as "GB=.../s": 2 x bytes / seconds, as in CASES.md.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "bench/stream_copy.h"
#include "cases/case.h"
#include "cases/run.h"

namespace {

constexpr double kBytesPerGigabyte = 1e9;
constexpr double kBytesMovedPerByteCopied = 2;

constexpr const char* kCases[] = {
    "f32[117,117].t()",
    "f32[127,131].t()",
    "f32[1023,1025].t()",
    "f32[1024,1024].t()",
    "u8[1021,1031].t()",
    "f64[257,255].t()",
    "f32[64,117,7,7].permute(0,2,3,1)",
    "bf16[8,127,12,64].permute(0,2,1,3)",
    "u8[3,223,227].permute(1,2,0)",
    "f32[4097][::-1]",
    "f32[1,3,1,117].expand(16,3,117,117)",
    "f32[512,1031][:, ::2]",
};

// One case's buffers, shared by its ravel and baseline rows.
struct Fixture {
  ravel_cases::Case c;
  ravel_cases::CaseRun run;
  ravel_cases::AlignedBuffer baseline_src;
  ravel_cases::AlignedBuffer baseline_dst;
  bool verified = false;
  std::string error;
};

void SetBandwidth(benchmark::State& state, int64_t bytes) {
  state.counters["GB"] =
      benchmark::Counter(kBytesMovedPerByteCopied * static_cast<double>(bytes) / kBytesPerGigabyte,
                         benchmark::Counter::kIsIterationInvariantRate);
}

void BenchRavel(benchmark::State& state, Fixture* fixture) {
  if (!fixture->verified) {
    state.SkipWithError(fixture->error.c_str());
    return;
  }
  for (auto _ : state) {
    ravel_cases::ExecuteRun(fixture->c, nullptr, &fixture->run);
  }
  SetBandwidth(state, ravel_cases::CaseBytes(fixture->c));
}

void BenchBaseline(benchmark::State& state, Fixture* fixture,
                   void (*copy)(void*, const void*, size_t)) {
  const auto bytes = static_cast<size_t>(ravel_cases::CaseBytes(fixture->c));
  for (auto _ : state) {
    copy(fixture->baseline_dst.data(), fixture->baseline_src.data(), bytes);
    benchmark::ClobberMemory();
  }
  SetBandwidth(state, ravel_cases::CaseBytes(fixture->c));
}

// Parses, runs once and verifies a case; false if it cannot be benchmarked at all.
bool MakeFixture(const char* text, Fixture* fixture) {
  if (!ravel_cases::ParseCase(text, &fixture->c, &fixture->error)) {
    std::fprintf(stderr, "%s: %s\n", text, fixture->error.c_str());
    return false;
  }
  if (ravel_cases::RunCase(fixture->c, nullptr, &fixture->run, &fixture->error) == RAVEL_OK) {
    fixture->verified = ravel_cases::VerifyRun(fixture->c, fixture->run, &fixture->error);
  }
  const auto bytes = static_cast<size_t>(ravel_cases::CaseBytes(fixture->c));
  fixture->baseline_src = ravel_cases::AlignedBuffer(bytes);
  fixture->baseline_dst = ravel_cases::AlignedBuffer(bytes);
  if (fixture->baseline_src.data() == nullptr || fixture->baseline_dst.data() == nullptr) {
    std::fprintf(stderr, "%s: cannot allocate the baseline buffers\n", text);
    return false;
  }
  ravel_cases::FillPattern(fixture->baseline_src.data(), bytes, ravel_cases::BufferSeed(0));
  ravel_cases::FillPattern(fixture->baseline_dst.data(), bytes, ravel_cases::BufferSeed(1));
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) {
    return 1;
  }
  std::vector<std::unique_ptr<Fixture>> fixtures;
  for (const char* text : kCases) {
    auto fixture = std::make_unique<Fixture>();
    if (!MakeFixture(text, fixture.get())) {
      return 1;
    }
    const std::string suffix = std::string("/case:") + text;
    Fixture* raw = fixture.get();
    benchmark::RegisterBenchmark(("memcpy" + suffix).c_str(), BenchBaseline, raw,
                                 ravel_bench::MemcpyCopy);
    benchmark::RegisterBenchmark(("stream" + suffix).c_str(), BenchBaseline, raw,
                                 ravel_bench::StreamCopy);
    benchmark::RegisterBenchmark(("ravel" + suffix).c_str(), BenchRavel, raw);
    fixtures.push_back(std::move(fixture));
  }
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
