// Seeded randomized differential tests of ravel_copy and ravel_plan_create/execute against a
// naive odometer oracle written here: element sizes 1..16, ranks 0..6, permuted, sliced,
// reversed, broadcast and arbitrary source strides, dense or strided destinations, misaligned
// pointers, every backend, every ISA this machine runs, streaming off and on, ravel's threads
// and the caller's. Every byte of the destination buffer outside the view must keep its canary.
// RAVEL_TEST_SEED=<n> replays another seed; RAVEL_TEST_SCALE=<n> runs 1/n of the cases.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "plan/plan.h"
#include "ravel/ravel.h"
#include "test_rng.h"

namespace ravel_test {
namespace {

constexpr uint64_t kDefaultSeed = 0x7261'7665'6c5f'7465;
constexpr int64_t kElemSizes[] = {1, 2, 3, 4, 8, 12, 16};
constexpr int32_t kMaxRandomRank = 8;
constexpr size_t kGuardBytes = 64;
constexpr size_t kBufferAlignment = 64;
constexpr int kSmallCasesPerElemSize = 1500;
constexpr int kLargeCasesPerElemSize = 2;
constexpr int64_t kSmallMaxElements = 600;
constexpr int64_t kMediumMaxElements = 20000;
constexpr int kMediumPercent = 5;
constexpr int64_t kLargeMinBytes = int64_t{1} << 20;
constexpr int64_t kLargeMaxBytes = int64_t{4} << 20;
constexpr size_t kMaxCallerThreads = 3;
constexpr int64_t kBufferBudgetFactor = 4;
constexpr int64_t kBufferBudgetMin = 4096;

uint64_t BaseSeed() { return ravel_test::BaseSeed(kDefaultSeed); }

std::string Join(const std::vector<int64_t>& values) {
  std::string text = "[";
  for (size_t i = 0; i < values.size(); ++i) {
    text += (i == 0 ? "" : ",") + std::to_string(values[i]);
  }
  return text + "]";
}

int64_t CountOf(const std::vector<int64_t>& shape) {
  int64_t count = 1;
  for (int64_t extent : shape) {
    count *= extent;
  }
  return count;
}

// The shape with extents 0 read as 1: what a buffer for its non-empty neighbours holds.
std::vector<int64_t> NonEmpty(std::vector<int64_t> shape) {
  for (int64_t& extent : shape) {
    extent = std::max<int64_t>(extent, 1);
  }
  return shape;
}

std::vector<int64_t> DenseStrides(const std::vector<int64_t>& shape) {
  std::vector<int64_t> strides(shape.size());
  int64_t stride = 1;
  for (size_t d = shape.size(); d-- > 0;) {
    strides[d] = stride;
    stride *= std::max<int64_t>(shape[d], 1);
  }
  return strides;
}

// A view into a buffer of `elements` elements: index (0, ..., 0) is element `offset`.
struct View {
  std::string kind;
  std::vector<int64_t> strides;
  int64_t offset = 0;
  int64_t elements = 1;
  bool null_strides = false;
};

struct Case {
  int64_t elem_size = 1;
  std::vector<int64_t> shape;
  View src;
  bool dst_dense = true;
  View dst;
  int64_t src_misalign[2] = {0, 0};
  int64_t dst_misalign[2] = {0, 0};
};

std::string Describe(const Case& c) {
  std::string text = "elem_size " + std::to_string(c.elem_size) + " shape " + Join(c.shape) +
                     "; src (" + c.src.kind + ") strides " +
                     (c.src.null_strides ? "NULL" : Join(c.src.strides)) + " offset " +
                     std::to_string(c.src.offset) + " of " + std::to_string(c.src.elements) +
                     " elements, misalign " + std::to_string(c.src_misalign[0]) + "/" +
                     std::to_string(c.src_misalign[1]) + "; dst ";
  if (c.dst_dense) {
    text += "NULL layout (dense)";
  } else {
    text += "(" + c.dst.kind + ") strides " + Join(c.dst.strides) + " offset " +
            std::to_string(c.dst.offset) + " of " + std::to_string(c.dst.elements) + " elements";
  }
  return text + ", misalign " + std::to_string(c.dst_misalign[0]) + "/" +
         std::to_string(c.dst_misalign[1]);
}

std::vector<int64_t> RandomShape(Rng& rng, int32_t rank, int64_t max_elements) {
  static const std::vector<int64_t> kExtents = {0,  1,  1,  1,  2,  2,  3,  4,  5,  7,  8,  11,
                                                13, 15, 16, 17, 23, 31, 32, 33, 64, 67, 97, 131};
  std::vector<int64_t> shape(static_cast<size_t>(rank));
  for (int64_t& extent : shape) {
    extent = rng.Percent(3) ? 0 : rng.Pick(kExtents);
  }
  while (CountOf(NonEmpty(shape)) > max_elements) {
    int64_t& largest = *std::max_element(shape.begin(), shape.end());
    largest = std::max<int64_t>(1, largest / 2 - (rng.Percent(50) ? 1 : 0));
  }
  return shape;
}

// A shape of about target elements (rank 2..4) whose extents are odd, prime or powers of two.
std::vector<int64_t> LargeShape(Rng& rng, int64_t target) {
  static const std::vector<int64_t> kSmallExtents = {2, 3, 4, 7, 8, 16, 17, 31, 64};
  const int32_t rank = static_cast<int32_t>(rng.Uniform(2, 4));
  std::vector<int64_t> shape;
  int64_t count = 1;
  for (int32_t d = 0; d + 2 < rank; ++d) {
    shape.push_back(rng.Pick(kSmallExtents));
    count *= shape.back();
  }
  const int64_t rest = std::max<int64_t>(1, target / count);
  int64_t rows = 1;
  while (rows * rows < rest) {
    ++rows;
  }
  rows = std::max<int64_t>(1, rows + rng.Uniform(-rows / 2, rows / 2) + (rows % 2 == 0 ? 1 : 0));
  shape.push_back(rows);
  shape.push_back(std::max<int64_t>(1, rest / rows));
  rng.Shuffle(&shape);
  return shape;
}

struct ViewLimits {
  bool allow_broadcast;
  bool allow_arbitrary;
  int64_t max_step;
  int max_steps;  // dims that may get a step other than +-1
  bool padding;   // base dims longer than the slice, and base dims selected away
};

// A slice of a permuted dense base tensor: each view dim is a base dim walked with a step (of
// either sign) from a start, or a broadcast (stride 0); extra base dims are selected away. Such a
// view never maps two indices onto one element unless it broadcasts.
View SlicedPermutedView(Rng& rng, const std::vector<int64_t>& shape, const ViewLimits& limits) {
  struct BaseDim {
    int64_t extent;
    int32_t view_dim;  // -1: selected away at `index`
    int64_t index;
    int64_t step;
  };
  std::vector<BaseDim> base;
  std::vector<bool> broadcast(shape.size(), false);
  int steps_left = limits.max_steps;
  for (size_t d = 0; d < shape.size(); ++d) {
    const int64_t n = shape[d];
    if (limits.allow_broadcast && rng.Percent(12)) {
      broadcast[d] = true;
      continue;
    }
    int64_t step = 1;
    if (steps_left > 0 && rng.Percent(25)) {
      step = rng.Uniform(2, limits.max_step);
      --steps_left;
    }
    if (rng.Percent(25)) {
      step = -step;
    }
    const int64_t start_pad = limits.padding && rng.Percent(30) ? rng.Uniform(1, 2) : 0;
    const int64_t end_pad = limits.padding && rng.Percent(30) ? rng.Uniform(1, 3) : 0;
    const int64_t used = n == 0 ? 1 : (n - 1) * (step < 0 ? -step : step) + 1;
    const int64_t first = step > 0 ? start_pad : start_pad + used - 1;
    base.push_back({start_pad + used + end_pad, static_cast<int32_t>(d), first, step});
  }
  if (limits.padding && rng.Percent(20)) {
    const int64_t extra = rng.Uniform(1, 2);
    for (int64_t e = 0; e < extra; ++e) {
      const int64_t extent = rng.Uniform(2, 3);
      base.push_back({extent, -1, rng.Uniform(0, extent - 1), 0});
    }
  }
  rng.Shuffle(&base);
  std::vector<int64_t> base_shape;
  for (const BaseDim& dim : base) {
    base_shape.push_back(dim.extent);
  }
  const std::vector<int64_t> base_strides = DenseStrides(base_shape);
  View view;
  view.kind = "sliced/permuted";
  view.strides.assign(shape.size(), 0);
  view.elements = CountOf(base_shape);
  for (size_t b = 0; b < base.size(); ++b) {
    view.offset += base[b].index * base_strides[b];
    if (base[b].view_dim >= 0) {
      view.strides[static_cast<size_t>(base[b].view_dim)] = base[b].step * base_strides[b];
    }
  }
  if (std::find(broadcast.begin(), broadcast.end(), true) != broadcast.end()) {
    view.kind += "+broadcast";
  }
  return view;
}

// Arbitrary small strides of any sign, zero included (two indices may read one element).
View ArbitraryView(Rng& rng, const std::vector<int64_t>& shape) {
  View view;
  view.kind = "arbitrary";
  int64_t lo = 0;
  int64_t hi = 0;
  bool empty = false;
  for (int64_t n : shape) {
    const int64_t stride = rng.Uniform(-7, 7);
    view.strides.push_back(stride);
    empty = empty || n == 0;
    const int64_t reach = n == 0 ? 0 : (n - 1) * stride;
    (reach < 0 ? lo : hi) += reach;
  }
  view.offset = empty ? 0 : -lo;
  view.elements = empty ? 1 : hi - lo + 1;
  return view;
}

View DenseNullView(const std::vector<int64_t>& shape) {
  View view;
  view.kind = "dense";
  view.strides = DenseStrides(shape);
  view.elements = std::max<int64_t>(1, CountOf(shape));
  view.null_strides = true;
  return view;
}

int64_t RandomMisalign(Rng& rng, int64_t elem_size) {
  if (elem_size > 1 && rng.Percent(60)) {
    return rng.Uniform(1, elem_size - 1);
  }
  return rng.Percent(50) ? 0 : rng.Uniform(1, 63);
}

// A sliced/permuted view whose buffer stays within a few times the element count.
View BoundedView(Rng& rng, const std::vector<int64_t>& shape, const ViewLimits& limits) {
  constexpr int kTries = 8;
  const int64_t budget = std::max(kBufferBudgetFactor * CountOf(NonEmpty(shape)), kBufferBudgetMin);
  for (int t = 0; t < kTries; ++t) {
    View view = SlicedPermutedView(rng, shape, limits);
    if (view.elements <= budget) {
      return view;
    }
  }
  ViewLimits compact = limits;
  compact.max_steps = 0;
  compact.padding = false;
  return SlicedPermutedView(rng, shape, compact);
}

Case RandomCase(Rng& rng, int64_t elem_size, const std::vector<int64_t>& shape,
                const ViewLimits& limits) {
  Case c;
  c.elem_size = elem_size;
  c.shape = shape;
  const int64_t src_kind = rng.Uniform(0, 99);
  if (src_kind < 8) {
    c.src = DenseNullView(shape);
  } else if (src_kind < 20 && limits.allow_arbitrary) {
    c.src = ArbitraryView(rng, shape);
  } else {
    c.src = BoundedView(rng, shape, limits);
  }
  c.dst_dense = rng.Percent(40);
  if (c.dst_dense) {
    c.dst = DenseNullView(shape);
  } else {
    ViewLimits dst_limits = limits;
    dst_limits.allow_broadcast = false;
    c.dst = BoundedView(rng, shape, dst_limits);
    c.dst.null_strides =
        rng.Percent(5) && c.dst.offset == 0 && c.dst.strides == DenseStrides(shape);
  }
  for (int pair = 0; pair < 2; ++pair) {
    c.src_misalign[pair] = RandomMisalign(rng, elem_size);
    c.dst_misalign[pair] = RandomMisalign(rng, elem_size);
  }
  return c;
}

// One allocation: guard bytes, the misaligned view buffer, guard bytes.
class Buffer {
 public:
  Buffer(int64_t elements, int64_t elem_size, int64_t misalign)
      : storage_(2 * kGuardBytes + kBufferAlignment + static_cast<size_t>(misalign) +
                 static_cast<size_t>(elements * elem_size)) {
    const uintptr_t address = reinterpret_cast<uintptr_t>(storage_.data()) + kGuardBytes;
    begin_ = kGuardBytes + (kBufferAlignment - address % kBufferAlignment) % kBufferAlignment +
             static_cast<size_t>(misalign);
  }

