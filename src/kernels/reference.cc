#include "kernels/reference.h"

#include <cstring>

namespace ravel {

void ReferenceCopyRange(const Problem& problem, const char* src, char* dst, int64_t begin,
                        int64_t end) {
  const int32_t rank = problem.rank;
  const size_t elem_size = static_cast<size_t>(problem.elem_size);
  int64_t index[RAVEL_MAX_RANK];
  int64_t remainder = begin;
  for (int32_t d = rank - 1; d >= 0; --d) {
    index[d] = remainder % problem.nodes[d].n;
    remainder /= problem.nodes[d].n;
    src += index[d] * problem.nodes[d].src_stride;
    dst += index[d] * problem.nodes[d].dst_stride;
  }
  for (int64_t i = begin; i < end; ++i) {
    std::memcpy(dst, src, elem_size);
    for (int32_t d = rank - 1; d >= 0; --d) {
      const Node& node = problem.nodes[d];
      src += node.src_stride;
      dst += node.dst_stride;
      if (++index[d] < node.n) {
        break;
      }
      src -= node.n * node.src_stride;
      dst -= node.n * node.dst_stride;
      index[d] = 0;
    }
  }
}

}  // namespace ravel
