// The view algebra (ravel_view_*) against an oracle written here: an explicit N-d array that
// holds, for each element, the index of the base element it reads. Each op moves those ids the
// way PyTorch/numpy move values (permute remaps indices, slice enumerates Python's range, select
// fixes an index, expand repeats, flip reverses, squeeze/unsqueeze reshape the index space), and
// the view must address exactly them: offset + sum(index * stride) == id for every index. Every
// failing call must leave the whole ravel_view byte-identical and name the argument it rejects.
// RAVEL_TEST_SEED=<n> replays another seed; RAVEL_TEST_SCALE=<n> runs 1/n of the cases.
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

constexpr uint64_t kDefaultSeed = 0x7669'6577'5f74'6573;
constexpr int64_t kNone = RAVEL_SLICE_NONE;
constexpr int64_t kBig = int64_t{1} << 62;
constexpr int kSequences = 20000;
constexpr int kOpsPerSequence = 12;
constexpr int64_t kMaxElements = 4096;
constexpr size_t kMaxRandomRank = 7;

uint64_t BaseSeed() { return ravel_test::BaseSeed(kDefaultSeed); }

std::string Str(const int64_t* values, size_t count) {
  std::string out = "[";
  for (size_t i = 0; i < count; ++i) {
    out += (i > 0 ? "," : "") + std::to_string(values[i]);
  }
  return out + "]";
}

std::string Str(const Index& values) { return Str(values.data(), values.size()); }

std::string Str(const std::vector<int32_t>& values) {
  return Str(Index(values.begin(), values.end()));
}

std::string Str(const ravel_view& view) {
  const size_t rank = view.rank >= 0 && view.rank <= RAVEL_MAX_RANK ? size_t(view.rank) : 0;
  return "{rank " + std::to_string(view.rank) + ", offset " + std::to_string(view.offset) +
         ", shape " + Str(view.shape, rank) + ", strides " + Str(view.strides, rank) + "}";
}

// ---- The oracle ---------------------------------------------------------------------------

// An explicit array of base-element ids, row-major over shape.
struct Ids {
  Index shape;
  std::vector<int64_t> ids;

  int64_t At(const Index& index) const {
    int64_t linear = 0;
    for (size_t d = 0; d < shape.size(); ++d) {
      linear = linear * shape[d] + index[d];
    }
    return ids[static_cast<size_t>(linear)];
  }
};

template <typename Fn>
Ids Tabulate(const Index& shape, Fn&& id_of) {
  Ids out;
  out.shape = shape;
  ForEachIndex(shape, [&](const Index& index) { out.ids.push_back(id_of(index)); });
  return out;
}

// The array a layout describes; NULL strides are dense, so ids count up in row-major order.
Ids OracleInit(const Index& shape, const int64_t* strides) {
  int64_t next = 0;
  return Tabulate(shape, [&](const Index& index) {
    if (strides == nullptr) {
      return next++;
    }
    int64_t id = 0;
    for (size_t d = 0; d < shape.size(); ++d) {
      id += index[d] * strides[d];
    }
    return id;
  });
}

// New dim i is old dim order[i].
Ids OraclePermute(const Ids& in, const std::vector<int32_t>& order) {
  Index shape(order.size());
  for (size_t i = 0; i < order.size(); ++i) {
    shape[i] = in.shape[size_t(order[i])];
  }
  return Tabulate(shape, [&](const Index& index) {
    Index old(in.shape.size());
    for (size_t i = 0; i < order.size(); ++i) {
      old[size_t(order[i])] = index[i];
    }
    return in.At(old);
  });
}

// The indices of Python's range(n)[start:stop:step] (kNone for None), computed as CPython's
// PySlice_Unpack (None becomes the far end) and PySlice_AdjustIndices (clamping) do.
std::vector<int64_t> PythonSlice(int64_t n, int64_t start, int64_t stop, int64_t step) {
  const bool backward = step < 0;
  if (start == kNone) {
    start = backward ? INT64_MAX : 0;
  }
  if (stop == kNone) {
    stop = backward ? INT64_MIN : INT64_MAX;
  }
  for (int64_t* bound : {&start, &stop}) {
    if (*bound < 0) {
      *bound += n;  // n is small, so this cannot overflow
      if (*bound < 0) {
        *bound = backward ? -1 : 0;
      }
    } else if (*bound >= n) {
      *bound = backward ? n - 1 : n;
    }
  }
  // Steps longer than the extent pick at most one element; capping them keeps x in range.
  const int64_t magnitude = backward ? (step == INT64_MIN ? INT64_MAX : -step) : step;
  const int64_t stride = std::min(magnitude, n + 1) * (backward ? -1 : 1);
  std::vector<int64_t> picks;
  for (int64_t x = start; backward ? x > stop : x < stop; x += stride) {
    picks.push_back(x);
  }
  return picks;
}

// Dim d keeps the listed positions, in order.
Ids OracleSlice(const Ids& in, size_t d, const std::vector<int64_t>& picks) {
  Index shape = in.shape;
  shape[d] = static_cast<int64_t>(picks.size());
  return Tabulate(shape, [&](const Index& index) {
    Index old = index;
    old[d] = picks[size_t(index[d])];
    return in.At(old);
  });
}

// Dim d disappears, fixed at position.
Ids OracleSelect(const Ids& in, size_t d, int64_t position) {
  Index shape = in.shape;
  shape.erase(shape.begin() + std::ptrdiff_t(d));
  return Tabulate(shape, [&](const Index& index) {
    Index old = index;
    old.insert(old.begin() + std::ptrdiff_t(d), position);
    return in.At(old);
  });
}

// Broadcasts to target (resolved extents): new leading dims and size-1 dims repeat.
Ids OracleExpand(const Ids& in, const Index& target) {
  const size_t added = target.size() - in.shape.size();
  return Tabulate(target, [&](const Index& index) {
    Index old(in.shape.size());
    for (size_t i = 0; i < old.size(); ++i) {
      old[i] = in.shape[i] == 1 ? 0 : index[i + added];
    }
    return in.At(old);
  });
}

Ids OracleFlip(const Ids& in, const std::vector<int32_t>& dims) {
  return Tabulate(in.shape, [&](const Index& index) {
    Index old = index;
    for (const int32_t d : dims) {
      old[size_t(d)] = in.shape[size_t(d)] - 1 - index[size_t(d)];
    }
    return in.At(old);
  });
}

// Squeeze and unsqueeze only regroup the index space: the row-major sequence of ids stays.
Ids OracleRegroup(const Ids& in, const Index& shape) {
  EXPECT_EQ(Numel(shape), Numel(in.shape));
  Ids out = in;
  out.shape = shape;
  return out;
}

Ids OracleAsStrided(const Index& shape, const Index& strides, int64_t offset) {
  return Tabulate(shape, [&](const Index& index) {
    int64_t id = offset;
    for (size_t d = 0; d < shape.size(); ++d) {
      id += index[d] * strides[d];
    }
    return id;
  });
}

// The view addresses exactly the oracle's ids, with the oracle's shape.
::testing::AssertionResult Addresses(const ravel_view& view, const Ids& want) {
  if (view.rank != Rank(want.shape) ||
      !std::equal(want.shape.begin(), want.shape.end(), view.shape)) {
    return ::testing::AssertionFailure()
           << "view " << Str(view) << " but the oracle's shape is " << Str(want.shape);
  }
  std::string mismatch;
  ForEachIndex(want.shape, [&](const Index& index) {
    int64_t address = view.offset;
    for (size_t d = 0; d < index.size(); ++d) {
      address += index[d] * view.strides[d];
    }
    if (mismatch.empty() && address != want.At(index)) {
      mismatch = "index " + Str(index) + " addresses " + std::to_string(address) +
                 " but the oracle holds " + std::to_string(want.At(index));
    }
  });
  if (!mismatch.empty()) {
    return ::testing::AssertionFailure() << "view " << Str(view) << ": " << mismatch;
  }
  return ::testing::AssertionSuccess();
}

// ---- The oracle's argument checks: the arguments a call gets wrong (empty = valid) --------

bool InRange(int64_t dim, int64_t bound) { return dim >= -bound && dim < bound; }

int32_t Wrap(int32_t dim, int32_t bound) { return dim < 0 ? dim + bound : dim; }

// Dims that must each be in range and distinct; fills wrapped when they are.
std::vector<std::string> BadDims(const std::vector<int32_t>& dims, int32_t rank,
                                 std::vector<int32_t>* wrapped) {
  std::vector<std::string> bad;
  std::vector<bool> seen(size_t(rank), false);
  wrapped->clear();
  for (size_t i = 0; i < dims.size(); ++i) {
    if (!InRange(dims[i], rank)) {
      bad.push_back("dims[" + std::to_string(i) + "]");
      continue;
    }
    const int32_t d = Wrap(dims[i], rank);
    if (seen[size_t(d)]) {
      bad.push_back("dims");
    }
    seen[size_t(d)] = true;
    wrapped->push_back(d);
  }
  return bad;
}

