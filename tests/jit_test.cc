// The JIT backend: generated code against the reference backend on the named edge cases and on
// randomized problems of every family x element width, forced (AVX2; AVX-512 requests when the
// CPU has it), with streaming on and off, 1 and 2 threads, misaligned pointers, canaries around
// the destination; the JIT cache under 8 threads, its bounds and failures; RAVEL_JIT=0; and no
// mapping ever writable and executable while kernels are generated and run.
#include <gtest/gtest.h>

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <numeric>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "jit/cache.h"
#include "jit/jit.h"
#include "kernel_cases.h"
#include "layout.h"
#include "plan/plan.h"
#include "plan/problem.h"
#include "ravel/ravel.h"

namespace ravel_test {
namespace {

bool JitAvailable() { return ravel::jit::Built() && ravel_isa_available(RAVEL_ISA_AVX2); }

std::string Describe(ravel_plan plan) {
  char text[1024];
  ravel_plan_describe(plan, text, sizeof(text));
  return text;
}

// The JIT's output equals the reference's for c, for every option combination; returns the
// family of the JIT plan ("" for an empty copy).
std::string CheckCase(const KernelCase& c, int32_t isa, const std::vector<int>& shifts) {
  const int64_t src_bytes = Extent(c.src) * c.elem_size;
  std::string family;
  for (int shift : shifts) {
    std::vector<unsigned char> src(static_cast<size_t>(src_bytes + shift));
    std::mt19937 rng(static_cast<uint32_t>(src.size() * 31 + static_cast<size_t>(shift)));
    for (unsigned char& byte : src) {
      byte = static_cast<unsigned char>(rng());
    }
    ravel_options reference_options;
    ravel_options_init(&reference_options);
    reference_options.backend = RAVEL_BACKEND_REFERENCE;
    reference_options.num_threads = 1;
    PlannedRun run;
    const std::vector<unsigned char> expected = RunPlanned(c, reference_options, shift, src, &run);
    EXPECT_EQ(run.status, RAVEL_OK) << Describe(c) << ": " << ravel_last_error();
    for (int32_t streaming : {RAVEL_STREAMING_OFF, RAVEL_STREAMING_ON}) {
      for (int32_t threads : {1, 2}) {
        ravel_options options;
        ravel_options_init(&options);
        options.backend = RAVEL_BACKEND_JIT;
        options.isa = isa;
        options.streaming = streaming;
        options.num_threads = threads;
        const std::vector<unsigned char> actual = RunPlanned(c, options, shift, src, &run);
        EXPECT_EQ(run.status, RAVEL_OK) << Describe(c) << ": " << ravel_last_error();
        if (run.status != RAVEL_OK) {
          return family;
        }
        const std::string& description = run.description;
        const bool empty = description.find("family: empty") != std::string::npos;
        if (!empty) {
          // Forcing took effect: the plan runs generated code.
          EXPECT_EQ(run.backend, RAVEL_BACKEND_JIT) << description;
          const size_t at = description.find("family: ");
          family = description.substr(at + 8, description.find(';', at) - at - 8);
        }
        EXPECT_TRUE(actual == expected)
            << Describe(c) << " isa " << ravel_isa_name(isa) << " shift " << shift << " streaming "
            << streaming << " threads " << threads << "\n  " << description;
        if (actual != expected) {
          return family;
        }
      }
    }
  }
  return family;
}

const int64_t kWidths[] = {1, 2, 3, 4, 8, 12, 16};

class JitKernelsTest : public ::testing::TestWithParam<std::tuple<int32_t, int64_t>> {
 protected:
  void SetUp() override {
    if (!JitAvailable()) {
      GTEST_SKIP() << "no JIT backend in this build or no AVX2 on this CPU";
    }
    if (!ravel_isa_available(std::get<0>(GetParam()))) {
      GTEST_SKIP() << ravel_isa_name(std::get<0>(GetParam())) << " is not available here";
    }
  }
};

TEST_P(JitKernelsTest, MatchesReferenceOnEdgeCases) {
  const int32_t isa = std::get<0>(GetParam());
  const int64_t elem = std::get<1>(GetParam());
  for (const KernelCase& c : EdgeCases(elem)) {
    CheckCase(c, isa, {0, 3});
    if (HasFailure()) {
      return;
    }
  }
}

// Where Highway's row kernel beats the generator's bodies (streaming staged transposes with
// column tiles, whole-line streamed broadcasts and reverses, large gathers, long narrow
// transposes), forced JIT plans call that kernel from the generated loop nest, with the
// block edges and column offsets Highway's own driver would pass.
TEST_P(JitKernelsTest, CallsHighwayKernelWhereItIsFaster) {
  const int32_t isa = std::get<0>(GetParam());
  const int64_t elem = std::get<1>(GetParam());
  if (elem != 1 && elem != 2 && elem != 4 && elem != 8) {
    GTEST_SKIP() << "Highway kernels of width " << elem << " are element by element";
  }
  std::vector<KernelCase> cases = {
      {"staged_transpose", elem, Permuted({1030, 301}, {1, 0}), DenseView({301, 1030})},
      {"staged_permute", elem, Permuted({3, 300, 259}, {0, 2, 1}), DenseView({3, 259, 300})},
      {"broadcast_rows", elem, ViewSpec{{37, 1031}, {1, 0}, 0}, DenseView({37, 1031})},
      {"reverse_rows", elem, ViewSpec{{37, 1031}, {1031, -1}, 1030}, DenseView({37, 1031})},
      {"hwc_to_chw", elem, Permuted({9001, 3}, {1, 0}), DenseView({3, 9001})},
      {"large_gather", elem, ViewSpec{{131, 2000}, {4000, 2}, 0}, DenseView({131, 2000})},
      // x[:, ::2].t() of a 75 x 140 buffer, small: a tile of stepped runs, transposed
      {"stepped_transpose", elem, ViewSpec{{70, 75}, {2, 140}, 0}, DenseView({70, 75})},
  };
  if (elem == 4 || elem <= 2) {  // a small gather of every 6th element: lanes or bytes moved
    cases.push_back({"gather_step6", elem, ViewSpec{{40, 100}, {601, 6}, 0}, DenseView({40, 100})});
  }
  if (elem == 1) {  // bytes of 6-channel pixels into planes: Highway's narrow tiles
    cases.push_back(
        {"pixels_to_6_planes", elem, Permuted({9001, 6}, {1, 0}), DenseView({6, 9001})});
  }
  if (elem <= 2) {  // runs of 3 of every 4 elements: under 16 bytes, packed by Highway
    cases.push_back({"short_runs", elem, ViewSpec{{1000, 3}, {4, 1}, 0}, DenseView({1000, 3})});
  }
  for (const KernelCase& c : cases) {
    const int64_t src_bytes = Extent(c.src) * c.elem_size;
    std::vector<unsigned char> src(static_cast<size_t>(src_bytes + 1));
    std::mt19937 rng(static_cast<uint32_t>(src.size()));
    for (unsigned char& byte : src) {
      byte = static_cast<unsigned char>(rng());
    }
    ravel_options options;
    ravel_options_init(&options);
    options.backend = RAVEL_BACKEND_REFERENCE;
    PlannedRun run;
    const std::vector<unsigned char> expected = RunPlanned(c, options, 1, src, &run);
    ASSERT_EQ(run.status, RAVEL_OK) << ravel_last_error();
    options.backend = RAVEL_BACKEND_JIT;
    options.isa = isa;
    options.streaming = RAVEL_STREAMING_ON;
    options.num_threads = 1;
    const std::vector<unsigned char> actual = RunPlanned(c, options, 1, src, &run);
    ASSERT_EQ(run.status, RAVEL_OK) << Describe(c) << ": " << ravel_last_error();
    EXPECT_EQ(run.backend, RAVEL_BACKEND_JIT) << run.description;
    EXPECT_NE(run.description.find("-calls-hwy-"), std::string::npos) << run.description;
    EXPECT_TRUE(actual == expected) << Describe(c) << "\n  " << run.description;
  }
}

// A random extent: small, primes, around micro-tile edges, sometimes 1.
int64_t RandomExtent(std::mt19937& rng) {
  static const int64_t kExtents[] = {1,  1,  2,  3,  4,  5,  7,  8,  9,  11, 13,  15, 16,
                                     17, 23, 31, 32, 33, 37, 63, 64, 65, 97, 127, 131};
  return kExtents[rng() % (sizeof(kExtents) / sizeof(kExtents[0]))];
}

// A random problem whose innermost destination dim makes the given family: copy runs,
// transpose, gather, broadcast, reverse. Outer dims may be permuted, padded or reversed.
KernelCase RandomCase(std::mt19937& rng, int64_t elem, int family) {
  const int rank = 1 + static_cast<int>(rng() % 4) + (family == 1 ? 1 : 0);
  std::vector<int64_t> shape(static_cast<size_t>(rank));
  int64_t count = 1;
  for (int64_t& extent : shape) {
    extent = RandomExtent(rng);
    count *= extent;
  }
  while (count > (int64_t{1} << 15)) {  // small problems; a few large ones below
    int64_t& largest = *std::max_element(shape.begin(), shape.end());
    count /= largest;
    largest = 1 + static_cast<int64_t>(rng() % 16);
    count *= largest;
  }
  if (rng() % 8 == 0 && count < 4096) {
    shape[0] *= 97;  // sometimes large enough for two threads
  }
  // The source: a dense buffer of the dims in a random order, padded, then the view's strides.
  std::vector<int> order(static_cast<size_t>(rank));
  for (int d = 0; d < rank; ++d) {
    order[static_cast<size_t>(d)] = d;
  }
  std::shuffle(order.begin(), order.end(), rng);
  const int inner = rank - 1;
  if (family != 1) {
    // The innermost view dim is the innermost source dim (unit stride before the family's step).
    order.erase(std::find(order.begin(), order.end(), inner));
    order.push_back(inner);
  } else if (order.back() == inner) {
    std::swap(order.front(), order.back());  // a transpose: another dim is unit-stride
  }
  const int64_t step = family == 2 ? 2 + static_cast<int64_t>(rng() % 3) : 1;
  std::vector<int64_t> strides(static_cast<size_t>(rank));
  int64_t stride = 1;
  for (size_t k = order.size(); k-- > 0;) {
    const int d = order[k];
    const int64_t extent = shape[static_cast<size_t>(d)];
    strides[static_cast<size_t>(d)] = stride * (d == inner ? step : 1);
    stride *= extent * (d == inner ? step : 1) + (rng() % 3 == 0 ? 1 : 0);
  }
  int64_t offset = 0;
  if (family == 3) {
    strides[static_cast<size_t>(inner)] = 0;
  }
  if (family == 4) {
    strides[static_cast<size_t>(inner)] = -strides[static_cast<size_t>(inner)];
  }
  for (int d = 0; d < rank; ++d) {
    const bool flip = d != inner && rng() % 4 == 0;
    if (flip) {
      strides[static_cast<size_t>(d)] = -strides[static_cast<size_t>(d)];
    }
  }
  for (int d = 0; d < rank; ++d) {
    if (strides[static_cast<size_t>(d)] < 0) {
      offset += -strides[static_cast<size_t>(d)] * (shape[static_cast<size_t>(d)] - 1);
    }
  }
  KernelCase c;
  c.name = "random_family" + std::to_string(family);
  c.elem_size = elem;
  c.src = ViewSpec{shape, strides, offset};
  if (rng() % 3 == 0) {
    // A padded destination (a slice of a wider buffer): canaries in the gaps.
    std::vector<int64_t> dst_strides(static_cast<size_t>(rank));
    int64_t dst_stride = 1;
    for (int d = rank; d-- > 0;) {
      dst_strides[static_cast<size_t>(d)] = dst_stride;
      dst_stride *= shape[static_cast<size_t>(d)] + (d == inner ? 0 : 2);
    }
    c.dst = ViewSpec{shape, dst_strides, 0};
  } else {
    c.dst = DenseView(shape);
  }
  return c;
}

TEST_P(JitKernelsTest, MatchesReferenceOnRandomProblems) {
  const int32_t isa = std::get<0>(GetParam());
  const int64_t elem = std::get<1>(GetParam());
  std::mt19937 rng(static_cast<uint32_t>(1000 * elem + isa));
  std::set<std::string> families;
  for (int i = 0; i < 60; ++i) {
    const KernelCase c = RandomCase(rng, elem, i % 5);
    families.insert(CheckCase(c, isa, {0, 1}));
    if (HasFailure()) {
      return;
    }
  }
  if (elem == 1 || elem == 2 || elem == 4 || elem == 8 || elem == 16) {
    // The generator saw every family at this width.
    for (const char* family : {"copy-runs", "transpose", "gather", "broadcast", "reverse"}) {
      EXPECT_EQ(families.count(family), 1u) << family << " never generated for elem " << elem;
    }
  }
}

std::string ParamName(const ::testing::TestParamInfo<std::tuple<int32_t, int64_t>>& info) {
  return std::string(ravel_isa_name(std::get<0>(info.param))) + "_elem" +
         std::to_string(std::get<1>(info.param));
}

INSTANTIATE_TEST_SUITE_P(Isas, JitKernelsTest,
                         ::testing::Combine(::testing::Values(RAVEL_ISA_AVX2, RAVEL_ISA_AVX512),
                                            ::testing::ValuesIn(kWidths)),
                         ParamName);

// ---- plans, built as the library builds them, for the cache tests.

std::shared_ptr<ravel::Plan> HwyPlan(const KernelCase& c) {
  const ravel_layout src = LayoutOf(c.src, c.elem_size);
  const ravel_layout dst = LayoutOf(c.dst, c.elem_size);
  ravel::Layout src_layout;
  ravel::Layout dst_layout;
  src_layout.rank = dst_layout.rank = src.rank;
  src_layout.elem_size = dst_layout.elem_size = c.elem_size;
  for (int32_t d = 0; d < src.rank; ++d) {
    src_layout.shape[d] = dst_layout.shape[d] = src.shape[d];
    src_layout.strides[d] = src.strides[d];
    dst_layout.strides[d] = dst.strides[d];
  }
  ravel::PlanRequest request;
  request.backend = RAVEL_BACKEND_HWY;
  request.isa = ravel::Isa::kAvx2;
  request.max_threads = 1;
  request.streaming = RAVEL_STREAMING_OFF;
  auto plan = std::make_shared<ravel::Plan>();
  EXPECT_EQ(ravel::BuildPlan(ravel::Canonicalize(src_layout, dst_layout), request, plan.get()),
            RAVEL_OK);
  return plan;
}

// The arguments of generated code for kernel calls [begin, end) of plan, on c's source and
// destination buffers (their views' offsets and the plan's canonical and walk offsets applied).
ravel::jit::TaskArgs ArgsFor(const ravel::Plan& plan, const KernelCase& c, const unsigned char* src,
                             unsigned char* dst, int64_t begin, int64_t end) {
  const int64_t src_offset = plan.problem.src_offset + plan.walk_src_offset;
  const int64_t dst_offset = plan.problem.dst_offset + plan.walk_dst_offset;
  return ravel::jit::TaskArgs{
      reinterpret_cast<const char*>(src) + c.src.offset * c.elem_size + src_offset,
      reinterpret_cast<char*>(dst) + c.dst.offset * c.elem_size + dst_offset, begin, end};
}

// Runs code on c's buffers, over kernel calls [0, units) in the given chunks (none: one call),
// and compares with the reference backend.
::testing::AssertionResult RunsRight(const ravel::jit::Code& code, const ravel::Plan& plan,
                                     const KernelCase& c,
                                     const std::vector<std::pair<int64_t, int64_t>>& chunks = {}) {
  std::vector<unsigned char> src(static_cast<size_t>(Extent(c.src) * c.elem_size));
  for (size_t i = 0; i < src.size(); ++i) {
    src[i] = static_cast<unsigned char>(i * 7 + 3);
  }
  const size_t dst_bytes = static_cast<size_t>(Extent(c.dst) * c.elem_size);
  std::vector<unsigned char> expected(dst_bytes, kCanary);
  std::vector<unsigned char> actual(dst_bytes, kCanary);
  const ravel_layout src_layout = LayoutOf(c.src, c.elem_size);
  const ravel_layout dst_layout = LayoutOf(c.dst, c.elem_size);
  ravel_options options;
  ravel_options_init(&options);
  options.backend = RAVEL_BACKEND_REFERENCE;
  if (ravel_copy(src.data() + c.src.offset * c.elem_size, &src_layout,
                 expected.data() + c.dst.offset * c.elem_size, &dst_layout, &options) != RAVEL_OK) {
    return ::testing::AssertionFailure() << "reference failed: " << ravel_last_error();
  }
  std::vector<std::pair<int64_t, int64_t>> ranges = chunks;
  if (ranges.empty()) {
    ranges.emplace_back(0, plan.units);
  }
  for (const auto& [begin, end] : ranges) {
    const ravel::jit::TaskArgs args = ArgsFor(plan, c, src.data(), actual.data(), begin, end);
    code.entry()(&args);
  }
  if (actual != expected) {
    return ::testing::AssertionFailure() << Describe(c) << " " << code.name();
  }
  return ::testing::AssertionSuccess();
}

class JitCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!JitAvailable()) {
      GTEST_SKIP() << "no JIT backend in this build or no AVX2 on this CPU";
    }
  }
};

