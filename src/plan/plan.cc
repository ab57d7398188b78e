#include "plan/plan.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "error.h"
#include "kernels/kernels.h"
#include "kernels/reference.h"
#include "plan/lower.h"
#include "plan/tiling.h"

namespace ravel {
namespace {

constexpr int64_t kCacheLineBytes = 64;
constexpr int64_t kMinStreamingThreshold = int64_t{4} << 20;
// At most half of a 32 MiB L3: sysconf reports a whole socket's L3 (256 MiB on this EPYC), of
// which one core complex sees 32 MiB.
constexpr int64_t kMaxStreamingThreshold = int64_t{16} << 20;
constexpr int64_t kMinStreamedRowBytes = 256;
constexpr int64_t kMaxDirectStreamRows = 256;
constexpr int64_t kMaxShortStagedSourceRowBytes = 320;
constexpr int64_t kMaxDenseDirectStreamStride = 256;
constexpr int64_t kMinStreamedRunBytes = 192;

// The bytes a canonical problem touches on one side, relative to the caller's pointer.
ByteSpan SpanOfNodes(const Problem& problem, int64_t offset, int64_t Node::*stride) {
  ByteSpan span;
  if (problem.count == 0) {
    return span;
  }
  span.lo = offset;
  span.hi = offset + problem.elem_size;
  for (int32_t d = 0; d < problem.rank; ++d) {
    const int64_t reach = (problem.nodes[d].n - 1) * (problem.nodes[d].*stride);
    (reach < 0 ? span.lo : span.hi) += reach;
  }
  return span;
}

// The ISA a request runs on: the option, else RAVEL_ISA, else the best available.
ravel_status ResolveIsa(Isa requested, Isa* isa) {
  if (requested == Isa::kAuto) {
    const char* env = IsaFromEnvironment();
    if (env == nullptr) {
      *isa = BestIsa();
      return RAVEL_OK;
    }
    if (!ParseIsa(env, &requested)) {
      return Fail(RAVEL_E_UNSUPPORTED,
                  "RAVEL_ISA=%s is not an ISA (scalar, sse4, avx2, avx512, neon, sve)", env);
    }
    if (requested == Isa::kAuto) {
      *isa = BestIsa();
      return RAVEL_OK;
    }
    if (!IsaAvailable(requested)) {
      return Fail(RAVEL_E_UNSUPPORTED, "RAVEL_ISA=%s is not available on this machine", env);
    }
    *isa = requested;
    return RAVEL_OK;
  }
  if (!IsaAvailable(requested)) {
    return Fail(RAVEL_E_UNSUPPORTED, "options->isa: %s is not available on this machine",
                IsaName(requested));
  }
  *isa = requested;
  return RAVEL_OK;
}

// The caller's choice of stores: the option, else RAVEL_STREAMING=0/1, else AUTO (the planner's).
ravel_streaming RequestedStreaming(ravel_streaming streaming) {
  if (streaming != RAVEL_STREAMING_AUTO) {
    return streaming;
  }
  static const ravel_streaming from_environment = [] {
    const char* env = std::getenv("RAVEL_STREAMING");
    if (env != nullptr && std::strcmp(env, "0") == 0) {
      return RAVEL_STREAMING_OFF;
    }
    if (env != nullptr && std::strcmp(env, "1") == 0) {
      return RAVEL_STREAMING_ON;
    }
    return RAVEL_STREAMING_AUTO;
  }();
  return from_environment;
}

constexpr int64_t kAliasingBytes = 2048;
// In-cache transposes whose destination rows are far enough off a multiple of kAliasingBytes
// walk along the source rows up to this destination size (ChooseInCacheTranspose).
constexpr int64_t kMaxSourceWalkAliasingBytes = int64_t{4} << 20;

// Bytes between a stride and the nearest multiple of kAliasingBytes.
int64_t AliasingOffsetBytes(int64_t stride_bytes) {
  const int64_t offset = std::abs(stride_bytes) % kAliasingBytes;
  return std::min(offset, kAliasingBytes - offset);
}

// Whether rows `stride_bytes` apart are within 16 B of a multiple of 2 KiB: then the lines of
// a register tile's rows share one or two sets of the L1 (and a few of the L2).
bool SetAliasingRows(int64_t stride_bytes) {
  constexpr int64_t kNearAliasingBytes = 16;
  return std::abs(stride_bytes) >= kAliasingBytes - kNearAliasingBytes &&
         AliasingOffsetBytes(stride_bytes) <= kNearAliasingBytes;
}

// Whether a transpose's destination rows follow one another, short enough for a staged block to
// take them whole: each block of rows is one run of the destination, which the staged kernel
// writes as one (TransposeContiguousBlock), whole lines streamed.
bool ContiguousDestinationRows(const Problem& problem) {
  const int32_t row = FindTransposeNode(problem);
  const int64_t row_bytes = problem.nodes[problem.rank - 1].n * problem.elem_size;
  return row >= 0 && problem.nodes[row].dst_stride == row_bytes &&
         row_bytes <= kMaxStagedTransposeWholeBytes;
}

// Whether every destination row a direct tile writes starts on a line and holds whole lines, for
// a line-aligned destination: all destination strides but the innermost, and the innermost
// node's bytes, are multiples of a line. Otherwise streamed tile rows straddle lines in some
// calls (f32 [72,3236,72].permute(2,1,0), rows of 288 B: 0.90x of regular stores).
bool WholeLineRows(const Problem& problem) {
  const Node& inner = problem.nodes[problem.rank - 1];
  if ((inner.n * problem.elem_size) % kCacheLineBytes != 0) {
    return false;
  }
  for (int32_t d = 0; d + 1 < problem.rank; ++d) {
    if (problem.nodes[d].dst_stride % kCacheLineBytes != 0) {
      return false;
    }
  }
  return true;
}

// Whether a transpose's destination rows alias (SetAliasingRows).
bool AliasingDestinationRows(const Problem& problem) {
  const int32_t row = FindTransposeNode(problem);
  return row >= 0 && SetAliasingRows(problem.nodes[row].dst_stride);
}

// Whether a transpose's rows alias on both sides (for 1- and 2-byte lanes, its destination rows
// alone): the streaming choices below weigh these with the aliasing they measured.
bool RowsAliasOnBothSides(const Problem& problem) {
  return AliasingDestinationRows(problem) &&
         (problem.elem_size < 4 || SetAliasingRows(problem.nodes[problem.rank - 1].src_stride));
}

// Whether a transpose's rows alias tightly: its destination rows (and for 4-byte and wider lanes
// its source rows) at most one element off a multiple of 2 KiB (see ChooseInCacheTranspose).
bool RowsAliasTightly(const Problem& problem) {
  const int32_t row = FindTransposeNode(problem);
  const auto tight = [&](int64_t stride) {
    return SetAliasingRows(stride) && AliasingOffsetBytes(stride) <= problem.elem_size;
  };
  return row >= 0 && tight(problem.nodes[row].dst_stride) &&
         (problem.elem_size < 4 || tight(problem.nodes[problem.rank - 1].src_stride));
}

// Whether the rows are longer than the nearest multiple of 2 KiB (not shorter, not on it).
bool LongerThanAliasingMultiple(int64_t stride_bytes) {
  const int64_t offset = std::abs(stride_bytes) % kAliasingBytes;
  return offset != 0 && offset < kAliasingBytes / 2;
}

// Whether an in-cache transpose whose rows do not alias tightly walks along its destination rows
// (see ChooseInCacheTranspose).
bool WalksDestinationInCache(const Problem& problem) {
  if (!AliasingDestinationRows(problem)) {
    return false;
  }
  const int64_t offset = AliasingOffsetBytes(problem.nodes[FindTransposeNode(problem)].dst_stride);
  const bool far_off = offset >= std::max<int64_t>(8, 4 * problem.elem_size);
  return !far_off || problem.count * problem.elem_size > kMaxSourceWalkAliasingBytes;
}

// How an in-cache (not streamed) transpose stores and walks. Where its destination rows alias
// (SetAliasingRows), a walk along the source rows writes a column of lines that share sets, each
// evicted before it is complete or soon after (0.07-0.2 of memcpy at 1-4 MiB). How close to a
// multiple of 2 KiB the rows lie decides, for 4- and 8-byte lanes (the L3-resident f32 n^2
// transposes, n = 508-516 and 1020-1028, and f64 n = 510-514, GB/s on Zen 5, one thread, `ravel
// bench` of the three plans):
// - both sides at most one element off (f32 4 B, f64 8 B): the tiles stage through the padded L1
//   buffer, which writes every line whole (1024^2 30 against 20 walking the destination rows in
//   the JIT's 8x8 tiles and 13 along the source rows; f64 512^2 34 / 24 / 20; [1023,1025].t()
//   19-20 whichever), except where Highway's tiles are a line wide (AVX-512): walking the
//   destination rows in those runs faster (paired, over staging: f32 1024^2 1.23-1.33x, 512^2
//   1.40x, [511,513].t() 1.54x, [1023,1025].t() 1.11-1.16x, [4,512,512].permute(0,2,1) 1.48x,
//   [1536,1024].t() 1.20x, f64 512^2 1.08x, [1023,1025].t() 1.60x; two threads 1.09-2.25x), unless
//   both sides are longer than the multiple (f32 1025^2 0.80x, 513^2 0.78x, f64 513^2 0.65x);
// - two to four elements off (f32 8-16 B, f64 16 B), or one element off where the source rows
//   are not: the tiles walk along the destination rows, a line of them a call (f32 510^2 52
//   against 27 staged, 1022^2 34 / 22, 1027^2 35 / 21.5, f64 514^2 57 / 28), except
// - at least 8 B and four elements off in destinations up to kMaxSourceWalkAliasingBytes: the
//   tiles walk along the source rows (f32 1020^2 56 against 43 walking the destination rows and
//   25 staged, 508^2 70 / 59 / 28; paired, 1.11-1.36x on f32 [1020,1000].t(), [2044,128].t(),
//   [516,777].t(), f16 1016^2, 1020^2, 1032^2, u8 2040^2; f16 1028^2 0.99x); from 8 MB
//   the destination walk wins ([1540,1500].t() 1.23-1.40x, [1020,2000].t() 1.25x,
//   [516,5000].t() 1.14x).
// 1- and 2-byte lanes (whose line of destination rows reads each source line two to four times)
// stage where the destination rows are at most one element off, whatever the source rows (1.3-1.8x
// on u8 4096^2 and f16 2048^2, 2.6x on bf16 [2047,2049].t(), over walking the destination rows),
// and walk along the destination rows where they are further off (f16 1022^2 4 B off 1.29x over
// staging, 1016^2 16 B off 1.70x; u8 2046^2 2 B off 1.52x, 2056^2 8 B off 1.35x; bf16
// [1,1020,40,40].permute(0,2,3,1) 1.58x), or along the source rows as above. Source rows that
// alias alone cost little (a tile reads each line whole) and staging them loses (f32
// [300,2048].t(): 0.7 -> 0.4 of memcpy).
void ChooseInCacheTranspose(const Problem& problem, Plan* plan) {
  if (RowsAliasTightly(problem)) {
    const bool both_longer =
        LongerThanAliasingMultiple(problem.nodes[FindTransposeNode(problem)].dst_stride) &&
        LongerThanAliasingMultiple(problem.nodes[problem.rank - 1].src_stride);
    if (problem.elem_size >= 4 && plan->transpose_lanes * problem.elem_size >= kCacheLineBytes &&
        !both_longer) {
      plan->transpose_walks_destination = true;
      plan->transpose_line_tiles = true;
    } else {
      plan->transpose_store = TransposeStore::kStaged;
    }
  } else if (WalksDestinationInCache(problem)) {
    plan->transpose_walks_destination = true;
  }
}

// Whether staging pays for a transpose past the streaming threshold; where it does not,
// ChooseTransposeStore streams direct tiles (4- and 8-byte lanes, rows of whole lines) and other
// transposes keep regular stores and the in-cache plan. For 1- and 2-byte lanes staging always
// pays since its prefetch goes to the L2 (12535f9): over the in-cache plan with regular stores,
// one thread, u8 8000^2 2.40x, 12000^2 1.71x, [6000,9000].t() 1.59x, f16 6000^2 1.40x,
// [6000,8192].t() 1.14x, bf16 NCHW -> NHWC with 256 channels 1.34x, NHWC -> NCHW 1.15x; two
// threads 1.37-2.74x (tools/ab.py --per-case, 3 rounds). For 4- and 8-byte lanes staged tiles
// streamed out beat the in-cache plan with regular stores (which read each destination line
// before writing it) only where rows alias and direct tiles evict their own lines: destination
// rows that alias on both sides (RowsAliasOnBothSides), where they are many (more
// than kMaxDirectStreamRows), or where they are so few that the source rows they make are at most
// five lines long (kMaxShortStagedSourceRowBytes). Measured on Zen 5, one thread, against the
// staged plan (5 rounds, before the L2 prefetch): regular stores 1.04-1.95x, median 1.43x, on f32
// 4000^2 1.95, 5000x7001 1.85, [144,384,384].permute(1,2,0) 1.85, 7264^2 1.40,
// [16,8192,n].permute(0,2,1) with n = 81 to 256 1.04-1.50; f64 [3000,4096].t() 1.85; staged and
// streamed 1.1-1.9x on f32 8192^2, [8192,6000].t(), [16384,2000].t(),
// [32,32,32,32,32].permute(4,3,2,1,0), [16,8192,n].permute(0,2,1) with n = 33 to 65, NCHW -> NHWC
// with 2048 channels and 7x7 images; f64 4096^2, [16384,480].t(). Staged in oblong tiles or
// whole sides (from DRAM, OblongStagedTile), they also beat regular stores where destination
// rows are not whole lines (tools/ab.py --per-case, against the in-cache plan, which the JIT
// ran; one / two threads): f32 7263^2 1.23 / 1.29x, [5000,7001].t() 1.23 / 1.25x,
// [72,3236,72].permute(2,1,0) (72 x 72, whole) 1.32 / 1.95x, f64 4001^2 1.17 / 1.28x.
bool StreamedStagingPays(const Problem& problem, int64_t lanes) {
  const int32_t row = FindTransposeNode(problem);
  const Node& rows = problem.nodes[row];
  const bool destination_aliases = SetAliasingRows(rows.dst_stride);
  const bool many_or_short_rows =
      rows.n > kMaxDirectStreamRows || rows.n * problem.elem_size <= kMaxShortStagedSourceRowBytes;
  return problem.elem_size < 4 || StagedColumnGroupNode(problem, lanes) >= 0 ||
         (destination_aliases && (RowsAliasOnBothSides(problem) || many_or_short_rows)) ||
         (OblongStagedTile(problem) && !WholeLineRows(problem)) ||
         (ContiguousDestinationRows(problem) &&
          problem.nodes[problem.rank - 1].n * problem.elem_size < kMinStreamedRowBytes);
}

// Non-temporal stores pay only when each store fills whole cache lines. A transpose streams its
// micro-tile rows directly when they are at least a line long, destination rows are line-aligned,
// and the lines one column of tiles writes stay few or dense, or, for 4- and 8-byte lanes, every
// destination row is whole lines (WholeLineRows) and rows do not alias on both sides nor make
// short source rows where staging pays; otherwise it stages bands and streams whole lines (or,
// destination rows under 256 B, keeps regular stores unless they follow one another).
TransposeStore ChooseTransposeStore(const Problem& problem, Isa isa) {
  const int32_t row = FindTransposeNode(problem);
  const int64_t width = problem.elem_size;
  const int64_t lanes = TransposeTileLanes(width, isa);
  const Node& rows = problem.nodes[row];
  const bool narrow = rows.n < lanes || problem.nodes[problem.rank - 1].n < lanes;
  if (StagedColumnGroupNode(problem, lanes) >= 0 && StagedTransposeKernel(isa, width) != nullptr) {
    return TransposeStore::kStaged;
  }
  // Destination rows shorter than kMinStreamedRowBytes leave partial lines at both ends of every
  // row: streaming them loses to regular stores (NHWC -> NCHW with 7x7 images: 1.4x).
  if (problem.nodes[problem.rank - 1].n * width < kMinStreamedRowBytes &&
      !(ContiguousDestinationRows(problem) && StagedTransposeKernel(isa, width) != nullptr)) {
    return TransposeStore::kRegular;
  }
  // A direct tile column reads `lanes` source rows and writes one line to each destination row
  // of the block. Measured with 16x16 f32 and 8x8 f64 tiles on Zen 5 (AVX-512), direct over
  // staged: 1.4-1.8x where the destination has at most 256 rows, a whole number of tiles
  // ([100000,128].t(), [200000,64].t(), f64 [100000,64].t()), or rows 256 B apart (NCHW -> NHWC
  // with 64 channels); 0.45-0.8x elsewhere (8192^2, 7x7 images with 2048 channels,
  // [256,50000].t()).
  // Destination rows that alias in the caches (SetAliasingRows) stage whatever their count: a
  // direct tile column evicts its own lines (f32 [128,1024,128].permute(2,1,0): 2x staged).
  // Direct tiles of 4- and 8-byte lanes (which prefetch the next call's source lines) streamed
  // on destination rows of whole lines (WholeLineRows) beat staging, and the in-cache plan with
  // regular stores, except where rows alias on both sides (RowsAliasOnBothSides; where the
  // neighbours with rows a few bytes off, 8191x8193, stage too) and where staging pays on short
  // source rows. Measured on Zen 5 (tools/ab.py --per-case, 3-4 rounds), one thread, over regular
  // stores: f32 [4000,4000].t() 2.62x, [5792,4896].t() 2.20x, 7264^2 1.75x,
  // [144,384,384].permute(1,2,0) 1.63x, [16,8192,n].permute(0,2,1) 1.24-1.55x; over staging:
  // [576,96,480].permute(2,0,1) 1.68x, [16384,2000].t() 1.24x, [8192,6000].t() 1.19x, f64
  // [16384,480].t() 1.16x; two threads 1.10-1.78x. Staged wins: source rows of 196 B
  // ([16,8192,49].permute(0,2,1) 0.74x, NCHW -> NHWC with 7x7 images 0.82x); misaligned rows
  // ([72,72,72,72].permute(3,2,1,0) 0.67x, 8191x8193 0.79x). Rows aliasing on both sides, direct:
  // 8192^2 1.13x, f64 4096^2 1.14x, [64,64,64,64].permute(0,3,2,1) 0.97x, left staged with their
  // neighbours.
  const bool whole_tiles_few_rows =
      rows.n <= kMaxDirectStreamRows && rows.n % lanes == 0 && !SetAliasingRows(rows.dst_stride);
  const bool dense_rows = rows.dst_stride <= kMaxDenseDirectStreamStride;
  const bool short_staged_rows =
      StreamedStagingPays(problem, lanes) && rows.n * width <= kMaxShortStagedSourceRowBytes;
  const bool direct_pays =
      width >= 4 && WholeLineRows(problem) && !RowsAliasOnBothSides(problem) && !short_staged_rows;
  const bool line_tiles =
      lanes * width >= kCacheLineBytes && rows.dst_stride % kCacheLineBytes == 0;
  if (narrow || (line_tiles && (whole_tiles_few_rows || dense_rows || direct_pays))) {
    return TransposeStore::kStreamDirect;
  }
  return StagedTransposeKernel(isa, width) != nullptr ? TransposeStore::kStaged
                                                      : TransposeStore::kRegular;
}

// Whether copy runs past the streaming threshold stream: runs of kShortRunWindow bytes (below
// that, several are packed a vector) to under three lines copy faster with regular stores, runs
// of three lines and more faster streamed. Measured on Zen 5, one thread (tools/ab.py --per-case,
// 5 rounds), regular over streamed: u8 [4096,1024,32].permute(1,0,2) 2.19x; 64-byte runs f32
// [16,16,16,16,16,16].permute(0,2,4,1,3,5) 1.45x, f16 [32,64,128,32].permute(0,2,1,3) 1.38x, f32
// [256,256,64,16].permute(2,0,1,3) 1.00x; 128-byte runs f32 [128,128,128,32].permute(0,2,1,3)
// 1.32x, f16 [64,128,128,64]... 1.31x. Against RAVEL_STREAMING=0, streamed runs of 192 and 256 B
// (f32 [64,256,64,48]..., [32,512,12,64]...) ran 1.32x and 1.69x faster.
bool StreamedRunsPay(const Problem& problem) {
  if (problem.rank == 0) {
    return true;
  }
  const int64_t run = problem.nodes[problem.rank - 1].n * problem.elem_size;
  return run < kShortRunWindow || run >= kMinStreamedRunBytes;
}

// The bytes the automatic streaming choice weighs. Copies other than transposes count the source
// span beside the destination: what they touch must stay in the LLC for regular stores to pay.
// Measured on Zen 5 (32 MiB L3 per core complex, shared), 12 MiB destinations streamed over regular
// stores: head merge 1.3-1.6x, slice 1.27x, reverse 1.26x, every other element 1.13x; a broadcast
// of a 1 MiB source 0.82x (it stays regular: 13 MiB); at 6 MiB copy runs 0.93x (12 MiB, regular);
// transposes whose rows alias on both sides (RowsAliasOnBothSides) f32 [2047,2049].t() 1.42x,
// [1536,2048].t() 1.35x. Other transposes count the destination alone: their streamed tiles lose to
// the direct ones in cache (f32 1500^2, 1800^2, [2000,1500] at 9-13 MiB: 0.6-0.8x).
int64_t StreamedBytes(const Plan& plan) {
  const int64_t dst_bytes = plan.problem.count * plan.problem.elem_size;
  if (plan.family == Family::kTranspose && !RowsAliasOnBothSides(plan.problem)) {
    return dst_bytes;
  }
  const int64_t src_bytes = plan.src_span.hi - plan.src_span.lo;
  return dst_bytes > INT64_MAX - src_bytes ? INT64_MAX : dst_bytes + src_bytes;
}

// Whether plan (its problem lowered, its family set) streams: as the caller asks, else past the
// streaming threshold of the bytes it touches, where streaming pays for its family.
bool ChooseStreaming(ravel_streaming requested, const Plan& plan, Isa isa) {
  const ravel_streaming streaming = RequestedStreaming(requested);
  if (plan.family == Family::kEmpty || streaming == RAVEL_STREAMING_OFF) {
    return false;
  }
  if (streaming == RAVEL_STREAMING_ON) {
    return true;
  }
  if (StreamedBytes(plan) < StreamingThreshold()) {
    return false;
  }
  if (plan.family == Family::kCopyRuns) {
    return StreamedRunsPay(plan.problem);
  }
  if (plan.family == Family::kTranspose) {
    return ChooseTransposeStore(plan.problem, isa) != TransposeStore::kStaged ||
           StreamedStagingPays(plan.problem, TransposeTileLanes(plan.problem.elem_size, isa));
  }
  return true;
}

void PlanReference(const Problem& canonical, Plan* plan) {
  plan->problem = canonical;
  plan->family = Classify(canonical);
  plan->backend = RAVEL_BACKEND_REFERENCE;
  plan->isa = Isa::kScalar;
  plan->kernel_name = "reference";
  plan->copy_range = &ReferenceCopyRange;
  plan->units = canonical.count;
}

std::string KernelName(const Plan& plan) {
  std::string name = plan.jit_code != nullptr
                         ? plan.jit_code->name()
                         : "x" + std::to_string(plan.problem.elem_size * 8) + "-" +
                               FamilyName(plan.family) + "-" + IsaName(plan.isa);
  if (plan.family == Family::kTranspose) {
    if (plan.transpose_store == TransposeStore::kStaged && plan.jit_code == nullptr) {
      name += "-staged";
    }
    name += " tile " + std::to_string(plan.block.rows) + "x" + std::to_string(plan.block.n);
    if (plan.block.row_group != 0) {
      name += ", row groups of " + std::to_string(plan.block.row_group);
    }
    if (plan.block.col_group != 0) {
      name += ", column groups of " + std::to_string(plan.block.col_group);
    }
  }
  return name;
}

}  // namespace

int64_t StreamingThreshold() {
  static const int64_t threshold = [] {
    // Source and destination share the last-level cache: from half of it on, the destination
    // would evict the source it is copied from (measured on a 32 MiB L3: 16-32 MiB transposes
    // 1.2-1.6x faster streamed).
    const long llc = sysconf(_SC_LEVEL3_CACHE_SIZE);
    const int64_t bytes = llc > 0 ? static_cast<int64_t>(llc) / 2 : kMaxStreamingThreshold;
    return std::clamp(bytes, kMinStreamingThreshold, kMaxStreamingThreshold);
  }();
  return threshold;
}

const char* BackendName(ravel_backend backend) {
  switch (backend) {
    case RAVEL_BACKEND_AUTO:
      return "auto";
    case RAVEL_BACKEND_JIT:
      return "jit";
    case RAVEL_BACKEND_HWY:
      return "hwy";
    case RAVEL_BACKEND_REFERENCE:
      return "reference";
  }
  return "unknown";
}

Family Classify(const Problem& problem) {
  if (problem.count == 0) {
    return Family::kEmpty;
  }
  if (problem.rank == 0) {
    return Family::kCopyRuns;
  }
  const int64_t elem = problem.elem_size;
  const Node& inner = problem.nodes[problem.rank - 1];
  if (inner.dst_stride != elem) {
    return Family::kGather;
  }
  if (inner.src_stride == elem) {
    return Family::kCopyRuns;
  }
  if (inner.src_stride == 0) {
    return Family::kBroadcast;
  }
  if (inner.src_stride == -elem) {
    return Family::kReverse;
  }
  return FindTransposeNode(problem) >= 0 ? Family::kTranspose : Family::kGather;
}

namespace {

// Moves a Highway plan to the JIT backend when the generator takes it: JIT forced, or AUTO
// with RAVEL_JIT not "0". A forced JIT that cannot run the plan is RAVEL_E_UNSUPPORTED; under
// AUTO any refusal or failure (generation, mapping) leaves the Highway plan as it was.
ravel_status TryJit(const PlanRequest& request, Plan* plan) {
  const bool forced = request.backend == RAVEL_BACKEND_JIT;
  if (!forced && (request.backend != RAVEL_BACKEND_AUTO || !jit::EnabledByEnvironment())) {
    return RAVEL_OK;
  }
  if (forced && !jit::Built()) {
    return Fail(RAVEL_E_UNSUPPORTED,
                "options->backend: the jit backend is not available in this build");
  }
  if (forced && !jit::EnabledByEnvironment()) {
    return Fail(RAVEL_E_UNSUPPORTED, "options->backend: jit, but RAVEL_JIT=0 disables it");
  }
  if (plan->kernel == nullptr) {
    return RAVEL_OK;  // nothing to copy: no kernel calls on any backend
  }
  // An ISA the caller named (option or RAVEL_ISA) that the generator does not emit (AVX-512 for
  // now) stays with Highway under AUTO, so the plan runs the ISA asked for.
  const bool isa_named = request.isa != Isa::kAuto || IsaFromEnvironment() != nullptr;
  if (!forced && isa_named && jit::CodeIsa(plan->isa) != plan->isa) {
    return RAVEL_OK;
  }
  std::string declined;
  std::shared_ptr<const jit::Code> code;
  std::string name;
  try {
    declined = jit::Declines(*plan, forced);
    if (declined.empty()) {
      code = jit::Compile(*plan, forced);
    }
    if (code != nullptr) {
      Plan named;
      named.problem.elem_size = plan->problem.elem_size;
      named.family = plan->family;
      named.block = plan->block;
      named.transpose_store = plan->transpose_store;
      named.jit_code = code;
      name = KernelName(named);
    }
  } catch (...) {
    if (forced) {
      throw;  // out of memory: the caller reports it
    }
    return RAVEL_OK;  // AUTO: Highway's plan, untouched
  }
  if (!declined.empty()) {
    return forced ? Fail(RAVEL_E_UNSUPPORTED, "options->backend: jit declines this copy: %s",
                         declined.c_str())
                  : RAVEL_OK;
  }
  if (code == nullptr) {
    return forced ? Fail(RAVEL_E_UNSUPPORTED,
                         "options->backend: jit could not generate or map code for this copy")
                  : RAVEL_OK;
  }
  plan->backend = RAVEL_BACKEND_JIT;
  plan->isa = jit::CodeIsa(plan->isa);
  plan->jit_entry = code->entry();
  plan->jit_code = std::move(code);
  plan->kernel_name = std::move(name);
  return RAVEL_OK;
}

}  // namespace

ravel_status BuildPlan(const Problem& canonical, const PlanRequest& request, Plan* plan) {
  Plan built;
  built.src_span = SpanOfNodes(canonical, canonical.src_offset, &Node::src_stride);
  built.dst_span = SpanOfNodes(canonical, canonical.dst_offset, &Node::dst_stride);
  RowsKernel kernel = nullptr;
  Isa isa = Isa::kScalar;
  Problem lowered = canonical;
  if (request.backend != RAVEL_BACKEND_REFERENCE) {
    RAVEL_RETURN_IF_ERROR(ResolveIsa(request.isa, &isa));
    LowerForKernels(&lowered);
    kernel = HwyKernel(Classify(lowered), lowered.elem_size, isa);
    if (kernel == nullptr && request.backend != RAVEL_BACKEND_AUTO && lowered.count > 0) {
      return Fail(RAVEL_E_UNSUPPORTED, "options->backend: no %s kernel for this copy",
                  BackendName(request.backend));
    }
  }
  if (kernel == nullptr) {
    PlanReference(canonical, &built);
  } else {
    built.problem = lowered;
    built.family = Classify(lowered);
    built.backend = RAVEL_BACKEND_HWY;
    built.isa = isa;
    built.kernel = kernel;
    const bool stream = ChooseStreaming(request.streaming, built, isa);
    if (built.family == Family::kTranspose) {
      built.transpose_lanes = TransposeTileLanes(lowered.elem_size, isa);
      if (stream) {
        built.transpose_store = ChooseTransposeStore(lowered, isa);
        built.transpose_walks_destination = built.transpose_store == TransposeStore::kStaged &&
                                            StagedWalksDestination(lowered, built.transpose_lanes);
      } else {
        ChooseInCacheTranspose(lowered, &built);
      }
      if (built.transpose_store == TransposeStore::kStaged) {
        built.kernel = StagedTransposeKernel(isa, lowered.elem_size);
        if (built.kernel == nullptr) {
          built.transpose_store = TransposeStore::kRegular;
          built.kernel = kernel;
        }
      }
    }
    LayOutLoops(&built);
    built.prefetch_next_block = built.family == Family::kTranspose && SourceFromDram(lowered);
    built.block.stream = stream && (built.family != Family::kTranspose ||
                                    built.transpose_store != TransposeStore::kRegular);
    built.kernel_name = KernelName(built);
    RAVEL_RETURN_IF_ERROR(TryJit(request, &built));
  }
  PartitionTasks(request.max_threads, &built);
  *plan = std::move(built);
  return RAVEL_OK;
}

std::string DescribePlan(const Plan& plan) {
  std::string text = "problem: " + DumpProblem(plan.problem) +
                     "; family: " + FamilyName(plan.family) + "; kernel: " + plan.kernel_name +
                     "; backend: " + BackendName(plan.backend) + "; isa: " + IsaName(plan.isa);
  if (plan.kernel != nullptr) {
    text += "; streaming: ";
    text += plan.block.stream ? "on" : "off";
  }
  if (plan.loop_count > 0) {
    text += "; loops [count:src:dst]";
    for (int32_t l = 0; l < plan.loop_count; ++l) {
      const Loop& loop = plan.loops[l];
      text += " " + std::to_string(loop.count) + ":" + std::to_string(loop.src_step) + ":" +
              std::to_string(loop.dst_step);
      if (l == plan.row_tile_loop) {
        text += "(row tiles)";
      } else if (l == plan.col_tile_loop) {
        text += "(column tiles)";
      }
    }
  }
  text += "; threads: " + std::to_string(plan.threads) +
          "; tasks: " + std::to_string(plan.task_count) + " x " +
          std::to_string(plan.units_per_task) + (plan.kernel != nullptr ? " calls" : " elements");
  return text;
}

}  // namespace ravel
