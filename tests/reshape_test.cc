// ravel_flatten and ravel_reshape against brute force. Whether a view exists is decided by
// trying the only strides a view could have (a unit step in each new dim must move by the
// address difference it covers in the old layout) on every index; PyTorch's rule (computeStride
// in aten/src/ATen/TensorUtils.cpp) finds a view exactly when one exists for non-empty tensors.
// When ravel says "view", its strides must address, for every index of the new shape, exactly the
// element the old layout holds at the same row-major position; when it says "copy", they must be
// the dense strides of the new shape. Empty tensors are always views (old strides for the same
// shape, else dense ones). RAVEL_TEST_SEED=<n> replays another seed; RAVEL_TEST_SCALE=<n> runs
// 1/n of the cases.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <numeric>
#include <string>
#include <vector>

#include "ravel/ravel.h"
#include "test_index.h"
#include "test_rng.h"

namespace ravel_test {
namespace {

constexpr uint64_t kDefaultSeed = 0x7265'7368'6170'6531;
constexpr int kRandomLayouts = 60000;
constexpr int kShapesPerLayout = 4;
constexpr int64_t kMaxElements = 256;
constexpr int64_t kSentinel = -777;

uint64_t BaseSeed() { return ravel_test::BaseSeed(kDefaultSeed); }

int64_t Dot(const Index& index, const Index& strides) {
  int64_t sum = 0;
  for (size_t d = 0; d < index.size(); ++d) {
    sum += index[d] * strides[d];
  }
  return sum;
}

std::string Str(const Index& values) {
  std::string out = "[";
  for (size_t i = 0; i < values.size(); ++i) {
    out += (i > 0 ? "," : "") + std::to_string(values[i]);
  }
  return out + "]";
}

// PyTorch's contiguous strides (size-0 dims count as 1), written out the long way.
Index Dense(const Index& shape) {
  Index strides(shape.size());
  for (size_t d = 0; d < shape.size(); ++d) {
    int64_t stride = 1;
    for (size_t e = d + 1; e < shape.size(); ++e) {
      stride *= std::max<int64_t>(shape[e], 1);
    }
    strides[d] = stride;
  }
  return strides;
}

// A strided layout, addresses relative to element (0, ..., 0).
struct Strided {
  Index shape;
  Index strides;
  int64_t elem_size = 4;

  ravel_layout C() const {
    ravel_layout layout;
    layout.rank = Rank(shape);
    layout.elem_size = elem_size;
    layout.shape = shape.data();
    layout.strides = strides.data();
    return layout;
  }

  std::string Describe() const { return "shape " + Str(shape) + " strides " + Str(strides); }
};

// The address of every element, in row-major order of the layout's own shape.
std::vector<int64_t> RowMajorAddresses(const Strided& layout) {
  std::vector<int64_t> addresses;
  ForEachIndex(layout.shape,
               [&](const Index& index) { addresses.push_back(Dot(index, layout.strides)); });
  return addresses;
}

// Brute force: does some set of strides make new_shape address `addresses` in row-major order?
// A unit step in dim d skips product(new_shape[d+1:]) positions, so a view's stride for any dim
// of extent >= 2 is forced; dims of extent 1 take any stride. Try the forced ones everywhere.
bool ViewExists(const std::vector<int64_t>& addresses, const Index& new_shape) {
  Index strides(new_shape.size(), 0);
  int64_t skip = 1;
  for (size_t d = new_shape.size(); d-- > 0;) {
    if (new_shape[d] >= 2) {
      strides[d] = addresses[size_t(skip)] - addresses[0];
    }
    skip *= new_shape[d];
  }
  size_t position = 0;
  bool exists = true;
  ForEachIndex(new_shape, [&](const Index& index) {
    exists = exists && addresses[position] - addresses[0] == Dot(index, strides);
    ++position;
  });
  return exists;
}

// What ravel returned.
struct Outcome {
  ravel_status status = RAVEL_OK;
  int64_t shape[RAVEL_MAX_RANK];
  int64_t strides[RAVEL_MAX_RANK];
  int32_t rank = static_cast<int32_t>(kSentinel);
  int is_view = static_cast<int>(kSentinel);