bool NamesOneOf(const std::string& message, const std::vector<std::string>& names) {
  for (const std::string& name : names) {
    if (message.find(name) != std::string::npos) {
      return true;
    }
  }
  return false;
}

// A view made through ravel_view_init, with its padding zeroed so memcmp sees only fields.
ravel_view MakeView(const Index& shape, const int64_t* strides, int64_t elem_size = 4) {
  ravel_view view;
  std::memset(&view, 0, sizeof(view));
  ravel_layout layout;
  layout.rank = Rank(shape);
  layout.elem_size = elem_size;
  layout.shape = shape.data();
  layout.strides = strides;
  EXPECT_EQ(ravel_view_init(&view, &layout), RAVEL_OK) << ravel_last_error();
  return view;
}

ravel_view MakeView(const Index& shape, const Index& strides, int64_t elem_size = 4) {
  return MakeView(shape, strides.data(), elem_size);
}

void ExpectView(const ravel_view& view, const Index& shape, const Index& strides, int64_t offset) {
  EXPECT_EQ(view.rank, Rank(shape)) << Str(view);
  EXPECT_EQ(Index(view.shape, view.shape + shape.size()), shape) << Str(view);
  EXPECT_EQ(Index(view.strides, view.strides + strides.size()), strides) << Str(view);
  EXPECT_EQ(view.offset, offset) << Str(view);
}

// Runs call on a copy of view, expecting it to fail with status naming `name`, leaving every
// byte of the view as it was.
template <typename Call>
void ExpectRejected(const ravel_view& view, ravel_status status, const std::string& name,
                    Call&& call) {
  ravel_view edited;
  std::memcpy(&edited, &view, sizeof(view));
  EXPECT_EQ(call(&edited), status) << "expected failure naming " << name;
  EXPECT_EQ(std::memcmp(&edited, &view, sizeof(view)), 0)
      << "a failed call edited the view: " << Str(edited);
  EXPECT_NE(std::string(ravel_last_error()).find(name), std::string::npos)
      << "message \"" << ravel_last_error() << "\" does not name " << name;
}

template <typename Call>
void ExpectInvalid(const ravel_view& view, const std::string& name, Call&& call) {
  ExpectRejected(view, RAVEL_E_INVALID_ARGUMENT, name, call);
}

// Runs call on view, expecting success and a cleared error.
template <typename Call>
void ExpectOk(ravel_view* view, Call&& call) {
  EXPECT_EQ(call(view), RAVEL_OK) << ravel_last_error();
  EXPECT_STREQ(ravel_last_error(), "");
}

// ---- Seeded random sequences of ops --------------------------------------------------------

enum Op {
  kPermute,
  kSlice,
  kSelect,
  kExpand,
  kFlip,
  kSqueeze,
  kSqueezeAll,
  kUnsqueeze,
  kAsStrided,
  kOpCount
};
constexpr const char* kOpNames[kOpCount] = {"permute",     "slice",     "select",
                                            "expand",      "flip",      "squeeze",
                                            "squeeze_all", "unsqueeze", "as_strided"};
constexpr int kOpWeights[kOpCount] = {12, 16, 10, 12, 10, 10, 4, 10, 3};

struct Stats {
  int64_t ok[kOpCount] = {};
  int64_t rejected[kOpCount] = {};
  int64_t checked_elements = 0;
  int64_t empty_results = 0;
  int64_t rank0_results = 0;
  int64_t broadcast_results = 0;
  int64_t negative_stride_results = 0;
};

class Sequence {
 public:
  Sequence(Rng* rng, Stats* stats) : rng_(*rng), stats_(*stats) {}

  void Run() {
    Init();
    for (int i = 0; i < kOpsPerSequence && !::testing::Test::HasFatalFailure(); ++i) {
      RandomOp();
    }
  }

 private:
  int32_t rank() const { return Rank(ids_.shape); }

  // A dim for bound dims: bad_percent of the time out of range, else valid with either sign.
  int32_t RandomDim(int32_t bound, int bad_percent) {
    if (bound == 0 || rng_.Percent(bad_percent)) {
      return rng_.Pick<int32_t>({bound, -bound - 1, bound + 2, -bound - 3, INT32_MAX, INT32_MIN});
    }
    const int32_t d = rng_.Uniform32(0, bound - 1);
    return rng_.Percent(50) ? d - bound : d;
  }

  void Init() {
    Index shape(size_t(rng_.Uniform(0, 5)));
    for (int64_t& extent : shape) {
      extent = rng_.Percent(8) ? 0 : rng_.Uniform(1, 5);
    }
    Index strides(shape.size());
    for (int64_t& stride : strides) {
      stride = rng_.Uniform(-6, 6);
    }
    const bool dense = rng_.Percent(40);
    const int64_t elem_size = rng_.Pick<int64_t>({1, 2, 4, 8, 16});
    view_ = MakeView(shape, dense ? nullptr : strides.data(), elem_size);
    ids_ = OracleInit(shape, dense ? nullptr : strides.data());
    log_ = "init(shape " + Str(shape) + ", strides " + (dense ? "NULL" : Str(strides)) +
           ", elem_size " + std::to_string(elem_size) + ")\n";
    ASSERT_EQ(view_.elem_size, elem_size);
    ASSERT_TRUE(Addresses(view_, ids_)) << log_;
  }

  void RandomOp() {
    int64_t pick = rng_.Uniform(0, std::accumulate(kOpWeights, kOpWeights + kOpCount, 0) - 1);
    int op = 0;
    while (pick >= kOpWeights[op]) {
      pick -= kOpWeights[op];
      ++op;
    }
    switch (static_cast<Op>(op)) {
      case kPermute:
        return Permute();
      case kSlice:
        return Slice();
      case kSelect:
        return Select();
      case kExpand:
        return Expand();
      case kFlip:
        return Flip();
      case kSqueeze:
        return Squeeze();
      case kSqueezeAll:
        return SqueezeAll();
      case kUnsqueeze:
        return Unsqueeze();
      case kAsStrided:
      case kOpCount:
        return AsStrided();
    }
  }

  // Runs call on the view and holds it to the oracle: success with exactly result's ids when bad
  // is empty, else RAVEL_E_INVALID_ARGUMENT naming one of bad with the view byte-identical.
  template <typename Call>
  void Check(Op op, const std::string& what, const std::vector<std::string>& bad, const Ids& result,
             Call&& call) {
    log_ += what + "\n";
    ravel_view before;
    std::memcpy(&before, &view_, sizeof(view_));
    const ravel_status status = call(&view_);
    if (bad.empty()) {
      ASSERT_EQ(status, RAVEL_OK) << log_ << ravel_last_error();
      ASSERT_STREQ(ravel_last_error(), "") << log_;
      ASSERT_EQ(view_.elem_size, before.elem_size) << log_;
      ASSERT_TRUE(Addresses(view_, result)) << log_;
      ids_ = result;
      ++stats_.ok[op];
      stats_.checked_elements += Numel(result.shape);
      stats_.empty_results += Numel(result.shape) == 0;
      stats_.rank0_results += result.shape.empty();
      for (int32_t d = 0; d < view_.rank; ++d) {
        if (view_.shape[d] > 1 && view_.strides[d] == 0) {
          ++stats_.broadcast_results;
          break;
        }
      }
      for (int32_t d = 0; d < view_.rank; ++d) {
        if (view_.shape[d] > 1 && view_.strides[d] < 0) {
          ++stats_.negative_stride_results;
          break;
        }
      }
    } else {
      ASSERT_EQ(status, RAVEL_E_INVALID_ARGUMENT) << log_ << ravel_last_error();
      ASSERT_EQ(std::memcmp(&view_, &before, sizeof(view_)), 0)
          << log_ << "the failed call edited the view to " << Str(view_);
      std::string names;
      for (const std::string& name : bad) {
        names += " " + name;
      }
      ASSERT_TRUE(NamesOneOf(ravel_last_error(), bad))
          << log_ << "message \"" << ravel_last_error() << "\" names none of" << names;
      ++stats_.rejected[op];
    }
  }

