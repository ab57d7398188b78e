// The header-only C++ wrapper: copies, statuses and exceptions, plans, views with PyTorch's
// semantics (expected values worked out by hand), flatten/reshape view-or-copy decisions and the
// pthreadpool adapter.
#include "ravel/ravel.hpp"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <numeric>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

namespace {

using ravel::Error;
using ravel::kSliceNone;
using ravel::Layout;
using ravel::Options;
using ravel::Plan;
using ravel::Status;
using ravel::View;

constexpr int64_t kF32 = sizeof(float);

std::vector<float> Iota(size_t count) {
  std::vector<float> values(count);
  std::iota(values.begin(), values.end(), 0.0f);
  return values;
}

// The elements of (base + offset, shape, strides) in row-major order, by a plain odometer loop.
template <typename T>
std::vector<T> NaiveGather(const std::vector<T>& base, const std::vector<int64_t>& shape,
                           const std::vector<int64_t>& strides, int64_t offset) {
  int64_t count = 1;
  for (int64_t extent : shape) {
    count *= extent;
  }
  std::vector<T> out;
  std::vector<int64_t> index(shape.size(), 0);
  for (int64_t n = 0; n < count; ++n) {
    int64_t at = offset;
    for (size_t d = 0; d < shape.size(); ++d) {
      at += index[d] * strides[d];
    }
    out.push_back(base[static_cast<size_t>(at)]);
    for (size_t d = shape.size(); d-- > 0;) {
      if (++index[d] < shape[d]) {
        break;
      }
      index[d] = 0;
    }
  }
  return out;
}

void ExpectView(const View& view, const std::vector<int64_t>& shape,
                const std::vector<int64_t>& strides, int64_t offset) {
  EXPECT_EQ(view.shape(), shape);
  EXPECT_EQ(view.strides(), strides);
  EXPECT_EQ(view.offset(), offset);
  EXPECT_EQ(view.rank(), static_cast<int32_t>(shape.size()));
}

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// ---- Copies -----------------------------------------------------------------------------------

TEST(HppCopy, PermutedViewMatchesNaiveLoop) {
  // x = arange(60).reshape(3, 4, 5); x.permute(2, 0, 1) has shape [5, 3, 4], strides [1, 20, 5].
  const std::vector<float> src = Iota(60);
  const Layout layout({5, 3, 4}, {1, 20, 5}, kF32);
  std::vector<float> dst(60, -1.0f);
  ravel::Copy(src.data(), layout, dst.data());
  for (int64_t i = 0; i < 5; ++i) {
    for (int64_t j = 0; j < 3; ++j) {
      for (int64_t k = 0; k < 4; ++k) {
        ASSERT_EQ(dst[static_cast<size_t>((i * 3 + j) * 4 + k)],
                  src[static_cast<size_t>(i + 20 * j + 5 * k)])
            << i << "," << j << "," << k;
      }
    }
  }
}

TEST(HppCopy, IntoStridedDestinationTouchesOnlyTheView) {
  // A [4, 2] transpose of a [2, 4] source written into columns 1..2 of a [4, 5] buffer.
  const std::vector<float> src = Iota(8);
  const Layout src_layout({4, 2}, {1, 4}, kF32);
  const Layout dst_layout({4, 2}, {5, 1}, kF32);
  std::vector<float> buffer(20, -1.0f);
  ravel::Copy(src.data(), src_layout, buffer.data() + 1, dst_layout);
  const std::vector<float> expected = {-1, 0, 4, -1, -1, -1, 1, 5, -1, -1,
                                       -1, 2, 6, -1, -1, -1, 3, 7, -1, -1};
  EXPECT_EQ(buffer, expected);
}

TEST(HppCopy, AcceptsCLayoutsAndDenseLayouts) {
  const std::vector<float> src = Iota(6);
  const int64_t shape[] = {3, 2};
  const int64_t strides[] = {1, 3};
  ravel_layout c_layout;
  c_layout.rank = 2;
  c_layout.elem_size = kF32;
  c_layout.shape = shape;
  c_layout.strides = strides;
  std::vector<float> dst(6, -1.0f);
  ravel::Copy(src.data(), c_layout, dst.data(), Layout::Dense({3, 2}, kF32));
  EXPECT_EQ(dst, (std::vector<float>{0, 3, 1, 4, 2, 5}));
}

TEST(HppCopy, ErrorsThrowWithCodeAndMessageAndWriteNothing) {
  const std::vector<float> src = Iota(6);
  std::vector<float> dst(6, -1.0f);
  try {
    ravel::Copy(src.data(), Layout::Dense({2, 3}, kF32), dst.data(), Layout::Dense({3, 2}, kF32));
    FAIL() << "a shape mismatch did not throw";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), RAVEL_E_INVALID_ARGUMENT);
    EXPECT_EQ(error.status().code(), RAVEL_E_INVALID_ARGUMENT);
    EXPECT_TRUE(Contains(error.status().message(), "dst_layout")) << error.status().message();
    EXPECT_EQ(std::string(error.what()), "RAVEL_E_INVALID_ARGUMENT: " + error.status().message());
  }
  EXPECT_EQ(dst, std::vector<float>(6, -1.0f));

  std::vector<float> buffer = Iota(6);
  try {
    ravel::Copy(buffer.data(), Layout({2, 3}, {1, 2}, kF32), buffer.data());
    FAIL() << "intersecting src and dst did not throw";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), RAVEL_E_OVERLAP);
    EXPECT_FALSE(error.status().message().empty());
  }
  EXPECT_EQ(buffer, Iota(6));

  // An Error is a std::runtime_error.
  EXPECT_THROW(ravel::Copy(nullptr, Layout::Dense({2}, kF32), dst.data()), std::runtime_error);
}

