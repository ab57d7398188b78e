#include "runtime/plan_cache.h"

#include <cstdlib>

namespace ravel {

constexpr size_t kDefaultPlanCacheCapacity = 1024;

bool operator==(const PlanKey& a, const PlanKey& b) {
  return a.request.backend == b.request.backend && a.request.isa == b.request.isa &&
         a.request.max_threads == b.request.max_threads &&
         a.request.streaming == b.request.streaming && a.problem == b.problem;
}

size_t PlanKeyHash::operator()(const PlanKey& key) const {
  size_t hash = HashProblem(key.problem);
  const size_t options = static_cast<size_t>(key.request.backend) |
                         static_cast<size_t>(key.request.isa) << 4 |
                         static_cast<size_t>(key.request.streaming) << 8 |
                         static_cast<size_t>(key.request.max_threads) << 12;
  return hash ^ (options * 0x9e3779b97f4a7c15ull);
}

PlanCache::PlanCache(size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}

ravel_status PlanCache::GetOrBuild(const PlanKey& key, std::shared_ptr<const Plan>* plan) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto found = index_.find(key);
  if (found != index_.end()) {
    lru_.splice(lru_.begin(), lru_, found->second);
    *plan = found->second->second;
    ++hits_;
    return RAVEL_OK;
  }
  ++misses_;
  auto built = std::make_shared<Plan>();
  const ravel_status status = BuildPlan(key.problem, key.request, built.get());
  if (status != RAVEL_OK) {
    plan->reset();
    return status;
  }
  lru_.emplace_front(key, built);
  try {
    index_.emplace(key, lru_.begin());
  } catch (...) {
    lru_.pop_front();  // out of memory: no entry without its index, the cache stays as it was
    throw;
  }
  if (lru_.size() > capacity_) {
    index_.erase(lru_.back().first);
    lru_.pop_back();
  }
  *plan = std::move(built);
  return RAVEL_OK;
}

size_t PlanCache::size() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return lru_.size();
}

uint64_t PlanCache::hits() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return hits_;
}

uint64_t PlanCache::misses() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return misses_;
}

PlanCache& PlanCache::Global() {
  static PlanCache* cache = [] {
    size_t capacity = kDefaultPlanCacheCapacity;
    if (const char* env = std::getenv("RAVEL_PLAN_CACHE_CAPACITY")) {
      char* end = nullptr;
      const unsigned long long value = std::strtoull(env, &end, 10);
      if (end != env && *end == '\0' && value > 0) {
        capacity = static_cast<size_t>(value);
      }
    }
    return new PlanCache(capacity);
  }();
  return *cache;
}

}  // namespace ravel