// A task may start at any kernel call: the generated code decomposes `begin` over the loop nest
// (tile edges included) and stops at `end`. Chunks of random length, run in random order, make
// the whole copy; an empty range writes nothing.
TEST_F(JitCacheTest, RunsAnyRangeOfKernelCalls) {
  std::mt19937 rng(11);
  int multi_loop = 0;
  for (int i = 0; i < 400; ++i) {
    KernelCase c = RandomCase(rng, int64_t{1} << (rng() % 5), i % 5);
    if (i % 7 == 0) {
      c = KernelCase{"transpose_tiles", 4, Permuted({1030, 37}, {1, 0}), DenseView({37, 1030})};
    }
    const auto plan = HwyPlan(c);
    if (plan->kernel == nullptr || plan->units < 2) {
      continue;
    }
    multi_loop += plan->loop_count >= 2 ? 1 : 0;
    const auto code = ravel::jit::CompileUncached(*plan);
    ASSERT_NE(code, nullptr);
    std::vector<std::pair<int64_t, int64_t>> chunks;
    for (int64_t begin = 0; begin < plan->units;) {
      const int64_t end =
          std::min<int64_t>(plan->units, begin + 1 + static_cast<int64_t>(rng() % 4 * (rng() % 3)));
      chunks.emplace_back(begin, end);
      chunks.emplace_back(end, end);  // empty
      begin = end;
    }
    std::shuffle(chunks.begin(), chunks.end(), rng);
    ASSERT_TRUE(RunsRight(*code, *plan, c, chunks)) << plan->units << " calls";
  }
  EXPECT_GT(multi_loop, 20);
}

