// No kernel touches a byte outside its views: every edge case runs with its source and its
// destination placed against PROT_NONE pages, once with the first byte of each view right after
// a guard page and once with the last byte right before one, on every ISA this machine runs (and
// the reference backend, which computes the expected bytes under the same guards), and on the
// JIT wherever it takes the case. Copies large enough to split into tasks run the same way with
// two threads, on ravel's pool and on a caller's pool, for every backend and family.
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "kernel_cases.h"
#include "ravel/ravel.h"

namespace ravel_test {
namespace {

// The elements a view touches, [lo, hi), relative to its buffer.
struct ElementSpan {
  int64_t lo;
  int64_t hi;
};

ElementSpan SpanOf(const ViewSpec& view) {
  ElementSpan span{view.offset, view.offset + 1};
  for (size_t d = 0; d < view.shape.size(); ++d) {
    const int64_t reach = (view.shape[d] - 1) * view.strides[d];
    (reach < 0 ? span.lo : span.hi) += reach;
  }
  return span;
}

// `bytes` of memory with a PROT_NONE page on each side, flush against one of them.
class GuardedRegion {
 public:
  GuardedRegion(size_t bytes, bool against_end) {
    const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    const size_t inner = (bytes + page - 1) / page * page;
    size_ = inner + 2 * page;
    void* base = mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    EXPECT_NE(base, MAP_FAILED);
    base_ = static_cast<char*>(base);
    EXPECT_EQ(mprotect(base_, page, PROT_NONE), 0);
    EXPECT_EQ(mprotect(base_ + page + inner, page, PROT_NONE), 0);
    data_ = base_ + page + (against_end ? inner - bytes : 0);
  }
  ~GuardedRegion() { munmap(base_, size_); }
  GuardedRegion(const GuardedRegion&) = delete;
  GuardedRegion& operator=(const GuardedRegion&) = delete;

  char* data() { return data_; }

