// Lowering a canonical problem to the element widths the kernels are built for.
#ifndef RAVEL_SRC_PLAN_LOWER_H_
#define RAVEL_SRC_PLAN_LOWER_H_

#include "plan/problem.h"

namespace ravel {

// Splits an element whose size is not 1, 2, 4, 8 or 16 bytes into a run of the largest such
// width dividing it (an innermost node), then merges nodes again.
void SplitToKernelWidth(Problem* problem);

// Folds an innermost run that is contiguous on both sides into one wider element when the run
// is at most 16 bytes and a power of two (an unpermuted inner dim becomes the element).
void FoldInnerRun(Problem* problem);

// Both, in order.
void LowerForKernels(Problem* problem);

}  // namespace ravel

#endif  // RAVEL_SRC_PLAN_LOWER_H_
