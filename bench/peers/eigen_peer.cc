// Eigen's Tensor module as a peer. After merging dims (as every library does inside), a stage's
// source must be a dense tensor seen through slice -> stride -> reverse -> shuffle, and its
// destination dense: then `dst.device(pool) = src.shuffle(perm)` (a pure permutation) or
// `src.slice(...).stride(...).reverse(...).shuffle(...)` runs it. Ranks are template arguments,
// instantiated up to kMaxEigenRank. Threads: an Eigen::ThreadPool of that size.
#define EIGEN_USE_THREADS
#include <algorithm>
#include <array>
#include <complex>
#include <cstdlib>
#include <memory>
#include <numeric>
#include <string>
#include <unsupported/Eigen/CXX11/Tensor>
#include <vector>

#include "bench/peers/peer.h"

namespace ravel_peers {
namespace {

constexpr int kMaxEigenRank = 6;

using Index = Eigen::Index;

// One stage in Eigen's terms: a dense "virtual" tensor (dims sorted by decreasing source stride)
// at the lowest source address, the slice, steps and reversals on it, the shuffle back to the
// view's dim order, and the dense destination.
struct EigenStage {
  int rank = 0;
  bool general = false;  // false: a pure shuffle of the virtual tensor
  std::array<Index, kMaxEigenRank> virtual_extents{};
  std::array<Index, kMaxEigenRank> slice_extents{};
  std::array<Index, kMaxEigenRank> steps{};
  std::array<bool, kMaxEigenRank> reverse{};
  std::array<int, kMaxEigenRank> shuffle{};
  std::array<Index, kMaxEigenRank> dst_extents{};
  const void* src = nullptr;
  void* dst = nullptr;
  Index elements = 0;
  void (*run)(const EigenStage&, const Eigen::ThreadPoolDevice&) = nullptr;
};

template <int N, typename A>
std::array<typename A::value_type, N> Head(const A& values) {
  std::array<typename A::value_type, N> head{};
  std::copy_n(values.begin(), N, head.begin());
  return head;
}

template <typename T, int N>
void RunStage(const EigenStage& s, const Eigen::ThreadPoolDevice& device) {
  using SrcMap = Eigen::TensorMap<const Eigen::Tensor<const T, N, Eigen::RowMajor, Index>>;
  using DstMap = Eigen::TensorMap<Eigen::Tensor<T, N, Eigen::RowMajor, Index>>;
  const SrcMap src(static_cast<const T*>(s.src), Head<N>(s.virtual_extents));
  DstMap dst(static_cast<T*>(s.dst), Head<N>(s.dst_extents));
  const std::array<int, N> shuffle = Head<N>(s.shuffle);
  if (!s.general) {
    dst.device(device) = src.shuffle(shuffle);
    return;
  }
  const std::array<Index, N> zero{};
  dst.device(device) = src.slice(zero, Head<N>(s.slice_extents))
                           .stride(Head<N>(s.steps))
                           .reverse(Head<N>(s.reverse))
                           .shuffle(shuffle);
}

template <typename T>
bool SelectRank(int rank, EigenStage* s) {
  switch (rank) {
    case 1:
      s->run = RunStage<T, 1>;
      return true;
    case 2:
      s->run = RunStage<T, 2>;
      return true;
    case 3:
      s->run = RunStage<T, 3>;
      return true;
    case 4:
      s->run = RunStage<T, 4>;
      return true;
    case 5:
      s->run = RunStage<T, 5>;
      return true;
    case 6:
      s->run = RunStage<T, 6>;
      return true;
    default:
      return false;
  }
}

bool SelectKernel(int64_t elem_size, int rank, EigenStage* s) {
  switch (elem_size) {
    case 1:
      return SelectRank<uint8_t>(rank, s);
    case 2:
      return SelectRank<uint16_t>(rank, s);
    case 4:
      return SelectRank<uint32_t>(rank, s);
    case 8:
      return SelectRank<uint64_t>(rank, s);
    case 16:
      return SelectRank<std::complex<double>>(rank, s);
    default:
      return false;
  }
}

// Expresses stage k of c in Eigen's terms (pointers into run when given); false and *reason if
// Eigen's operations cannot.
bool BuildStage(const ravel_cases::Case& c, size_t k, ravel_cases::CaseRun* run, EigenStage* s,
                std::string* reason) {
  const ravel_cases::Stage& stage = c.stages[k];
  const MergedStage merged = MergeDims(stage);
  const int rank = static_cast<int>(merged.shape.size());
  s->elements = 1;
  for (const int64_t extent : merged.shape) {
    s->elements *= extent;
  }
  if (s->elements == 0) {
    s->rank = 0;
    return true;
  }
  if (rank > kMaxEigenRank) {
    *reason =
        "rank " + std::to_string(rank) + " after merging dims > " + std::to_string(kMaxEigenRank);
    return false;
  }
  int64_t dense = 1;
  for (int d = rank - 1; d >= 0; --d) {
    if (merged.dst_strides[d] != dense) {
      *reason = "strided destination";
      return false;
    }
    dense *= merged.shape[d];
  }
  std::vector<int> order(rank);
  std::iota(order.begin(), order.end(), 0);
  for (int d = 0; d < rank; ++d) {
    if (merged.src_strides[d] == 0) {
      *reason = "broadcast (zero strides)";
      return false;
    }
  }
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
    return std::llabs(merged.src_strides[a]) > std::llabs(merged.src_strides[b]);
  });
  s->rank = rank;
  s->general = false;
  int64_t lowest = stage.src.offset;
  int64_t highest = stage.src.offset;
  for (int j = rank - 1; j >= 0; --j) {
    const int d = order[j];
    const int64_t extent = merged.shape[d];
    const int64_t stride = merged.src_strides[d];
    const int64_t magnitude = std::llabs(stride);
    const int64_t unit = j == rank - 1 ? 1 : magnitude;  // the virtual dense stride of dim j
    const int64_t step = magnitude / unit;
    const int64_t slice = (extent - 1) * step + 1;
    int64_t virtual_extent = slice;
    if (j > 0) {
      const int64_t outer = std::llabs(merged.src_strides[order[j - 1]]);
      if (outer % unit != 0 || outer / unit < slice) {
        *reason = "strides are not a slice of a dense tensor";
        return false;
      }
      virtual_extent = outer / unit;
    }
    if (stride < 0) {
      lowest += (extent - 1) * stride;
    } else {
      highest += (extent - 1) * stride;
    }
    s->virtual_extents[j] = virtual_extent;
    s->slice_extents[j] = slice;
    s->steps[j] = step;
    s->reverse[j] = stride < 0;
    s->shuffle[d] = j;
    s->dst_extents[d] = extent;
    s->general = s->general || step != 1 || slice != virtual_extent || stride < 0;
  }
  // The virtual tensor may reach past the buffer's end (a slice's last row), but Eigen reads only
  // the elements of the slice, which are the view's.
  if (lowest < 0 || highest >= stage.src_base_elements) {
    *reason = "view outside its buffer";
    return false;
  }
  if (!SelectKernel(c.elem_size, rank, s)) {
    *reason = std::to_string(c.elem_size) + "-byte elements";
    return false;
  }
  if (run != nullptr) {
    s->src = run->buffers[k].data() + lowest * c.elem_size;
    s->dst = StageDst(c, k, run);
  }
  return true;
}