// DRAM-sized transposes (Plan::prefetch_next_block) prefetch the next call's source rows from
// their tiles: the code grows by the prefetches and still matches the reference, over any range
// of calls (prefetches past the views' ends are harmless: they never fault).
TEST_F(JitCacheTest, TransposeTilesThatPrefetchTheNextCallMatchTheReference) {
  const std::vector<KernelCase> cases = {
      {"tiles_along_source", 4, Permuted({1030, 37}, {1, 0}), DenseView({37, 1030})},
      {"tiles_along_destination", 4, Permuted({64, 2050}, {1, 0}), DenseView({2050, 64})},
      {"f64", 8, Permuted({515, 29}, {1, 0}), DenseView({29, 515})},
      {"batch", 4, Permuted({40, 7, 48}, {2, 1, 0}), DenseView({48, 7, 40})},
      {"c128_elements", 16, Permuted({300, 21}, {1, 0}), DenseView({21, 300})},
  };
  int prefetching = 0;
  for (const KernelCase& c : cases) {
    auto plan = HwyPlan(c);
    ASSERT_EQ(plan->family, ravel::Family::kTranspose) << Describe(c);
    ASSERT_FALSE(plan->prefetch_next_block) << Describe(c);
    const auto plain = ravel::jit::CompileUncached(*plan);
    plan->prefetch_next_block = true;
    const auto code = ravel::jit::CompileUncached(*plan);
    ASSERT_NE(plain, nullptr) << Describe(c);
    ASSERT_NE(code, nullptr) << Describe(c);
    prefetching += code->size() > plain->size() ? 1 : 0;
    std::vector<std::pair<int64_t, int64_t>> chunks;
    for (int64_t begin = 0; begin < plan->units; begin += 3) {
      chunks.emplace_back(begin, std::min<int64_t>(plan->units, begin + 3));
    }
    EXPECT_TRUE(RunsRight(*code, *plan, c)) << code->name();
    EXPECT_TRUE(RunsRight(*code, *plan, c, chunks)) << code->name();
  }
  EXPECT_EQ(prefetching, static_cast<int>(cases.size()));
}

