// No kernel touches a byte outside its views: every edge case runs with its source and its
// destination placed against PROT_NONE pages, once with the first byte of each view right after
// a guard page and once with the last byte right before one, on every ISA this machine runs.
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstring>
#include <random>
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
// the destination's touched bytes.
std::vector<char> GuardedCopy(const KernelCase& c, const std::vector<char>& src_bytes,
                              const ravel_options& options, bool against_end) {
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
  const ravel_status status =
      ravel_copy(src.data() + (c.src.offset - src_span.lo) * elem, &src_layout,
                 dst.data() + (c.dst.offset - dst_span.lo) * elem, &dst_layout, &options);
  EXPECT_EQ(status, RAVEL_OK) << Describe(c) << ": " << ravel_last_error();
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

}  // namespace
}  // namespace ravel_test
