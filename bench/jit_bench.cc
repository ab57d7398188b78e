// Google Benchmark rows for the JIT's code generation: one row per plan of the small-shape set
// and of the default suite whose canonical problem has rank <= 4, each timing what a plan-cache
// miss pays for its code (jit::CompileUncached: the generator, then W^X pages mapped, filled and
// protected), named "codegen/rank:<r>/case:<case>". After the rows, one line: the median over
// them (issue 4 asks for <= 30 us per kernel).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "cases/case.h"
#include "jit/jit.h"
#include "layout.h"
#include "plan/plan.h"
#include "plan/problem.h"

namespace ravel_cases {
std::string_view SmallSuite();
}  // namespace ravel_cases

namespace {

constexpr int32_t kMaxBenchedRank = 4;

// The Highway plan of a stage, as the library builds it for one thread on AVX2; nullptr when it
// has no kernel calls for the generator.
std::unique_ptr<ravel::Plan> PlanOf(const ravel_cases::Stage& stage) {
  ravel::PlanRequest request;
  request.backend = RAVEL_BACKEND_HWY;
  request.isa = ravel::Isa::kAvx2;
  const ravel_layout src_layout = ravel_view_layout(&stage.src);
  const ravel_layout dst_layout = ravel_view_layout(&stage.dst);
  ravel::Layout src;
  ravel::Layout dst;
  auto plan = std::make_unique<ravel::Plan>();
  if (ravel::ReadLayout(&src_layout, "src", &src) != RAVEL_OK ||
      ravel::ReadLayout(&dst_layout, "dst", &dst) != RAVEL_OK ||
      ravel::BuildPlan(ravel::Canonicalize(src, dst), request, plan.get()) != RAVEL_OK ||
      plan->kernel == nullptr) {
    return nullptr;
  }
  return plan;
}

std::vector<double> g_seconds_per_kernel;

void BenchCodegen(benchmark::State& state, const ravel::Plan* plan) {
  size_t code_bytes = 0;
  for (auto _ : state) {
    const auto code = ravel::jit::CompileUncached(*plan);
    if (code == nullptr) {
      state.SkipWithError("the generator declined this plan");
      return;
    }
    code_bytes = code->size();
    benchmark::DoNotOptimize(code.get());
  }
  state.counters["code_bytes"] = static_cast<double>(code_bytes);
}

// Keeps each row's time per iteration for the closing median.
class MedianReporter : public benchmark::ConsoleReporter {
 public:
  void ReportRuns(const std::vector<Run>& runs) override {
    for (const Run& run : runs) {
      if (!run.error_occurred && run.iterations > 0) {
        g_seconds_per_kernel.push_back(run.real_accumulated_time /
                                       static_cast<double>(run.iterations));
      }
    }
    ConsoleReporter::ReportRuns(runs);
  }
};

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) {
    return 1;
  }
  if (!ravel::jit::Built() || !ravel_isa_available(RAVEL_ISA_AVX2)) {
    std::printf("no JIT backend in this build or no AVX2 on this CPU: nothing to time\n");
    return 0;
  }
  std::vector<ravel_cases::Case> cases;
  std::vector<ravel_cases::Case> suite;
  std::string error;
  if (!ravel_cases::LoadCaseText(ravel_cases::SmallSuite(), "small.txt", &cases, &error) ||
      !ravel_cases::LoadCaseText(ravel_cases::DefaultSuite(), "inference.txt", &suite, &error)) {
    std::fprintf(stderr, "%s\n", error.c_str());
    return 1;
  }
  cases.insert(cases.end(), suite.begin(), suite.end());
  std::vector<std::unique_ptr<ravel::Plan>> plans;
  for (const ravel_cases::Case& c : cases) {
    for (size_t s = 0; s < c.stages.size(); ++s) {
      std::unique_ptr<ravel::Plan> plan = PlanOf(c.stages[s]);
      if (plan == nullptr || plan->problem.rank > kMaxBenchedRank) {
        continue;
      }
      const std::string name = "codegen/rank:" + std::to_string(plan->problem.rank) +
                               "/case:" + c.text +
                               (c.stages.size() > 1 ? "/stage:" + std::to_string(s) : "");
      benchmark::RegisterBenchmark(name.c_str(), BenchCodegen, plan.get());
      plans.push_back(std::move(plan));
    }
  }
  MedianReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  benchmark::Shutdown();
  if (!g_seconds_per_kernel.empty()) {
    std::vector<double> sorted = g_seconds_per_kernel;
    std::sort(sorted.begin(), sorted.end());
    std::printf("codegen median over %zu kernels (rank <= %d): %.1f us, max %.1f us\n",
                sorted.size(), kMaxBenchedRank, 1e6 * sorted[sorted.size() / 2],
                1e6 * sorted.back());
  }
  return 0;
}