#if defined(__x86_64__)
// Calls entry(args) with the System V callee-saved registers (rbx, rbp, r12-r15) set to
// 0x5A5A5A5A5A5A5A00 + i and stores what they hold afterwards into after[0..5].
extern "C" void ravel_test_call_with_sentinels(ravel::jit::TaskEntry entry,
                                               const ravel::jit::TaskArgs* args, uint64_t* after);
asm(R"(
  .text
  .p2align 4
  .globl ravel_test_call_with_sentinels
  .type ravel_test_call_with_sentinels, @function
ravel_test_call_with_sentinels:
  pushq %rbx
  pushq %rbp
  pushq %r12
  pushq %r13
  pushq %r14
  pushq %r15
  pushq %rdx
  movq %rdi, %rax
  movq %rsi, %rdi
  movabsq $0x5A5A5A5A5A5A5A00, %rbx
  movabsq $0x5A5A5A5A5A5A5A01, %rbp
  movabsq $0x5A5A5A5A5A5A5A02, %r12
  movabsq $0x5A5A5A5A5A5A5A03, %r13
  movabsq $0x5A5A5A5A5A5A5A04, %r14
  movabsq $0x5A5A5A5A5A5A5A05, %r15
  callq *%rax
  popq %rdx
  movq %rbx, 0(%rdx)
  movq %rbp, 8(%rdx)
  movq %r12, 16(%rdx)
  movq %r13, 24(%rdx)
  movq %r14, 32(%rdx)
  movq %r15, 40(%rdx)
  popq %r15
  popq %r14
  popq %r13
  popq %r12
  popq %rbp
  popq %rbx
  retq
  .size ravel_test_call_with_sentinels, .-ravel_test_call_with_sentinels
)");

