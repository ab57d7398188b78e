// A thread's last one-shot copy, remembered as the caller wrote its layouts: a call that repeats
// it exactly reuses its plan without validating, canonicalizing or taking the plan cache's lock.
#ifndef RAVEL_SRC_RECENT_COPY_H_
#define RAVEL_SRC_RECENT_COPY_H_

#include <cstdint>
#include <memory>

#include "plan/plan.h"
#include "ravel/ravel.h"

namespace ravel {

// A caller's layout as passed: rank, element size, shape, strides or their absence, or absent.
struct RawLayout {
  bool present = false;
  bool dense = false;  // strides == NULL
  int32_t rank = 0;
  int64_t elem_size = 0;
  int64_t shape[RAVEL_MAX_RANK];
  int64_t strides[RAVEL_MAX_RANK];
};

class RecentCopy {
 public:
  // This thread's memo.
  static RecentCopy& ForThisThread();

  // The remembered plan if src, dst and request repeat the last remembered call, else nullptr.
  const Plan* Find(const ravel_layout* src, const ravel_layout* dst,
                   const PlanRequest& request) const;

  // Remembers a call whose layouts were validated and which planned to plan.
  void Remember(const ravel_layout* src, const ravel_layout* dst, const PlanRequest& request,
                std::shared_ptr<const Plan> plan);

 private:
  RawLayout src_;
  RawLayout dst_;
  PlanRequest request_;
  std::shared_ptr<const Plan> plan_;
};

}  // namespace ravel

#endif  // RAVEL_SRC_RECENT_COPY_H_