TEST(HppCopy, TryCopyReturnsTheStatusWithoutThrowing) {
  const std::vector<float> src = Iota(6);
  std::vector<float> dst(6, -1.0f);
  Status status;
  EXPECT_NO_THROW(status = ravel::TryCopy(src.data(), Layout::Dense({2, 3}, kF32), dst.data(),
                                          Options().threads(-1)));
  EXPECT_FALSE(status.ok());
  EXPECT_FALSE(status);
  EXPECT_EQ(status.code(), RAVEL_E_INVALID_ARGUMENT);
  EXPECT_TRUE(Contains(status.message(), "num_threads")) << status.message();
  EXPECT_EQ(dst, std::vector<float>(6, -1.0f));

  // The message is captured: a later call that succeeds (and resets the thread's last error)
  // does not change it.
  const std::string message = status.message();
  const Status ok = ravel::TryCopy(src.data(), Layout::Dense({2, 3}, kF32), dst.data());
  EXPECT_TRUE(ok.ok());
  EXPECT_TRUE(ok);
  EXPECT_EQ(ok.code(), RAVEL_OK);
  EXPECT_TRUE(ok.message().empty());
  EXPECT_EQ(ok.ToString(), "RAVEL_OK");
  EXPECT_EQ(status.message(), message);
  EXPECT_EQ(dst, src);

  const Status overlap = ravel::TryCopy(dst.data(), Layout::Dense({6}, kF32), dst.data() + 2,
                                        Layout::Dense({6}, kF32));
  EXPECT_EQ(overlap.code(), RAVEL_E_OVERLAP);
}

TEST(HppLayout, MismatchedStridesThrowAndDenseLeavesStridesToTheLibrary) {
  try {
    const Layout layout({2, 3}, {1}, kF32);
    FAIL() << "strides of the wrong length did not throw";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), RAVEL_E_INVALID_ARGUMENT);
    EXPECT_TRUE(Contains(error.status().message(), "strides")) << error.status().message();
  }
  const Layout dense = Layout::Dense({2, 3, 4}, 2);
  const ravel_layout c = dense.view();
  EXPECT_EQ(c.rank, 3);
  EXPECT_EQ(c.elem_size, 2);
  EXPECT_EQ(c.shape, dense.shape().data());
  EXPECT_EQ(c.strides, nullptr);
  const Layout strided({2, 3}, {3, 1}, 8);
  EXPECT_EQ(strided.view().strides, strided.strides().data());
  EXPECT_EQ(strided.rank(), 2);
}

