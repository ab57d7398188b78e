// The canonical copy problem: the loop nest that remains after size-1 dims are dropped,
// destination-negative dims are flipped, dims are sorted by destination stride and merged.
#ifndef RAVEL_SRC_PLAN_PROBLEM_H_
#define RAVEL_SRC_PLAN_PROBLEM_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "layout.h"

namespace ravel {

// One loop of the nest: extent and byte strides in the source and the destination.
struct Node {
  int64_t n = 1;
  int64_t src_stride = 0;
  int64_t dst_stride = 0;
};

inline bool operator==(const Node& a, const Node& b) {
  return a.n == b.n && a.src_stride == b.src_stride && a.dst_stride == b.dst_stride;
}

// nodes[0] is the outermost loop, nodes[rank - 1] the innermost (smallest destination stride).
// src_offset and dst_offset (bytes) move the caller's pointers to the first element visited.
struct Problem {
  int64_t elem_size = 1;
  int32_t rank = 0;
  Node nodes[RAVEL_MAX_RANK + 1];  // one spare for an element split into a run
  int64_t src_offset = 0;
  int64_t dst_offset = 0;
  int64_t count = 1;  // elements; 0 for an empty copy
};

bool operator==(const Problem& a, const Problem& b);

// Pairs the dims of two validated layouts of one shape into nodes (bytes), in the given order.
Problem ProblemFromLayouts(const Layout& src, const Layout& dst);

// Removes nodes of extent 1; an extent-0 node empties the whole problem (rank 0, count 0).
void DropUnitNodes(Problem* problem);

// Reverses every node whose destination stride is negative, moving both offsets to its far end.
void FlipNegativeDestination(Problem* problem);

// Orders nodes by decreasing |destination stride|, ties by decreasing |source stride|.
void SortByDestinationStride(Problem* problem);

// Folds each node into its outer neighbour when both strides continue it exactly.
void MergeContiguousNodes(Problem* problem);

// All of the above in order: the one form that plans, caches and kernels see.
Problem Canonicalize(const Layout& src, const Layout& dst);

// Hash of every field, for the plan cache.
size_t HashProblem(const Problem& problem);

// "elem 4, nodes [n:src:dst] 8:4:32 8:32:4, offsets src 0 dst 0" (strides in bytes).
std::string DumpProblem(const Problem& problem);

}  // namespace ravel

#endif  // RAVEL_SRC_PLAN_PROBLEM_H_
