// The immutable plan: a canonical problem, its kernel family, the backend and kernel chosen,
// and how the work splits into tasks whose destination ranges do not interleave.
#ifndef RAVEL_SRC_PLAN_PLAN_H_
#define RAVEL_SRC_PLAN_PLAN_H_

#include <cstdint>
#include <string>

#include "layout.h"
#include "plan/problem.h"
#include "ravel/ravel.h"

namespace ravel {

enum class Family {
  kEmpty,      // nothing to copy
  kCopyRuns,   // the innermost destination dim is unit-stride in the source
  kTranspose,  // another dim is unit-stride in the source
  kGather,     // no unit-stride source dim
  kBroadcast,  // the innermost source stride is zero
  kReverse,    // the innermost source stride is -1 element
};

// "copy-runs", "transpose", ...
const char* FamilyName(Family family);

// The family of a canonical problem, decided by its innermost node.
Family Classify(const Problem& problem);

// Copies elements [begin, end) of a problem's canonical order; pointers include the offsets.
using CopyRangeFn = void (*)(const Problem& problem, const char* src, char* dst, int64_t begin,
                             int64_t end);

// Destination bytes below which a copy stays on the calling thread, and per extra thread.
constexpr int64_t kBytesPerThread = int64_t{256} << 10;

struct Plan {
  Problem problem;
  Family family = Family::kEmpty;
  ravel_backend backend = RAVEL_BACKEND_REFERENCE;
  const char* isa = "scalar";
  const char* kernel = "reference";
  CopyRangeFn copy_range = nullptr;
  int32_t threads = 1;            // never more than asked for
  int64_t task_count = 1;         // tasks run on `threads` threads
  int64_t elements_per_task = 0;  // a whole number of innermost rows
  ByteSpan src_span;              // bytes read, relative to the caller's src pointer
  ByteSpan dst_span;              // bytes written, relative to the caller's dst pointer
};

// Plans a canonical problem for a backend (RAVEL_BACKEND_AUTO = the first that applies) on at
// most max_threads threads (>= 1). RAVEL_E_UNSUPPORTED if a forced backend is not available.
ravel_status BuildPlan(const Problem& problem, ravel_backend backend, int32_t max_threads,
                       Plan* plan);

// One line: canonical problem, family, kernel, backend, ISA, threads and tasks.
std::string DescribePlan(const Plan& plan);

// "auto", "jit", "hwy", "reference".
const char* BackendName(ravel_backend backend);

}  // namespace ravel

#endif  // RAVEL_SRC_PLAN_PLAN_H_