class EigenCopy : public PreparedCopy {
 public:
  EigenCopy(int threads, std::vector<EigenStage> stages)
      : pool_(threads), device_(&pool_, threads), stages_(std::move(stages)) {}

  void Run() override {
    for (const EigenStage& stage : stages_) {
      if (stage.elements > 0) {
        stage.run(stage, device_);
      }
    }
  }

 private:
  Eigen::ThreadPool pool_;
  Eigen::ThreadPoolDevice device_;
  std::vector<EigenStage> stages_;
};

class EigenPeer : public Peer {
 public:
  const char* Name() const override { return "eigen"; }

  std::string Version() const override {
    return "Eigen " + std::to_string(EIGEN_WORLD_VERSION) + "." +
           std::to_string(EIGEN_MAJOR_VERSION) + "." + std::to_string(EIGEN_MINOR_VERSION) +
           " Tensor (ThreadPoolDevice)";
  }

  bool CanExpress(const ravel_cases::Case& c, std::string* reason) const override {
    for (size_t k = 0; k < c.stages.size(); ++k) {
      EigenStage stage;
      if (!BuildStage(c, k, nullptr, &stage, reason)) {
        return false;
      }
    }
    return true;
  }

  std::unique_ptr<PreparedCopy> Prepare(const ravel_cases::Case& c, int threads,
                                        ravel_cases::CaseRun* run, std::string* error) override {
    std::vector<EigenStage> stages(c.stages.size());
    for (size_t k = 0; k < c.stages.size(); ++k) {
      if (!BuildStage(c, k, run, &stages[k], error)) {
        return nullptr;
      }
    }
    return std::make_unique<EigenCopy>(threads < 1 ? 1 : threads, std::move(stages));
  }
};

}  // namespace

std::unique_ptr<Peer> MakeEigenPeer() { return std::make_unique<EigenPeer>(); }

}  // namespace ravel_peers