  uint8_t* data() { return storage_.data(); }
  const uint8_t* data() const { return storage_.data(); }
  size_t size() const { return storage_.size(); }
  // Byte position of view element `element` in the storage.
  size_t At(int64_t element, int64_t elem_size) const {
    return begin_ + static_cast<size_t>(element * elem_size);
  }

 private:
  std::vector<uint8_t> storage_;
  size_t begin_ = 0;
};

// The oracle: visits every index with an odometer and moves elem_size bytes.
void OracleCopy(const Case& c, const uint8_t* src_origin, uint8_t* dst_origin,
                std::vector<bool>* covered, size_t dst_origin_pos) {
  if (CountOf(c.shape) == 0) {
    return;
  }
  const size_t rank = c.shape.size();
  std::vector<int64_t> index(rank, 0);
  while (true) {
    int64_t src_offset = 0;
    int64_t dst_offset = 0;
    for (size_t d = 0; d < rank; ++d) {
      src_offset += index[d] * c.src.strides[d];
      dst_offset += index[d] * c.dst.strides[d];
    }
    src_offset *= c.elem_size;
    dst_offset *= c.elem_size;
    std::memcpy(dst_origin + dst_offset, src_origin + src_offset, static_cast<size_t>(c.elem_size));
    for (int64_t b = 0; b < c.elem_size; ++b) {
      (*covered)[static_cast<size_t>(static_cast<int64_t>(dst_origin_pos) + dst_offset + b)] = true;
    }
    size_t d = rank;
    while (d > 0 && ++index[d - 1] == c.shape[d - 1]) {
      index[--d] = 0;
    }
    if (d == 0) {
      return;
    }
  }
}

// A source and a destination placement of a case, with the destination bytes expected after
// the copy and the bytes the destination view covers.
struct Placement {
  Buffer src;
  Buffer dst;
  std::vector<uint8_t> src_pristine;
  std::vector<uint8_t> dst_canary;
  std::vector<uint8_t> dst_expected;
  std::vector<bool> covered;
  size_t src_origin = 0;
  size_t dst_origin = 0;

