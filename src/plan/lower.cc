#include "plan/lower.h"

namespace ravel {
namespace {

constexpr int64_t kWidestKernelElement = 16;

bool IsPowerOfTwo(int64_t value) { return value > 0 && (value & (value - 1)) == 0; }

}  // namespace

void SplitToKernelWidth(Problem* problem) {
  const int64_t elem = problem->elem_size;
  if (IsPowerOfTwo(elem) && elem <= kWidestKernelElement) {
    return;
  }
  int64_t width = 1;
  while (width * 2 <= kWidestKernelElement && elem % (width * 2) == 0) {
    width *= 2;
  }
  if (problem->count > 0) {
    problem->nodes[problem->rank++] = Node{elem / width, width, width};
    problem->count *= elem / width;
  }
  problem->elem_size = width;
  MergeContiguousNodes(problem);
}

void FoldInnerRun(Problem* problem) {
  if (problem->rank < 1) {
    return;
  }
  const Node& inner = problem->nodes[problem->rank - 1];
  const int64_t run = inner.n * problem->elem_size;
  if (inner.src_stride != problem->elem_size || inner.dst_stride != problem->elem_size ||
      !IsPowerOfTwo(run) || run > kWidestKernelElement) {
    return;
  }
  problem->count /= inner.n;
  problem->elem_size = run;
  --problem->rank;
}

void LowerForKernels(Problem* problem) {
  SplitToKernelWidth(problem);
  FoldInnerRun(problem);
}

}  // namespace ravel
