// PyTorch's ATen (libtorch) as a peer: each stage is dst.copy_(src) between two tensors made with
// at::from_blob over the case's buffers, with the views' shapes and strides. PyTorch has no
// negative strides: a reversed view is the positive view of the same elements flipped, which
// at::flip_out writes into the destination. Threads: at::set_num_threads (OpenMP in Debian).
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <torch/csrc/api/include/torch/version.h>

#include <memory>
#include <string>
#include <vector>

#include "bench/peers/peer.h"

namespace ravel_peers {
namespace {

// Integer types that copy bits unchanged (and complex double for 16 bytes).
bool ScalarTypeFor(int64_t elem_size, at::ScalarType* type) {
  switch (elem_size) {
    case 1:
      *type = at::kByte;
      return true;
    case 2:
      *type = at::kShort;
      return true;
    case 4:
      *type = at::kInt;
      return true;
    case 8:
      *type = at::kLong;
      return true;
    case 16:
      *type = at::kComplexDouble;
      return true;
    default:
      return false;
  }
}

struct StageTensors {
  at::Tensor src;  // the view with its negative strides made positive
  at::Tensor dst;
  std::vector<int64_t> flip_dims;  // dims src must be flipped along (those with negative strides)
};

// A tensor over view's elements at data (index 0) with every stride made positive: the dims
// whose stride was negative go to *flip_dims.
at::Tensor PositiveView(const ravel_view& view, const uint8_t* data, int64_t elem_size,
                        at::ScalarType type, std::vector<int64_t>* flip_dims) {
  std::vector<int64_t> shape(view.shape, view.shape + view.rank);
  std::vector<int64_t> strides(view.strides, view.strides + view.rank);
  int64_t offset = 0;
  for (int32_t d = 0; d < view.rank; ++d) {
    if (strides[d] < 0 && shape[d] > 1) {
      offset += (shape[d] - 1) * strides[d];
      strides[d] = -strides[d];
      if (flip_dims != nullptr) {
        flip_dims->push_back(d);
      }
    }
  }
  auto* first = const_cast<uint8_t*>(data + offset * elem_size);
  return at::from_blob(first, shape, strides, at::TensorOptions().dtype(type));
}

std::vector<StageTensors> MakeTensors(const ravel_cases::Case& c, ravel_cases::CaseRun* run) {
  at::ScalarType type{};
  ScalarTypeFor(c.elem_size, &type);
  std::vector<StageTensors> stages;
  for (size_t k = 0; k < c.stages.size(); ++k) {
    StageTensors tensors;
    tensors.src =
        PositiveView(c.stages[k].src, StageSrc(c, k, *run), c.elem_size, type, &tensors.flip_dims);
    tensors.dst = PositiveView(c.stages[k].dst, StageDst(c, k, run), c.elem_size, type, nullptr);
    stages.push_back(std::move(tensors));
  }
  return stages;
}

class AtenCopy : public PreparedCopy {
 public:
  explicit AtenCopy(std::vector<StageTensors> stages) : stages_(std::move(stages)) {}

  void Run() override {
    for (StageTensors& stage : stages_) {
      if (stage.flip_dims.empty()) {
        stage.dst.copy_(stage.src);
      } else {
        at::flip_out(stage.dst, stage.src, stage.flip_dims);
      }
    }
  }

 private:
  std::vector<StageTensors> stages_;
};

class AtenPeer : public Peer {
 public:
  const char* Name() const override { return "aten"; }

  std::string Version() const override {
    return std::string("ATen ") + TORCH_VERSION + " (" +
           (at::get_parallel_info().find("OpenMP") != std::string::npos ? "OpenMP" : "native") +
           ")";
  }

  bool CanExpress(const ravel_cases::Case& c, std::string* reason) const override {
    at::ScalarType type{};
    if (!ScalarTypeFor(c.elem_size, &type)) {
      *reason = std::to_string(c.elem_size) + "-byte elements (no such dtype)";
      return false;
    }
    for (const ravel_cases::Stage& stage : c.stages) {
      if (HasNegativeStride(stage.dst)) {
        *reason = "negative destination strides";
        return false;
      }
    }
    return true;
  }

  std::unique_ptr<PreparedCopy> Prepare(const ravel_cases::Case& c, int threads,
                                        ravel_cases::CaseRun* run, std::string* error) override {
    at::set_num_threads(threads);
    try {
      return std::make_unique<AtenCopy>(MakeTensors(c, run));
    } catch (const std::exception& e) {
      *error = e.what();
      return nullptr;
    }
  }

  std::vector<LatencyProbe> LatencyProbes(const ravel_cases::Case& c, int threads,
                                          ravel_cases::CaseRun* run) override {
    at::set_num_threads(threads);
    auto stages = std::make_shared<std::vector<StageTensors>>(MakeTensors(c, run));
    // x.contiguous(): a fresh tensor each call, what `permute(...).contiguous()` costs a user.
    auto contiguous = [stages] {
      for (const StageTensors& stage : *stages) {
        at::Tensor result =
            stage.flip_dims.empty() ? stage.src.contiguous() : at::flip(stage.src, stage.flip_dims);
        (void)result;
      }
    };
    return {{"contiguous", contiguous}};
  }
};

}  // namespace

std::unique_ptr<Peer> MakeAtenPeer() { return std::make_unique<AtenPeer>(); }

}  // namespace ravel_peers