TEST(HppOptions, BuilderFillsTheCStruct) {
  ravel_options defaults;
  ravel_options_init(&defaults);
  const Options fresh;
  EXPECT_EQ(fresh.raw().struct_size, defaults.struct_size);
  EXPECT_EQ(fresh.raw().num_threads, 0);
  EXPECT_EQ(fresh.raw().parallel_for, nullptr);

  int pool_token = 0;
  auto fn = [](void*, void (*task)(void*, size_t), void* ctx, size_t count) {
    for (size_t i = 0; i < count; ++i) {
      task(ctx, i);
    }
  };
  const Options options = Options()
                              .threads(3)
                              .backend(RAVEL_BACKEND_REFERENCE)
                              .isa(RAVEL_ISA_SCALAR)
                              .streaming(RAVEL_STREAMING_OFF)
                              .parallel_for(fn, &pool_token);
  EXPECT_EQ(options.raw().num_threads, 3);
  EXPECT_EQ(options.raw().backend, RAVEL_BACKEND_REFERENCE);
  EXPECT_EQ(options.raw().isa, RAVEL_ISA_SCALAR);
  EXPECT_EQ(options.raw().streaming, RAVEL_STREAMING_OFF);
  EXPECT_EQ(options.raw().parallel_for, static_cast<ravel::ParallelFor>(fn));
  EXPECT_EQ(options.raw().pool, &pool_token);
  EXPECT_EQ(options.get(), &options.raw());
}

// ---- Plans ------------------------------------------------------------------------------------

TEST(HppPlan, CreateExecuteDescribeAndForcedBackend) {
  const std::vector<float> src = Iota(12);
  const Layout layout({4, 3}, {1, 4}, kF32);
  const Plan plan = Plan::Create(layout, Options().backend(RAVEL_BACKEND_REFERENCE));
  ASSERT_TRUE(plan);
  EXPECT_EQ(plan.backend(), RAVEL_BACKEND_REFERENCE);
  EXPECT_EQ(plan.isa(), RAVEL_ISA_SCALAR);
  const std::string description = plan.Describe();
  EXPECT_FALSE(description.empty());
  EXPECT_EQ(description.size(), ravel_plan_describe(plan.get(), nullptr, 0));
  EXPECT_EQ(description.find('\0'), std::string::npos);

  std::vector<float> dst(12, -1.0f);
  plan.Execute(src.data(), dst.data());
  EXPECT_EQ(dst, NaiveGather(src, {4, 3}, {1, 4}, 0));

  // Writing the dense result back through the transposed layout restores the source.
  const Plan to_strided = Plan::Create(Layout::Dense({4, 3}, kF32), layout);
  std::vector<float> back(12, -1.0f);
  to_strided.Execute(dst.data(), back.data());
  EXPECT_EQ(back, src);
}

TEST(HppPlan, IsMoveOnlyAndMovesOwnership) {
  static_assert(!std::is_copy_constructible_v<Plan>);
  static_assert(!std::is_copy_assignable_v<Plan>);
  static_assert(std::is_nothrow_move_constructible_v<Plan>);
  static_assert(std::is_nothrow_move_assignable_v<Plan>);

  const std::vector<float> src = Iota(6);
  std::vector<float> dst(6, -1.0f);
  Plan a = Plan::Create(Layout({3, 2}, {1, 3}, kF32));
  const ravel_plan raw = a.get();
  ASSERT_NE(raw, nullptr);

  Plan b(std::move(a));
  EXPECT_FALSE(a);  // NOLINT(bugprone-use-after-move): the moved-from state is specified
  EXPECT_EQ(a.get(), nullptr);
  EXPECT_EQ(b.get(), raw);

  Plan c = Plan::Create(Layout::Dense({6}, kF32));
  c = std::move(b);
  EXPECT_EQ(c.get(), raw);
  EXPECT_FALSE(b);  // NOLINT(bugprone-use-after-move)
  c.Execute(src.data(), dst.data());
  EXPECT_EQ(dst, (std::vector<float>{0, 3, 1, 4, 2, 5}));

  // An empty plan reports AUTO and fails to execute, with or without throwing.
  EXPECT_EQ(b.backend(), RAVEL_BACKEND_AUTO);
  EXPECT_EQ(b.isa(), RAVEL_ISA_AUTO);
  try {
    b.Execute(src.data(), dst.data());
    FAIL() << "executing an empty plan did not throw";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), RAVEL_E_INVALID_ARGUMENT);
    EXPECT_FALSE(error.status().message().empty());
  }
  EXPECT_EQ(b.TryExecute(src.data(), dst.data()).code(), RAVEL_E_INVALID_ARGUMENT);

  ravel_plan released = c.release();
  EXPECT_EQ(released, raw);
  EXPECT_FALSE(c);
  Plan d(released);
  EXPECT_EQ(d.get(), raw);
  d.reset();
  EXPECT_FALSE(d);
}