  Placement(const Case& c, int pair, Rng& rng)
      : src(c.src.elements, c.elem_size, c.src_misalign[pair]),
        dst(c.dst.elements, c.elem_size, c.dst_misalign[pair]) {
    for (size_t i = 0; i < src.size(); ++i) {
      src.data()[i] = static_cast<uint8_t>(rng.Next());
    }
    src_pristine.assign(src.data(), src.data() + src.size());
    dst_canary.resize(dst.size());
    for (size_t i = 0; i < dst_canary.size(); ++i) {
      dst_canary[i] = static_cast<uint8_t>(0xA5 ^ (i * 0x3D) ^ (i >> 8));
    }
    dst_expected = dst_canary;
    covered.assign(dst.size(), false);
    src_origin = src.At(c.src.offset, c.elem_size);
    dst_origin = dst.At(c.dst.offset, c.elem_size);
    OracleCopy(c, src.data() + src_origin, dst_expected.data() + dst_origin, &covered, dst_origin);
  }

  const void* src_ptr() const { return src.data() + src_origin; }
  void* dst_ptr() { return dst.data() + dst_origin; }
  void ResetDst() { std::memcpy(dst.data(), dst_canary.data(), dst_canary.size()); }
};

// Counts the calls of a caller's parallel_for.
struct CallerPool {
  std::atomic<int64_t> calls{0};
  std::atomic<int64_t> tasks{0};
};

void ReverseParallelFor(void* pool, void (*task)(void*, size_t), void* ctx, size_t count) {
  auto* counter = static_cast<CallerPool*>(pool);
  counter->calls++;
  for (size_t i = count; i-- > 0;) {
    task(ctx, i);
    counter->tasks++;
  }
}

void ThreadedParallelFor(void* pool, void (*task)(void*, size_t), void* ctx, size_t count) {
  auto* counter = static_cast<CallerPool*>(pool);
  counter->calls++;
  const size_t threads = std::min(count, kMaxCallerThreads);
  std::vector<std::thread> workers;
  for (size_t t = 0; t < threads; ++t) {
    workers.emplace_back([=] {
      for (size_t i = t; i < count; i += threads) {
        task(ctx, i);
        counter->tasks++;
      }
    });
  }
  for (std::thread& worker : workers) {
    worker.join();
  }
}

enum class Pool { kOwn, kReverse, kThreaded };
enum class Api { kCopy, kPlan, kCopyNullOptions };

struct Config {
  int32_t backend = RAVEL_BACKEND_AUTO;
  int32_t isa = RAVEL_ISA_AUTO;
  int32_t streaming = RAVEL_STREAMING_AUTO;
  int32_t num_threads = 1;
  Pool pool = Pool::kOwn;
  Api api = Api::kCopy;
};

std::string Describe(const Config& config) {
  static const char* const kStreaming[] = {"auto", "off", "on"};
  static const char* const kPools[] = {"own", "caller-reverse", "caller-threads"};
  static const char* const kApis[] = {"ravel_copy", "ravel_plan_execute",
                                      "ravel_copy(options NULL)"};
  if (config.api == Api::kCopyNullOptions) {
    return kApis[static_cast<int>(config.api)];
  }
  return std::string(kApis[static_cast<int>(config.api)]) + " backend " +
         ravel::BackendName(static_cast<ravel_backend>(config.backend)) + " isa " +
         ravel_isa_name(config.isa) + " streaming " + kStreaming[config.streaming] +
         " num_threads " + std::to_string(config.num_threads) + " pool " +
         kPools[static_cast<int>(config.pool)];
}

std::vector<int32_t> AvailableIsas() {
  std::vector<int32_t> isas;
  for (int32_t isa = RAVEL_ISA_SCALAR; isa <= RAVEL_ISA_SVE; ++isa) {
    if (ravel_isa_available(isa) == 1) {
      isas.push_back(isa);
    }
  }
  return isas;
}

struct Target {
  int32_t backend;
  int32_t isa;
};

// AUTO (with a random ISA, AUTO included), reference, JIT, and Highway on every ISA.
std::vector<Target> Targets(Rng& rng) {
  const std::vector<int32_t> isas = AvailableIsas();
  std::vector<int32_t> auto_isas = isas;
  auto_isas.push_back(RAVEL_ISA_AUTO);
  std::vector<Target> targets = {{RAVEL_BACKEND_AUTO, rng.Pick(auto_isas)},
                                 {RAVEL_BACKEND_REFERENCE, RAVEL_ISA_AUTO},
                                 {RAVEL_BACKEND_JIT, RAVEL_ISA_AUTO}};
  for (int32_t isa : isas) {
    targets.push_back({RAVEL_BACKEND_HWY, isa});
  }
  return targets;
}

ravel_layout LayoutOf(const Case& c, const View& view) {
  ravel_layout layout;
  layout.rank = static_cast<int32_t>(c.shape.size());
  layout.elem_size = c.elem_size;
  layout.shape = c.shape.data();
  layout.strides = view.null_strides ? nullptr : view.strides.data();
  return layout;
}

::testing::AssertionResult CheckBytes(const Case& c, const Placement& p) {
  if (std::memcmp(p.src.data(), p.src_pristine.data(), p.src_pristine.size()) != 0) {
    return ::testing::AssertionFailure() << "the source buffer was modified";
  }
  if (std::memcmp(p.dst.data(), p.dst_expected.data(), p.dst_expected.size()) == 0) {
    return ::testing::AssertionSuccess();
  }
  size_t mismatches = 0;
  size_t first = p.dst_expected.size();
  for (size_t i = 0; i < p.dst_expected.size(); ++i) {
    if (p.dst.data()[i] != p.dst_expected[i]) {
      first = std::min(first, i);
      ++mismatches;
    }
  }
  const int64_t relative = static_cast<int64_t>(first) - static_cast<int64_t>(p.dst_origin);
  return ::testing::AssertionFailure()
         << mismatches << " dst bytes differ from the oracle; first at byte " << relative
         << " from the dst pointer (element " << relative / c.elem_size << " byte "
         << relative % c.elem_size << "), "
         << (p.covered[first] ? "inside the view" : "OUTSIDE the view (canary overwritten)")
         << ": expected " << int{p.dst_expected[first]} << ", got " << int{p.dst.data()[first]};
}

::testing::AssertionResult CheckUntouched(const Placement& p) {
  if (std::memcmp(p.dst.data(), p.dst_canary.data(), p.dst_canary.size()) != 0) {
    return ::testing::AssertionFailure() << "a failed call wrote to dst";
  }
  if (std::memcmp(p.src.data(), p.src_pristine.data(), p.src_pristine.size()) != 0) {
    return ::testing::AssertionFailure() << "a failed call wrote to src";
  }
  return ::testing::AssertionSuccess();
}

// The JIT backend may not exist yet: UNSUPPORTED with nothing written is then the right answer.
::testing::AssertionResult CheckStatus(ravel_status status, const Config& config,
                                       const Placement& p, bool* done) {
  *done = false;
  if (status == RAVEL_E_UNSUPPORTED && config.backend == RAVEL_BACKEND_JIT) {
    *done = true;
    if (ravel_last_error()[0] == '\0') {
      return ::testing::AssertionFailure() << "UNSUPPORTED without a message";
    }
    return CheckUntouched(p);
  }
  if (status != RAVEL_OK) {
    return ::testing::AssertionFailure()
           << "status " << ravel_status_string(status) << ": " << ravel_last_error();
  }
  if (ravel_last_error()[0] != '\0') {
    return ::testing::AssertionFailure()
           << "RAVEL_OK left the message \"" << ravel_last_error() << "\"";
  }
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult CheckPlan(ravel_plan plan, const Case& c, const Config& config) {
  if (plan == nullptr) {
    return ::testing::AssertionFailure() << "RAVEL_OK with a NULL plan";
  }
  const int32_t backend = ravel_plan_backend(plan);
  const int32_t isa = ravel_plan_isa(plan);
  if (backend == RAVEL_BACKEND_AUTO) {
    return ::testing::AssertionFailure() << "ravel_plan_backend returned AUTO";
  }
  if (CountOf(c.shape) == 0) {
    return ::testing::AssertionSuccess();
  }
  if (config.backend == RAVEL_BACKEND_REFERENCE &&
      (backend != RAVEL_BACKEND_REFERENCE || isa != RAVEL_ISA_SCALAR)) {
    return ::testing::AssertionFailure()
           << "forced reference ran on backend " << backend << " isa " << ravel_isa_name(isa);
  }
  if (config.backend == RAVEL_BACKEND_HWY && (backend != RAVEL_BACKEND_HWY || isa != config.isa)) {
    return ::testing::AssertionFailure()
           << "forced hwy/" << ravel_isa_name(config.isa) << " ran on backend " << backend
           << " isa " << ravel_isa_name(isa);
  }
  return ::testing::AssertionSuccess();
}

// The plan ravel would run for these arguments, for failure messages.
std::string PlanFor(const ravel_layout* src, const ravel_layout* dst,
                    const ravel_options* options) {
  ravel_plan plan = nullptr;
  if (ravel_plan_create(src, dst, options, &plan) != RAVEL_OK) {
    return std::string("none: ") + ravel_last_error();
  }
  char text[1024];
  ravel_plan_describe(plan, text, sizeof(text));
  ravel_plan_destroy(plan);
  return text;
}

// Runs one configuration on a case once per placement (the second call repeats the first one's
// layouts and options on new pointers) and compares every byte with the oracle.
::testing::AssertionResult RunConfig(const Case& c, std::vector<Placement>& placements,
                                     const Config& config, CallerPool* pool, int pair) {
  ravel_options options;
  ravel_options_init(&options);
  options.backend = config.backend;
  options.isa = config.isa;
  options.streaming = config.streaming;
  options.num_threads = config.num_threads;
  if (config.pool != Pool::kOwn) {
    options.parallel_for =
        config.pool == Pool::kReverse ? &ReverseParallelFor : &ThreadedParallelFor;
    options.pool = pool;
  }
  const ravel_options* options_arg = config.api == Api::kCopyNullOptions ? nullptr : &options;
  const ravel_layout src_layout = LayoutOf(c, c.src);
  const ravel_layout dst_layout = LayoutOf(c, c.dst);
  const ravel_layout* dst = c.dst_dense ? nullptr : &dst_layout;
  bool done = false;
  ravel_plan plan = nullptr;
  if (config.api == Api::kPlan) {
    static char not_a_plan;
    plan = reinterpret_cast<ravel_plan>(&not_a_plan);
    const ravel_status status = ravel_plan_create(&src_layout, dst, &options, &plan);
    if (status != RAVEL_OK && plan != nullptr) {
      return ::testing::AssertionFailure() << "a failed ravel_plan_create left *plan non-NULL";
    }
    placements[0].ResetDst();
    ::testing::AssertionResult created = CheckStatus(status, config, placements[0], &done);
    if (created && !done) {
      created = CheckPlan(plan, c, config);
    }
    if (!created || done) {
      ravel_plan_destroy(plan);
      return created;
    }
  }
  ::testing::AssertionResult result = ::testing::AssertionSuccess();
  for (size_t i = 0; i < placements.size() && result; ++i) {
    Placement& p = placements[(i + static_cast<size_t>(pair)) % placements.size()];
    p.ResetDst();
    const ravel_status status =
        plan != nullptr ? ravel_plan_execute(plan, p.src_ptr(), p.dst_ptr())
                        : ravel_copy(p.src_ptr(), &src_layout, p.dst_ptr(), dst, options_arg);
    result = CheckStatus(status, config, p, &done);
    if (result && !done) {
      result = CheckBytes(c, p);
    }
    if (!result) {
      result << " (call " << i + 1 << " of " << placements.size()
             << " on its own pointers; plan: " << PlanFor(&src_layout, dst, options_arg) << ")";
    }
  }
  ravel_plan_destroy(plan);
  return result;
}

uint64_t SeedFor(uint64_t base, int64_t elem_size, uint64_t salt) {
  Rng mix(base ^ (static_cast<uint64_t>(elem_size) << 32) ^ salt);
  return mix.Next();
}

class CopyRandomTest : public ::testing::TestWithParam<int64_t> {};

TEST_P(CopyRandomTest, SmallViewsEveryBackendAndIsa) {
  const int64_t elem_size = GetParam();
  const uint64_t base = BaseSeed();
  SCOPED_TRACE("RAVEL_TEST_SEED=" + std::to_string(base));
  Rng rng(SeedFor(base, elem_size, 1));
  CallerPool pool;
  for (int n = 0; n < ScaledCount(kSmallCasesPerElemSize); ++n) {
    const int32_t rank = static_cast<int32_t>(rng.Uniform(0, kMaxRandomRank));
    const bool medium = rng.Percent(kMediumPercent);
    const std::vector<int64_t> shape =
        RandomShape(rng, rank, medium ? kMediumMaxElements : kSmallMaxElements);
    const Case c = RandomCase(rng, elem_size, shape, ViewLimits{true, true, 3, rank, true});
    SCOPED_TRACE("case " + std::to_string(n) + ": " + Describe(c));
    std::vector<Placement> placements;
    placements.emplace_back(c, 0, rng);
    placements.emplace_back(c, 1, rng);
    int pair = 0;
    for (const Target& target : Targets(rng)) {
      for (int32_t streaming : {RAVEL_STREAMING_OFF, RAVEL_STREAMING_ON}) {
        for (Api api : {Api::kCopy, Api::kPlan}) {
          Config config;
          config.backend = target.backend;
          config.isa = target.isa;
          config.streaming = streaming;
          config.num_threads = static_cast<int32_t>(rng.Uniform(1, 2));
          config.pool = static_cast<Pool>(rng.Uniform(0, 2));
          config.api = api;
          pair ^= 1;
          ASSERT_TRUE(RunConfig(c, placements, config, &pool, pair)) << Describe(config);
        }
      }
    }
    Config defaults;
    defaults.api = Api::kCopyNullOptions;
    ASSERT_TRUE(RunConfig(c, placements, defaults, &pool, 0)) << Describe(defaults);
  }
}

TEST_P(CopyRandomTest, LargeViewsEveryThreadingMode) {
  const int64_t elem_size = GetParam();
  const uint64_t base = BaseSeed();
  SCOPED_TRACE("RAVEL_TEST_SEED=" + std::to_string(base));
  Rng rng(SeedFor(base, elem_size, 2));
  CallerPool pool;
  struct Threading {
    int32_t num_threads;
    Pool pool;
  };
  const Threading kThreadings[] = {{1, Pool::kOwn},     {2, Pool::kOwn},      {2, Pool::kReverse},
                                   {4, Pool::kReverse}, {2, Pool::kThreaded}, {4, Pool::kThreaded}};
  for (int n = 0; n < ScaledCount(kLargeCasesPerElemSize); ++n) {
    const int64_t bytes = rng.Uniform(kLargeMinBytes, kLargeMaxBytes);
    const std::vector<int64_t> shape = LargeShape(rng, bytes / elem_size);
    const Case c = RandomCase(rng, elem_size, shape, ViewLimits{true, false, 2, 1, true});
    SCOPED_TRACE("large case " + std::to_string(n) + ": " + Describe(c));
    std::vector<Placement> placements;
    placements.emplace_back(c, 0, rng);
    placements.emplace_back(c, 1, rng);
    int pair = 0;
    for (const Target& target : Targets(rng)) {
      for (int32_t streaming : {RAVEL_STREAMING_OFF, RAVEL_STREAMING_ON}) {
        for (const Threading& threading : kThreadings) {
          Config config;
          config.backend = target.backend;
          config.isa = target.isa;
          config.streaming = streaming;
          config.num_threads = threading.num_threads;
          config.pool = threading.pool;
          config.api = rng.Percent(50) ? Api::kCopy : Api::kPlan;
          pair ^= 1;
          ASSERT_TRUE(RunConfig(c, placements, config, &pool, pair)) << Describe(config);
        }
      }
    }
  }
  EXPECT_GT(pool.calls.load(), 0) << "no large copy ran on the caller's parallel_for";
  EXPECT_GT(pool.tasks.load(), pool.calls.load()) << "the caller's pool never got two tasks";
}

std::string ElemSizeName(const ::testing::TestParamInfo<int64_t>& param_info) {
  return "elem" + std::to_string(param_info.param);
}

INSTANTIATE_TEST_SUITE_P(ElemSizes, CopyRandomTest, ::testing::ValuesIn(kElemSizes), ElemSizeName);

}  // namespace
}  // namespace ravel_test
