// Running a plan on a pair of pointers.
#ifndef RAVEL_SRC_RUNTIME_EXECUTE_H_
#define RAVEL_SRC_RUNTIME_EXECUTE_H_

#include "plan/plan.h"
#include "ravel/ravel.h"
#include "runtime/threads.h"

namespace ravel {

// Checks the pointers (non-NULL unless the copy is empty; src and dst bytes disjoint) and runs
// the plan's tasks on the runner. Writes nothing on failure.
ravel_status ExecutePlan(const Plan& plan, const void* src, void* dst, const TaskRunner& runner);

}  // namespace ravel

#endif  // RAVEL_SRC_RUNTIME_EXECUTE_H_