  void Permute() {
    const int32_t r = rank();
    std::vector<int32_t> order(static_cast<size_t>(r));
    std::iota(order.begin(), order.end(), 0);
    rng_.Shuffle(&order);
    std::vector<int32_t> dims;
    for (const int32_t d : order) {
      dims.push_back(rng_.Percent(50) ? d - r : d);
    }
    if (r > 0 && rng_.Percent(8)) {
      dims[size_t(rng_.Uniform(0, r - 1))] = RandomDim(r, 100);
    }
    if (r >= 2 && rng_.Percent(8)) {  // the same dim twice, maybe spelled with the other sign
      const size_t i = size_t(rng_.Uniform(0, r - 1));
      const size_t j = (i + size_t(rng_.Uniform(1, r - 1))) % size_t(r);
      dims[i] = rng_.Percent(50) ? dims[j] : (dims[j] < 0 ? dims[j] + r : dims[j] - r);
    }
    if (rng_.Percent(6)) {
      if (!dims.empty() && rng_.Percent(50)) {
        dims.pop_back();
      } else {
        dims.push_back(RandomDim(r, 20));
      }
    }
    const int32_t count = static_cast<int32_t>(dims.size());
    std::vector<int32_t> wrapped;
    std::vector<std::string> bad = BadDims(dims, r, &wrapped);
    if (count != r) {
      bad.push_back("count");
    }
    const Ids result = bad.empty() ? OraclePermute(ids_, wrapped) : Ids();
    Check(kPermute, "permute(" + Str(dims) + ")", bad, result,
          [&](ravel_view* v) { return ravel_view_permute(v, dims.data(), count); });
  }

  int64_t RandomBound() {
    switch (rng_.Uniform(0, 5)) {
      case 0:
        return kNone;
      case 1:
        return rng_.Pick<int64_t>({kBig, -kBig, INT64_MAX, INT64_MIN + 1});
      default:
        return rng_.Uniform(-7, 7);
    }
  }

  void Slice() {
    const int32_t r = rank();
    const int32_t dim = RandomDim(r, 6);
    const int64_t start = RandomBound();
    const int64_t stop = RandomBound();
    int64_t step = 0;
    if (rng_.Percent(4)) {
      step = 0;
    } else if (rng_.Percent(4)) {
      step = rng_.Pick<int64_t>({INT64_MAX, -INT64_MAX, kBig, -kBig});
    } else {
      step = rng_.Percent(50) ? rng_.Uniform(1, 4) : -rng_.Uniform(1, 4);
    }
    std::vector<std::string> bad;
    if (!InRange(dim, r)) {
      bad.push_back("dim");
    }
    if (step == 0) {
      bad.push_back("step");
    }
    Ids result;
    if (bad.empty()) {
      const size_t d = size_t(Wrap(dim, r));
      result = OracleSlice(ids_, d, PythonSlice(ids_.shape[d], start, stop, step));
    }
    Check(kSlice,
          "slice(" + std::to_string(dim) + ", " + std::to_string(start) + ", " +
              std::to_string(stop) + ", " + std::to_string(step) + ")",
          bad, result, [&](ravel_view* v) { return ravel_view_slice(v, dim, start, stop, step); });
  }

  void Select() {
    const int32_t r = rank();
    const int32_t dim = RandomDim(r, 6);
    std::vector<std::string> bad;
    int64_t index = rng_.Uniform(-3, 3);
    Ids result;
    if (!InRange(dim, r)) {
      bad.push_back("dim");
    } else {
      const size_t d = size_t(Wrap(dim, r));
      const int64_t n = ids_.shape[d];
      index = rng_.Percent(10) ? rng_.Pick<int64_t>({n, -n - 1, INT64_MAX, INT64_MIN})
                               : rng_.Uniform(-n - 1, n);
      if (!InRange(index, n)) {
        bad.push_back("index");
      } else {
        result = OracleSelect(ids_, d, index < 0 ? index + n : index);
      }
    }
    Check(kSelect, "select(" + std::to_string(dim) + ", " + std::to_string(index) + ")", bad,
          result, [&](ravel_view* v) { return ravel_view_select(v, dim, index); });
  }

  void Expand() {
    const int32_t r = rank();
    int32_t added = rng_.Uniform32(0, 2);
    if (size_t(r + added) > kMaxRandomRank) {
      added = 0;
    }
    if (r > 0 && rng_.Percent(5)) {
      added = -1;  // fewer dims than the view has
    }
    const size_t new_rank = size_t(r + added);
    // Target dim i lines up with view dim i - added (PyTorch aligns the trailing dims).
    auto old_extent = [&](size_t i) { return ids_.shape[size_t(int64_t(i) - added)]; };
    Index target(new_rank);
    for (size_t i = 0; i < new_rank; ++i) {
      if (int32_t(i) < added) {
        target[i] = rng_.Percent(5) ? -1 : rng_.Uniform(0, 3);
        continue;
      }
      const int64_t n = old_extent(i);
      if (n == 1) {
        target[i] = rng_.Pick<int64_t>({-1, 1, 0, 2, 3, 4, -2});
      } else {
        target[i] = rng_.Percent(88) ? rng_.Pick<int64_t>({-1, n}) : rng_.Uniform(-2, 5);
      }
    }
    // The oracle's verdict: PyTorch's expand rules.
    std::vector<std::string> bad;
    Index resolved = target;
    if (added < 0) {
      bad.push_back("rank");
    } else {
      for (size_t i = 0; i < new_rank; ++i) {
        const std::string name = "shape[" + std::to_string(i) + "]";
        if (int32_t(i) < added) {
          if (target[i] < 0) {
            bad.push_back(name);
          }
          continue;
        }
        const int64_t n = old_extent(i);
        if (target[i] == -1 || target[i] == n) {
          resolved[i] = n;
        } else if (n != 1 || target[i] < 0) {
          bad.push_back(name);
        }
      }
    }
    if (bad.empty() && Numel(resolved) > kMaxElements) {
      return;  // too big to check exhaustively
    }
    const Ids result = bad.empty() ? OracleExpand(ids_, resolved) : Ids();
    Check(kExpand, "expand(" + Str(target) + ")", bad, result, [&](ravel_view* v) {
      return ravel_view_expand(v, target.data(), static_cast<int32_t>(new_rank));
    });
  }

  void Flip() {
    const int32_t r = rank();
    std::vector<int32_t> dims;
    for (int32_t d = 0; d < r; ++d) {
      if (rng_.Percent(50)) {
        dims.push_back(rng_.Percent(50) ? d - r : d);
      }
    }
    rng_.Shuffle(&dims);
    if (!dims.empty() && rng_.Percent(8)) {
      dims.push_back(dims[size_t(rng_.Uniform(0, int64_t(dims.size()) - 1))]);
    }
    if (rng_.Percent(6)) {
      dims.insert(dims.begin() + rng_.Uniform(0, int64_t(dims.size())), RandomDim(r, 100));
    }
    const int32_t count = static_cast<int32_t>(dims.size());
    std::vector<int32_t> wrapped;
    std::vector<std::string> bad = BadDims(dims, r, &wrapped);
    if (count > r) {
      bad.push_back("count");
    }
    const Ids result = bad.empty() ? OracleFlip(ids_, wrapped) : Ids();
    Check(kFlip, "flip(" + Str(dims) + ")", bad, result,
          [&](ravel_view* v) { return ravel_view_flip(v, dims.data(), count); });
  }

  void Squeeze() {
    const int32_t r = rank();
    std::vector<int32_t> ones;
    for (int32_t d = 0; d < r; ++d) {
      if (ids_.shape[size_t(d)] == 1) {
        ones.push_back(rng_.Percent(50) ? d - r : d);
      }
    }
    int32_t dim = 0;
    if (r == 0) {
      dim = rng_.Pick<int32_t>({0, -1, 0, -1, 1, -2, 5});
    } else if (!ones.empty() && rng_.Percent(50)) {
      dim = rng_.Pick(ones);
    } else {
      dim = RandomDim(r, 8);
    }
    std::vector<std::string> bad;
    Ids result;
    // PyTorch wraps a scalar's dim as if it had one dim: 0 and -1 are the no-op squeeze.
    if (!InRange(dim, r == 0 ? 1 : r)) {
      bad.push_back("dim");
    } else if (r == 0) {
      result = ids_;
    } else {
      Index shape = ids_.shape;
      const size_t d = size_t(Wrap(dim, r));
      if (shape[d] == 1) {
        shape.erase(shape.begin() + std::ptrdiff_t(d));
      }
      result = OracleRegroup(ids_, shape);
    }
    Check(kSqueeze, "squeeze(" + std::to_string(dim) + ")", bad, result,
          [&](ravel_view* v) { return ravel_view_squeeze(v, dim); });
  }

