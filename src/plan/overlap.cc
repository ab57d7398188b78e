#include "plan/overlap.h"

#include <algorithm>
#include <cstdlib>

namespace ravel {
namespace {

struct Axis {
  int64_t n;
  int64_t step;  // |stride| in bytes
};

// Depth-first search for a nonzero difference vector over axes (sorted by decreasing step),
// pruned by what the remaining axes can still reach.
class DifferenceSearch {
 public:
  DifferenceSearch(const Axis* axes, int32_t count, int64_t elem_size, int64_t work_limit)
      : axes_(axes), count_(count), elem_size_(elem_size), budget_(work_limit) {
    reach_[count] = 0;
    for (int32_t k = count - 1; k >= 0; --k) {
      reach_[k] = reach_[k + 1] + (axes[k].n - 1) * axes[k].step;
    }
  }

  SelfOverlap Run() {
    const bool found = Visit(0, 0, false);
    if (found) {
      return SelfOverlap::kOverlaps;
    }
    return budget_ < 0 ? SelfOverlap::kUnknown : SelfOverlap::kNone;
  }

 private:
  // True when some completion of the partial sum at axis k gives |sum| < elem_size.
  bool Visit(int32_t k, int64_t sum, bool nonzero) {
    if (--budget_ < 0) {
      return false;
    }
    if (k == count_) {
      return nonzero && std::llabs(sum) < elem_size_;
    }
    const int64_t slack = reach_[k + 1] + elem_size_ - 1;
    const int64_t step = axes_[k].step;
    // Keep |sum + x * step| <= slack; before the first nonzero entry, x >= 0 (x and -x mirror).
    int64_t lo = FloorDiv(-sum - slack + step - 1, step);
    int64_t hi = FloorDiv(-sum + slack, step);
    lo = std::max(lo, nonzero ? -(axes_[k].n - 1) : int64_t{0});
    hi = std::min(hi, axes_[k].n - 1);
    for (int64_t x = lo; x <= hi; ++x) {
      if (Visit(k + 1, sum + x * step, nonzero || x != 0)) {
        return true;
      }
      if (budget_ < 0) {
        return false;
      }
    }
    return false;
  }

  static int64_t FloorDiv(int64_t a, int64_t b) {
    const int64_t q = a / b;
    return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q;
  }

  const Axis* axes_;
  int32_t count_;
  int64_t elem_size_;
  int64_t budget_;
  int64_t reach_[RAVEL_MAX_RANK + 1];
};

}  // namespace

SelfOverlap FindSelfOverlap(const Layout& layout, int64_t work_limit) {
  if (ElementCount(layout) == 0) {
    return SelfOverlap::kNone;
  }
  Axis axes[RAVEL_MAX_RANK];
  int32_t count = 0;
  for (int32_t d = 0; d < layout.rank; ++d) {
    if (layout.shape[d] > 1) {
      const int64_t step = std::llabs(layout.strides[d]) * layout.elem_size;
      if (step == 0) {
        return SelfOverlap::kOverlaps;
      }
      axes[count++] = Axis{layout.shape[d], step};
    }
  }
  std::sort(axes, axes + count, [](const Axis& a, const Axis& b) { return a.step < b.step; });
  int64_t reach = layout.elem_size;
  bool nested = true;
  for (int32_t k = 0; k < count && nested; ++k) {
    nested = axes[k].step >= reach;
    reach += (axes[k].n - 1) * axes[k].step;
  }
  if (nested) {
    return SelfOverlap::kNone;
  }
  std::reverse(axes, axes + count);
  return DifferenceSearch(axes, count, layout.elem_size, work_limit).Run();
}

}  // namespace ravel
