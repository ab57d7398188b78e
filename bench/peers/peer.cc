// The helpers the adapters share.
#include "bench/peers/peer.h"

namespace ravel_peers {

std::vector<LatencyProbe> Peer::LatencyProbes(const ravel_cases::Case& /*c*/, int /*threads*/,
                                              ravel_cases::CaseRun* /*run*/) {
  return {};
}

const uint8_t* StageSrc(const ravel_cases::Case& c, size_t k, const ravel_cases::CaseRun& run) {
  return run.buffers[k].data() + c.stages[k].src.offset * c.elem_size;
}

uint8_t* StageDst(const ravel_cases::Case& c, size_t k, ravel_cases::CaseRun* run) {
  return run->buffers[k + 1].data() + c.stages[k].dst.offset * c.elem_size;
}

bool HasNegativeStride(const ravel_view& view) {
  for (int32_t d = 0; d < view.rank; ++d) {
    if (view.shape[d] > 1 && view.strides[d] < 0) {
      return true;
    }
  }
  return false;
}

bool HasZeroStride(const ravel_view& view) {
  for (int32_t d = 0; d < view.rank; ++d) {
    if (view.shape[d] > 1 && view.strides[d] == 0) {
      return true;
    }
  }
  return false;
}

bool IsDenseRowMajor(const ravel_view& view) {
  int64_t expected = 1;
  for (int32_t d = view.rank - 1; d >= 0; --d) {
    if (view.shape[d] != 1 && view.strides[d] != expected) {
      return false;
    }
    expected *= view.shape[d];
  }
  return true;
}

MergedStage MergeDims(const ravel_cases::Stage& stage) {
  MergedStage merged;
  for (int32_t d = 0; d < stage.src.rank; ++d) {
    const int64_t extent = stage.src.shape[d];
    if (extent == 1) {
      continue;
    }
    const int64_t src_stride = stage.src.strides[d];
    const int64_t dst_stride = stage.dst.strides[d];
    if (!merged.shape.empty() && extent != 0 && merged.shape.back() != 0 &&
        merged.src_strides.back() == src_stride * extent &&
        merged.dst_strides.back() == dst_stride * extent) {
      merged.shape.back() *= extent;
      merged.src_strides.back() = src_stride;
      merged.dst_strides.back() = dst_stride;
      continue;
    }
    merged.shape.push_back(extent);
    merged.src_strides.push_back(src_stride);
    merged.dst_strides.push_back(dst_stride);
  }
  if (merged.shape.empty()) {
    merged.shape.push_back(1);
    merged.src_strides.push_back(1);
    merged.dst_strides.push_back(1);
  }
  return merged;
}

}  // namespace ravel_peers