  void SqueezeAll() {
    Index shape;
    for (const int64_t extent : ids_.shape) {
      if (extent != 1) {
        shape.push_back(extent);
      }
    }
    Check(kSqueezeAll, "squeeze_all()", {}, OracleRegroup(ids_, shape),
          [&](ravel_view* v) { return ravel_view_squeeze_all(v); });
  }

  void Unsqueeze() {
    const int32_t r = rank();
    if (size_t(r) >= kMaxRandomRank) {
      return;
    }
    const int32_t dim = RandomDim(r + 1, 8);
    std::vector<std::string> bad;
    Ids result;
    if (!InRange(dim, r + 1)) {
      bad.push_back("dim");
    } else {
      Index shape = ids_.shape;
      shape.insert(shape.begin() + Wrap(dim, r + 1), 1);
      result = OracleRegroup(ids_, shape);
    }
    Check(kUnsqueeze, "unsqueeze(" + std::to_string(dim) + ")", bad, result,
          [&](ravel_view* v) { return ravel_view_unsqueeze(v, dim); });
  }

  void AsStrided() {
    Index shape(size_t(rng_.Uniform(0, 4)));
    Index strides(shape.size());
    std::vector<std::string> bad;
    for (size_t d = 0; d < shape.size(); ++d) {
      shape[d] = rng_.Percent(5) ? -rng_.Uniform(1, 3) : rng_.Uniform(0, 4);
      strides[d] = rng_.Uniform(-5, 5);
      if (shape[d] < 0) {
        bad.push_back("shape[" + std::to_string(d) + "]");
      }
    }
    const int64_t offset = rng_.Uniform(-20, 20);
    const Ids result = bad.empty() ? OracleAsStrided(shape, strides, offset) : Ids();
    Check(kAsStrided,
          "as_strided(" + Str(shape) + ", " + Str(strides) + ", " + std::to_string(offset) + ")",
          bad, result, [&](ravel_view* v) {
            return ravel_view_as_strided(v, shape.data(), strides.data(),
                                         static_cast<int32_t>(shape.size()), offset);
          });
  }

  Rng& rng_;
  Stats& stats_;
  ravel_view view_;
  Ids ids_;
  std::string log_;
};