TEST(HppPlan, CreateFailureThrowsAndTryCreateLeavesThePlanEmpty) {
  Plan plan = Plan::Create(Layout::Dense({4}, kF32));
  const Status status =
      Plan::TryCreate(Layout::Dense({2, 3}, kF32), Layout::Dense({3, 2}, kF32), Options(), &plan);
  EXPECT_EQ(status.code(), RAVEL_E_INVALID_ARGUMENT);
  EXPECT_FALSE(status.message().empty());
  EXPECT_FALSE(plan);
  EXPECT_THROW(Plan::Create(Layout::Dense({2}, 0)), Error);

  Plan dense = Plan::Create(Layout::Dense({4}, kF32));
  EXPECT_EQ(Plan::TryCreate(Layout::Dense({2}, 0), Options(), &dense).code(),
            RAVEL_E_INVALID_ARGUMENT);
  EXPECT_FALSE(dense);
}

// ---- Views ------------------------------------------------------------------------------------

TEST(HppView, PermuteThenStepSlice) {
  // x = empty(2, 3, 4): strides [12, 4, 1]. x.permute(0, 2, 1) -> [2, 4, 3], strides [12, 1, 4];
  // [..., ::2] -> [2, 4, 2], strides [12, 1, 8].
  View x = View::Dense({2, 3, 4}, kF32);
  ExpectView(x, {2, 3, 4}, {12, 4, 1}, 0);
  x.Permute({0, 2, 1});
  ExpectView(x, {2, 4, 3}, {12, 1, 4}, 0);
  x.Slice(-1, kSliceNone, kSliceNone, 2);
  ExpectView(x, {2, 4, 2}, {12, 1, 8}, 0);
  EXPECT_EQ(x.elem_size(), kF32);
  EXPECT_EQ(x.numel(), 16);
}

TEST(HppView, ChainedSliceReverseSelect) {
  // x = empty(4, 5, 6): strides [30, 6, 1]. x[1:] -> [3, 5, 6], offset 30; [:, ::-1] -> stride
  // -6, offset 30 + 4 * 6 = 54; [:, :, 2] -> [3, 5], strides [30, -6], offset 56.
  const View x = View::Dense({4, 5, 6}, kF32);
  View y = View(x).Slice(0, 1, kSliceNone).Slice(1, kSliceNone, kSliceNone, -1).Select(2, 2);
  ExpectView(y, {3, 5}, {30, -6}, 56);
  ExpectView(x, {4, 5, 6}, {30, 6, 1}, 0);

  // x[-3:-1, 1:5:3, -1] -> rows 1..2, columns 1 and 4, last element: offset 30 + 6 + 5 = 41.
  View z = View(x).Slice(0, -3, -1).Slice(1, 1, 5, 3).Select(2, -1);
  ExpectView(z, {2, 2}, {30, 18}, 41);

  // Bounds are clamped: x[2:100, 7:] is [2, 0, 6].
  View w = View(x).Slice(0, 2, 100).Slice(1, 7, kSliceNone);
  EXPECT_EQ(w.shape(), (std::vector<int64_t>{2, 0, 6}));
  EXPECT_EQ(w.numel(), 0);
}