  Outcome() {
    std::fill(shape, shape + RAVEL_MAX_RANK, kSentinel);
    std::fill(strides, strides + RAVEL_MAX_RANK, kSentinel);
  }

  Index Shape(size_t rank_) const { return Index(shape, shape + rank_); }
  Index Strides(size_t rank_) const { return Index(strides, strides + rank_); }

  bool Untouched() const {
    const Outcome fresh;
    return std::equal(shape, shape + RAVEL_MAX_RANK, fresh.shape) &&
           std::equal(strides, strides + RAVEL_MAX_RANK, fresh.strides) && rank == fresh.rank &&
           is_view == fresh.is_view;
  }
};

Outcome Reshape(const Strided& layout, const Index& new_shape) {
  Outcome out;
  const ravel_layout c = layout.C();
  out.status =
      ravel_reshape(&c, new_shape.data(), Rank(new_shape), out.shape, out.strides, &out.is_view);
  return out;
}

Outcome Flatten(const Strided& layout, int32_t start_dim, int32_t end_dim) {
  Outcome out;
  const ravel_layout c = layout.C();
  out.status =
      ravel_flatten(&c, start_dim, end_dim, out.shape, out.strides, &out.rank, &out.is_view);
  return out;
}

struct Stats {
  int64_t views = 0;
  int64_t copies = 0;
  int64_t empty = 0;
  int64_t inferred = 0;
  int64_t flattens = 0;
  int64_t rejected = 0;
};

// Holds a successful reshape or flatten of layout to (resolved) want_shape to the brute force.
::testing::AssertionResult Agrees(const Strided& layout, const Index& want_shape,
                                  const Outcome& out, Stats* stats) {
  if (out.status != RAVEL_OK) {
    return ::testing::AssertionFailure() << "status " << out.status << ": " << ravel_last_error();
  }
  const size_t rank = want_shape.size();
  if (out.Shape(rank) != want_shape) {
    return ::testing::AssertionFailure()
           << "shape " << Str(out.Shape(rank)) << ", want " << Str(want_shape);
  }
  const Index strides = out.Strides(rank);
  if (Numel(want_shape) == 0) {
    // PyTorch (and numpy): the old strides when the shape stays, else the dense ones; a view.
    const Index want = want_shape == layout.shape ? layout.strides : Dense(want_shape);
    ++stats->empty;
    if (out.is_view != 1 || strides != want) {
      return ::testing::AssertionFailure() << "empty: is_view " << out.is_view << ", strides "
                                           << Str(strides) << ", want 1 and " << Str(want);
    }
    return ::testing::AssertionSuccess();
  }
  const std::vector<int64_t> addresses = RowMajorAddresses(layout);
  const bool exists = ViewExists(addresses, want_shape);
  if (out.is_view != (exists ? 1 : 0)) {
    return ::testing::AssertionFailure()
           << "is_view " << out.is_view << " but a view " << (exists ? "exists" : "does not exist")
           << " (strides " << Str(strides) << ")";
  }
  if (out.is_view == 1) {
    ++stats->views;
    size_t position = 0;
    std::string mismatch;
    ForEachIndex(want_shape, [&](const Index& index) {
      if (mismatch.empty() && Dot(index, strides) != addresses[position]) {
        mismatch = "index " + Str(index) + " addresses " + std::to_string(Dot(index, strides)) +
                   ", the old layout's element " + std::to_string(position) + " is at " +
                   std::to_string(addresses[position]);
      }
      ++position;
    });
    if (!mismatch.empty()) {
      return ::testing::AssertionFailure() << "view strides " << Str(strides) << ": " << mismatch;
    }
  } else {
    ++stats->copies;
    if (strides != Dense(want_shape)) {
      return ::testing::AssertionFailure()
             << "copy strides " << Str(strides) << ", want dense " << Str(Dense(want_shape));
    }
  }
  return ::testing::AssertionSuccess();
}

// ---- Random layouts and shapes ---------------------------------------------------------------

// A small dense tensor, then permuted, sliced with steps, flipped, expanded, unsqueezed with
// arbitrary strides for size-1 dims, selected; sometimes arbitrary strides outright.
Strided RandomLayout(Rng& rng) {
  Strided layout;
  layout.shape.resize(rng.Percent(10) ? 0 : size_t(rng.Uniform(1, 4)));
  for (int64_t& extent : layout.shape) {
    extent = rng.Percent(5) ? 0 : rng.Uniform(1, 4);
  }
  layout.strides = Dense(layout.shape);
  const int64_t edits = rng.Uniform(0, 5);
  for (int64_t e = 0; e < edits; ++e) {
    Index& shape = layout.shape;
    Index& strides = layout.strides;
    const size_t rank = shape.size();
    switch (rng.Uniform(0, 6)) {
      case 0: {  // permute
        std::vector<size_t> order(rank);
        std::iota(order.begin(), order.end(), size_t{0});
        rng.Shuffle(&order);
        const Strided old = layout;
        for (size_t d = 0; d < rank; ++d) {
          shape[d] = old.shape[order[d]];
          strides[d] = old.strides[order[d]];
        }
        break;
      }
      case 1: {  // slice start:stop:step
        if (rank == 0) {
          break;
        }
        const size_t d = rng.Below(rank);
        const int64_t step = rng.Percent(50) ? rng.Uniform(1, 3) : -rng.Uniform(1, 3);
        const int64_t start = rng.Uniform(0, std::max<int64_t>(shape[d] - 1, 0));
        const int64_t last = step > 0 ? shape[d] - 1 : 0;
        const int64_t span = step > 0 ? last - start : start - last;
        const int64_t most = span / (step > 0 ? step : -step) + 1;
        shape[d] =
            shape[d] == 0 || rng.Percent(5) ? 0 : rng.Uniform(std::min<int64_t>(most, 2), most);
        strides[d] *= step;
        break;
      }
      case 2: {  // expand a size-1 dim or a new leading one
        std::vector<size_t> ones;
        for (size_t d = 0; d < rank; ++d) {
          if (shape[d] == 1) {
            ones.push_back(d);
          }
        }
        if (ones.empty() || rng.Percent(30)) {
          shape.insert(shape.begin(), rng.Percent(10) ? 0 : rng.Uniform(1, 3));
          strides.insert(strides.begin(), 0);
        } else {
          const size_t d = ones[rng.Below(ones.size())];
          shape[d] = rng.Percent(10) ? 0 : rng.Uniform(2, 3);
          strides[d] = 0;
        }
        break;
      }
      case 3: {  // a size-1 dim with any stride
        const size_t d = rng.Below(rank + 1);
        shape.insert(shape.begin() + std::ptrdiff_t(d), 1);
        strides.insert(strides.begin() + std::ptrdiff_t(d), rng.Uniform(-30, 30));
        break;
      }
      case 4: {  // select
        if (rank == 0) {
          break;
        }
        const size_t d = rng.Below(rank);
        shape.erase(shape.begin() + std::ptrdiff_t(d));
        strides.erase(strides.begin() + std::ptrdiff_t(d));
        break;
      }
      case 5:  // flip
        if (rank > 0) {
          strides[rng.Below(rank)] *= -1;
        }
        break;
      default:  // arbitrary strides, aliasing included
        if (rng.Percent(30)) {
          for (int64_t& stride : strides) {
            stride = rng.Uniform(-4, 4);
          }
        }
        break;
    }
    if (shape.size() > 6 || Numel(shape) > kMaxElements) {
      return RandomLayout(rng);
    }
  }
  layout.elem_size = rng.Percent(50) ? 1 : 8;
  return layout;
}

// A random shape of `count` elements: either the old shape with adjacent dims merged and dims
// split (the shapes that tend to be views), or the prime factors of count spread over new dims;
// size-1 dims sprinkled in. For count 0, random extents with at least one 0.
Index RandomShape(Rng& rng, const Index& old_shape, int64_t count) {
  Index shape;
  if (count == 0) {
    if (rng.Percent(20)) {
      return old_shape;
    }
    shape.resize(size_t(rng.Uniform(1, 4)));
    for (int64_t& extent : shape) {
      extent = rng.Uniform(0, 4);
    }
    shape[rng.Below(shape.size())] = 0;
    return shape;
  }
  if (rng.Percent(50)) {
    for (const int64_t extent : old_shape) {
      if (!shape.empty() && rng.Percent(40)) {
        shape.back() *= extent;
        continue;
      }
      int64_t split = 1;
      for (int64_t f = 2; f < extent; ++f) {
        if (extent % f == 0 && rng.Percent(50)) {
          split = f;
          break;
        }
      }
      if (split > 1) {
        shape.push_back(split);
        shape.push_back(extent / split);
      } else {
        shape.push_back(extent);
      }
    }
  } else {
    Index factors;
    int64_t rest = count;
    for (int64_t f = 2; rest > 1; ++f) {
      while (rest % f == 0) {
        factors.push_back(f);
        rest /= f;
      }
    }
    shape.resize(factors.empty() ? 0 : size_t(rng.Uniform(1, int64_t(factors.size()))), 1);
    for (const int64_t f : factors) {
      shape[rng.Below(shape.size())] *= f;
    }
  }
  const int64_t ones = rng.Percent(40) ? rng.Uniform(1, 2) : 0;
  for (int64_t i = 0; i < ones && shape.size() < 8; ++i) {
    shape.insert(shape.begin() + std::ptrdiff_t(rng.Below(shape.size() + 1)), 1);
  }
  return shape;
}

TEST(ReshapeRandom, ViewExactlyWhenOneExists) {
  const uint64_t seed = BaseSeed();
  Stats stats;
  Rng rng(seed);
  for (int i = 0; i < ScaledCount(kRandomLayouts); ++i) {
    const Strided layout = RandomLayout(rng);
    const int64_t count = Numel(layout.shape);
    for (int s = 0; s < kShapesPerLayout; ++s) {
      const Index resolved = RandomShape(rng, layout.shape, count);
      ASSERT_EQ(Numel(resolved), count);
      Index asked = resolved;
      // -1 infers a dim, except where the other extents multiply to 0 (ambiguous).
      if (!asked.empty() && rng.Percent(30)) {
        const size_t d = rng.Below(asked.size());
        asked[d] = -1;
        if (Numel(asked) == 0) {
          const Outcome out = Reshape(layout, asked);
          ASSERT_NE(out.status, RAVEL_OK) << layout.Describe() << " to " << Str(asked);
          ASSERT_TRUE(out.Untouched());
          ++stats.rejected;
          continue;
        }
        ++stats.inferred;
      }
      const Outcome out = Reshape(layout, asked);
      ASSERT_TRUE(Agrees(layout, resolved, out, &stats))
          << "RAVEL_TEST_SEED=" << seed << ": reshape " << layout.Describe() << " to "
          << Str(asked);
    }
    // flatten(start, end) with any spelling of the dims.
    const int32_t bound = std::max(Rank(layout.shape), 1);
    const int32_t start = static_cast<int32_t>(rng.Uniform(-bound, bound - 1));
    const int32_t end = static_cast<int32_t>(rng.Uniform(-bound, bound - 1));
    const int32_t s = start < 0 ? start + bound : start;
    const int32_t e = end < 0 ? end + bound : end;
    const Outcome out = Flatten(layout, start, end);
    const std::string what = "RAVEL_TEST_SEED=" + std::to_string(seed) + ": flatten(" +
                             std::to_string(start) + ", " + std::to_string(end) + ") of " +
                             layout.Describe();
    if (s > e) {
      ASSERT_EQ(out.status, RAVEL_E_INVALID_ARGUMENT) << what;
      ASSERT_NE(std::string(ravel_last_error()).find("start_dim"), std::string::npos) << what;
      ASSERT_TRUE(out.Untouched()) << what;
      ++stats.rejected;
      continue;
    }
    Index want;
    if (layout.shape.empty()) {
      want = {1};
    } else {
      want.assign(layout.shape.begin(), layout.shape.begin() + s);
      int64_t merged = 1;
      for (int32_t d = s; d <= e; ++d) {
        merged *= layout.shape[size_t(d)];
      }
      want.push_back(merged);
      want.insert(want.end(), layout.shape.begin() + e + 1, layout.shape.end());
    }
    ASSERT_EQ(out.rank, Rank(want)) << what;
    ASSERT_TRUE(Agrees(layout, want, out, &stats)) << what;
    if (s == e && !layout.shape.empty()) {
      // PyTorch returns the tensor itself.
      ASSERT_EQ(out.Strides(want.size()), layout.strides) << what;
    }
    // The same as reshaping to the flattened shape (up to the strides of size-1 dims, which
    // address nothing: flatten(s, s) keeps the old ones).
    const Outcome reshaped = Reshape(layout, want);
    ASSERT_EQ(reshaped.is_view, out.is_view) << what;
    for (size_t d = 0; d < want.size(); ++d) {
      if (want[d] != 1) {
        ASSERT_EQ(reshaped.strides[d], out.strides[d]) << what << ", dim " << d;
      }
    }
    ++stats.flattens;
  }
  std::printf(
      "views %lld, copies %lld, empty %lld, -1 inferred %lld, flattens %lld, rejected "
      "%lld\n",
      static_cast<long long>(stats.views), static_cast<long long>(stats.copies),
      static_cast<long long>(stats.empty), static_cast<long long>(stats.inferred),
      static_cast<long long>(stats.flattens), static_cast<long long>(stats.rejected));
  EXPECT_GT(stats.views, ScaledCount(30000));
  EXPECT_GT(stats.copies, ScaledCount(30000));
  EXPECT_GT(stats.empty, ScaledCount(5000));
  EXPECT_GT(stats.inferred, ScaledCount(30000));
  EXPECT_GT(stats.rejected, ScaledCount(5000));
}

// ---- PyTorch facts, by hand -------------------------------------------------------------------

void ExpectResult(const Outcome& out, const Index& shape, const Index& strides, int is_view) {
  ASSERT_EQ(out.status, RAVEL_OK) << ravel_last_error();
  EXPECT_STREQ(ravel_last_error(), "");
  EXPECT_EQ(out.Shape(shape.size()), shape);
  EXPECT_EQ(out.Strides(strides.size()), strides);
  EXPECT_EQ(out.is_view, is_view);
}

void ExpectFlatten(const Outcome& out, const Index& shape, const Index& strides, int is_view) {
  ExpectResult(out, shape, strides, is_view);
  EXPECT_EQ(out.rank, Rank(shape));
}

TEST(ReshapeFacts, ContiguousFlattenIsAView) {
  const Strided x{{2, 3, 4}, {12, 4, 1}};
  for (const auto& [start, end] : {std::pair{0, -1}, std::pair{0, 2}, std::pair{-3, -1}}) {
    ExpectFlatten(Flatten(x, start, end), {24}, {1}, 1);
  }
  ExpectFlatten(Flatten(x, 1, 2), {2, 12}, {12, 1}, 1);
  ExpectFlatten(Flatten(x, 0, 1), {6, 4}, {4, 1}, 1);
}

TEST(ReshapeFacts, PermutedFlattenCopies) {
  // torch.empty(2, 3, 4).permute(1, 0, 2): shape (3, 2, 4), strides (4, 12, 1).
  const Strided x{{3, 2, 4}, {4, 12, 1}};
  ExpectFlatten(Flatten(x, 0, -1), {24}, {1}, 0);
  ExpectFlatten(Flatten(x, 1, 2), {3, 8}, {8, 1}, 0);
  ExpectFlatten(Flatten(x, 0, 1), {6, 4}, {4, 1}, 0);
  // Splitting a dim is always a view.
  ExpectResult(Reshape(x, {3, 2, 2, 2}), {3, 2, 2, 2}, {4, 12, 2, 1}, 1);
}

TEST(ReshapeFacts, ChannelsLastFlattens) {
  // NCHW memory permuted to NHWC: x.permute(0, 2, 3, 1) has shape (2, 4, 5, 3), strides
  // (60, 5, 1, 20). flatten(1) copies; flatten(1, 2) merges H and W, which stay contiguous.
  const Strided nchw{{2, 4, 5, 3}, {60, 5, 1, 20}};
  ExpectFlatten(Flatten(nchw, 1, -1), {2, 60}, {60, 1}, 0);
  ExpectFlatten(Flatten(nchw, 1, 2), {2, 20, 3}, {60, 1, 20}, 1);
  ExpectFlatten(Flatten(nchw, -2, -1), {2, 4, 15}, {60, 15, 1}, 0);
  // channels_last memory (NCHW shape, strides (60, 1, 15, 3)) permuted to NHWC is contiguous.
  const Strided nhwc{{2, 4, 5, 3}, {60, 15, 3, 1}};
  ExpectFlatten(Flatten(nhwc, 1, -1), {2, 60}, {60, 1}, 1);
  ExpectFlatten(Flatten(nhwc, 0, -1), {120}, {1}, 1);
  // A batch slice x[::2] keeps the rest contiguous: flatten(1) stays a view, flatten() cannot.
  // (PyTorch gives the size-1 batch dim of x[:1:2] stride 60 when it flattens.)
  const Strided every_other{{1, 4, 5, 3}, {120, 15, 3, 1}};
  ExpectFlatten(Flatten(every_other, 1, -1), {1, 60}, {60, 1}, 1);
  const Strided two_of_every_other{{2, 4, 5, 3}, {120, 15, 3, 1}};
  ExpectFlatten(Flatten(two_of_every_other, 1, -1), {2, 60}, {120, 1}, 1);
  ExpectFlatten(Flatten(two_of_every_other, 0, -1), {120}, {1}, 0);
}

TEST(ReshapeFacts, RankZeroFlattensToOne) {
  const Strided scalar{{}, {}};
  for (const auto& [start, end] :
       {std::pair{0, 0}, std::pair{-1, -1}, std::pair{0, -1}, std::pair{-1, 0}}) {
    ExpectFlatten(Flatten(scalar, start, end), {1}, {1}, 1);
  }
  ExpectResult(Reshape(scalar, {1, 1}), {1, 1}, {1, 1}, 1);
  ExpectResult(Reshape(scalar, {-1}), {1}, {1}, 1);
  Outcome out = Reshape(scalar, {});
  EXPECT_EQ(out.status, RAVEL_OK);
  EXPECT_EQ(out.is_view, 1);
  // A one-element tensor of any layout reshapes to rank 0.
  out = Reshape(Strided{{1, 1}, {-5, 9}}, {});
  EXPECT_EQ(out.status, RAVEL_OK);
  EXPECT_EQ(out.is_view, 1);
}

TEST(ReshapeFacts, FlattenOfOneDimReturnsTheSameStrides) {
  // PyTorch's flatten(s, s) returns self, contiguous or not.
  const Strided x{{3, 2, 4}, {4, 12, -1}};
  for (const auto& [start, end] : {std::pair{1, 1}, std::pair{-2, 1}, std::pair{0, -3}}) {
    ExpectFlatten(Flatten(x, start, end), {3, 2, 4}, {4, 12, -1}, 1);
  }
  const Strided odd{{1, 3, 1}, {77, 0, -5}};
  ExpectFlatten(Flatten(odd, 2, 2), {1, 3, 1}, {77, 0, -5}, 1);
  const Strided empty{{2, 0}, {-9, 4}};
  ExpectFlatten(Flatten(empty, -1, -1), {2, 0}, {-9, 4}, 1);
}

TEST(ReshapeFacts, EmptyTensorsAreAlwaysViews) {
  const Strided x{{2, 0, 3}, {7, 100, -3}};
  ExpectResult(Reshape(x, {2, 0, 3}), {2, 0, 3}, {7, 100, -3}, 1);
  ExpectResult(Reshape(x, {0, 6}), {0, 6}, {6, 1}, 1);
  ExpectResult(Reshape(x, {6, 0}), {6, 0}, {1, 1}, 1);
  ExpectResult(Reshape(x, {3, 0, 2, 1}), {3, 0, 2, 1}, {2, 2, 1, 1}, 1);
  ExpectResult(Reshape(x, {0}), {0}, {1}, 1);
  ExpectFlatten(Flatten(x, 0, -1), {0}, {1}, 1);
  ExpectFlatten(Flatten(x, 0, 1), {0, 3}, {3, 1}, 1);
  ExpectFlatten(Flatten(x, 1, 2), {2, 0}, {1, 1}, 1);
}

TEST(ReshapeFacts, MinusOneInfersADim) {
  const Strided x{{2, 3, 4}, {12, 4, 1}};
  ExpectResult(Reshape(x, {-1, 4}), {6, 4}, {4, 1}, 1);
  ExpectResult(Reshape(x, {4, -1}), {4, 6}, {6, 1}, 1);
  ExpectResult(Reshape(x, {-1}), {24}, {1}, 1);
  ExpectResult(Reshape(x, {1, -1, 1}), {1, 24, 1}, {24, 1, 1}, 1);
  const Strided permuted{{3, 2, 4}, {4, 12, 1}};
  ExpectResult(Reshape(permuted, {-1, 4}), {6, 4}, {4, 1}, 0);
  ExpectResult(Reshape(permuted, {3, -1}), {3, 8}, {8, 1}, 0);
  ExpectResult(Reshape(permuted, {3, 2, -1, 2}), {3, 2, 2, 2}, {4, 12, 2, 1}, 1);
  // A broadcast dim merges with nothing but itself.
  const Strided broadcast{{3, 4}, {0, 1}};
  ExpectResult(Reshape(broadcast, {-1}), {12}, {1}, 0);
  ExpectResult(Reshape(broadcast, {3, 2, 2}), {3, 2, 2}, {0, 2, 1}, 1);
  const Strided all_one_element{{3, 4}, {0, 0}};
  ExpectResult(Reshape(all_one_element, {-1}), {12}, {0}, 1);
}

// new_shape [1, 2] of a [2] layout with stride 2^62 is a view: the size-1 dim may take any
// stride. PyTorch's rule would give it 2 * 2^62, past int64.
TEST(ReshapeFacts, SizeOneDimsNeverBlockAView) {
  const int64_t big = int64_t{1} << 62;
  const Strided x{{2}, {big}, 1};
  for (const Index& shape : {Index{1, 2}, Index{2, 1}, Index{1, 2, 1}, Index{1, 1, 2}}) {
    const Outcome out = Reshape(x, shape);
    Stats stats;
    EXPECT_TRUE(Agrees(x, shape, out, &stats)) << Str(shape);
  }
}

// ---- Failures: non-OK, a message naming the argument, the outputs untouched ------------------

void ExpectRejected(const Outcome& out, const std::string& name) {
  EXPECT_NE(out.status, RAVEL_OK) << "expected failure naming " << name;
  EXPECT_NE(std::string(ravel_last_error()).find(name), std::string::npos)
      << "message \"" << ravel_last_error() << "\" does not name " << name;
  EXPECT_TRUE(out.Untouched()) << name;
}

TEST(ReshapeFailures, BadNewShapes) {
  const Strided x{{2, 3, 4}, {12, 4, 1}};
  ExpectRejected(Reshape(x, {-1, 2, -1}), "new_shape");
  ExpectRejected(Reshape(x, {5, 5}), "new_shape");
  ExpectRejected(Reshape(x, {-1, 5}), "new_shape");
  ExpectRejected(Reshape(x, {-1, 0}), "new_shape[0]");
  ExpectRejected(Reshape(x, {24, -2}), "new_shape[1]");
  ExpectRejected(Reshape(x, {}), "new_shape");
  const Strided empty{{2, 0}, {1, 1}};
  ExpectRejected(Reshape(empty, {-1, 0}), "new_shape[0]");  // -1 could be anything
  ExpectRejected(Reshape(empty, {0, 2, -1}), "new_shape[2]");
  ExpectRejected(Reshape(empty, {3}), "new_shape");
  // new_rank and NULL arrays.
  const ravel_layout c = x.C();
  const int64_t shape[] = {24};
  for (const int32_t rank : {-1, RAVEL_MAX_RANK + 1}) {
    Outcome out;
    out.status = ravel_reshape(&c, shape, rank, out.shape, out.strides, &out.is_view);
    ExpectRejected(out, "new_rank");
  }
  Outcome out;
  out.status = ravel_reshape(&c, nullptr, 1, out.shape, out.strides, &out.is_view);
  ExpectRejected(out, "new_shape");
  out.status = ravel_reshape(&c, shape, 1, nullptr, out.strides, &out.is_view);
  ExpectRejected(out, "out_shape");
  out.status = ravel_reshape(&c, shape, 1, out.shape, nullptr, &out.is_view);
  ExpectRejected(out, "out_strides");
  out.status = ravel_reshape(&c, shape, 1, out.shape, out.strides, nullptr);
  ExpectRejected(out, "is_view");
  out.status = ravel_reshape(nullptr, shape, 1, out.shape, out.strides, &out.is_view);
  ExpectRejected(out, "layout");
  ravel_layout bad = c;
  bad.elem_size = 0;
  out.status = ravel_reshape(&bad, shape, 1, out.shape, out.strides, &out.is_view);
  ExpectRejected(out, "layout->elem_size");
}

TEST(ReshapeFailures, BadFlattenDims) {
  const Strided x{{2, 3, 4}, {12, 4, 1}};
  ExpectRejected(Flatten(x, 2, 1), "start_dim");
  ExpectRejected(Flatten(x, -1, 0), "start_dim");
  ExpectRejected(Flatten(x, 3, 3), "start_dim");
  ExpectRejected(Flatten(x, -4, 0), "start_dim");
  ExpectRejected(Flatten(x, 0, 3), "end_dim");
  ExpectRejected(Flatten(x, 0, -4), "end_dim");
  const Strided scalar{{}, {}};
  ExpectRejected(Flatten(scalar, 1, 1), "start_dim");
  ExpectRejected(Flatten(scalar, 0, -2), "end_dim");
  const ravel_layout c = x.C();
  Outcome out;
  out.status = ravel_flatten(&c, 0, -1, out.shape, out.strides, nullptr, &out.is_view);
  ExpectRejected(out, "out_rank");
  out.status = ravel_flatten(&c, 0, -1, nullptr, out.strides, &out.rank, &out.is_view);
  ExpectRejected(out, "out_shape");
  out.status = ravel_flatten(&c, 0, -1, out.shape, nullptr, &out.rank, &out.is_view);
  ExpectRejected(out, "out_strides");
  out.status = ravel_flatten(&c, 0, -1, out.shape, out.strides, &out.rank, nullptr);
  ExpectRejected(out, "is_view");
  out.status = ravel_flatten(nullptr, 0, -1, out.shape, out.strides, &out.rank, &out.is_view);
  ExpectRejected(out, "layout");
  ravel_layout bad = c;
  bad.rank = -1;
  out.status = ravel_flatten(&bad, 0, -1, out.shape, out.strides, &out.rank, &out.is_view);
  ExpectRejected(out, "layout->rank");
}

}  // namespace
}  // namespace ravel_test