TEST(ViewRandom, SequencesMatchTheOracle) {
  const uint64_t seed = BaseSeed();
  Stats stats;
  for (int s = 0; s < ScaledCount(kSequences); ++s) {
    Rng rng(seed + uint64_t(s) * 0x2545'f491'4f6c'dd1d);
    Sequence sequence(&rng, &stats);
    sequence.Run();
    if (HasFatalFailure()) {
      ADD_FAILURE() << "RAVEL_TEST_SEED=" << seed << ", sequence " << s;
      return;
    }
  }
  std::string summary;
  for (int op = 0; op < kOpCount; ++op) {
    summary += std::string(kOpNames[op]) + " " + std::to_string(stats.ok[op]) + "/" +
               std::to_string(stats.rejected[op]) + "  ";
    EXPECT_GT(stats.ok[op], ScaledCount(1000)) << kOpNames[op];
    if (op != kSqueezeAll) {
      EXPECT_GT(stats.rejected[op], ScaledCount(50)) << kOpNames[op];
    }
  }
  std::printf(
      "ok/rejected: %s\nelements checked %lld; results: %lld empty, %lld rank 0, %lld "
      "broadcast, %lld reversed\n",
      summary.c_str(), static_cast<long long>(stats.checked_elements),
      static_cast<long long>(stats.empty_results), static_cast<long long>(stats.rank0_results),
      static_cast<long long>(stats.broadcast_results),
      static_cast<long long>(stats.negative_stride_results));
  EXPECT_GT(stats.empty_results, ScaledCount(1000));
  EXPECT_GT(stats.rank0_results, ScaledCount(1000));
  EXPECT_GT(stats.broadcast_results, ScaledCount(1000));
  EXPECT_GT(stats.negative_stride_results, ScaledCount(1000));
}

// ---- Python's slicing, from a table CPython printed --------------------------------------

struct SliceCase {
  int64_t n;
  int64_t start;
  int64_t stop;
  int64_t step;
  std::vector<int64_t> picks;  // list(range(n)[start:stop:step])
};

// Generated with CPython 3: list(range(n)[slice(start, stop, step)]).
const SliceCase kPythonSlices[] = {{0, kNone, kNone, 1LL, {}},
                                   {0, kNone, kNone, -1LL, {}},
                                   {0, kNone, kNone, 2LL, {}},
                                   {0, kNone, kNone, -2LL, {}},
                                   {0, 1LL, kNone, 1LL, {}},
                                   {0, kNone, 3LL, 1LL, {}},
                                   {0, -1LL, kNone, 1LL, {}},
                                   {0, -1LL, kNone, -1LL, {}},
                                   {0, kNone, -1LL, 1LL, {}},
                                   {0, kNone, -1LL, -1LL, {}},
                                   {0, -2LL, kNone, -1LL, {}},
                                   {0, 3LL, 0LL, -1LL, {}},
                                   {0, 0LL, 3LL, -1LL, {}},
                                   {0, 4LL, 1LL, -2LL, {}},
                                   {0, -10LL, 10LL, 1LL, {}},
                                   {0, 10LL, -10LL, -1LL, {}},
                                   {0, -10LL, kNone, -1LL, {}},
                                   {0, 10LL, kNone, 1LL, {}},
                                   {0, kNone, -10LL, -1LL, {}},
                                   {0, 2LL, 2LL, 1LL, {}},
                                   {0, 3LL, 1LL, 1LL, {}},
                                   {0, 1LL, 4LL, 3LL, {}},
                                   {0, -3LL, -1LL, 1LL, {}},
                                   {0, -1LL, -3LL, -1LL, {}},
                                   {0, kNone, kNone, 7LL, {}},
                                   {0, kNone, kNone, -7LL, {}},
                                   {0, kBig, -kBig, -3LL, {}},
                                   {0, -kBig, kBig, 2LL, {}},
                                   {0, 0LL, kNone, INT64_MAX, {}},
                                   {0, kNone, kNone, -INT64_MAX, {}},
                                   {0, -INT64_MAX, INT64_MAX, 1LL, {}},
                                   {1, kNone, kNone, 1LL, {0}},
                                   {1, kNone, kNone, -1LL, {0}},
                                   {1, kNone, kNone, 2LL, {0}},
                                   {1, kNone, kNone, -2LL, {0}},
                                   {1, 1LL, kNone, 1LL, {}},
                                   {1, kNone, 3LL, 1LL, {0}},
                                   {1, -1LL, kNone, 1LL, {0}},
                                   {1, -1LL, kNone, -1LL, {0}},
                                   {1, kNone, -1LL, 1LL, {}},
                                   {1, kNone, -1LL, -1LL, {}},
                                   {1, -2LL, kNone, -1LL, {}},
                                   {1, 3LL, 0LL, -1LL, {}},
                                   {1, 0LL, 3LL, -1LL, {}},
                                   {1, 4LL, 1LL, -2LL, {}},
                                   {1, -10LL, 10LL, 1LL, {0}},
                                   {1, 10LL, -10LL, -1LL, {0}},
                                   {1, -10LL, kNone, -1LL, {}},
                                   {1, 10LL, kNone, 1LL, {}},
                                   {1, kNone, -10LL, -1LL, {0}},
                                   {1, 2LL, 2LL, 1LL, {}},
                                   {1, 3LL, 1LL, 1LL, {}},
                                   {1, 1LL, 4LL, 3LL, {}},
                                   {1, -3LL, -1LL, 1LL, {}},
                                   {1, -1LL, -3LL, -1LL, {0}},
                                   {1, kNone, kNone, 7LL, {0}},
                                   {1, kNone, kNone, -7LL, {0}},
                                   {1, kBig, -kBig, -3LL, {0}},
                                   {1, -kBig, kBig, 2LL, {0}},
                                   {1, 0LL, kNone, INT64_MAX, {0}},
                                   {1, kNone, kNone, -INT64_MAX, {0}},
                                   {1, -INT64_MAX, INT64_MAX, 1LL, {0}},
                                   {2, kNone, kNone, 1LL, {0, 1}},
                                   {2, kNone, kNone, -1LL, {1, 0}},
                                   {2, kNone, kNone, 2LL, {0}},
                                   {2, kNone, kNone, -2LL, {1}},
                                   {2, 1LL, kNone, 1LL, {1}},
                                   {2, kNone, 3LL, 1LL, {0, 1}},
                                   {2, -1LL, kNone, 1LL, {1}},
                                   {2, -1LL, kNone, -1LL, {1, 0}},
                                   {2, kNone, -1LL, 1LL, {0}},
                                   {2, kNone, -1LL, -1LL, {}},
                                   {2, -2LL, kNone, -1LL, {0}},
                                   {2, 3LL, 0LL, -1LL, {1}},
                                   {2, 0LL, 3LL, -1LL, {}},
                                   {2, 4LL, 1LL, -2LL, {}},
                                   {2, -10LL, 10LL, 1LL, {0, 1}},
                                   {2, 10LL, -10LL, -1LL, {1, 0}},
                                   {2, -10LL, kNone, -1LL, {}},
                                   {2, 10LL, kNone, 1LL, {}},
                                   {2, kNone, -10LL, -1LL, {1, 0}},
                                   {2, 2LL, 2LL, 1LL, {}},
                                   {2, 3LL, 1LL, 1LL, {}},
                                   {2, 1LL, 4LL, 3LL, {1}},
                                   {2, -3LL, -1LL, 1LL, {0}},
                                   {2, -1LL, -3LL, -1LL, {1, 0}},
                                   {2, kNone, kNone, 7LL, {0}},
                                   {2, kNone, kNone, -7LL, {1}},
                                   {2, kBig, -kBig, -3LL, {1}},
                                   {2, -kBig, kBig, 2LL, {0}},
                                   {2, 0LL, kNone, INT64_MAX, {0}},
                                   {2, kNone, kNone, -INT64_MAX, {1}},
                                   {2, -INT64_MAX, INT64_MAX, 1LL, {0, 1}},
                                   {5, kNone, kNone, 1LL, {0, 1, 2, 3, 4}},
                                   {5, kNone, kNone, -1LL, {4, 3, 2, 1, 0}},
                                   {5, kNone, kNone, 2LL, {0, 2, 4}},
                                   {5, kNone, kNone, -2LL, {4, 2, 0}},
                                   {5, 1LL, kNone, 1LL, {1, 2, 3, 4}},
                                   {5, kNone, 3LL, 1LL, {0, 1, 2}},
                                   {5, -1LL, kNone, 1LL, {4}},
                                   {5, -1LL, kNone, -1LL, {4, 3, 2, 1, 0}},
                                   {5, kNone, -1LL, 1LL, {0, 1, 2, 3}},
                                   {5, kNone, -1LL, -1LL, {}},
                                   {5, -2LL, kNone, -1LL, {3, 2, 1, 0}},
                                   {5, 3LL, 0LL, -1LL, {3, 2, 1}},
                                   {5, 0LL, 3LL, -1LL, {}},
                                   {5, 4LL, 1LL, -2LL, {4, 2}},
                                   {5, -10LL, 10LL, 1LL, {0, 1, 2, 3, 4}},
                                   {5, 10LL, -10LL, -1LL, {4, 3, 2, 1, 0}},
                                   {5, -10LL, kNone, -1LL, {}},
                                   {5, 10LL, kNone, 1LL, {}},
                                   {5, kNone, -10LL, -1LL, {4, 3, 2, 1, 0}},
                                   {5, 2LL, 2LL, 1LL, {}},
                                   {5, 3LL, 1LL, 1LL, {}},
                                   {5, 1LL, 4LL, 3LL, {1}},
                                   {5, -3LL, -1LL, 1LL, {2, 3}},
                                   {5, -1LL, -3LL, -1LL, {4, 3}},
                                   {5, kNone, kNone, 7LL, {0}},
                                   {5, kNone, kNone, -7LL, {4}},
                                   {5, kBig, -kBig, -3LL, {4, 1}},
                                   {5, -kBig, kBig, 2LL, {0, 2, 4}},
                                   {5, 0LL, kNone, INT64_MAX, {0}},
                                   {5, kNone, kNone, -INT64_MAX, {4}},
                                   {5, -INT64_MAX, INT64_MAX, 1LL, {0, 1, 2, 3, 4}}};

TEST(ViewSlice, MatchesCPythonTable) {
  for (const SliceCase& c : kPythonSlices) {
    const std::string what = "range(" + std::to_string(c.n) + ")[" + std::to_string(c.start) + ":" +
                             std::to_string(c.stop) + ":" + std::to_string(c.step) + "]";
    // The oracle agrees with Python...
    EXPECT_EQ(PythonSlice(c.n, c.start, c.stop, c.step), c.picks) << what;
    // ...and so does ravel, on the last dim of an offset, strided view.
    ravel_view view = MakeView({2, c.n}, Index{1, 1});
    const int64_t shape[] = {2, c.n};
    const int64_t strides[] = {100, 3};
    ASSERT_EQ(ravel_view_as_strided(&view, shape, strides, 2, 10), RAVEL_OK);
    ExpectOk(&view,
             [&](ravel_view* v) { return ravel_view_slice(v, -1, c.start, c.stop, c.step); });
    const Ids want = Tabulate({2, static_cast<int64_t>(c.picks.size())}, [&](const Index& index) {
      return 10 + 100 * index[0] + 3 * c.picks[size_t(index[1])];
    });
    EXPECT_TRUE(Addresses(view, want)) << what;
  }
}

TEST(ViewSlice, NegativeStepsWalkBackwards) {
  // numpy: np.arange(10)[7:1:-3] is [7, 4]; PyTorch has no negative steps, numpy's view does.
  ravel_view view = MakeView({10}, nullptr);
  ExpectOk(&view, [](ravel_view* v) { return ravel_view_slice(v, 0, 7, 1, -3); });
  ExpectView(view, {2}, {-3}, 7);
  // [::-1] of a [3, 4] view's dim 0 starts at the last row.
  view = MakeView({3, 4}, nullptr);
  ExpectOk(&view, [](ravel_view* v) { return ravel_view_slice(v, 0, kNone, kNone, -1); });
  ExpectView(view, {3, 4}, {-4, 1}, 8);
}

TEST(ViewSlice, EmptyResultsAreEmptyViews) {
  ravel_view view = MakeView({4, 5}, nullptr);
  ExpectOk(&view, [](ravel_view* v) { return ravel_view_slice(v, 1, 3, 3, 1); });
  EXPECT_EQ(view.shape[1], 0);
  EXPECT_EQ(view.shape[0], 4);
  EXPECT_EQ(view.strides[0], 5);
  // Slicing a size-0 dim again is fine.
  ExpectOk(&view, [](ravel_view* v) { return ravel_view_slice(v, 1, kNone, kNone, -2); });
  EXPECT_EQ(view.shape[1], 0);
}

// ---- PyTorch's semantics, case by case -----------------------------------------------------

TEST(ViewInit, DenseStridesWhenNullAndCopiedOtherwise) {
  ravel_view view = MakeView({2, 3, 4}, nullptr, 8);
  ExpectView(view, {2, 3, 4}, {12, 4, 1}, 0);
  EXPECT_EQ(view.elem_size, 8);
  view = MakeView({2, 0, 3}, nullptr);  // size-0 dims count as 1, as in PyTorch
  ExpectView(view, {2, 0, 3}, {3, 3, 1}, 0);
  view = MakeView({3, 2}, Index{-1, 0}, 2);
  ExpectView(view, {3, 2}, {-1, 0}, 0);
  view = MakeView({}, nullptr, 16);
  ExpectView(view, {}, {}, 0);
  EXPECT_EQ(view.elem_size, 16);
}

TEST(ViewUnsqueeze, NewDimStrideFollowsPyTorch) {
  // PyTorch: new stride = dim < rank ? shape[dim] * strides[dim] : 1.
  // torch.empty(2, 3, 4).unsqueeze(d).stride() for d = 0..3:
  const Index want[] = {{24, 12, 4, 1}, {12, 12, 4, 1}, {12, 4, 4, 1}, {12, 4, 1, 1}};
  for (int32_t d = 0; d <= 3; ++d) {
    for (const int32_t spelled : {d, d - 4}) {
      ravel_view view = MakeView({2, 3, 4}, nullptr);
      ExpectOk(&view, [&](ravel_view* v) { return ravel_view_unsqueeze(v, spelled); });
      Index shape = {2, 3, 4};
      shape.insert(shape.begin() + d, 1);
      ExpectView(view, shape, want[d], 0);
    }
  }
  // A transposed view: torch.empty(3, 4).t() has strides (1, 4).
  ravel_view view = MakeView({4, 3}, Index{1, 4});
  ExpectOk(&view, [](ravel_view* v) { return ravel_view_unsqueeze(v, 1); });
  ExpectView(view, {4, 1, 3}, {1, 12, 4}, 0);
  ExpectOk(&view, [](ravel_view* v) { return ravel_view_unsqueeze(v, 0); });
  ExpectView(view, {1, 4, 1, 3}, {4, 1, 12, 4}, 0);
  // Negative and zero strides, size-0 dims.
  view = MakeView({3}, Index{-2});
  ExpectOk(&view, [](ravel_view* v) { return ravel_view_unsqueeze(v, 0); });
  ExpectView(view, {1, 3}, {-6, -2}, 0);
  view = MakeView({0, 3}, nullptr);
  ExpectOk(&view, [](ravel_view* v) { return ravel_view_unsqueeze(v, -3); });
  ExpectView(view, {1, 0, 3}, {0, 3, 1}, 0);
  // A scalar: torch.tensor(5.).unsqueeze(0).stride() == (1,).
  for (const int32_t dim : {0, -1}) {
    view = MakeView({}, nullptr);
    ExpectOk(&view, [&](ravel_view* v) { return ravel_view_unsqueeze(v, dim); });
    ExpectView(view, {1}, {1}, 0);
  }
}

TEST(ViewExpand, SizeOneDimToZero) {
  // torch.empty(1, 3).expand(0, 3): shape (0, 3), strides (0, 1).
  ravel_view view = MakeView({1, 3}, nullptr);
  const int64_t shape[] = {0, 3};
  ExpectOk(&view, [&](ravel_view* v) { return ravel_view_expand(v, shape, 2); });
  ExpectView(view, {0, 3}, {0, 1}, 0);
  // A size-0 dim stays 0: expanding it to 1 is an error, to 0 a no-op.
  const int64_t to_zero[] = {0, -1};
  ExpectOk(&view, [&](ravel_view* v) { return ravel_view_expand(v, to_zero, 2); });
  ExpectView(view, {0, 3}, {0, 1}, 0);
  const int64_t to_one[] = {1, 3};
  ExpectInvalid(view, "shape[0]", [&](ravel_view* v) { return ravel_view_expand(v, to_one, 2); });
}

TEST(ViewExpand, MinusOneKeepsDimsAndNewLeadingDimsBroadcast) {
  // torch.empty(3, 1).expand(2, -1, 4): shape (2, 3, 4), strides (0, 1, 0).
  ravel_view view = MakeView({3, 1}, nullptr);
  const int64_t shape[] = {2, -1, 4};
  ExpectOk(&view, [&](ravel_view* v) { return ravel_view_expand(v, shape, 3); });
  ExpectView(view, {2, 3, 4}, {0, 1, 0}, 0);
  // Expanding to the same extents (or all -1) changes nothing.
  ravel_view before = view;
  const int64_t same[] = {2, -1, 4};
  ExpectOk(&view, [&](ravel_view* v) { return ravel_view_expand(v, same, 3); });
  EXPECT_EQ(std::memcmp(&view, &before, sizeof(view)), 0);
  // Strided and offset views keep both on the dims they keep.
  view = MakeView({4, 1}, Index{-5, 7});
  ASSERT_EQ(ravel_view_select(&view, 0, 0), RAVEL_OK);  // shape [1], stride 7, offset 0
  ASSERT_EQ(ravel_view_unsqueeze(&view, 0), RAVEL_OK);  // shape [1, 1], strides [7, 7]
  const int64_t flat[] = {3, -1, 5};
  ExpectOk(&view, [&](ravel_view* v) { return ravel_view_expand(v, flat, 3); });
  ExpectView(view, {3, 1, 5}, {0, 7, 0}, 0);
}

TEST(ViewExpand, RejectsWhatPyTorchRejects) {
  const ravel_view view = MakeView({3, 1}, nullptr);
  const int64_t leading_minus_one[] = {-1, 3, 1};
  ExpectInvalid(view, "shape[0]",
                [&](ravel_view* v) { return ravel_view_expand(v, leading_minus_one, 3); });
  const int64_t non_singleton[] = {2, 1};
  ExpectInvalid(view, "shape[0]",
                [&](ravel_view* v) { return ravel_view_expand(v, non_singleton, 2); });
  const int64_t negative[] = {3, -2};
  ExpectInvalid(view, "shape[1]", [&](ravel_view* v) { return ravel_view_expand(v, negative, 2); });
  const int64_t negative_leading[] = {-3, 3, 1};
  ExpectInvalid(view, "shape[0]",
                [&](ravel_view* v) { return ravel_view_expand(v, negative_leading, 3); });
  const int64_t fewer[] = {3};
  ExpectInvalid(view, "rank", [&](ravel_view* v) { return ravel_view_expand(v, fewer, 1); });
  ExpectInvalid(view, "rank", [&](ravel_view* v) {
    return ravel_view_expand(v, leading_minus_one, RAVEL_MAX_RANK + 1);
  });
  ExpectInvalid(view, "shape", [&](ravel_view* v) { return ravel_view_expand(v, nullptr, 2); });
}

TEST(ViewSqueeze, NonOneDimIsANoOp) {
  ravel_view view = MakeView({2, 1, 3}, Index{5, 9, -1});
  const ravel_view before = view;
  for (const int32_t dim : {0, 2, -1, -3}) {
    ExpectOk(&view, [&](ravel_view* v) { return ravel_view_squeeze(v, dim); });
    EXPECT_EQ(std::memcmp(&view, &before, sizeof(view)), 0) << "squeeze(" << dim << ")";
  }
  ExpectOk(&view, [](ravel_view* v) { return ravel_view_squeeze(v, -2); });
  ExpectView(view, {2, 3}, {5, -1}, 0);
  ExpectInvalid(view, "dim", [](ravel_view* v) { return ravel_view_squeeze(v, 2); });
  ExpectInvalid(view, "dim", [](ravel_view* v) { return ravel_view_squeeze(v, -3); });
}

TEST(ViewSqueeze, AllRemovesEveryOneAndKeepsSizeZero) {
  ravel_view view = MakeView({1, 2, 1, 0, 1}, nullptr);
  ExpectOk(&view, [](ravel_view* v) { return ravel_view_squeeze_all(v); });
  ExpectView(view, {2, 0}, {1, 1}, 0);
  view = MakeView({1, 1}, nullptr);
  ExpectOk(&view, [](ravel_view* v) { return ravel_view_squeeze_all(v); });
  ExpectView(view, {}, {}, 0);
}

TEST(ViewRankZero, EveryOpOnAScalar) {
  ravel_view view = MakeView({}, nullptr, 8);
  ASSERT_EQ(ravel_view_as_strided(&view, nullptr, nullptr, 0, 5), RAVEL_OK);
  ExpectView(view, {}, {}, 5);
  const ravel_view scalar = view;
  // torch.tensor(1.).squeeze(0) and squeeze(-1) are allowed no-ops; so are permute(), flip([]),
  // squeeze() and expand([]).
  for (const int32_t dim : {0, -1}) {
    ExpectOk(&view, [&](ravel_view* v) { return ravel_view_squeeze(v, dim); });
  }
  ExpectOk(&view, [](ravel_view* v) { return ravel_view_squeeze_all(v); });
  ExpectOk(&view, [](ravel_view* v) { return ravel_view_permute(v, nullptr, 0); });
  ExpectOk(&view, [](ravel_view* v) { return ravel_view_flip(v, nullptr, 0); });
  ExpectOk(&view, [](ravel_view* v) { return ravel_view_expand(v, nullptr, 0); });
  EXPECT_EQ(std::memcmp(&view, &scalar, sizeof(view)), 0) << Str(view);
  // Nothing to slice, select, permute or flip.
  const int32_t zero = 0;
  ExpectInvalid(scalar, "dim", [](ravel_view* v) { return ravel_view_squeeze(v, 1); });
  ExpectInvalid(scalar, "dim", [](ravel_view* v) { return ravel_view_squeeze(v, -2); });
  ExpectInvalid(scalar, "dim", [](ravel_view* v) { return ravel_view_select(v, 0, 0); });
  ExpectInvalid(scalar, "dim", [](ravel_view* v) { return ravel_view_slice(v, 0, 0, 1, 1); });
  ExpectInvalid(scalar, "count", [&](ravel_view* v) { return ravel_view_permute(v, &zero, 1); });
  ExpectInvalid(scalar, "count", [&](ravel_view* v) { return ravel_view_flip(v, &zero, 1); });
  ExpectInvalid(scalar, "dim", [](ravel_view* v) { return ravel_view_unsqueeze(v, 1); });
  ExpectInvalid(scalar, "dim", [](ravel_view* v) { return ravel_view_unsqueeze(v, -2); });
  // Broadcasting a scalar: every element is the scalar.
  const int64_t shape[] = {3, 2};
  ExpectOk(&view, [&](ravel_view* v) { return ravel_view_expand(v, shape, 2); });
  ExpectView(view, {3, 2}, {0, 0}, 5);
  // ...and selecting back down to rank 0 keeps its offset.
  ExpectOk(&view, [](ravel_view* v) { return ravel_view_select(v, -1, -1); });
  ExpectOk(&view, [](ravel_view* v) { return ravel_view_select(v, 0, 2); });
  ExpectView(view, {}, {}, 5);
}

TEST(ViewNegativeDims, EverywhereCountFromTheEnd) {
  // t = arange(24).view(2, 3, 4); p = t.permute(-1, -3, -2); s = p[:, :, ::-1] (numpy);
  // q = s.select(-2, -1); f = q.flip(-2): f[i][k] = t[1][2 - k][3 - i] = 23 - i - 4k.
  ravel_view view = MakeView({2, 3, 4}, nullptr);
  const int32_t order[] = {-1, -3, -2};
  ExpectOk(&view, [&](ravel_view* v) { return ravel_view_permute(v, order, 3); });
  ExpectView(view, {4, 2, 3}, {1, 12, 4}, 0);
  ExpectOk(&view, [](ravel_view* v) { return ravel_view_slice(v, -1, kNone, kNone, -1); });
  ExpectView(view, {4, 2, 3}, {1, 12, -4}, 8);
  ExpectOk(&view, [](ravel_view* v) { return ravel_view_select(v, -2, -1); });
  ExpectView(view, {4, 3}, {1, -4}, 20);
  const int32_t flip[] = {-2};
  ExpectOk(&view, [&](ravel_view* v) { return ravel_view_flip(v, flip, 1); });
  ExpectView(view, {4, 3}, {-1, -4}, 23);
  ExpectOk(&view, [](ravel_view* v) { return ravel_view_unsqueeze(v, -1); });
  ExpectView(view, {4, 3, 1}, {-1, -4, 1}, 23);
  ExpectOk(&view, [](ravel_view* v) { return ravel_view_unsqueeze(v, -4); });
  ExpectView(view, {1, 4, 3, 1}, {-4, -1, -4, 1}, 23);
  ExpectOk(&view, [](ravel_view* v) { return ravel_view_squeeze(v, -1); });
  ExpectOk(&view, [](ravel_view* v) { return ravel_view_squeeze(v, -2); });  // extent 4: no-op
  ExpectView(view, {1, 4, 3}, {-4, -1, -4}, 23);
  ExpectOk(&view, [](ravel_view* v) { return ravel_view_squeeze(v, -3); });
  ExpectView(view, {4, 3}, {-1, -4}, 23);
  const int64_t shape[] = {2, -1, -1};
  ExpectOk(&view, [&](ravel_view* v) { return ravel_view_expand(v, shape, 3); });
  ExpectView(view, {2, 4, 3}, {0, -1, -4}, 23);
  EXPECT_TRUE(Addresses(
      view, Tabulate({2, 4, 3}, [](const Index& index) { return 23 - index[1] - 4 * index[2]; })));
}

TEST(ViewFlip, ReversesListedDimsOnly) {
  ravel_view view = MakeView({2, 3}, nullptr);
  const int32_t both[] = {1, 0};
  ExpectOk(&view, [&](ravel_view* v) { return ravel_view_flip(v, both, 2); });
  ExpectView(view, {2, 3}, {-3, -1}, 5);
  // Flipping size-0 and size-1 dims addresses the same elements.
  view = MakeView({1, 0}, nullptr);
  ExpectOk(&view, [&](ravel_view* v) { return ravel_view_flip(v, both, 2); });
  EXPECT_EQ(view.offset, 0);
  EXPECT_EQ(view.shape[0], 1);
  EXPECT_EQ(view.shape[1], 0);
}

TEST(ViewPermute, PermutesShapeAndStridesTogether) {
  ravel_view view = MakeView({2, 3, 4}, Index{1, -7, 30});
  const int32_t order[] = {2, 0, 1};
  ExpectOk(&view, [&](ravel_view* v) { return ravel_view_permute(v, order, 3); });
  ExpectView(view, {4, 2, 3}, {30, 1, -7}, 0);
}

TEST(ViewAsStrided, ReplacesShapeStridesAndOffset) {
  ravel_view view = MakeView({4, 4}, nullptr, 2);
  ASSERT_EQ(ravel_view_slice(&view, 0, 1, kNone, 1), RAVEL_OK);  // offset 4
  // as_strided works from the base, not from the view's offset (PyTorch's storage_offset).
  const int64_t shape[] = {3, 2};
  const int64_t strides[] = {1, 0};
  ExpectOk(&view, [&](ravel_view* v) { return ravel_view_as_strided(v, shape, strides, 2, 1); });
  ExpectView(view, {3, 2}, {1, 0}, 1);
  EXPECT_EQ(view.elem_size, 2);
  ExpectOk(&view, [&](ravel_view* v) { return ravel_view_as_strided(v, shape, strides, 0, -3); });
  ExpectView(view, {}, {}, -3);
}

// ---- Failures: non-OK, the view byte-identical, a message naming the argument --------------

TEST(ViewFailures, BadDimsCountsIndicesAndSteps) {
  const ravel_view view = MakeView({2, 3, 1}, Index{3, 1, 1});
  const int32_t duplicate[] = {0, -3, 1};
  const int32_t out_of_range[] = {0, 1, 3};
  const int32_t two[] = {0, 1};
  ExpectInvalid(view, "dims", [&](ravel_view* v) { return ravel_view_permute(v, duplicate, 3); });
  ExpectInvalid(view, "dims[2]",
                [&](ravel_view* v) { return ravel_view_permute(v, out_of_range, 3); });
  ExpectInvalid(view, "count", [&](ravel_view* v) { return ravel_view_permute(v, two, 2); });
  ExpectInvalid(view, "count", [&](ravel_view* v) { return ravel_view_permute(v, two, -1); });
  ExpectInvalid(view, "dims", [&](ravel_view* v) { return ravel_view_permute(v, nullptr, 3); });
  ExpectInvalid(view, "dims", [&](ravel_view* v) { return ravel_view_flip(v, duplicate, 2); });
  ExpectInvalid(view, "dims[2]",
                [&](ravel_view* v) { return ravel_view_flip(v, out_of_range, 3); });
  ExpectInvalid(view, "dims", [&](ravel_view* v) { return ravel_view_flip(v, nullptr, 1); });
  ExpectInvalid(view, "count", [&](ravel_view* v) { return ravel_view_flip(v, two, -1); });
  ExpectInvalid(view, "count", [&](ravel_view* v) { return ravel_view_flip(v, duplicate, 4); });
  ExpectInvalid(view, "dim", [](ravel_view* v) { return ravel_view_slice(v, 3, 0, 1, 1); });
  ExpectInvalid(view, "dim", [](ravel_view* v) { return ravel_view_slice(v, -4, 0, 1, 1); });
  ExpectInvalid(view, "step", [](ravel_view* v) { return ravel_view_slice(v, 0, 0, 1, 0); });
  ExpectInvalid(view, "dim", [](ravel_view* v) { return ravel_view_select(v, 3, 0); });
  ExpectInvalid(view, "index", [](ravel_view* v) { return ravel_view_select(v, 1, 3); });
  ExpectInvalid(view, "index", [](ravel_view* v) { return ravel_view_select(v, 1, -4); });
  ExpectInvalid(view, "index", [](ravel_view* v) { return ravel_view_select(v, 0, INT64_MIN); });
  ExpectInvalid(view, "dim", [](ravel_view* v) { return ravel_view_squeeze(v, 3); });
  ExpectInvalid(view, "dim", [](ravel_view* v) { return ravel_view_unsqueeze(v, 4); });
  ExpectInvalid(view, "dim", [](ravel_view* v) { return ravel_view_unsqueeze(v, -5); });
  ExpectInvalid(view, "dim", [](ravel_view* v) { return ravel_view_unsqueeze(v, INT32_MIN); });
  const int64_t shape[] = {2, -1};
  const int64_t strides[] = {1, 1};
  ExpectInvalid(view, "shape[1]",
                [&](ravel_view* v) { return ravel_view_as_strided(v, shape, strides, 2, 0); });
  ExpectInvalid(view, "shape",
                [&](ravel_view* v) { return ravel_view_as_strided(v, nullptr, strides, 2, 0); });
  ExpectInvalid(view, "strides",
                [&](ravel_view* v) { return ravel_view_as_strided(v, shape, nullptr, 2, 0); });
  ExpectInvalid(view, "rank",
                [&](ravel_view* v) { return ravel_view_as_strided(v, shape, strides, -1, 0); });
  ExpectInvalid(view, "rank", [&](ravel_view* v) {
    return ravel_view_as_strided(v, shape, strides, RAVEL_MAX_RANK + 1, 0);
  });
}

TEST(ViewFailures, ResultsThatOverflowInt64) {
  const ravel_view view = MakeView({1}, nullptr, 4);
  // Elements times elem_size past int64.
  const int64_t huge[] = {kBig, 4};
  ExpectRejected(view, RAVEL_E_OVERFLOW, "expand",
                 [&](ravel_view* v) { return ravel_view_expand(v, huge, 2); });
  // Byte offsets past int64: from a stride, and from the offset.
  const int64_t shape[] = {3};
  const int64_t strides[] = {kBig};
  ExpectRejected(view, RAVEL_E_OVERFLOW, "strides[0]",
                 [&](ravel_view* v) { return ravel_view_as_strided(v, shape, strides, 1, 0); });
  ExpectRejected(view, RAVEL_E_OVERFLOW, "offset", [&](ravel_view* v) {
    return ravel_view_as_strided(v, nullptr, nullptr, 0, INT64_MAX / 2);
  });
  ExpectRejected(view, RAVEL_E_OVERFLOW, "offset", [&](ravel_view* v) {
    return ravel_view_as_strided(v, nullptr, nullptr, 0, INT64_MIN / 2);
  });
  // An offset and stride that fit alone but not together (elem_size 1).
  const ravel_view bytes = MakeView({1}, nullptr, 1);
  const int64_t reach[] = {2};
  const int64_t step[] = {kBig};
  ExpectRejected(bytes, RAVEL_E_OVERFLOW, "offset",
                 [&](ravel_view* v) { return ravel_view_as_strided(v, reach, step, 1, kBig); });
}

TEST(ViewFailures, UnsqueezePastMaxRank) {
  ravel_view view = MakeView({}, nullptr);
  for (int32_t i = 0; i < RAVEL_MAX_RANK; ++i) {
    ASSERT_EQ(ravel_view_unsqueeze(&view, i % 2 == 0 ? 0 : -1), RAVEL_OK) << ravel_last_error();
  }
  EXPECT_EQ(view.rank, RAVEL_MAX_RANK);
  ExpectInvalid(view, "rank", [](ravel_view* v) { return ravel_view_unsqueeze(v, 0); });
  // expand can still broadcast at the maximum rank, but not add a dim.
  std::vector<int64_t> shape(RAVEL_MAX_RANK + 1, -1);
  shape[0] = 2;
  ExpectInvalid(view, "rank", [&](ravel_view* v) {
    return ravel_view_expand(v, shape.data(), RAVEL_MAX_RANK + 1);
  });
  ExpectOk(&view, [&](ravel_view* v) { return ravel_view_expand(v, shape.data() + 1, 64); });
}

// A view a caller broke: every op must refuse it, naming the view, and leave it alone.
TEST(ViewFailures, InvalidInputViews) {
  const ravel_view good = MakeView({2, 3}, nullptr, 4);
  std::vector<ravel_view> bad(6, good);
  bad[0].rank = -1;
  bad[1].rank = RAVEL_MAX_RANK + 1;
  bad[2].elem_size = 0;
  bad[3].shape[1] = -2;
  bad[4].strides[0] = kBig;  // byte offsets of 4-byte elements overflow
  bad[5].offset = INT64_MAX / 2;
  const int32_t order[] = {1, 0};
  const int64_t shape[] = {2, 3};
  const int64_t strides[] = {3, 1};
  for (const ravel_view& view : bad) {
    SCOPED_TRACE(Str(view) + " elem_size " + std::to_string(view.elem_size));
    const auto expect = [&](auto&& call) {
      ravel_view edited;
      std::memcpy(&edited, &view, sizeof(view));
      EXPECT_NE(call(&edited), RAVEL_OK);
      EXPECT_EQ(std::memcmp(&edited, &view, sizeof(view)), 0);
      EXPECT_NE(std::string(ravel_last_error()).find("view"), std::string::npos)
          << ravel_last_error();
    };
    expect([&](ravel_view* v) { return ravel_view_permute(v, order, 2); });
    expect([&](ravel_view* v) { return ravel_view_slice(v, 0, 0, 1, 1); });
    expect([&](ravel_view* v) { return ravel_view_select(v, 0, 0); });
    expect([&](ravel_view* v) { return ravel_view_expand(v, shape, 2); });
    expect([&](ravel_view* v) { return ravel_view_flip(v, order, 1); });
    expect([&](ravel_view* v) { return ravel_view_squeeze(v, 0); });
    expect([&](ravel_view* v) { return ravel_view_squeeze_all(v); });
    expect([&](ravel_view* v) { return ravel_view_unsqueeze(v, 0); });
    expect([&](ravel_view* v) { return ravel_view_as_strided(v, shape, strides, 2, 0); });
  }
  // NULL views.
  EXPECT_EQ(ravel_view_permute(nullptr, order, 2), RAVEL_E_INVALID_ARGUMENT);
  EXPECT_STREQ(ravel_last_error(), "view is NULL");
  EXPECT_EQ(ravel_view_slice(nullptr, 0, 0, 1, 1), RAVEL_E_INVALID_ARGUMENT);
  EXPECT_STREQ(ravel_last_error(), "view is NULL");
  EXPECT_EQ(ravel_view_select(nullptr, 0, 0), RAVEL_E_INVALID_ARGUMENT);
  EXPECT_EQ(ravel_view_expand(nullptr, shape, 2), RAVEL_E_INVALID_ARGUMENT);
  EXPECT_EQ(ravel_view_flip(nullptr, order, 1), RAVEL_E_INVALID_ARGUMENT);
  EXPECT_EQ(ravel_view_squeeze(nullptr, 0), RAVEL_E_INVALID_ARGUMENT);
  EXPECT_EQ(ravel_view_squeeze_all(nullptr), RAVEL_E_INVALID_ARGUMENT);
  EXPECT_EQ(ravel_view_unsqueeze(nullptr, 0), RAVEL_E_INVALID_ARGUMENT);
  EXPECT_EQ(ravel_view_as_strided(nullptr, shape, strides, 2, 0), RAVEL_E_INVALID_ARGUMENT);
  EXPECT_STREQ(ravel_last_error(), "view is NULL");
}

TEST(ViewFailures, InitLeavesTheViewAlone) {
  ravel_view view;
  std::memset(&view, 0xA5, sizeof(view));
  ravel_view before;
  std::memcpy(&before, &view, sizeof(view));
  const int64_t shape[] = {2, -1};
  const int64_t huge[] = {kBig, kBig};
  const int64_t pair[] = {2, 2};
  const int64_t strides[] = {kBig, 1};
  const ravel_layout layouts[] = {
      {RAVEL_MAX_RANK + 1, 4, shape, nullptr},  // rank
      {-1, 4, shape, nullptr},                  // rank
      {2, 0, shape, nullptr},                   // elem_size
      {2, 4, nullptr, nullptr},                 // shape NULL
      {2, 4, shape, nullptr},                   // shape[1] < 0
      {2, 4, huge, nullptr},                    // element count overflows
      {2, 4, pair, strides},                    // byte offsets overflow
  };
  const char* const names[] = {"layout->rank",      "layout->rank",     "layout->elem_size",
                               "layout->shape",     "layout->shape[1]", "layout",
                               "layout->strides[0]"};
  for (size_t i = 0; i < std::size(layouts); ++i) {
    EXPECT_NE(ravel_view_init(&view, &layouts[i]), RAVEL_OK) << i;
    EXPECT_EQ(std::memcmp(&view, &before, sizeof(view)), 0) << i;
    EXPECT_NE(std::string(ravel_last_error()).find(names[i]), std::string::npos)
        << i << ": " << ravel_last_error();
  }
  EXPECT_EQ(ravel_view_init(&view, nullptr), RAVEL_E_INVALID_ARGUMENT);
  EXPECT_EQ(std::memcmp(&view, &before, sizeof(view)), 0);
  EXPECT_STREQ(ravel_last_error(), "layout is NULL");
  const ravel_layout fine = {1, 4, shape, nullptr};
  EXPECT_EQ(ravel_view_init(nullptr, &fine), RAVEL_E_INVALID_ARGUMENT);
  EXPECT_STREQ(ravel_last_error(), "view is NULL");
}

TEST(ViewFailures, SuccessClearsTheLastError) {
  ravel_view view = MakeView({2}, nullptr);
  ASSERT_NE(ravel_view_select(&view, 0, 5), RAVEL_OK);
  ASSERT_STRNE(ravel_last_error(), "");
  ExpectOk(&view, [](ravel_view* v) { return ravel_view_select(v, 0, 1); });
}

}  // namespace
}  // namespace ravel_test