TEST(HppView, ExpandFlipSqueezeUnsqueeze) {
  // x = empty(3, 1): strides [1, 1]. x.expand(2, 3, 4) -> strides [0, 1, 0].
  View e = View::Dense({3, 1}, kF32);
  e.Expand({2, -1, 4});
  ExpectView(e, {2, 3, 4}, {0, 1, 0}, 0);

  // x = empty(2, 3): flip(1) -> strides [3, -1], offset 2; flip(0, 1) -> [-3, -1], offset 5.
  View f = View::Dense({2, 3}, kF32);
  f.Flip({1});
  ExpectView(f, {2, 3}, {3, -1}, 2);
  View g = View::Dense({2, 3}, kF32);
  g.Flip({0, -1});
  ExpectView(g, {2, 3}, {-3, -1}, 5);

  // x = empty(2, 1, 3, 1): strides [3, 3, 1, 1]. squeeze(1) -> [2, 3, 1]; squeeze(0) is a no-op;
  // squeeze() -> [2, 3].
  View s = View::Dense({2, 1, 3, 1}, kF32);
  s.Squeeze(1);
  ExpectView(s, {2, 3, 1}, {3, 1, 1}, 0);
  s.Squeeze(0);
  ExpectView(s, {2, 3, 1}, {3, 1, 1}, 0);
  View all = View::Dense({2, 1, 3, 1}, kF32);
  all.Squeeze();
  ExpectView(all, {2, 3}, {3, 1}, 0);

  // x = empty(2, 3). unsqueeze(1) -> [2, 1, 3]; PyTorch gives the new dim stride
  // sizes[1] * strides[1] = 3. unsqueeze(-1) -> [2, 3, 1] with stride 1.
  View u = View::Dense({2, 3}, kF32);
  u.Unsqueeze(1);
  ExpectView(u, {2, 1, 3}, {3, 3, 1}, 0);
  View v = View::Dense({2, 3}, kF32);
  v.Unsqueeze(-1);
  ExpectView(v, {2, 3, 1}, {3, 1, 1}, 0);
}

TEST(HppView, TransposeTAndAsStrided) {
  View t = View::Dense({2, 3, 4}, kF32);
  t.Transpose(0, -1);
  ExpectView(t, {4, 3, 2}, {1, 4, 12}, 0);
  View big_t = View::Dense({2, 3, 4}, kF32);
  big_t.T();
  ExpectView(big_t, {4, 3, 2}, {1, 4, 12}, 0);
  View m = View::Dense({4, 6}, kF32);
  m.T();
  ExpectView(m, {6, 4}, {1, 6}, 0);
  View vec = View::Dense({5}, kF32);
  vec.T();
  ExpectView(vec, {5}, {1}, 0);

  // as_strided replaces the view, offset included, relative to the base.
  View a = View::Dense({4, 4}, kF32);
  a.Slice(0, 1, kSliceNone);
  a.AsStrided({2, 2}, {1, 2}, 3);
  ExpectView(a, {2, 2}, {1, 2}, 3);
}

TEST(HppView, FailuresThrowAndLeaveTheViewUnchanged) {
  View x = View::Dense({2, 3, 4}, kF32);
  x.Slice(2, 1, kSliceNone);
  const std::vector<int64_t> shape = x.shape();
  const std::vector<int64_t> strides = x.strides();
  const int64_t offset = x.offset();

  auto expect_invalid = [&](auto&& edit, const char* what) {
    try {
      edit();
      ADD_FAILURE() << what << " did not throw";
    } catch (const Error& error) {
      EXPECT_EQ(error.code(), RAVEL_E_INVALID_ARGUMENT) << what;
      EXPECT_FALSE(error.status().message().empty()) << what;
    }
    ExpectView(x, shape, strides, offset);
  };
  expect_invalid([&] { x.Slice(3, 0, 1); }, "slice of dim 3 of a rank-3 view");
  expect_invalid([&] { x.Slice(0, 0, 1, 0); }, "slice with step 0");
  expect_invalid([&] { x.Permute({0, 0, 1}); }, "permute with a repeated dim");
  expect_invalid([&] { x.Permute({1, 0}); }, "permute of too few dims");
  expect_invalid([&] { x.Select(1, 3); }, "select past the end");
  expect_invalid([&] { x.Select(1, -4); }, "select before the start");
  expect_invalid([&] { x.Expand({3, 3, 3}); }, "expand of a dim that is not 1");
  expect_invalid([&] { x.Flip({4}); }, "flip of a missing dim");
  expect_invalid([&] { x.Unsqueeze(5); }, "unsqueeze past rank + 1");
  expect_invalid([&] { x.Transpose(0, 3); }, "transpose of a missing dim");
  expect_invalid([&] { x.AsStrided({2, 2}, {1}, 0); }, "as_strided with short strides");
  expect_invalid([&] { (void)View(Layout::Dense({2}, 0)); }, "a view of elem_size 0");

  // A failing link in a chain keeps what the earlier links did.
  View y = View::Dense({2, 3}, kF32);
  EXPECT_THROW(y.Transpose(0, 1).Select(0, 5), Error);
  ExpectView(y, {3, 2}, {1, 3}, 0);
}

