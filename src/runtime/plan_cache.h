// The one-shot call's plan cache: bounded, thread-safe, least recently used out first, keyed by
// the canonical problem and the options that change a plan.
#ifndef RAVEL_SRC_RUNTIME_PLAN_CACHE_H_
#define RAVEL_SRC_RUNTIME_PLAN_CACHE_H_

#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <unordered_map>

#include "plan/plan.h"
#include "plan/problem.h"

namespace ravel {

struct PlanKey {
  Problem problem;
  PlanRequest request;
};

bool operator==(const PlanKey& a, const PlanKey& b);

struct PlanKeyHash {
  size_t operator()(const PlanKey& key) const;
};

class PlanCache {
 public:
  // Entries kept before the least recently used is dropped (>= 1).
  explicit PlanCache(size_t capacity);

  // The cached plan for key, or a new one built and inserted. *plan is null on failure.
  ravel_status GetOrBuild(const PlanKey& key, std::shared_ptr<const Plan>* plan);

  size_t size() const;
  uint64_t hits() const;
  uint64_t misses() const;

  // The process-wide cache used by ravel_copy (capacity RAVEL_PLAN_CACHE_CAPACITY, default 1024).
  static PlanCache& Global();

 private:
  using Entry = std::pair<PlanKey, std::shared_ptr<const Plan>>;

  const size_t capacity_;
  mutable std::mutex mutex_;
  std::list<Entry> lru_;  // most recently used first
  std::unordered_map<PlanKey, std::list<Entry>::iterator, PlanKeyHash> index_;
  uint64_t hits_ = 0;
  uint64_t misses_ = 0;
};

}  // namespace ravel

#endif  // RAVEL_SRC_RUNTIME_PLAN_CACHE_H_
