// The immutable plan: a canonical problem, its kernel family, the backend and kernel chosen,
// the driver's loop nest around the kernel, and how the work splits into tasks: contiguous
// ranges of the loop nest's kernel calls, which write disjoint sets of elements.
#ifndef RAVEL_SRC_PLAN_PLAN_H_
#define RAVEL_SRC_PLAN_PLAN_H_

#include <cstdint>
#include <memory>
#include <string>

#include "jit/jit.h"
#include "kernels/family.h"
#include "kernels/isa.h"
#include "layout.h"
#include "plan/problem.h"
#include "ravel/ravel.h"

namespace ravel {

// The family of a canonical problem, decided by its innermost node.
Family Classify(const Problem& problem);

// Copies elements [begin, end) of a problem's canonical order; pointers include the offsets.
using CopyRangeFn = void (*)(const Problem& problem, const char* src, char* dst, int64_t begin,
                             int64_t end);

// Destination bytes below which a copy stays on the calling thread, and per extra thread.
constexpr int64_t kBytesPerThread = int64_t{256} << 10;

// One loop of the driver around the kernel, outermost first. Tiled loops step over tiles of a
// node; the kernel call at the last tile gets the remainder.
struct Loop {
  int64_t count = 1;     // iterations
  int64_t src_step = 0;  // bytes per iteration
  int64_t dst_step = 0;
};

// What the caller asked for, resolved: backend, ISA, threads, streaming.
struct PlanRequest {
  ravel_backend backend = RAVEL_BACKEND_AUTO;
  Isa isa = Isa::kAuto;
  int32_t max_threads = 1;
  ravel_streaming streaming = RAVEL_STREAMING_AUTO;
};

// How a transpose stores: regular stores, streamed micro-tile rows, or whole lines from a staging
// buffer (streamed when the plan streams).
enum class TransposeStore { kRegular, kStreamDirect, kStaged };

struct Plan {
  Problem problem;  // canonical; for kernels also lowered to a kernel width
  Family family = Family::kEmpty;
  ravel_backend backend = RAVEL_BACKEND_REFERENCE;
  Isa isa = Isa::kScalar;
  std::string kernel_name = "reference";

  // Reference backend: element ranges of the canonical order.
  CopyRangeFn copy_range = nullptr;

  // Kernel backends: loops[0..loop_count) drive one kernel call per innermost iteration.
  RowsKernel kernel = nullptr;
  TransposeStore transpose_store = TransposeStore::kRegular;
  int64_t transpose_lanes = 1;  // the transpose micro-tile edge on the plan's ISA
  // The transpose's calls walk along its destination rows instead of its source rows: direct
  // tiles a line of a few destination rows each, for destination rows that alias in the caches;
  // staged blocks one after another along the same destination rows (StagedWalksDestination).
  bool transpose_walks_destination = false;
  // The walk along the destination rows runs Highway's tiles, a whole line of each destination
  // row, where rows alias tightly on both sides (ChooseInCacheTranspose): the JIT calls them.
  bool transpose_line_tiles = false;
  // The JIT's direct transpose tiles prefetch the next call's source rows into the L2 as they go
  // (the destination is past the streaming threshold: the source comes from DRAM).
  bool prefetch_next_block = false;
  RowsArgs block;  // a full tile; edge tiles get fewer rows / columns
  int32_t loop_count = 0;
  Loop loops[RAVEL_MAX_RANK + 2];
  int32_t row_tile_loop = -1;  // the loop over row tiles, -1 if rows are not tiled
  int32_t col_tile_loop = -1;  // the loop over column tiles, -1 if columns are not tiled
  int64_t rows_extent = 1;     // the row node's extent (edge tiles take the rest)
  int64_t cols_extent = 1;     // the column node's extent
  // Row tiles that run down the source are walked up it: the loop starts at its last tile (the
  // short edge, when there is one), whose bytes lie these offsets from the problem's.
  bool row_tiles_backward = false;
  int64_t walk_src_offset = 0;
  int64_t walk_dst_offset = 0;

  // JIT backend: the generated loop nest + kernel of a task's calls (replaces RunKernelCalls and
  // `kernel`, which stays as Highway's equivalent); null on the other backends.
  std::shared_ptr<const jit::Code> jit_code;
  jit::TaskEntry jit_entry = nullptr;

  // Work units (elements for the reference, kernel calls otherwise) split into tasks.
  int64_t units = 0;
  int64_t units_per_task = 0;
  int64_t task_count = 0;
  int32_t threads = 1;  // never more than asked for

  ByteSpan src_span;  // bytes read, relative to the caller's src pointer
  ByteSpan dst_span;  // bytes written, relative to the caller's dst pointer
};

// Plans a canonical problem. RAVEL_E_UNSUPPORTED if a forced backend or ISA is not available.
ravel_status BuildPlan(const Problem& problem, const PlanRequest& request, Plan* plan);

// One line: canonical problem, family, kernel, tiles, backend, ISA, streaming, the driver's loops
// (outermost first, tile loops named), threads, tasks.
std::string DescribePlan(const Plan& plan);

// "auto", "jit", "hwy", "reference".
const char* BackendName(ravel_backend backend);

// Destination bytes from which AUTO streaming uses non-temporal stores.
int64_t StreamingThreshold();

}  // namespace ravel

#endif  // RAVEL_SRC_PLAN_PLAN_H_