TEST(HppView, LayoutReadsTheView) {
  View x = View::Dense({2, 3}, 2);
  x.Transpose(0, 1);
  const ravel_layout layout = x.layout();
  EXPECT_EQ(layout.rank, 2);
  EXPECT_EQ(layout.elem_size, 2);
  EXPECT_EQ(layout.shape[0], 3);
  EXPECT_EQ(layout.strides[0], 1);
  EXPECT_EQ(layout.shape, x.raw().shape);
}

// ---- Flatten and reshape ----------------------------------------------------------------------

TEST(HppReshape, FlattenOfContiguousIsAView) {
  // empty(2, 3, 4).flatten(): view, shape [24], stride 1.
  const auto flat = View::Dense({2, 3, 4}, kF32).Flatten();
  EXPECT_TRUE(flat.is_view);
  ExpectView(flat.view, {24}, {1}, 0);

  // flatten(1, 2) -> [2, 12], strides [12, 1]; flatten(0, 0) changes nothing.
  const auto inner = View::Dense({2, 3, 4}, kF32).Flatten(1, 2);
  EXPECT_TRUE(inner.is_view);
  ExpectView(inner.view, {2, 12}, {12, 1}, 0);
  const auto none = View::Dense({2, 3, 4}, kF32).Flatten(0, 0);
  EXPECT_TRUE(none.is_view);
  ExpectView(none.view, {2, 3, 4}, {12, 4, 1}, 0);
}

TEST(HppReshape, FlattenOfPermutedNeedsACopy) {
  // empty(2, 3, 4).permute(1, 0, 2): [3, 2, 4], strides [4, 12, 1]. Dim 0 (stride 4) does not
  // continue dim 1 (stride 12 * 2 = 24 != 4): flatten() copies into dense [24].
  View x = View::Dense({2, 3, 4}, kF32);
  x.Permute({1, 0, 2});
  const auto flat = x.Flatten();
  EXPECT_FALSE(flat.is_view);
  ExpectView(flat.view, {24}, {1}, 0);
  // flatten(1, 2): stride 12 != 1 * 4, so also a copy, dense [3, 8].
  const auto inner = x.Flatten(1, 2);
  EXPECT_FALSE(inner.is_view);
  ExpectView(inner.view, {3, 8}, {8, 1}, 0);
}

TEST(HppReshape, FlattenOfStepSliceKeepsOffsetAndStride) {
  // x = empty(4, 6); x[1:, ::2] -> [3, 3], strides [6, 2], offset 6. 6 == 2 * 3, so flatten()
  // is a view: [9], stride 2, offset 6.
  View x = View::Dense({4, 6}, kF32);
  x.Slice(0, 1, kSliceNone).Slice(1, kSliceNone, kSliceNone, 2);
  ExpectView(x, {3, 3}, {6, 2}, 6);
  const auto flat = x.Flatten();
  EXPECT_TRUE(flat.is_view);
  ExpectView(flat.view, {9}, {2}, 6);
}

TEST(HppReshape, ReshapeOfTransposedMatrix) {
  // empty(4, 6).t(): [6, 4], strides [1, 6].
  View t = View::Dense({4, 6}, kF32);
  t.T();
  // reshape(6, 4): same shape, a view with the same strides.
  const auto same = t.Reshape({6, 4});
  EXPECT_TRUE(same.is_view);
  ExpectView(same.view, {6, 4}, {1, 6}, 0);
  // reshape(2, 3, 4): splits dim 0 (6, stride 1) into [2, 3] with strides [3, 1]; a view.
  const auto split = t.Reshape({2, 3, 4});
  EXPECT_TRUE(split.is_view);
  ExpectView(split.view, {2, 3, 4}, {3, 1, 6}, 0);
  // reshape(24) and reshape(3, 8) would merge dims 0 and 1 (1 != 6 * 4): copies.
  const auto flat = t.Reshape({24});
  EXPECT_FALSE(flat.is_view);
  ExpectView(flat.view, {24}, {1}, 0);
  const auto mixed = t.Reshape({3, 8});
  EXPECT_FALSE(mixed.is_view);
  ExpectView(mixed.view, {3, 8}, {8, 1}, 0);
}

