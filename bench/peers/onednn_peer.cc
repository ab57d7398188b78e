// oneDNN's reorder primitive as a peer: each stage becomes one reorder between two plain memory
// descriptors with explicit strides, created once (creation is timed apart, in the latency rows)
// and executed on the case's buffers. Debian's libdnnl is built with OpenMP, so the thread count
// is omp_set_num_threads before the primitive is created (oneDNN freezes it there).
#include <omp.h>

#include <dnnl.hpp>
#include <memory>
#include <string>
#include <vector>

#include "bench/peers/peer.h"

namespace ravel_peers {
namespace {

constexpr int kMaxOnednnRank = DNNL_MAX_NDIMS;

// A bit-exact data type and how many of its elements make one element of the case: u8 for 1
// byte, s32 for 4. oneDNN 2.6 has no 16- or 64-bit integer type, and its f16/bf16 reorders go
// through f32 (NaN payloads change), so 2-, 8- and 16-byte elements become an innermost dim of
// 2 u8, 2 s32 or 4 s32 elements: the same bytes moved, as a oneDNN user would write it.
struct ElementType {
  dnnl::memory::data_type type;
  int64_t lanes;
};

bool ElementTypeFor(int64_t elem_size, ElementType* element) {
  switch (elem_size) {
    case 1:
      *element = {dnnl::memory::data_type::u8, 1};
      return true;
    case 2:
      *element = {dnnl::memory::data_type::u8, 2};
      return true;
    case 4:
      *element = {dnnl::memory::data_type::s32, 1};
      return true;
    case 8:
      *element = {dnnl::memory::data_type::s32, 2};
      return true;
    case 16:
      *element = {dnnl::memory::data_type::s32, 4};
      return true;
    default:
      return false;
  }
}

// The view's descriptor, with an innermost dim of lanes when an element is several oneDNN ones.
dnnl::memory::desc Desc(const ravel_view& view, const ElementType& element) {
  dnnl::memory::dims dims(view.shape, view.shape + view.rank);
  dnnl::memory::dims strides;
  for (int32_t d = 0; d < view.rank; ++d) {
    strides.push_back(view.strides[d] * element.lanes);
  }
  if (element.lanes > 1 || view.rank == 0) {
    dims.push_back(element.lanes);
    strides.push_back(1);
  }
  return dnnl::memory::desc(dims, element.type, strides);
}

struct StageReorder {
  dnnl::memory src;
  dnnl::memory dst;
  dnnl::reorder reorder;
};

class OnednnCopy : public PreparedCopy {
 public:
  OnednnCopy(dnnl::engine engine, dnnl::stream stream, std::vector<StageReorder> stages)
      : engine_(std::move(engine)), stream_(std::move(stream)), stages_(std::move(stages)) {}

  void Run() override {
    for (StageReorder& stage : stages_) {
      stage.reorder.execute(stream_, stage.src, stage.dst);
    }
    stream_.wait();
  }

 private:
  dnnl::engine engine_;
  dnnl::stream stream_;
  std::vector<StageReorder> stages_;
};

// Creates the reorder of every stage; throws dnnl::error.
std::vector<StageReorder> CreateReorders(const ravel_cases::Case& c, const dnnl::engine& engine,
                                         ravel_cases::CaseRun* run) {
  ElementType element{};
  ElementTypeFor(c.elem_size, &element);
  std::vector<StageReorder> stages;
  for (size_t k = 0; k < c.stages.size(); ++k) {
    const ravel_cases::Stage& stage = c.stages[k];
    const dnnl::memory::desc src_desc = Desc(stage.src, element);
    const dnnl::memory::desc dst_desc = Desc(stage.dst, element);
    dnnl::memory src(src_desc, engine, const_cast<uint8_t*>(StageSrc(c, k, *run)));
    dnnl::memory dst(dst_desc, engine, StageDst(c, k, run));
    dnnl::reorder::primitive_desc desc(engine, src_desc, engine, dst_desc);
    stages.push_back({src, dst, dnnl::reorder(desc)});
  }
  return stages;
}

class OnednnPeer : public Peer {
 public:
  const char* Name() const override { return "onednn"; }

  std::string Version() const override {
    const dnnl_version_t* version = dnnl_version();
    const char* runtime = version->cpu_runtime == DNNL_RUNTIME_OMP   ? "OpenMP"
                          : version->cpu_runtime == DNNL_RUNTIME_TBB ? "TBB"
                                                                     : "other";
    return "oneDNN " + std::to_string(version->major) + "." + std::to_string(version->minor) + "." +
           std::to_string(version->patch) + " (" + runtime + ")";
  }

  bool CanExpress(const ravel_cases::Case& c, std::string* reason) const override {
    ElementType element{};
    if (!ElementTypeFor(c.elem_size, &element)) {
      *reason = std::to_string(c.elem_size) + "-byte elements (no such data type)";
      return false;
    }
    for (const ravel_cases::Stage& stage : c.stages) {
      if (HasNegativeStride(stage.src) || HasNegativeStride(stage.dst)) {
        *reason = "negative strides";
        return false;
      }
      if (stage.src.rank + (element.lanes > 1 ? 1 : 0) > kMaxOnednnRank) {
        *reason = "rank > " + std::to_string(kMaxOnednnRank);
        return false;
      }
      if (ravel_cases::ElementCount(stage.src) == 0) {
        *reason = "zero-size tensors";
        return false;
      }
    }
    return true;
  }

  std::unique_ptr<PreparedCopy> Prepare(const ravel_cases::Case& c, int threads,
                                        ravel_cases::CaseRun* run, std::string* error) override {
    omp_set_num_threads(threads);
    try {
      dnnl::engine engine(dnnl::engine::kind::cpu, 0);
      dnnl::stream stream(engine);
      std::vector<StageReorder> stages = CreateReorders(c, engine, run);
      return std::make_unique<OnednnCopy>(engine, stream, std::move(stages));
    } catch (const dnnl::error& e) {
      *error = std::string("reorder: ") + e.what();
      return nullptr;
    }
  }

  std::vector<LatencyProbe> LatencyProbes(const ravel_cases::Case& c, int threads,
                                          ravel_cases::CaseRun* run) override {
    omp_set_num_threads(threads);
    auto engine = std::make_shared<dnnl::engine>(dnnl::engine::kind::cpu, 0);
    // Creation through the primitive cache (a hit after the first call), and without it (what a
    // new shape costs: primitive descriptor, kernel generation, primitive).
    auto create = [&c, engine, run] { CreateReorders(c, *engine, run); };
    auto create_uncached = [&c, engine, run] {
      const int capacity = dnnl::get_primitive_cache_capacity();
      dnnl::set_primitive_cache_capacity(0);
      CreateReorders(c, *engine, run);
      dnnl::set_primitive_cache_capacity(capacity);
    };
    return {{"create", create}, {"create-uncached", create_uncached}};
  }
};

}  // namespace

std::unique_ptr<Peer> MakeOnednnPeer() { return std::make_unique<OnednnPeer>(); }

}  // namespace ravel_peers
