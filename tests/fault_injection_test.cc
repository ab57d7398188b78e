// Faults from outside ravel: an allocation that fails at every point of plan creation and of a
// one-shot copy (RAVEL_E_OUT_OF_MEMORY, nothing written, nothing kept, the cache still sound);
// executable memory that cannot be mapped (AUTO falls back to Highway with the same bytes, a
// forced JIT fails, no page is ever writable and executable); a caller's pool that runs tasks in
// reverse, shuffled, on several std::threads or one thread per task (the same bytes as one
// thread); callers racing each other. This binary replaces the global operator new (the Nth
// allocation of the calling thread throws std::bad_alloc) and mprotect (PROT_EXEC refused on
// demand); the ASan run's LeakSanitizer checks the rest at exit.
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <ostream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "ravel/ravel.h"
#include "runtime/plan_cache.h"

// ---- Allocation failure -------------------------------------------------------------------------

namespace {

// Allocations through operator new still held, on every thread.
std::atomic<int64_t> g_live_allocations{0};
// On this thread: the allocation number that fails (0 = none) and the count since arming.
thread_local int64_t t_fail_at = 0;
thread_local int64_t t_allocations = 0;

void* Allocate(std::size_t size, std::size_t alignment, bool nothrow) {
  if (t_fail_at > 0 && ++t_allocations == t_fail_at) {
    if (nothrow) {
      return nullptr;
    }
    throw std::bad_alloc();
  }
  void* p = nullptr;
  const std::size_t bytes = size == 0 ? 1 : size;
  if (alignment > alignof(std::max_align_t)) {
    if (posix_memalign(&p, alignment, bytes) != 0) {
      p = nullptr;
    }
  } else {
    p = std::malloc(bytes);
  }
  if (p == nullptr) {
    if (nothrow) {
      return nullptr;
    }
    throw std::bad_alloc();
  }
  ++g_live_allocations;
  return p;
}

void Release(void* p) {
  if (p != nullptr) {
    --g_live_allocations;
    std::free(p);
  }
}

constexpr std::size_t kDefaultAlignment = alignof(std::max_align_t);

}  // namespace