// Generated code saves only the callee-saved registers it writes (its prologue is trimmed to
// them): whatever it saves or not, every caller's value survives, for kernels with and without
// row loops, tile edges, library calls and several kernel calls.
TEST_F(JitCacheTest, PreservesCalleeSavedRegisters) {
  std::mt19937 rng(23);
  int checked = 0;
  for (int i = 0; i < 300; ++i) {
    const KernelCase c = RandomCase(rng, int64_t{1} << (rng() % 5), i % 5);
    const auto plan = HwyPlan(c);
    if (plan->kernel == nullptr || plan->units == 0) {
      continue;
    }
    const auto code = ravel::jit::CompileUncached(*plan);
    ASSERT_NE(code, nullptr);
    std::vector<unsigned char> src(static_cast<size_t>(Extent(c.src) * c.elem_size), 1);
    std::vector<unsigned char> dst(static_cast<size_t>(Extent(c.dst) * c.elem_size), 0);
    const ravel::jit::TaskArgs args = ArgsFor(*plan, c, src.data(), dst.data(), 0, plan->units);
    uint64_t after[6] = {};
    ravel_test_call_with_sentinels(code->entry(), &args, after);
    for (uint64_t r = 0; r < 6; ++r) {
      ASSERT_EQ(after[r], 0x5A5A5A5A5A5A5A00u + r)
          << "callee-saved register " << r << " (rbx, rbp, r12-r15) clobbered by " << code->name()
          << " for " << Describe(c);
    }
    ++checked;
  }
  EXPECT_GT(checked, 200);
}
#endif  // __x86_64__

// Small whole problems run as one permutation when a task covers every kernel call; a task of
// fewer calls (threads, callers' pools) still writes exactly its own calls' bytes.
TEST_F(JitCacheTest, PartialRangesOfSmallProblemsWriteOnlyTheirCalls) {
  std::mt19937 rng(31);
  int checked = 0;
  for (int i = 0; i < 3000 && checked < 60; ++i) {
    // A random permutation of a small dense tensor: ranks 2-4, extents 2-7.
    const int64_t elem = int64_t{1} << (rng() % 4);
    const int rank = 2 + static_cast<int>(rng() % 3);
    std::vector<int64_t> shape;
    std::vector<int> perm;
    for (int d = 0; d < rank; ++d) {
      shape.push_back(2 + static_cast<int64_t>(rng() % 6));
      perm.push_back(d);
    }
    std::shuffle(perm.begin(), perm.end(), rng);
    std::vector<int64_t> permuted;
    for (int d : perm) {
      permuted.push_back(shape[static_cast<size_t>(d)]);
    }
    const KernelCase c{"small_permutation", elem, Permuted(shape, perm), DenseView(permuted)};
    const int64_t bytes = Extent(c.dst) * c.elem_size;
    const auto plan = HwyPlan(c);
    if (plan->kernel == nullptr || plan->units < 2 || bytes < 32 || bytes > 128) {
      continue;
    }
    const auto code = ravel::jit::CompileUncached(*plan);
    ASSERT_NE(code, nullptr);
    std::vector<unsigned char> src(static_cast<size_t>(Extent(c.src) * c.elem_size));
    for (unsigned char& byte : src) {
      byte = static_cast<unsigned char>(1 + rng() % 150);  // never the canary (0xA5)
    }
    const auto run = [&](int64_t begin, int64_t end) {
      std::vector<unsigned char> dst(static_cast<size_t>(bytes), kCanary);
      const ravel::jit::TaskArgs args = ArgsFor(*plan, c, src.data(), dst.data(), begin, end);
      code->entry()(&args);
      return dst;
    };
    const std::vector<unsigned char> whole = run(0, plan->units);
    const std::vector<unsigned char> head = run(0, plan->units - 1);
    const std::vector<unsigned char> tail = run(plan->units - 1, plan->units);
    size_t untouched = 0;
    for (size_t b = 0; b < whole.size(); ++b) {
      ASSERT_NE(whole[b], kCanary) << Describe(c) << " byte " << b;
      // Each byte is written by exactly one of the two ranges, with the whole run's value.
      ASSERT_TRUE((head[b] == whole[b]) != (tail[b] == whole[b]))
          << Describe(c) << " byte " << b << " " << code->name();
      untouched += head[b] == kCanary ? 1 : 0;
    }
    EXPECT_GT(untouched, 0u);
    ++checked;
  }
  EXPECT_GE(checked, 20);
}

