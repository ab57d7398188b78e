// The scalar reference kernel: obviously correct, slow, the oracle every fast path is tested
// against.
#ifndef RAVEL_SRC_KERNELS_REFERENCE_H_
#define RAVEL_SRC_KERNELS_REFERENCE_H_

#include <cstdint>

#include "plan/problem.h"

namespace ravel {

// Copies elements [begin, end) of the problem's row-major order over its nodes. src and dst
// already include the problem's offsets.
void ReferenceCopyRange(const Problem& problem, const char* src, char* dst, int64_t begin,
                        int64_t end);

}  // namespace ravel

#endif  // RAVEL_SRC_KERNELS_REFERENCE_H_