 private:
  char* base_ = nullptr;
  char* data_ = nullptr;
  size_t size_ = 0;
};

// Copies with the given options from a guarded source into a guarded destination and returns
// the destination's touched bytes. The copy must succeed, unless `status` is given to receive
// its status.
std::vector<char> GuardedCopy(const KernelCase& c, const std::vector<char>& src_bytes,
                              const ravel_options& options, bool against_end,
                              ravel_status* status = nullptr) {
  const int64_t elem = c.elem_size;
  const ElementSpan src_span = SpanOf(c.src);
  const ElementSpan dst_span = SpanOf(c.dst);
  const size_t src_size = static_cast<size_t>((src_span.hi - src_span.lo) * elem);
  const size_t dst_size = static_cast<size_t>((dst_span.hi - dst_span.lo) * elem);
  GuardedRegion src(src_size, against_end);
  GuardedRegion dst(dst_size, against_end);
  std::memcpy(src.data(), src_bytes.data(), src_size);
  std::memset(dst.data(), 0x5A, dst_size);
  const ravel_layout src_layout = LayoutOf(c.src, elem);
  const ravel_layout dst_layout = LayoutOf(c.dst, elem);
  const ravel_status copied =
      ravel_copy(src.data() + (c.src.offset - src_span.lo) * elem, &src_layout,
                 dst.data() + (c.dst.offset - dst_span.lo) * elem, &dst_layout, &options);
  if (status != nullptr) {
    *status = copied;
  } else {
    EXPECT_EQ(copied, RAVEL_OK) << Describe(c) << ": " << ravel_last_error();
  }
  return std::vector<char>(dst.data(), dst.data() + dst_size);
}

class GuardPageTest : public ::testing::TestWithParam<std::tuple<int32_t, int64_t>> {};

TEST_P(GuardPageTest, NoAccessOutsideTheViews) {
  const int32_t isa = std::get<0>(GetParam());
  const int64_t elem = std::get<1>(GetParam());
  if (!ravel_isa_available(isa)) {
    GTEST_SKIP() << ravel_isa_name(isa) << " is not available on this machine";
  }
  std::mt19937 rng(static_cast<uint32_t>(elem * 131 + isa));
  for (const KernelCase& c : EdgeCases(elem)) {
    const ElementSpan span = SpanOf(c.src);
    std::vector<char> src_bytes(static_cast<size_t>((span.hi - span.lo) * elem));
    for (char& byte : src_bytes) {
      byte = static_cast<char>(rng());
    }
    ravel_options reference;
    ravel_options_init(&reference);
    reference.backend = RAVEL_BACKEND_REFERENCE;
    for (bool against_end : {true, false}) {
      const std::vector<char> expected = GuardedCopy(c, src_bytes, reference, against_end);
      for (int32_t streaming : {RAVEL_STREAMING_OFF, RAVEL_STREAMING_ON}) {
        ravel_options options;
        ravel_options_init(&options);
        options.backend = RAVEL_BACKEND_HWY;
        options.isa = isa;
        options.streaming = streaming;
        options.num_threads = 1;
        ASSERT_TRUE(GuardedCopy(c, src_bytes, options, against_end) == expected)
            << Describe(c) << " isa " << ravel_isa_name(isa) << " streaming " << streaming
            << (against_end ? " against the end" : " against the start");
      }
    }
  }
}

// The JIT (forced, one thread) on every edge case it takes, under the same guards; the cases it
// declines return RAVEL_E_UNSUPPORTED and write nothing.
class GuardPageJitTest : public ::testing::TestWithParam<int64_t> {};

TEST_P(GuardPageJitTest, NoAccessOutsideTheViews) {
  const int64_t elem = GetParam();
  std::mt19937 rng(static_cast<uint32_t>(elem * 977));
  int jitted = 0;
  for (const KernelCase& c : EdgeCases(elem)) {
    const ElementSpan span = SpanOf(c.src);
    std::vector<char> src_bytes(static_cast<size_t>((span.hi - span.lo) * elem));
    for (char& byte : src_bytes) {
      byte = static_cast<char>(rng());
    }
    ravel_options reference;
    ravel_options_init(&reference);
    reference.backend = RAVEL_BACKEND_REFERENCE;
    ravel_options jit;
    ravel_options_init(&jit);
    jit.backend = RAVEL_BACKEND_JIT;
    jit.num_threads = 1;
    for (bool against_end : {true, false}) {
      const std::vector<char> expected = GuardedCopy(c, src_bytes, reference, against_end);
      ravel_status status = RAVEL_E_INTERNAL;
      const std::vector<char> got = GuardedCopy(c, src_bytes, jit, against_end, &status);
      const std::string where =
          Describe(c) + (against_end ? " against the end" : " against the start");
      if (status == RAVEL_E_UNSUPPORTED) {
        ASSERT_TRUE(got == std::vector<char>(got.size(), 0x5A)) << where << ": declined, yet wrote";
        continue;
      }
      ASSERT_EQ(status, RAVEL_OK) << where << ": " << ravel_last_error();
      ASSERT_TRUE(got == expected) << where;
      ++jitted;
    }
  }
  RecordProperty("jitted", jitted);  // copies the JIT took (in --gtest_output=xml)
  if (jitted == 0) {
    GTEST_SKIP() << "the JIT took none of the edge cases (not in this build, or declined all): "
                 << ravel_last_error();
  }
}

INSTANTIATE_TEST_SUITE_P(ElementSizes, GuardPageJitTest, ::testing::Values(1, 2, 3, 4, 8, 12, 16),
                         [](const ::testing::TestParamInfo<int64_t>& param_info) {
                           return "elem" + std::to_string(param_info.param);
                         });

std::string ParamName(const ::testing::TestParamInfo<std::tuple<int32_t, int64_t>>& param_info) {
  return std::string(ravel_isa_name(std::get<0>(param_info.param))) + "_elem" +
         std::to_string(std::get<1>(param_info.param));
}

INSTANTIATE_TEST_SUITE_P(AllIsas, GuardPageTest,
                         ::testing::Combine(::testing::Values(RAVEL_ISA_SCALAR, RAVEL_ISA_SSE4,
                                                              RAVEL_ISA_AVX2, RAVEL_ISA_AVX512,
                                                              RAVEL_ISA_NEON, RAVEL_ISA_SVE),
                                            ::testing::Values(1, 2, 3, 4, 8, 12, 16)),
                         ParamName);

// ---- Copies split into tasks ------------------------------------------------------------------

// dst = src through the views, by an index loop; buffers start at each view's lowest element.
std::vector<char> NaiveCopy(const KernelCase& c, const std::vector<char>& src_bytes,
                            size_t dst_size) {
  std::vector<char> dst(dst_size, 0x5A);
  const size_t elem = static_cast<size_t>(c.elem_size);
  const int64_t src_base = c.src.offset - SpanOf(c.src).lo;
  const int64_t dst_base = c.dst.offset - SpanOf(c.dst).lo;
  const size_t rank = c.src.shape.size();
  int64_t count = 1;
  for (int64_t extent : c.src.shape) {
    count *= extent;
  }
  std::vector<int64_t> index(rank, 0);
  for (int64_t i = 0; i < count; ++i) {
    int64_t from = src_base;
    int64_t to = dst_base;
    for (size_t d = 0; d < rank; ++d) {
      from += index[d] * c.src.strides[d];
      to += index[d] * c.dst.strides[d];
    }
    std::memcpy(&dst[static_cast<size_t>(to) * elem], &src_bytes[static_cast<size_t>(from) * elem],
                elem);
    for (size_t d = rank; d-- > 0;) {
      if (++index[d] < c.src.shape[d]) {
        break;
      }
      index[d] = 0;
    }
  }
  return dst;
}

// One copy per family of about 1 MiB of destination (4 x ravel's bytes per task), odd extents.
std::vector<KernelCase> LargeCases(int64_t elem) {
  const int64_t count = (int64_t{1} << 20) / elem;
  const int64_t cols = 1031;
  const int64_t rows = count / cols;
  int64_t side = 1;
  while ((side + 2) * (side + 2) <= count) {
    side += 2;
  }
  const int64_t channels = std::max<int64_t>(1, count / (2 * 33 * 31));
  return {
      {"copy_runs_padded", elem, ViewSpec{{rows, cols}, {cols + 7, 1}, 0}, DenseView({rows, cols})},
      {"broadcast", elem, ViewSpec{{rows, cols}, {1, 0}, 0}, DenseView({rows, cols})},
      {"reverse", elem, ViewSpec{{rows, cols}, {cols, -1}, cols - 1}, DenseView({rows, cols})},
      {"gather_step2", elem, ViewSpec{{rows, cols}, {2 * cols + 1, 2}, 0}, DenseView({rows, cols})},
      {"scatter_step2", elem, DenseView({rows, cols}), ViewSpec{{rows, cols}, {2 * cols, 2}, 0}},
      {"transpose_odd", elem, Permuted({side, side - 2}, {1, 0}), DenseView({side - 2, side})},
      {"nchw_to_nhwc", elem, Permuted({2, channels, 33, 31}, {0, 2, 3, 1}),
       DenseView({2, 33, 31, channels})},
      {"nhwc_to_nchw_small_images", elem, Permuted({2, 5, 7, count / 70}, {0, 3, 1, 2}),
       DenseView({2, count / 70, 5, 7})},
  };
}

struct ReversePool {
  std::atomic<int> calls{0};
};

void ReverseParallelFor(void* pool, void (*task)(void*, size_t), void* ctx, size_t count) {
  ++static_cast<ReversePool*>(pool)->calls;
  for (size_t i = count; i-- > 0;) {
    task(ctx, i);
  }
}

class GuardPageTasksTest : public ::testing::TestWithParam<int64_t> {};

TEST_P(GuardPageTasksTest, TwoThreadsAndACallersPoolStayInsideTheViews) {
  const int64_t elem = GetParam();
  std::mt19937 rng(static_cast<uint32_t>(elem));
  for (const KernelCase& c : LargeCases(elem)) {
    const ElementSpan src_span = SpanOf(c.src);
    const ElementSpan dst_span = SpanOf(c.dst);
    std::vector<char> src_bytes(static_cast<size_t>((src_span.hi - src_span.lo) * elem));
    for (char& byte : src_bytes) {
      byte = static_cast<char>(rng());
    }
    const std::vector<char> expected =
        NaiveCopy(c, src_bytes, static_cast<size_t>((dst_span.hi - dst_span.lo) * elem));
    // AUTO takes the JIT where it applies (and Highway for streaming copies).
    for (int32_t backend : {RAVEL_BACKEND_AUTO, RAVEL_BACKEND_HWY, RAVEL_BACKEND_REFERENCE}) {
      for (int32_t streaming : {RAVEL_STREAMING_OFF, RAVEL_STREAMING_ON}) {
        for (bool callers_pool : {false, true}) {
          for (bool against_end : {true, false}) {
            ReversePool pool;
            ravel_options options;
            ravel_options_init(&options);
            options.backend = backend;
            options.streaming = streaming;
            options.num_threads = 2;
            if (callers_pool) {
              options.parallel_for = &ReverseParallelFor;
              options.pool = &pool;
            }
            const std::string where =
                Describe(c) + (backend == RAVEL_BACKEND_HWY ? " hwy" : " ref") + " streaming " +
                std::to_string(streaming) + (callers_pool ? " caller's pool" : " own pool") +
                (against_end ? " against the end" : " against the start");
            ASSERT_TRUE(GuardedCopy(c, src_bytes, options, against_end) == expected) << where;
            if (callers_pool) {
              EXPECT_EQ(pool.calls.load(), 1) << where << ": not split into tasks";
            }
          }
        }
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(ElementSizes, GuardPageTasksTest, ::testing::Values(1, 2, 3, 4, 8, 16),
                         [](const ::testing::TestParamInfo<int64_t>& param_info) {
                           return "elem" + std::to_string(param_info.param);
                         });

}  // namespace
}  // namespace ravel_test