TEST(HppReshape, InferredDimsBroadcastsAndErrors) {
  // empty(2, 3, 4).reshape(-1, 4): [6, 4], strides [4, 1], a view.
  const auto inferred = View::Dense({2, 3, 4}, kF32).Reshape({-1, 4});
  EXPECT_TRUE(inferred.is_view);
  ExpectView(inferred.view, {6, 4}, {4, 1}, 0);

  // empty(1, 4).expand(3, 4): strides [0, 1]. reshape(3, 2, 2) splits only the unit-stride dim:
  // a view with strides [0, 2, 1]. reshape(12) would merge the broadcast dim: a copy.
  View b = View::Dense({1, 4}, kF32);
  b.Expand({3, 4});
  ExpectView(b, {3, 4}, {0, 1}, 0);
  const auto split = b.Reshape({3, 2, 2});
  EXPECT_TRUE(split.is_view);
  ExpectView(split.view, {3, 2, 2}, {0, 2, 1}, 0);
  const auto flat = b.Reshape({12});
  EXPECT_FALSE(flat.is_view);
  ExpectView(flat.view, {12}, {1}, 0);

  const View x = View::Dense({2, 3, 4}, kF32);
  try {
    (void)x.Reshape({5, 5});
    FAIL() << "reshape to a different element count did not throw";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), RAVEL_E_INVALID_ARGUMENT);
    EXPECT_FALSE(error.status().message().empty());
  }
  EXPECT_THROW((void)x.Reshape({-1, -1}), Error);
  EXPECT_THROW((void)x.Flatten(2, 1), Error);
  EXPECT_THROW((void)x.Flatten(0, 3), Error);
}

// ---- Contiguous -------------------------------------------------------------------------------

TEST(HppContiguous, AppliesTheViewOffset) {
  // x = arange(24).reshape(4, 6); x[1:, ::-1][:, ::2] -> rows 1..3, columns 5, 3, 1.
  const std::vector<float> x = Iota(24);
  View v = View::Dense({4, 6}, kF32);
  v.Slice(0, 1, kSliceNone).Flip({1}).Slice(1, kSliceNone, kSliceNone, 2);
  ASSERT_EQ(v.shape(), (std::vector<int64_t>{3, 3}));
  std::vector<float> dst(9, -1.0f);
  ravel::Contiguous(x.data(), v, dst.data());
  EXPECT_EQ(dst, (std::vector<float>{11, 9, 7, 17, 15, 13, 23, 21, 19}));

  // A permuted, sliced 3-D view against the naive loop.
  const std::vector<float> y = Iota(4 * 5 * 6);
  View w = View::Dense({4, 5, 6}, kF32);
  w.Permute({2, 0, 1}).Slice(1, 1, 4).Flip({2}).Slice(0, kSliceNone, kSliceNone, 2);
  std::vector<float> out(static_cast<size_t>(w.numel()), -1.0f);
  ravel::Contiguous(y.data(), w, out.data(), Options().threads(1));
  EXPECT_EQ(out, NaiveGather(y, w.shape(), w.strides(), w.offset()));
}

TEST(HppContiguous, ReportsErrors) {
  const View v = View::Dense({2, 3}, kF32);
  std::vector<float> dst(6, -1.0f);
  const Status status = ravel::TryContiguous(nullptr, v, dst.data());
  EXPECT_EQ(status.code(), RAVEL_E_INVALID_ARGUMENT);
  EXPECT_FALSE(status.message().empty());
  EXPECT_THROW(ravel::Contiguous(nullptr, v, dst.data()), Error);
  EXPECT_EQ(dst, std::vector<float>(6, -1.0f));
}

// ---- pthreadpool ------------------------------------------------------------------------------

#if defined(RAVEL_HPP_HAS_PTHREADPOOL)

using PoolPtr = std::unique_ptr<pthreadpool, decltype(&pthreadpool_destroy)>;

