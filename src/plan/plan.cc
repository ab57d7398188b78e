#include "plan/plan.h"

#include <algorithm>

#include "error.h"
#include "kernels/reference.h"

namespace ravel {
namespace {

// The bytes a canonical problem touches on one side, relative to the caller's pointer.
ByteSpan SpanOfNodes(const Problem& problem, int64_t offset, int64_t Node::*stride) {
  ByteSpan span;
  if (problem.count == 0) {
    return span;
  }
  span.lo = offset;
  span.hi = offset + problem.elem_size;
  for (int32_t d = 0; d < problem.rank; ++d) {
    const int64_t reach = (problem.nodes[d].n - 1) * (problem.nodes[d].*stride);
    (reach < 0 ? span.lo : span.hi) += reach;
  }
  return span;
}

// Splits the problem into at most `threads` tasks of whole innermost rows.
void PartitionTasks(const Problem& problem, int32_t max_threads, Plan* plan) {
  const int64_t row = problem.rank == 0 ? 1 : problem.nodes[problem.rank - 1].n;
  const int64_t rows = problem.count / row;
  const int64_t bytes = problem.count * problem.elem_size;
  const int64_t by_bytes = std::max<int64_t>(1, bytes / kBytesPerThread);
  const int64_t threads = std::min<int64_t>({max_threads, by_bytes, std::max<int64_t>(rows, 1)});
  const int64_t rows_per_task = (rows + threads - 1) / threads;
  plan->threads = static_cast<int32_t>(threads);
  plan->elements_per_task = rows_per_task * row;
  plan->task_count = plan->elements_per_task == 0
                         ? 0
                         : (problem.count + plan->elements_per_task - 1) / plan->elements_per_task;
}

}  // namespace

const char* FamilyName(Family family) {
  switch (family) {
    case Family::kEmpty:
      return "empty";
    case Family::kCopyRuns:
      return "copy-runs";
    case Family::kTranspose:
      return "transpose";
    case Family::kGather:
      return "gather";
    case Family::kBroadcast:
      return "broadcast";
    case Family::kReverse:
      return "reverse";
  }
  return "unknown";
}

const char* BackendName(ravel_backend backend) {
  switch (backend) {
    case RAVEL_BACKEND_AUTO:
      return "auto";
    case RAVEL_BACKEND_JIT:
      return "jit";
    case RAVEL_BACKEND_HWY:
      return "hwy";
    case RAVEL_BACKEND_REFERENCE:
      return "reference";
  }
  return "unknown";
}

Family Classify(const Problem& problem) {
  if (problem.count == 0) {
    return Family::kEmpty;
  }
  if (problem.rank == 0) {
    return Family::kCopyRuns;
  }
  const int64_t elem = problem.elem_size;
  const int64_t inner = problem.nodes[problem.rank - 1].src_stride;
  if (inner == elem) {
    return Family::kCopyRuns;
  }
  if (inner == 0) {
    return Family::kBroadcast;
  }
  if (inner == -elem) {
    return Family::kReverse;
  }
  for (int32_t d = 0; d < problem.rank - 1; ++d) {
    if (problem.nodes[d].src_stride == elem || problem.nodes[d].src_stride == -elem) {
      return Family::kTranspose;
    }
  }
  return Family::kGather;
}

ravel_status BuildPlan(const Problem& problem, ravel_backend backend, int32_t max_threads,
                       Plan* plan) {
  if (backend == RAVEL_BACKEND_JIT || backend == RAVEL_BACKEND_HWY) {
    return Fail(RAVEL_E_UNSUPPORTED,
                "options->backend: the %s backend is not available in this build",
                BackendName(backend));
  }
  Plan built;
  built.problem = problem;
  built.family = Classify(problem);
  built.backend = RAVEL_BACKEND_REFERENCE;
  built.isa = "scalar";
  built.kernel = "reference";
  built.copy_range = &ReferenceCopyRange;
  built.src_span = SpanOfNodes(problem, problem.src_offset, &Node::src_stride);
  built.dst_span = SpanOfNodes(problem, problem.dst_offset, &Node::dst_stride);
  PartitionTasks(problem, std::max(1, max_threads), &built);
  *plan = built;
  return RAVEL_OK;
}

std::string DescribePlan(const Plan& plan) {
  return "problem: " + DumpProblem(plan.problem) + "; family: " + FamilyName(plan.family) +
         "; kernel: " + plan.kernel + "; backend: " + BackendName(plan.backend) +
         "; isa: " + plan.isa + "; threads: " + std::to_string(plan.threads) +
         "; tasks: " + std::to_string(plan.task_count) + " x " +
         std::to_string(plan.elements_per_task) + " elements";
}

}  // namespace ravel
