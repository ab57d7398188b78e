#include "recent_copy.h"

#include <utility>

namespace ravel {
namespace {

bool Matches(const RawLayout& raw, const ravel_layout* layout) {
  if (layout == nullptr) {
    return !raw.present;
  }
  // A NULL shape never matches: the call must fail validation, not be read here.
  if (!raw.present || raw.rank != layout->rank || raw.elem_size != layout->elem_size ||
      raw.dense != (layout->strides == nullptr) || (raw.rank > 0 && layout->shape == nullptr)) {
    return false;
  }
  for (int32_t d = 0; d < raw.rank; ++d) {
    if (raw.shape[d] != layout->shape[d] || (!raw.dense && raw.strides[d] != layout->strides[d])) {
      return false;
    }
  }
  return true;
}

void Record(const ravel_layout* layout, RawLayout* raw) {
  raw->present = layout != nullptr;
  if (layout == nullptr) {
    return;
  }
  raw->rank = layout->rank;
  raw->elem_size = layout->elem_size;
  raw->dense = layout->strides == nullptr;
  for (int32_t d = 0; d < layout->rank; ++d) {
    raw->shape[d] = layout->shape[d];
    raw->strides[d] = raw->dense ? 0 : layout->strides[d];
  }
}

bool SameRequest(const PlanRequest& a, const PlanRequest& b) {
  return a.backend == b.backend && a.isa == b.isa && a.max_threads == b.max_threads &&
         a.streaming == b.streaming;
}

}  // namespace

RecentCopy& RecentCopy::ForThisThread() {
  thread_local RecentCopy recent;
  return recent;
}

const Plan* RecentCopy::Find(const ravel_layout* src, const ravel_layout* dst,
                             const PlanRequest& request) const {
  if (plan_ == nullptr || !SameRequest(request, request_) || !Matches(src_, src) ||
      !Matches(dst_, dst)) {
    return nullptr;
  }
  return plan_.get();
}

void RecentCopy::Remember(const ravel_layout* src, const ravel_layout* dst,
                          const PlanRequest& request, std::shared_ptr<const Plan> plan) {
  Record(src, &src_);
  Record(dst, &dst_);
  request_ = request;
  plan_ = std::move(plan);
}

}  // namespace ravel