// 0 .. count-1 in an order seeded by seed (each thread of a test asks in its own order).
std::vector<int> ShuffledIndices(int count, uint32_t seed) {
  std::vector<int> order(static_cast<size_t>(count));
  std::iota(order.begin(), order.end(), 0);
  std::shuffle(order.begin(), order.end(), std::mt19937(seed));
  return order;
}

// 8 threads ask for the same few hundred shapes in different orders at once: every result is
// right and every key is generated exactly once.
TEST_F(JitCacheTest, EightThreadsCompileEachKeyOnce) {
  constexpr int kThreads = 8;
  constexpr int kShapes = 300;
  std::mt19937 rng(7);
  std::vector<KernelCase> cases;
  std::vector<std::shared_ptr<ravel::Plan>> plans;
  std::vector<std::string> keys;
  std::set<std::string> distinct;
  while (static_cast<int>(cases.size()) < kShapes) {
    KernelCase c = RandomCase(rng, int64_t{1} << (rng() % 5), static_cast<int>(rng() % 5));
    std::shared_ptr<ravel::Plan> plan = HwyPlan(c);
    if (plan->kernel == nullptr || !ravel::jit::Declines(*plan, true).empty()) {
      continue;
    }
    keys.push_back(ravel::jit::CacheKey(*plan));
    distinct.insert(keys.back());
    cases.push_back(std::move(c));
    plans.push_back(std::move(plan));
  }
  ravel::jit::CodeCache cache(4 * kShapes, size_t{1} << 30);
  std::mutex mutex;
  std::map<std::string, int> generated;
  std::atomic<int> wrong{0};
  std::atomic<int> missing{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i : ShuffledIndices(kShapes, static_cast<uint32_t>(t))) {
        const ravel::Plan& plan = *plans[static_cast<size_t>(i)];
        const std::string& key = keys[static_cast<size_t>(i)];
        const auto code = cache.GetOrGenerate(key, [&] {
          {
            std::lock_guard<std::mutex> lock(mutex);
            ++generated[key];
          }
          return ravel::jit::CompileUncached(plan);
        });
        if (code == nullptr) {
          ++missing;
        } else if (!RunsRight(*code, plan, cases[static_cast<size_t>(i)])) {
          ++wrong;
        }
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_EQ(missing.load(), 0);
  EXPECT_EQ(generated.size(), distinct.size());
  for (const auto& entry : generated) {
    EXPECT_EQ(entry.second, 1) << "a key was generated " << entry.second << " times";
  }
  EXPECT_EQ(cache.generations(), distinct.size());
  EXPECT_EQ(cache.hits(), uint64_t{kThreads} * kShapes - distinct.size());
  EXPECT_EQ(cache.size(), distinct.size());
}

// The same through the public API and the process-wide caches: 8 threads create plans (AUTO) for
// one list of shapes in different orders and copy; every copy equals the reference's.
TEST_F(JitCacheTest, EightThreadsThroughThePublicApi) {
  constexpr int kThreads = 8;
  constexpr int kShapes = 120;
  std::mt19937 rng(23);
  std::vector<KernelCase> cases;
  for (int i = 0; i < kShapes; ++i) {
    cases.push_back(RandomCase(rng, int64_t{1} << (rng() % 5), i % 5));
  }
  const uint64_t generations_before = ravel::jit::CodeCache::Global().generations();
  std::atomic<int> wrong{0};
  std::atomic<int> jit_plans{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i : ShuffledIndices(kShapes, static_cast<uint32_t>(t))) {
        const KernelCase& c = cases[static_cast<size_t>(i)];
        std::vector<unsigned char> src_bytes(static_cast<size_t>(Extent(c.src) * c.elem_size));
        for (size_t k = 0; k < src_bytes.size(); ++k) {
          src_bytes[k] = static_cast<unsigned char>(k * 13 + static_cast<size_t>(i));
        }
        ravel_options options;
        ravel_options_init(&options);
        options.num_threads = 1;
        PlannedRun run;
        const auto actual = RunPlanned(c, options, 0, src_bytes, &run);
        const bool ok = run.status == RAVEL_OK;
        jit_plans += run.backend == RAVEL_BACKEND_JIT ? 1 : 0;
        options.backend = RAVEL_BACKEND_REFERENCE;
        const auto expected = RunPlanned(c, options, 0, src_bytes, &run);
        if (!ok || run.status != RAVEL_OK || actual != expected) {
          ++wrong;
        }
      }
    });
  }
  for (std::thread& thread : threads) {
    thread.join();
  }
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_GT(jit_plans.load(), kThreads * kShapes / 2);  // AUTO chose the JIT for most
  // Each distinct shape was compiled at most once, however many threads asked.
  EXPECT_LE(ravel::jit::CodeCache::Global().generations() - generations_before,
            static_cast<uint64_t>(kShapes));
  EXPECT_GT(ravel::jit::CodeCache::Global().generations(), 0u);
}

std::vector<std::pair<KernelCase, std::shared_ptr<ravel::Plan>>> DistinctPlans(int count) {
  std::vector<std::pair<KernelCase, std::shared_ptr<ravel::Plan>>> out;
  for (int64_t n = 3; static_cast<int>(out.size()) < count; ++n) {
    KernelCase c{"copy", 4, ViewSpec{{5, n}, {n + 1, 1}, 0}, DenseView({5, n})};
    out.emplace_back(c, HwyPlan(c));
  }
  return out;
}