TEST(HppPthreadpool, OptionsPointAtThePool) {
  PoolPtr pool(pthreadpool_create(2), &pthreadpool_destroy);
  ASSERT_NE(pool, nullptr);
  const Options options = ravel::PthreadpoolOptions(pool.get());
  EXPECT_NE(options.raw().parallel_for, nullptr);
  EXPECT_EQ(options.raw().pool, pool.get());
  EXPECT_EQ(options.raw().num_threads, 2);
  EXPECT_EQ(ravel::PthreadpoolOptions(pool.get(), Options().threads(1)).raw().num_threads, 1);
  EXPECT_EQ(ravel::PthreadpoolOptions(nullptr).raw().num_threads, 1);

  // The adapter runs every index exactly once.
  constexpr size_t kCount = 1000;
  std::vector<std::atomic<int>> hits(kCount);
  for (auto& hit : hits) {
    hit = 0;
  }
  options.raw().parallel_for(
      options.raw().pool,
      [](void* ctx, size_t i) { (*static_cast<std::vector<std::atomic<int>>*>(ctx))[i]++; }, &hits,
      kCount);
  for (size_t i = 0; i < kCount; ++i) {
    ASSERT_EQ(hits[i].load(), 1) << i;
  }
}

// Forwards to the adapter, counting calls and tasks, and notes whether two tasks ever ran at
// once: each task waits, for a bounded time, until another one is running beside it.
struct CountingPool {
  ravel::ParallelFor inner = nullptr;
  void* inner_pool = nullptr;
  std::atomic<int> calls{0};
  std::atomic<size_t> requested{0};
  std::atomic<size_t> tasks{0};
  std::atomic<int> running{0};
  std::atomic<bool> concurrent{false};
};

struct CountingCall {
  CountingPool* pool;
  void (*task)(void*, size_t);
  void* ctx;
};

void CountingTask(void* call_ctx, size_t i) {
  auto* call = static_cast<CountingCall*>(call_ctx);
  CountingPool& pool = *call->pool;
  pool.tasks++;
  pool.running++;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (!pool.concurrent.load() && std::chrono::steady_clock::now() < deadline) {
    if (pool.running.load() >= 2) {
      pool.concurrent = true;
    }
    std::this_thread::yield();
  }
  call->task(call->ctx, i);
  pool.running--;
}

void CountingParallelFor(void* pool, void (*task)(void*, size_t), void* ctx, size_t count) {
  auto* counting = static_cast<CountingPool*>(pool);
  counting->calls++;
  counting->requested += count;
  CountingCall call{counting, task, ctx};
  counting->inner(counting->inner_pool, &CountingTask, &call, count);
}

TEST(HppPthreadpool, MultiMiBTransposeMatchesSingleThreadAndRunsOnThePool) {
  PoolPtr pool(pthreadpool_create(2), &pthreadpool_destroy);
  ASSERT_NE(pool, nullptr);
  ASSERT_EQ(pthreadpool_get_threads_count(pool.get()), 2u);

  // A [1536, 1024] uint32 matrix (6 MiB) read transposed.
  constexpr int64_t kRows = 1536;
  constexpr int64_t kCols = 1024;
  std::vector<uint32_t> src(static_cast<size_t>(kRows * kCols));
  std::iota(src.begin(), src.end(), 0u);
  const Layout transposed({kCols, kRows}, {1, kCols}, sizeof(uint32_t));

  std::vector<uint32_t> single(src.size(), 0);
  ravel::Copy(src.data(), transposed, single.data(), Options().threads(1));
  ASSERT_EQ(single, NaiveGather(src, {kCols, kRows}, {1, kCols}, 0));

  std::vector<uint32_t> pooled(src.size(), 0);
  const Options options = ravel::PthreadpoolOptions(pool.get());
  ravel::Copy(src.data(), transposed, pooled.data(), options);
  EXPECT_EQ(pooled, single);

  CountingPool counting;
  counting.inner = options.raw().parallel_for;
  counting.inner_pool = options.raw().pool;
  std::vector<uint32_t> counted(src.size(), 0);
  ravel::Copy(src.data(), transposed, counted.data(),
              Options(options.raw()).parallel_for(&CountingParallelFor, &counting));
  EXPECT_EQ(counted, single);
  EXPECT_GE(counting.calls.load(), 1);
  EXPECT_GE(counting.tasks.load(), 2u);
  EXPECT_EQ(counting.tasks.load(), counting.requested.load());
  EXPECT_TRUE(counting.concurrent.load()) << "no two tasks ran at once on a 2-thread pool";
}

#endif  // RAVEL_HPP_HAS_PTHREADPOOL

}  // namespace
