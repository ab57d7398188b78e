// Google Benchmark rows: ravel on a handful of cases, including odd sizes (117, primes, powers of
// two and their neighbours), each beside memcpy and the streaming copy of the same bytes; then,
// one thread, every kernel family x element width on Highway for each ISA this machine runs,
// named "family:<f>/<dtype>/isa:<isa>/case:<case>", and on the JIT,
// "family:<f>/<dtype>/backend:jit/case:<case>"; then the small-shape set (bench/cases/small.txt)
// on each backend, "small/backend:<hwy|jit>/case:<case>". A row the JIT declines is skipped with
// its reason. Last, the per-call latency of issue 4's case, "latency/plan_execute/..." and
// "latency/one_shot/..." (CPU time is the figure on a shared machine: wall time adds preemption).
// Bandwidth is the "GB" rate counter, shown as "GB=.../s": 2 x bytes / seconds, as in CASES.md.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "bench/stream_copy.h"
#include "cases/case.h"
#include "cases/run.h"

namespace ravel_cases {
// The text of bench/cases/small.txt, embedded at build time (bench/CMakeLists.txt).
std::string_view SmallSuite();
}  // namespace ravel_cases

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

// One row per kernel family: a case template whose "T" is replaced by each dtype. Extents are odd
// or prime so that tails run; sizes stay around L2 so that the kernel, not DRAM, is measured.
struct FamilyCase {
  const char* family;
  const char* pattern;
};

constexpr FamilyCase kFamilyCases[] = {
    {"copy-runs", "T[509,1031][:, 1:]"}, {"short-runs", "T[64,117,7,7].permute(0,2,1,3)"},
    {"transpose", "T[521,509].t()"},     {"transpose-pow2", "T[512,512].t()"},
    {"gather", "T[509,2062][:, ::2]"},   {"broadcast", "T[509,1].expand(509,1031)"},
    {"reverse", "T[509,1031][:, ::-1]"},
};

constexpr const char* kFamilyDtypes[] = {"u8", "f16", "f32", "f64"};

struct NamedBackend {
  const char* name;
  ravel_backend backend;
};

constexpr NamedBackend kSmallBackends[] = {{"hwy", RAVEL_BACKEND_HWY}, {"jit", RAVEL_BACKEND_JIT}};

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

void BenchRavel(benchmark::State& state, Fixture* fixture, ravel_options options) {
  if (!fixture->verified) {
    state.SkipWithError(fixture->error.c_str());
    return;
  }
  if (ravel_cases::ExecuteRun(fixture->c, &options, &fixture->run) != RAVEL_OK) {
    state.SkipWithError(ravel_last_error());
    return;
  }
  for (auto _ : state) {
    ravel_cases::ExecuteRun(fixture->c, &options, &fixture->run);
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

// Issue 4's latency case: f32 [2,3,4].permute(2,0,1) into a dense [4,2,3], one thread.
struct LatencyCall {
  float src[24];
  float dst[24];
  int64_t shape[3] = {4, 2, 3};
  int64_t strides[3] = {1, 12, 4};
  ravel_layout layout{3, 4, shape, strides};
  ravel_options options;
  ravel_plan plan = nullptr;
};

// Per-call time of ravel_plan_execute on a created plan (execute) or of a one-shot ravel_copy
// whose plan the cache holds (one_shot), in Google Benchmark's own tight loop.
void BenchLatency(benchmark::State& state, bool one_shot) {
  LatencyCall call;
  for (int i = 0; i < 24; ++i) {
    call.src[i] = static_cast<float>(i);
  }
  ravel_options_init(&call.options);
  call.options.num_threads = 1;
  if (ravel_plan_create(&call.layout, nullptr, &call.options, &call.plan) != RAVEL_OK) {
    state.SkipWithError(ravel_last_error());
    return;
  }
  for (auto _ : state) {
    if (one_shot) {
      ravel_copy(call.src, &call.layout, call.dst, nullptr, &call.options);
    } else {
      ravel_plan_execute(call.plan, call.src, call.dst);
    }
    benchmark::ClobberMemory();
  }
  ravel_plan_destroy(call.plan);
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
  // Adds a fixture for text with its memcpy and stream rows; nullptr if the case is bad.
  const auto add_fixture = [&](const std::string& text, const std::string& prefix) -> Fixture* {
    auto fixture = std::make_unique<Fixture>();
    if (!MakeFixture(text.c_str(), fixture.get())) {
      return nullptr;
    }
    Fixture* raw = fixture.get();
    fixtures.push_back(std::move(fixture));
    benchmark::RegisterBenchmark(("memcpy/" + prefix + "case:" + text).c_str(), BenchBaseline, raw,
                                 ravel_bench::MemcpyCopy);
    benchmark::RegisterBenchmark(("stream/" + prefix + "case:" + text).c_str(), BenchBaseline, raw,
                                 ravel_bench::StreamCopy);
    return raw;
  };
  ravel_options defaults;
  ravel_options_init(&defaults);
  ravel_options one_thread = defaults;
  one_thread.num_threads = 1;
  for (const char* text : kCases) {
    Fixture* fixture = add_fixture(text, "");
    if (fixture == nullptr) {
      return 1;
    }
    benchmark::RegisterBenchmark((std::string("ravel/case:") + text).c_str(), BenchRavel, fixture,
                                 defaults);
  }
  for (const FamilyCase& family : kFamilyCases) {
    for (const char* dtype : kFamilyDtypes) {
      std::string text = family.pattern;
      text.replace(text.find('T'), 1, dtype);
      const std::string prefix = std::string("family:") + family.family + "/" + dtype + "/";
      Fixture* fixture = add_fixture(text, prefix);
      if (fixture == nullptr) {
        return 1;
      }
      for (int32_t isa = RAVEL_ISA_SCALAR; isa <= RAVEL_ISA_SVE; ++isa) {
        if (!ravel_isa_available(isa)) {
          continue;
        }
        ravel_options options = one_thread;
        options.backend = RAVEL_BACKEND_HWY;
        options.isa = isa;
        benchmark::RegisterBenchmark(
            ("ravel/" + prefix + "isa:" + ravel_isa_name(isa) + "/case:" + text).c_str(),
            BenchRavel, fixture, options);
      }
      ravel_options jit = one_thread;
      jit.backend = RAVEL_BACKEND_JIT;
      benchmark::RegisterBenchmark(("ravel/" + prefix + "backend:jit/case:" + text).c_str(),
                                   BenchRavel, fixture, jit);
    }
  }
  std::vector<ravel_cases::Case> small;
  std::string error;
  if (!ravel_cases::LoadCaseText(ravel_cases::SmallSuite(), "small.txt", &small, &error)) {
    std::fprintf(stderr, "%s\n", error.c_str());
    return 1;
  }
  for (const ravel_cases::Case& c : small) {
    Fixture* fixture = add_fixture(c.text, "small/");
    if (fixture == nullptr) {
      return 1;
    }
    for (const NamedBackend& backend : kSmallBackends) {
      ravel_options options = one_thread;
      options.backend = backend.backend;
      benchmark::RegisterBenchmark(
          (std::string("ravel/small/backend:") + backend.name + "/case:" + c.text).c_str(),
          BenchRavel, fixture, options);
    }
  }
  benchmark::RegisterBenchmark("latency/plan_execute/case:f32[2,3,4].permute(2,0,1)", BenchLatency,
                               false);
  benchmark::RegisterBenchmark("latency/one_shot/case:f32[2,3,4].permute(2,0,1)", BenchLatency,
                               true);
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