TEST_F(JitCacheTest, EvictsLeastRecentlyUsedUnderEntryBound) {
  ravel::jit::CodeCache cache(4, size_t{1} << 30);
  const auto plans = DistinctPlans(10);
  std::vector<std::shared_ptr<const ravel::jit::Code>> held;
  for (const auto& [c, plan] : plans) {
    held.push_back(cache.GetOrGenerate(ravel::jit::CacheKey(*plan),
                                       [&] { return ravel::jit::CompileUncached(*plan); }));
    ASSERT_NE(held.back(), nullptr);
    EXPECT_LE(cache.size(), 4u);
  }
  EXPECT_EQ(cache.evictions(), 6u);
  // Evicted code still runs for whoever holds it.
  EXPECT_TRUE(RunsRight(*held[0], *plans[0].second, plans[0].first));
  // The most recent key is a hit; the first was evicted and is generated again.
  const uint64_t generations = cache.generations();
  cache.GetOrGenerate(ravel::jit::CacheKey(*plans[9].second),
                      [&] { return ravel::jit::CompileUncached(*plans[9].second); });
  EXPECT_EQ(cache.generations(), generations);
  cache.GetOrGenerate(ravel::jit::CacheKey(*plans[0].second),
                      [&] { return ravel::jit::CompileUncached(*plans[0].second); });
  EXPECT_EQ(cache.generations(), generations + 1);
}

TEST_F(JitCacheTest, EvictsUnderByteBound) {
  const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  ravel::jit::CodeCache cache(100, 3 * page);
  for (const auto& [c, plan] : DistinctPlans(8)) {
    ASSERT_NE(cache.GetOrGenerate(ravel::jit::CacheKey(*plan),
                                  [&] { return ravel::jit::CompileUncached(*plan); }),
              nullptr);
    EXPECT_LE(cache.bytes(), 3 * page);
  }
  EXPECT_LE(cache.size(), 3u);
  EXPECT_GE(cache.evictions(), 5u);
}

TEST_F(JitCacheTest, FailuresAreNotKept) {
  ravel::jit::CodeCache cache(4, size_t{1} << 30);
  int calls = 0;
  const auto fail = [&]() -> std::shared_ptr<const ravel::jit::Code> {
    ++calls;
    return nullptr;
  };
  EXPECT_EQ(cache.GetOrGenerate("key", fail), nullptr);
  EXPECT_EQ(cache.size(), 0u);
  EXPECT_EQ(cache.GetOrGenerate("key", fail), nullptr);
  EXPECT_EQ(calls, 2);
  const auto throws = [&]() -> std::shared_ptr<const ravel::jit::Code> { throw 1; };
  EXPECT_EQ(cache.GetOrGenerate("key", throws), nullptr);
  EXPECT_EQ(cache.size(), 0u);
}

// The key changes with every field the code depends on.
TEST_F(JitCacheTest, KeyNamesWhatChangesTheCode) {
  const KernelCase c{"transpose", 4, Permuted({300, 200}, {1, 0}), DenseView({200, 300})};
  const auto plan = HwyPlan(c);
  const ravel::Plan& base = *plan;
  ASSERT_GT(base.loop_count, 0);
  const std::string key = ravel::jit::CacheKey(base);
  std::vector<ravel::Plan> variants(7, base);
  variants[6].prefetch_next_block = true;
  variants[0].block.stream = true;
  variants[1].block.src_row_stride += 4;
  variants[2].loops[0].count += 1;
  variants[3].problem.elem_size = 2;
  variants[4].isa = ravel::Isa::kAvx512;
  variants[5].cols_extent += 1;
  for (const ravel::Plan& variant : variants) {
    EXPECT_NE(ravel::jit::CacheKey(variant), key);
  }
  EXPECT_EQ(ravel::jit::CacheKey(base), key);
}

// ---- backend selection.

class JitBackendTest : public JitCacheTest {};

ravel_plan CreatePlan(int32_t backend, ravel_status* status) {
  static const int64_t shape[] = {6, 5};
  static const int64_t strides[] = {1, 6};
  const ravel_layout src{2, 4, shape, strides};
  ravel_options options;
  ravel_options_init(&options);
  options.backend = backend;
  ravel_plan plan = nullptr;
  *status = ravel_plan_create(&src, nullptr, &options, &plan);
  return plan;
}

TEST_F(JitBackendTest, AutoPrefersJitAndEnvironmentDisablesIt) {
  const char* saved = std::getenv("RAVEL_JIT");
  const std::string restore = saved == nullptr ? "" : saved;
  unsetenv("RAVEL_JIT");
  ravel_status status = RAVEL_E_INTERNAL;
  ravel_plan plan = CreatePlan(RAVEL_BACKEND_AUTO, &status);
  ASSERT_EQ(status, RAVEL_OK);
  EXPECT_EQ(ravel_plan_backend(plan), RAVEL_BACKEND_JIT);
  EXPECT_NE(Describe(plan).find("backend: jit"), std::string::npos) << Describe(plan);
  EXPECT_NE(Describe(plan).find("kernel: x32-transpose"), std::string::npos) << Describe(plan);
  ravel_plan_destroy(plan);

  setenv("RAVEL_JIT", "0", 1);
  plan = CreatePlan(RAVEL_BACKEND_AUTO, &status);
  ASSERT_EQ(status, RAVEL_OK);
  EXPECT_EQ(ravel_plan_backend(plan), RAVEL_BACKEND_HWY);
  ravel_plan_destroy(plan);
  plan = CreatePlan(RAVEL_BACKEND_JIT, &status);
  EXPECT_EQ(status, RAVEL_E_UNSUPPORTED);
  EXPECT_NE(std::string(ravel_last_error()).find("RAVEL_JIT=0"), std::string::npos);
  EXPECT_EQ(plan, nullptr);

  if (saved == nullptr) {
    unsetenv("RAVEL_JIT");
  } else {
    setenv("RAVEL_JIT", restore.c_str(), 1);
  }
}

