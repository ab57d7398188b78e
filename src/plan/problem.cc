#include "plan/problem.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

namespace ravel {

bool operator==(const Problem& a, const Problem& b) {
  return a.elem_size == b.elem_size && a.rank == b.rank && a.src_offset == b.src_offset &&
         a.dst_offset == b.dst_offset && a.count == b.count &&
         std::equal(a.nodes, a.nodes + a.rank, b.nodes);
}

Problem ProblemFromLayouts(const Layout& src, const Layout& dst) {
  Problem problem;
  problem.elem_size = src.elem_size;
  problem.rank = src.rank;
  problem.count = ElementCount(src);
  // Strides that never move (an empty copy, an extent-1 dim) are unbounded by validation: the
  // problem gets 0 for them.
  const bool empty = problem.count == 0;
  for (int32_t d = 0; d < src.rank; ++d) {
    const bool moves = !empty && src.shape[d] > 1;
    problem.nodes[d] = Node{src.shape[d], moves ? src.strides[d] * src.elem_size : 0,
                            moves ? dst.strides[d] * dst.elem_size : 0};
  }
  return problem;
}

void DropUnitNodes(Problem* problem) {
  int32_t kept = 0;
  for (int32_t d = 0; d < problem->rank; ++d) {
    const Node& node = problem->nodes[d];
    if (node.n == 0) {
      problem->rank = 0;
      problem->count = 0;
      problem->src_offset = 0;
      problem->dst_offset = 0;
      return;
    }
    if (node.n != 1) {
      problem->nodes[kept++] = node;
    }
  }
  problem->rank = kept;
}

void FlipNegativeDestination(Problem* problem) {
  for (int32_t d = 0; d < problem->rank; ++d) {
    Node& node = problem->nodes[d];
    if (node.dst_stride < 0) {
      problem->src_offset += (node.n - 1) * node.src_stride;
      problem->dst_offset += (node.n - 1) * node.dst_stride;
      node.src_stride = -node.src_stride;
      node.dst_stride = -node.dst_stride;
    }
  }
}

void SortByDestinationStride(Problem* problem) {
  // A stable insertion sort: ranks are small, and std::stable_sort would allocate.
  auto outer_first = [](const Node& a, const Node& b) {
    const int64_t a_dst = std::llabs(a.dst_stride);
    const int64_t b_dst = std::llabs(b.dst_stride);
    if (a_dst != b_dst) {
      return a_dst > b_dst;
    }
    return std::llabs(a.src_stride) > std::llabs(b.src_stride);
  };
  for (int32_t i = 1; i < problem->rank; ++i) {
    const Node node = problem->nodes[i];
    int32_t j = i;
    for (; j > 0 && outer_first(node, problem->nodes[j - 1]); --j) {
      problem->nodes[j] = problem->nodes[j - 1];
    }
    problem->nodes[j] = node;
  }
}

void MergeContiguousNodes(Problem* problem) {
  if (problem->rank == 0) {
    return;
  }
  int32_t kept = 0;
  for (int32_t d = 1; d < problem->rank; ++d) {
    Node& outer = problem->nodes[kept];
    const Node& next = problem->nodes[d];
    if (outer.src_stride == next.n * next.src_stride &&
        outer.dst_stride == next.n * next.dst_stride) {
      outer = Node{outer.n * next.n, next.src_stride, next.dst_stride};
    } else {
      problem->nodes[++kept] = next;
    }
  }
  problem->rank = kept + 1;
}

Problem Canonicalize(const Layout& src, const Layout& dst) {
  Problem problem = ProblemFromLayouts(src, dst);
  DropUnitNodes(&problem);
  FlipNegativeDestination(&problem);
  SortByDestinationStride(&problem);
  MergeContiguousNodes(&problem);
  return problem;
}

size_t HashProblem(const Problem& problem) {
  uint64_t hash = 0xcbf29ce484222325ull;
  auto mix = [&hash](int64_t value) {
    hash ^= static_cast<uint64_t>(value) + 0x9e3779b97f4a7c15ull + (hash << 6) + (hash >> 2);
  };
  mix(problem.elem_size);
  mix(problem.rank);
  mix(problem.src_offset);
  mix(problem.dst_offset);
  for (int32_t d = 0; d < problem.rank; ++d) {
    mix(problem.nodes[d].n);
    mix(problem.nodes[d].src_stride);
    mix(problem.nodes[d].dst_stride);
  }
  return static_cast<size_t>(hash);
}

std::string DumpProblem(const Problem& problem) {
  std::string text = "elem " + std::to_string(problem.elem_size) + ", nodes [n:src:dst]";
  for (int32_t d = 0; d < problem.rank; ++d) {
    const Node& node = problem.nodes[d];
    text += " " + std::to_string(node.n) + ":" + std::to_string(node.src_stride) + ":" +
            std::to_string(node.dst_stride);
  }
  if (problem.rank == 0) {
    text += problem.count == 0 ? " (empty)" : " (one element)";
  }
  text += ", offsets src " + std::to_string(problem.src_offset) + " dst " +
          std::to_string(problem.dst_offset);
  return text;
}

}  // namespace ravel
