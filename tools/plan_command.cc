// `ravel plan`: what ravel will do for each stage of each case.
#include <cstdio>
#include <string>
#include <vector>

#include "command.h"

namespace ravel_tools {
namespace {

void PrintView(const char* label, const std::string& dtype, const ravel_view& view,
               int64_t base_elements) {
  std::printf("  %s %s %s (base %lld elements)\n", label, dtype.c_str(),
              ravel_cases::DescribeView(view).c_str(), static_cast<long long>(base_elements));
}

}  // namespace

int PlanCommand(const std::vector<std::string>& args) {
  CommandLine command_line;
  int exit_code = kExitSuccess;
  if (!ParseOrExit("plan", args, /*bench_flags=*/false, &command_line, &exit_code)) {
    return exit_code;
  }
  for (const ravel_cases::Case& c : command_line.cases) {
    std::printf("case: %s\n", c.text.c_str());
    const size_t stage_count = c.stages.size();
    for (size_t k = 0; k < stage_count; ++k) {
      const ravel_cases::Stage& stage = c.stages[k];
      if (stage_count > 1) {
        std::printf(" stage %zu of %zu%s\n", k + 1, stage_count,
                    k + 1 < stage_count ? " (materializes for a reshape that is no view)" : "");
      }
      PrintView("src:", c.dtype, stage.src, stage.src_base_elements);
      PrintView("dst:", c.dtype, stage.dst, stage.dst_base_elements);
      const ravel_layout src = ravel_view_layout(&stage.src);
      const ravel_layout dst = ravel_view_layout(&stage.dst);
      ravel_plan plan = nullptr;
      const ravel_status status = ravel_plan_create(&src, &dst, &command_line.options, &plan);
      if (status != RAVEL_OK) {
        std::printf("  plan: %s: %s\n", ravel_status_string(status), ravel_last_error());
        exit_code = kExitFailure;
        continue;
      }
      std::printf("  plan: %s\n", DescribePlan(plan).c_str());
      ravel_plan_destroy(plan);
    }
    if (ravel_cases::DescribeView(c.destination) !=
        ravel_cases::DescribeView(c.stages.back().dst)) {
      PrintView("result:", c.dtype, c.destination, c.destination_base_elements);
    }
  }
  return exit_code;
}

}  // namespace ravel_tools