TEST_F(JitBackendTest, HwyOptionKeepsHighway) {
  ravel_status status = RAVEL_E_INTERNAL;
  ravel_plan plan = CreatePlan(RAVEL_BACKEND_HWY, &status);
  ASSERT_EQ(status, RAVEL_OK);
  EXPECT_EQ(ravel_plan_backend(plan), RAVEL_BACKEND_HWY);
  ravel_plan_destroy(plan);
}

TEST_F(JitBackendTest, ForcedJitWithAnIsaItDoesNotEmitIsUnsupported) {
  static const int64_t shape[] = {6, 5};
  const ravel_layout src{2, 4, shape, nullptr};
  ravel_options options;
  ravel_options_init(&options);
  options.backend = RAVEL_BACKEND_JIT;
  options.isa = RAVEL_ISA_SCALAR;
  ravel_plan plan = nullptr;
  EXPECT_EQ(ravel_plan_create(&src, nullptr, &options, &plan), RAVEL_E_UNSUPPORTED);
  EXPECT_NE(std::string(ravel_last_error()).find("jit"), std::string::npos);
  options.backend = RAVEL_BACKEND_AUTO;  // AUTO falls back to Highway's scalar kernels
  ASSERT_EQ(ravel_plan_create(&src, nullptr, &options, &plan), RAVEL_OK);
  EXPECT_EQ(ravel_plan_backend(plan), RAVEL_BACKEND_HWY);
  ravel_plan_destroy(plan);
}

// What the generator cannot encode (a displacement beyond 32 bits) is declined, never emitted
// wrong: CompileUncached returns null, and a plan falls back.
TEST_F(JitBackendTest, UnencodableStridesAreDeclined) {
  const KernelCase c{"transpose", 4, Permuted({40, 24}, {1, 0}), DenseView({24, 40})};
  auto plan = HwyPlan(c);
  ASSERT_NE(ravel::jit::CompileUncached(*plan), nullptr);
  plan->block.src_stride = int64_t{1} << 40;
  EXPECT_EQ(ravel::jit::CompileUncached(*plan), nullptr);
}

// Under AUTO, streaming copies stay on Highway (its whole-line streaming paths); forced, the
// JIT takes them.
TEST_F(JitBackendTest, AutoLeavesStreamingToHighway) {
  static const int64_t shape[] = {64, 100};
  static const int64_t strides[] = {101, 1};
  const ravel_layout src{2, 4, shape, strides};
  ravel_options options;
  ravel_options_init(&options);
  options.streaming = RAVEL_STREAMING_ON;
  ravel_plan plan = nullptr;
  ASSERT_EQ(ravel_plan_create(&src, nullptr, &options, &plan), RAVEL_OK);
  EXPECT_EQ(ravel_plan_backend(plan), RAVEL_BACKEND_HWY);
  ravel_plan_destroy(plan);
  options.backend = RAVEL_BACKEND_JIT;
  ASSERT_EQ(ravel_plan_create(&src, nullptr, &options, &plan), RAVEL_OK);
  EXPECT_EQ(ravel_plan_backend(plan), RAVEL_BACKEND_JIT);
  EXPECT_NE(Describe(plan).find("streaming: on"), std::string::npos) << Describe(plan);
  ravel_plan_destroy(plan);
}

// ---- W^X: while 4 threads generate and run kernels, /proc/self/maps never shows a mapping that
// is both writable and executable.

std::vector<std::string> WritableExecutable() {
  std::vector<std::string> bad;
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line)) {
    const std::string perms = line.substr(line.find(' ') + 1, 4);
    if (perms.size() == 4 && perms[1] == 'w' && perms[2] == 'x') {
      bad.push_back(line);
    }
  }
  return bad;
}

TEST_F(JitCacheTest, NoMappingIsWritableAndExecutable) {
  std::atomic<bool> stop{false};
  std::atomic<int> scans{0};
  std::vector<std::string> bad;
  std::thread watcher([&] {
    while (!stop.load()) {
      for (std::string& line : WritableExecutable()) {
        bad.push_back(std::move(line));
      }
      ++scans;
    }
  });
  std::atomic<int> generated{0};
  std::vector<std::thread> workers;
  for (int t = 0; t < 4; ++t) {
    workers.emplace_back([&, t] {
      std::mt19937 rng(static_cast<uint32_t>(100 + t));
      for (int i = 0; i < 150; ++i) {
        const KernelCase c = RandomCase(rng, int64_t{1} << (rng() % 5), i % 5);
        const auto plan = HwyPlan(c);
        if (plan->kernel == nullptr) {
          continue;
        }
        const auto code = ravel::jit::CompileUncached(*plan);  // fresh pages every time
        if (code != nullptr) {
          ++generated;
          EXPECT_TRUE(RunsRight(*code, *plan, c));
        }
      }
    });
  }
  for (std::thread& worker : workers) {
    worker.join();
  }
  stop = true;
  watcher.join();
  EXPECT_GT(generated.load(), 400);
  EXPECT_GT(scans.load(), 1);
  EXPECT_TRUE(bad.empty()) << bad.size() << " writable+executable mappings, e.g. " << bad[0];
}

}  // namespace
}  // namespace ravel_test
