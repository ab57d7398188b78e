// Every Highway kernel family x element width x ISA this machine runs, against the reference
// backend, on named edge cases (tile, tile+1, 2 x tile, padded strides, tiny, prime, negative
// strides, misaligned pointers), with and without streaming stores. Bytes of the destination
// buffer outside the view must stay untouched.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "kernel_cases.h"
#include "ravel/ravel.h"

namespace ravel_test {
namespace {

void CheckCase(const KernelCase& c, int32_t isa) {
  const int64_t src_bytes = Extent(c.src) * c.elem_size;
  for (int shift : {0, 1, 3}) {
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
    ASSERT_EQ(run.status, RAVEL_OK) << Describe(c) << ": " << ravel_last_error();
    for (int32_t streaming : {RAVEL_STREAMING_OFF, RAVEL_STREAMING_ON}) {
      for (int32_t threads : {1, 2}) {
        ravel_options options;
        ravel_options_init(&options);
        options.backend = RAVEL_BACKEND_HWY;
        options.isa = isa;
        options.streaming = streaming;
        options.num_threads = threads;
        const std::vector<unsigned char> actual = RunPlanned(c, options, shift, src, &run);
        ASSERT_EQ(run.status, RAVEL_OK) << Describe(c) << ": " << ravel_last_error();
        ASSERT_EQ(run.isa, isa) << Describe(c);
        ASSERT_TRUE(actual == expected)
            << Describe(c) << " isa " << ravel_isa_name(isa) << " shift " << shift << " streaming "
            << streaming << " threads " << threads;
      }
    }
  }
}

class KernelsTest : public ::testing::TestWithParam<std::tuple<int32_t, int64_t>> {};

TEST_P(KernelsTest, MatchesReferenceOnEdgeCases) {
  const int32_t isa = std::get<0>(GetParam());
  const int64_t elem = std::get<1>(GetParam());
  if (!ravel_isa_available(isa)) {
    GTEST_SKIP() << ravel_isa_name(isa) << " is not available on this machine";
  }
  for (const KernelCase& c : EdgeCases(elem)) {
    CheckCase(c, isa);
    if (HasFatalFailure()) {
      return;
    }
  }
}

std::string ParamName(const ::testing::TestParamInfo<std::tuple<int32_t, int64_t>>& param_info) {
  return std::string(ravel_isa_name(std::get<0>(param_info.param))) + "_elem" +
         std::to_string(std::get<1>(param_info.param));
}

INSTANTIATE_TEST_SUITE_P(AllIsas, KernelsTest,
                         ::testing::Combine(::testing::Values(RAVEL_ISA_SCALAR, RAVEL_ISA_SSE4,
                                                              RAVEL_ISA_AVX2, RAVEL_ISA_AVX512,
                                                              RAVEL_ISA_NEON, RAVEL_ISA_SVE),
                                            ::testing::Values(1, 2, 3, 4, 8, 12, 16)),
                         ParamName);

TEST(Isa, ForcingAnUnavailableIsaIsUnsupported) {
  for (int32_t isa = RAVEL_ISA_SCALAR; isa <= RAVEL_ISA_SVE; ++isa) {
    const int64_t shape[] = {4, 4};
    const ravel_layout layout{2, 4, shape, nullptr};
    ravel_options options;
    ravel_options_init(&options);
    options.isa = isa;
    ravel_plan plan = nullptr;
    const ravel_status status = ravel_plan_create(&layout, nullptr, &options, &plan);
    if (ravel_isa_available(isa)) {
      ASSERT_EQ(status, RAVEL_OK) << ravel_isa_name(isa);
      EXPECT_EQ(ravel_plan_isa(plan), isa);
    } else {
      EXPECT_EQ(status, RAVEL_E_UNSUPPORTED) << ravel_isa_name(isa);
      EXPECT_NE(std::string(ravel_last_error()).find("options->isa"), std::string::npos);
    }
    ravel_plan_destroy(plan);
  }
  EXPECT_TRUE(ravel_isa_available(RAVEL_ISA_SCALAR));
}

}  // namespace
}  // namespace ravel_test
