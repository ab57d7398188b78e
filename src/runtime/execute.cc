#include "runtime/execute.h"

#include <algorithm>

#include "error.h"

namespace ravel {
namespace {

struct TaskContext {
  const Plan* plan;
  const char* src;
  char* dst;
};

void RunTask(void* opaque, size_t index) {
  const TaskContext& ctx = *static_cast<const TaskContext*>(opaque);
  const Plan& plan = *ctx.plan;
  const int64_t begin = static_cast<int64_t>(index) * plan.elements_per_task;
  const int64_t end = std::min(plan.problem.count, begin + plan.elements_per_task);
  plan.copy_range(plan.problem, ctx.src, ctx.dst, begin, end);
}

}  // namespace

ravel_status ExecutePlan(const Plan& plan, const void* src, void* dst, const TaskRunner& runner) {
  if (plan.problem.count == 0) {
    return RAVEL_OK;
  }
  if (src == nullptr) {
    return Fail(RAVEL_E_INVALID_ARGUMENT, "src is NULL for a non-empty copy");
  }
  if (dst == nullptr) {
    return Fail(RAVEL_E_INVALID_ARGUMENT, "dst is NULL for a non-empty copy");
  }
  if (SpansIntersect(src, plan.src_span, dst, plan.dst_span)) {
    return Fail(RAVEL_E_OVERLAP,
                "src and dst memory intersect (src bytes [%lld, %lld), dst bytes "
                "[%lld, %lld) around their pointers)",
                static_cast<long long>(plan.src_span.lo), static_cast<long long>(plan.src_span.hi),
                static_cast<long long>(plan.dst_span.lo), static_cast<long long>(plan.dst_span.hi));
  }
  TaskContext ctx{&plan, static_cast<const char*>(src) + plan.problem.src_offset,
                  static_cast<char*>(dst) + plan.problem.dst_offset};
  RunTasks(runner, &RunTask, &ctx, static_cast<size_t>(plan.task_count));
  return RAVEL_OK;
}

}  // namespace ravel