void* operator new(std::size_t size) { return Allocate(size, kDefaultAlignment, false); }
void* operator new[](std::size_t size) { return Allocate(size, kDefaultAlignment, false); }
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  return Allocate(size, kDefaultAlignment, true);
}
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept {
  return Allocate(size, kDefaultAlignment, true);
}
void* operator new(std::size_t size, std::align_val_t align) {
  return Allocate(size, static_cast<std::size_t>(align), false);
}
void* operator new[](std::size_t size, std::align_val_t align) {
  return Allocate(size, static_cast<std::size_t>(align), false);
}
void* operator new(std::size_t size, std::align_val_t align, const std::nothrow_t&) noexcept {
  return Allocate(size, static_cast<std::size_t>(align), true);
}
void* operator new[](std::size_t size, std::align_val_t align, const std::nothrow_t&) noexcept {
  return Allocate(size, static_cast<std::size_t>(align), true);
}
void operator delete(void* p) noexcept { Release(p); }
void operator delete[](void* p) noexcept { Release(p); }
void operator delete(void* p, std::size_t) noexcept { Release(p); }
void operator delete[](void* p, std::size_t) noexcept { Release(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { Release(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { Release(p); }
void operator delete(void* p, std::align_val_t) noexcept { Release(p); }
void operator delete[](void* p, std::align_val_t) noexcept { Release(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { Release(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { Release(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { Release(p); }
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { Release(p); }

namespace {

// While alive, the calling thread's allocation number `n` (from 1) fails.
class FailNthAllocation {
 public:
  explicit FailNthAllocation(int64_t n) {
    t_allocations = 0;
    t_fail_at = n;
  }
  ~FailNthAllocation() { t_fail_at = 0; }
  FailNthAllocation(const FailNthAllocation&) = delete;
  FailNthAllocation& operator=(const FailNthAllocation&) = delete;

  // Allocations attempted so far, the failing one included.
  int64_t attempted() const { return t_allocations; }
};

// Plan creation fails at the sweep's first allocation past this (a runaway guard).
constexpr int64_t kMaxAllocationsPerCall = 1000;

struct PlanCase {
  std::string name;
  int64_t elem_size;
  std::vector<int64_t> shape;
  std::vector<int64_t> src_strides;
  std::vector<int64_t> dst_strides;  // empty = NULL (dense) dst layout
  int32_t backend;
};

std::vector<PlanCase> PlanCases() {
  return {
      {"hwy_transpose_f32", 4, {64, 48}, {1, 64}, {}, RAVEL_BACKEND_HWY},
      {"auto_strided_dst_u8", 1, {5, 7, 9}, {1, 5, 35}, {80, 10, 1}, RAVEL_BACKEND_AUTO},
      {"reference_elem3_reversed", 3, {6, 11}, {-11, 1}, {}, RAVEL_BACKEND_REFERENCE},
      {"hwy_broadcast_elem16", 16, {9, 33}, {1, 0}, {}, RAVEL_BACKEND_HWY},
  };
}

// Test names print the case's name rather than its bytes.
void PrintTo(const PlanCase& c, std::ostream* os) { *os << c.name; }

ravel_layout SrcLayout(const PlanCase& c) {
  return ravel_layout{static_cast<int32_t>(c.shape.size()), c.elem_size, c.shape.data(),
                      c.src_strides.data()};
}

ravel_layout DstLayout(const PlanCase& c) {
  return ravel_layout{static_cast<int32_t>(c.shape.size()), c.elem_size, c.shape.data(),
                      c.dst_strides.empty() ? nullptr : c.dst_strides.data()};
}

class PlanCreateAllocationFailure : public ::testing::TestWithParam<PlanCase> {};

TEST_P(PlanCreateAllocationFailure, EveryAllocationFailsCleanly) {
  const PlanCase& c = GetParam();
  const ravel_layout src = SrcLayout(c);
  const ravel_layout dst = DstLayout(c);
  const ravel_layout* dst_arg = c.dst_strides.empty() ? nullptr : &dst;
  ravel_options options;
  ravel_options_init(&options);
  options.backend = c.backend;
  options.num_threads = 1;
  {
    // First use fills process-wide statics (ISA detection, thresholds) that are not leaks.
    ravel_plan warm = nullptr;
    ASSERT_EQ(ravel_plan_create(&src, dst_arg, &options, &warm), RAVEL_OK) << ravel_last_error();
    ravel_plan_destroy(warm);
  }
  int64_t failures = 0;
  int64_t allocations = 0;
  for (int64_t n = 1;; ++n) {
    ASSERT_LT(n, kMaxAllocationsPerCall) << "plan creation never stops allocating";
    const int64_t live_before = g_live_allocations.load();
    ravel_plan plan = reinterpret_cast<ravel_plan>(&failures);  // must become NULL on failure
    ravel_status status;
    int64_t attempted;
    {
      FailNthAllocation fail(n);
      status = ravel_plan_create(&src, dst_arg, &options, &plan);
      attempted = fail.attempted();
    }
    if (attempted < n) {
      // The call needed fewer than n allocations: the sweep has covered every one of them.
      ASSERT_EQ(status, RAVEL_OK) << ravel_last_error();
      ravel_plan_destroy(plan);
      allocations = attempted;
      break;
    }
    if (status == RAVEL_OK) {
      ravel_plan_destroy(plan);  // the failure was absorbed; the plan must still be sound
      continue;
    }
    ++failures;
    EXPECT_EQ(status, RAVEL_E_OUT_OF_MEMORY) << "allocation " << n << ": " << ravel_last_error();
    EXPECT_EQ(plan, nullptr) << "allocation " << n;
    EXPECT_STRNE(ravel_last_error(), "") << "allocation " << n;
    EXPECT_EQ(g_live_allocations.load(), live_before)
        << "allocation " << n << " failed and the call kept memory";
  }
  EXPECT_GE(allocations, 2) << "plan creation allocates (the plan and its handle)";
  EXPECT_GE(failures, 2) << "at least the plan and the handle can fail";

  // After all that, a plan still copies correctly.
  ravel_plan plan = nullptr;
  ASSERT_EQ(ravel_plan_create(&src, dst_arg, &options, &plan), RAVEL_OK) << ravel_last_error();
  ravel_plan_destroy(plan);
}

INSTANTIATE_TEST_SUITE_P(Cases, PlanCreateAllocationFailure, ::testing::ValuesIn(PlanCases()),
                         [](const ::testing::TestParamInfo<PlanCase>& param_info) {
                           return param_info.param.name;
                         });

// dst[i, j] = src[i * row + j * col] for an f32 matrix copy into a dense rows x cols buffer.
std::vector<float> Expected(const std::vector<float>& src, int64_t rows, int64_t cols, int64_t row,
                            int64_t col) {
  std::vector<float> out(static_cast<size_t>(rows * cols));
  for (int64_t i = 0; i < rows; ++i) {
    for (int64_t j = 0; j < cols; ++j) {
      out[static_cast<size_t>(i * cols + j)] = src[static_cast<size_t>(i * row + j * col)];
    }
  }
  return out;
}

// ravel_copy of shapes the plan cache has not seen: at every allocation, either the copy is done
// or RAVEL_E_OUT_OF_MEMORY with the destination untouched and the plan cache unchanged. With the
// Highway backend the failed call also keeps no memory; under AUTO the JIT's code cache may keep
// code it compiled before the failure (reachable, so LeakSanitizer still sees any real leak).
class CopyAllocationFailure : public ::testing::TestWithParam<int32_t> {};

TEST_P(CopyAllocationFailure, EveryAllocationFailsCleanlyAndTheCacheStaysSound) {
  const int32_t backend = GetParam();
  constexpr int64_t kRows = 24;
  std::vector<float> src(64 * 1200);
  for (size_t i = 0; i < src.size(); ++i) {
    src[i] = static_cast<float>(i);
  }
  ravel_options options;
  ravel_options_init(&options);
  options.backend = backend;
  options.num_threads = 1;
  ravel::PlanCache& cache = ravel::PlanCache::Global();
  int64_t failures = 0;
  for (int64_t n = 1;; ++n) {
    ASSERT_LT(n, kMaxAllocationsPerCall) << "ravel_copy never stops allocating";
    // A shape of its own for each n and backend (a transpose of kRows x cols), so that every
    // call plans afresh.
    const int64_t cols = (backend == RAVEL_BACKEND_HWY ? 40 : 600) + n;
    const int64_t shape[2] = {kRows, cols};
    const int64_t strides[2] = {1, 64};
    const ravel_layout layout{2, 4, shape, strides};
    std::vector<float> dst(static_cast<size_t>(kRows * cols), -1.0f);
    const size_t cache_before = cache.size();
    const int64_t live_before = g_live_allocations.load();
    ravel_status status;
    int64_t attempted;
    {
      FailNthAllocation fail(n);
      status = ravel_copy(src.data(), &layout, dst.data(), nullptr, &options);
      attempted = fail.attempted();
    }
    if (status == RAVEL_OK) {
      EXPECT_EQ(dst, Expected(src, kRows, cols, 1, 64)) << "allocation " << n;
      if (attempted < n) {
        break;
      }
      continue;
    }
    ++failures;
    EXPECT_EQ(status, RAVEL_E_OUT_OF_MEMORY) << "allocation " << n << ": " << ravel_last_error();
    EXPECT_STRNE(ravel_last_error(), "");
    EXPECT_EQ(dst, std::vector<float>(dst.size(), -1.0f)) << "allocation " << n;
    EXPECT_EQ(cache.size(), cache_before) << "allocation " << n << " left a partial cache entry";
    if (backend == RAVEL_BACKEND_HWY) {
      EXPECT_EQ(g_live_allocations.load(), live_before)
          << "allocation " << n << " failed and the call kept memory";
    }
    // The same copy, without the fault, succeeds: nothing half-built was cached.
    ASSERT_EQ(ravel_copy(src.data(), &layout, dst.data(), nullptr, &options), RAVEL_OK)
        << ravel_last_error();
    EXPECT_EQ(dst, Expected(src, kRows, cols, 1, 64)) << "allocation " << n;
  }
  EXPECT_GE(failures, 2) << "a cache miss allocates at least the plan and the cache entry";
}

INSTANTIATE_TEST_SUITE_P(Backends, CopyAllocationFailure,
                         ::testing::Values(RAVEL_BACKEND_HWY, RAVEL_BACKEND_AUTO),
                         [](const ::testing::TestParamInfo<int32_t>& param_info) {
                           return std::string(param_info.param == RAVEL_BACKEND_HWY ? "hwy"
                                                                                    : "auto");
                         });

// ---- Executable memory that cannot be mapped (the JIT)
// --------------------------------------------

// This binary's mprotect: refuses PROT_EXEC while armed (as a W^X policy or an exhausted map count
// would), and records any request for pages both writable and executable.
std::atomic<bool> g_refuse_exec{false};
std::atomic<int> g_exec_requests{0};
std::atomic<int> g_write_exec_requests{0};

}  // namespace

extern "C" int mprotect(void* addr, size_t len, int prot) noexcept {
  if ((prot & PROT_EXEC) != 0) {
    ++g_exec_requests;
    if ((prot & PROT_WRITE) != 0) {
      ++g_write_exec_requests;
    }
    if (g_refuse_exec.load()) {
      errno = ENOMEM;
      return -1;
    }
  }
  return static_cast<int>(syscall(SYS_mprotect, addr, len, prot));
}

namespace {

// Lines of /proc/self/maps whose pages are writable and executable at once.
std::vector<std::string> WritableExecutableMappings() {
  std::vector<std::string> found;
  FILE* maps = std::fopen("/proc/self/maps", "r");
  if (maps == nullptr) {
    return found;
  }
  char line[512];
  while (std::fgets(line, sizeof(line), maps) != nullptr) {
    char perms[8] = "";
    if (std::sscanf(line, "%*s %7s", perms) == 1 && perms[1] == 'w' && perms[2] == 'x') {
      found.emplace_back(line);
    }
  }
  std::fclose(maps);
  return found;
}

// An f32 transpose of rows x cols from a dense cols x rows source, through one backend.
ravel_status Transpose(int64_t rows, int64_t cols, int32_t backend, const std::vector<float>& src,
                       std::vector<float>* dst, int32_t* plan_backend) {
  const int64_t shape[2] = {rows, cols};
  const int64_t strides[2] = {1, rows};
  const ravel_layout layout{2, 4, shape, strides};
  ravel_options options;
  ravel_options_init(&options);
  options.backend = backend;
  options.num_threads = 1;
  options.streaming = RAVEL_STREAMING_OFF;
  ravel_plan plan = nullptr;
  const ravel_status status = ravel_plan_create(&layout, nullptr, &options, &plan);
  if (status != RAVEL_OK) {
    return status;
  }
  *plan_backend = ravel_plan_backend(plan);
  const ravel_status executed = ravel_plan_execute(plan, src.data(), dst->data());
  ravel_plan_destroy(plan);
  return executed;
}

TEST(JitMappingFailure, AutoFallsBackToHighwayForcedJitFailsAndNothingIsWritableAndExecutable) {
  std::vector<float> src(64 * 64);
  for (size_t i = 0; i < src.size(); ++i) {
    src[i] = static_cast<float>(i);
  }
  // Does this build's JIT take an f32 transpose? (It compiles one shape; the checks use others,
  // which its code cache has not seen.)
  std::vector<float> probe(48 * 40, -1.0f);
  int32_t backend = -1;
  const ravel_status jit = Transpose(48, 40, RAVEL_BACKEND_JIT, src, &probe, &backend);
  if (jit == RAVEL_E_UNSUPPORTED) {
    GTEST_SKIP() << "no JIT for this copy here: " << ravel_last_error();
  }
  ASSERT_EQ(jit, RAVEL_OK) << ravel_last_error();
  EXPECT_EQ(probe, Expected(src, 48, 40, 1, 48));
  EXPECT_GT(g_exec_requests.load(), 0) << "the JIT made code executable without mprotect";
  EXPECT_EQ(g_write_exec_requests.load(), 0) << "pages were asked to be writable and executable";
  EXPECT_EQ(WritableExecutableMappings(), std::vector<std::string>{});

  g_refuse_exec = true;
  const int requests_before = g_exec_requests.load();
  std::vector<float> automatic(56 * 44, -1.0f);
  ASSERT_EQ(Transpose(56, 44, RAVEL_BACKEND_AUTO, src, &automatic, &backend), RAVEL_OK)
      << ravel_last_error();
  EXPECT_EQ(backend, RAVEL_BACKEND_HWY) << "AUTO kept a plan whose code could not be mapped";
  EXPECT_EQ(automatic, Expected(src, 56, 44, 1, 56));
  std::vector<float> forced(52 * 36, -1.0f);
  EXPECT_EQ(Transpose(52, 36, RAVEL_BACKEND_JIT, src, &forced, &backend), RAVEL_E_UNSUPPORTED);
  EXPECT_STRNE(ravel_last_error(), "");
  EXPECT_EQ(forced, std::vector<float>(forced.size(), -1.0f));
  g_refuse_exec = false;
  EXPECT_GT(g_exec_requests.load(), requests_before) << "the JIT never tried to map code";

  // The refusal was not remembered: mapping works again for the same shape.
  ASSERT_EQ(Transpose(52, 36, RAVEL_BACKEND_JIT, src, &forced, &backend), RAVEL_OK)
      << ravel_last_error();
  EXPECT_EQ(backend, RAVEL_BACKEND_JIT);
  EXPECT_EQ(forced, Expected(src, 52, 36, 1, 52));
  EXPECT_EQ(g_write_exec_requests.load(), 0);
  EXPECT_EQ(WritableExecutableMappings(), std::vector<std::string>{});
}

// ---- A caller's pool ----------------------------------------------------------------------------

enum class PoolOrder { kReverse, kShuffled, kThreads, kThreadPerTask };

struct CallerPool {
  PoolOrder order;
  uint32_t seed = 1;
  std::atomic<int> calls{0};
  std::atomic<int64_t> tasks{0};
  std::atomic<bool> duplicate{false};
};

struct CountedTask {
  void (*task)(void*, size_t);
  void* ctx;
  std::vector<std::atomic<int>>* runs;
};

void RunCounted(const CountedTask& counted, size_t i) {
  if ((*counted.runs)[i]++ != 0) {
    return;  // reported by the caller
  }
  counted.task(counted.ctx, i);
}

// Runs every task once, in the pool's order, and counts them.
void CallerParallelFor(void* opaque, void (*task)(void*, size_t), void* ctx, size_t count) {
  CallerPool& pool = *static_cast<CallerPool*>(opaque);
  ++pool.calls;
  pool.tasks += static_cast<int64_t>(count);
  std::vector<std::atomic<int>> runs(count);
  const CountedTask counted{task, ctx, &runs};
  switch (pool.order) {
    case PoolOrder::kReverse:
      for (size_t i = count; i-- > 0;) {
        RunCounted(counted, i);
      }
      break;
    case PoolOrder::kShuffled: {
      std::vector<size_t> order(count);
      for (size_t i = 0; i < count; ++i) {
        order[i] = i;
      }
      std::mt19937 rng(pool.seed);
      std::shuffle(order.begin(), order.end(), rng);
      for (size_t i : order) {
        RunCounted(counted, i);
      }
      break;
    }
    case PoolOrder::kThreads: {
      constexpr int kWorkers = 3;
      std::atomic<size_t> next{0};
      std::vector<std::thread> workers;
      for (int w = 0; w < kWorkers; ++w) {
        workers.emplace_back([&] {
          for (size_t i = next++; i < count; i = next++) {
            RunCounted(counted, i);
          }
        });
      }
      for (std::thread& worker : workers) {
        worker.join();
      }
      break;
    }
    case PoolOrder::kThreadPerTask: {
      std::vector<std::thread> workers;
      for (size_t i = count; i-- > 0;) {
        workers.emplace_back([&counted, i] { RunCounted(counted, i); });
      }
      for (std::thread& worker : workers) {
        worker.join();
      }
      break;
    }
  }
  for (size_t i = 0; i < count; ++i) {
    if (runs[i].load() != 1) {
      pool.duplicate = true;
    }
  }
}

struct PoolCase {
  std::string name;
  int64_t elem_size;
  std::vector<int64_t> shape;
  std::vector<int64_t> src_strides;
  int32_t backend;
};

// Copies of at least 1 MiB, so that they split into several tasks.
std::vector<PoolCase> PoolCases() {
  return {
      {"transpose_f32", 4, {512, 768}, {1, 512}, RAVEL_BACKEND_AUTO},
      {"gather_u8_step2", 1, {1024, 1100}, {2300, 2}, RAVEL_BACKEND_AUTO},
      {"broadcast_elem16", 16, {300, 257}, {16, 0}, RAVEL_BACKEND_HWY},
      {"nchw_to_nhwc_u16", 2, {8, 16, 33, 64}, {64 * 16 * 33, 1, 64 * 16, 16}, RAVEL_BACKEND_AUTO},
      {"reference_elem3", 3, {400, 700}, {1, 400}, RAVEL_BACKEND_REFERENCE},
  };
}

void PrintTo(const PoolCase& c, std::ostream* os) { *os << c.name; }

int64_t SpanElements(const PoolCase& c) {
  int64_t span = 1;
  for (size_t d = 0; d < c.shape.size(); ++d) {
    span += (c.shape[d] - 1) * c.src_strides[d];
  }
  return span;
}

// The independent index loop: dense dst, every src stride >= 0.
std::vector<unsigned char> NaiveCopy(const PoolCase& c, const std::vector<unsigned char>& src) {
  int64_t count = 1;
  for (int64_t extent : c.shape) {
    count *= extent;
  }
  const size_t elem = static_cast<size_t>(c.elem_size);
  std::vector<unsigned char> dst(static_cast<size_t>(count) * elem);
  std::vector<int64_t> index(c.shape.size(), 0);
  for (int64_t i = 0; i < count; ++i) {
    int64_t offset = 0;
    for (size_t d = 0; d < c.shape.size(); ++d) {
      offset += index[d] * c.src_strides[d];
    }
    std::memcpy(&dst[static_cast<size_t>(i) * elem], &src[static_cast<size_t>(offset) * elem],
                elem);
    for (size_t d = c.shape.size(); d-- > 0;) {
      if (++index[d] < c.shape[d]) {
        break;
      }
      index[d] = 0;
    }
  }
  return dst;
}

std::string PoolOrderName(PoolOrder order) {
  switch (order) {
    case PoolOrder::kReverse:
      return "reverse";
    case PoolOrder::kShuffled:
      return "shuffled";
    case PoolOrder::kThreads:
      return "three_threads";
    case PoolOrder::kThreadPerTask:
      return "thread_per_task";
  }
  return "unknown";
}

void PrintTo(PoolOrder order, std::ostream* os) { *os << PoolOrderName(order); }

class CallerPoolOrder : public ::testing::TestWithParam<std::tuple<PoolCase, PoolOrder>> {};

TEST_P(CallerPoolOrder, SameBytesAsOneThread) {
  const PoolCase& c = std::get<0>(GetParam());
  const PoolOrder order = std::get<1>(GetParam());
  std::vector<unsigned char> src(static_cast<size_t>(SpanElements(c) * c.elem_size));
  std::mt19937 rng(7);
  for (unsigned char& byte : src) {
    byte = static_cast<unsigned char>(rng());
  }
  const std::vector<unsigned char> expected = NaiveCopy(c, src);
  const ravel_layout layout{static_cast<int32_t>(c.shape.size()), c.elem_size, c.shape.data(),
                            c.src_strides.data()};

  ravel_options one;
  ravel_options_init(&one);
  one.backend = c.backend;
  one.num_threads = 1;
  std::vector<unsigned char> single(expected.size(), 0xEE);
  ASSERT_EQ(ravel_copy(src.data(), &layout, single.data(), nullptr, &one), RAVEL_OK)
      << ravel_last_error();
  ASSERT_TRUE(single == expected) << c.name << ": one thread differs from the index loop";

  CallerPool pool{order};
  pool.seed = static_cast<uint32_t>(c.shape[0]);
  ravel_options options = one;
  options.num_threads = 8;
  options.parallel_for = &CallerParallelFor;
  options.pool = &pool;
  std::vector<unsigned char> pooled(expected.size(), 0xEE);
  ASSERT_EQ(ravel_copy(src.data(), &layout, pooled.data(), nullptr, &options), RAVEL_OK)
      << ravel_last_error();
  EXPECT_GE(pool.calls.load(), 1) << "the copy never reached the caller's pool";
  EXPECT_GE(pool.tasks.load(), 2) << "the copy did not split into tasks";
  EXPECT_FALSE(pool.duplicate.load()) << "a task index ran twice";
  EXPECT_TRUE(pooled == expected) << c.name << ": the pooled copy differs";

  // A plan executed from several threads at once, each through the same caller's pool.
  ravel_plan plan = nullptr;
  ASSERT_EQ(ravel_plan_create(&layout, nullptr, &options, &plan), RAVEL_OK) << ravel_last_error();
  constexpr int kCallers = 3;
  std::vector<std::vector<unsigned char>> outs(kCallers,
                                               std::vector<unsigned char>(expected.size(), 0xEE));
  std::vector<ravel_status> statuses(kCallers, RAVEL_E_INTERNAL);
  std::vector<std::thread> callers;
  for (int t = 0; t < kCallers; ++t) {
    callers.emplace_back(
        [&, t] { statuses[t] = ravel_plan_execute(plan, src.data(), outs[t].data()); });
  }
  for (std::thread& caller : callers) {
    caller.join();
  }
  ravel_plan_destroy(plan);
  for (int t = 0; t < kCallers; ++t) {
    EXPECT_EQ(statuses[t], RAVEL_OK) << "caller " << t;
    EXPECT_TRUE(outs[t] == expected) << c.name << ": concurrent caller " << t << " differs";
  }
  EXPECT_FALSE(pool.duplicate.load()) << "a task index ran twice";
}

INSTANTIATE_TEST_SUITE_P(
    Orders, CallerPoolOrder,
    ::testing::Combine(::testing::ValuesIn(PoolCases()),
                       ::testing::Values(PoolOrder::kReverse, PoolOrder::kShuffled,
                                         PoolOrder::kThreads, PoolOrder::kThreadPerTask)),
    [](const ::testing::TestParamInfo<std::tuple<PoolCase, PoolOrder>>& param_info) {
      return std::get<0>(param_info.param).name + "_" +
             PoolOrderName(std::get<1>(param_info.param));
    });

// ---- Concurrent callers -------------------------------------------------------------------------

// Several threads run one-shot copies at once, over shapes they share (the process's plan cache)
// and in an order of their own (each thread's memo of its last copy); num_threads 1 stays on the
// callers' threads, 2 shares ravel's own pool between them.
void ConcurrentOneShotCopies(int32_t num_threads, int64_t scale, int iterations) {
  struct Shape {
    int64_t rows, cols, row, col;  // f32 view strides
  };
  const std::vector<Shape> shapes = {
      {17 * scale, 33 * scale, 1, 17 * scale},  {64 * scale, 48 * scale, 48 * scale, 1},
      {9 * scale, 31 * scale, 62 * scale, 2},   {33 * scale, 17 * scale, 1, 33 * scale},
      {48 * scale, 64 * scale, 128 * scale, 1}, {5 * scale, 7 * scale, 7 * scale, 1},
  };
  std::vector<float> src(static_cast<size_t>(200 * 200 * scale * scale));
  for (size_t i = 0; i < src.size(); ++i) {
    src[i] = static_cast<float>(i);
  }
  std::vector<std::vector<float>> expected;
  for (const Shape& s : shapes) {
    expected.push_back(Expected(src, s.rows, s.cols, s.row, s.col));
  }
  constexpr int kCallers = 4;
  std::vector<int> wrong(kCallers, 0);
  std::vector<std::thread> callers;
  for (int t = 0; t < kCallers; ++t) {
    callers.emplace_back([&, t] {
      ravel_options options;
      ravel_options_init(&options);
      options.num_threads = num_threads;
      for (int i = 0; i < iterations; ++i) {
        const size_t which = static_cast<size_t>(i * (t + 1) + t) % shapes.size();
        const Shape& s = shapes[which];
        const int64_t shape[2] = {s.rows, s.cols};
        const int64_t strides[2] = {s.row, s.col};
        const ravel_layout layout{2, 4, shape, strides};
        std::vector<float> dst(static_cast<size_t>(s.rows * s.cols), -1.0f);
        // Twice in a row: the second call is served by this thread's memo.
        for (int repeat = 0; repeat < 2; ++repeat) {
          if (ravel_copy(src.data(), &layout, dst.data(), nullptr, &options) != RAVEL_OK ||
              dst != expected[which]) {
            ++wrong[t];
          }
        }
      }
    });
  }
  for (std::thread& caller : callers) {
    caller.join();
  }
  for (int t = 0; t < kCallers; ++t) {
    EXPECT_EQ(wrong[t], 0) << "caller " << t;
  }
}

TEST(ConcurrentCallers, OneShotCopiesOnTheCallersThreads) {
  ConcurrentOneShotCopies(/*num_threads=*/1, /*scale=*/1, /*iterations=*/150);
}

TEST(ConcurrentCallers, OneShotCopiesSharingRavelsOwnPool) {
  // Copies of up to 3 MiB, most of them large enough to split into tasks on ravel's pool.
  ConcurrentOneShotCopies(/*num_threads=*/2, /*scale=*/16, /*iterations=*/4);
}

}  // namespace
