#include "jit/cache.h"

#include <cstdlib>

#include "plan/plan.h"

namespace ravel {
namespace jit {
namespace {

constexpr size_t kDefaultEntries = 4096;
constexpr size_t kDefaultBytes = size_t{256} << 20;

void Append(std::string* key, int64_t value) {
  key->append(reinterpret_cast<const char*>(&value), sizeof(value));
}

}  // namespace

std::string CacheKey(const Plan& plan) {
  std::string key;
  key.reserve(32 * 8 + static_cast<size_t>(plan.loop_count) * 24);
  Append(&key, static_cast<int64_t>(plan.isa));
  Append(&key, static_cast<int64_t>(plan.family));
  Append(&key, plan.problem.elem_size);
  Append(&key, static_cast<int64_t>(plan.transpose_store));
  // Generated code may call the plan's Highway kernel (PlanGenerator::HighwayBodyFaster).
  Append(&key, static_cast<int64_t>(reinterpret_cast<uintptr_t>(plan.kernel)));
  const RowsArgs& block = plan.block;
  for (const int64_t value :
       {block.rows, block.n, block.src_stride, block.dst_stride, block.src_row_stride,
        block.dst_row_stride, static_cast<int64_t>(block.stream)}) {
    Append(&key, value);
  }
  Append(&key, static_cast<int64_t>(plan.prefetch_next_block));
  Append(&key, static_cast<int64_t>(plan.transpose_line_tiles));
  Append(&key, plan.row_tile_loop);
  Append(&key, static_cast<int64_t>(plan.row_tiles_backward));
  Append(&key, plan.col_tile_loop);
  Append(&key, plan.rows_extent);
  Append(&key, plan.cols_extent);
  Append(&key, plan.loop_count);
  for (int32_t l = 0; l < plan.loop_count; ++l) {
    Append(&key, plan.loops[l].count);
    Append(&key, plan.loops[l].src_step);
    Append(&key, plan.loops[l].dst_step);
  }
  return key;
}

CodeCache::CodeCache(size_t max_entries, size_t max_bytes)
    : max_entries_(max_entries == 0 ? 1 : max_entries), max_bytes_(max_bytes) {}

std::shared_ptr<const Code> CodeCache::GetOrGenerate(const std::string& key,
                                                     const Generate& generate) {
  std::promise<std::shared_ptr<const Code>> promise;
  {
    std::unique_lock<std::mutex> lock(mutex_);
    auto found = entries_.find(key);
    if (found != entries_.end()) {
      ++hits_;
      lru_.splice(lru_.begin(), lru_, found->second.lru);
      std::shared_future<std::shared_ptr<const Code>> future = found->second.future;
      lock.unlock();
      return future.get();
    }
    // Allocations first; if one fails nothing has changed (the caller falls back).
    Entry entry;
    entry.future = promise.get_future().share();
    lru_.push_front(key);
    entry.lru = lru_.begin();
    try {
      entries_.emplace(key, std::move(entry));
    } catch (...) {
      lru_.pop_front();
      throw;
    }
    ++generations_;
  }
  std::shared_ptr<const Code> code;
  try {
    code = generate();
  } catch (...) {
    code = nullptr;
  }
  promise.set_value(code);
  std::lock_guard<std::mutex> lock(mutex_);
  auto found = entries_.find(key);
  if (found != entries_.end() && !found->second.ready) {
    if (code == nullptr) {
      lru_.erase(found->second.lru);  // failures are not cached
      entries_.erase(found);
    } else {
      found->second.ready = true;
      found->second.bytes = code->mapped_bytes();
      bytes_ += found->second.bytes;
    }
  }
  EvictLocked();
  return code;
}

void CodeCache::EvictLocked() {
  // Least recently used first; entries still being generated stay (their generator owns them).
  auto it = lru_.end();
  while ((entries_.size() > max_entries_ || bytes_ > max_bytes_) && it != lru_.begin()) {
    --it;
    auto found = entries_.find(*it);
    if (!found->second.ready) {
      continue;
    }
    bytes_ -= found->second.bytes;
    entries_.erase(found);
    it = lru_.erase(it);
    ++evictions_;
  }
}

size_t CodeCache::size() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return entries_.size();
}

size_t CodeCache::bytes() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return bytes_;
}

uint64_t CodeCache::generations() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return generations_;
}

uint64_t CodeCache::hits() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return hits_;
}

uint64_t CodeCache::evictions() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return evictions_;
}

CodeCache& CodeCache::Global() {
  static CodeCache* cache = [] {
    size_t entries = kDefaultEntries;
    if (const char* env = std::getenv("RAVEL_JIT_CACHE_ENTRIES")) {
      char* end = nullptr;
      const unsigned long long value = std::strtoull(env, &end, 10);
      if (end != env && *end == '\0' && value > 0) {
        entries = static_cast<size_t>(value);
      }
    }
    return new CodeCache(entries, kDefaultBytes);
  }();
  return *cache;
}

}  // namespace jit
}  // namespace ravel
