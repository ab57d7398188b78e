#include "jit/plan_generator.h"

#include <string.h>

#include <algorithm>
#include <cstddef>
#include <vector>

#include "kernels/kernels.h"

namespace ravel {
namespace jit {
namespace {

constexpr int64_t kVectorBytes = 32;         // one ymm register
constexpr int64_t kLineBytes = 64;           // a cache line
constexpr int64_t kUnrolledRows = 8;         // rows unrolled in a body before it loops
constexpr int64_t kUnrolledElements = 64;    // element moves unrolled before a loop
constexpr int64_t kElementLoopUnroll = 8;    // element moves per iteration of a loop
constexpr int64_t kElementTemps = 5;         // loads in flight before their stores (reg_temps)
constexpr int64_t kInlineCopyBytes = 256;    // contiguous bytes copied without a loop
constexpr int64_t kLoopCopyBytes = 128;      // bytes per iteration of a copy loop
constexpr int64_t kLibraryCopyBytes = 1024;  // runs at least this long call memcpy (as Highway)
constexpr int64_t kMinStreamedBytes = 3 * kLineBytes;  // always two whole lines at any alignment
// The generator's element-by-element bodies beat Highway's gathers only up to this many bytes
// (measured: 2x at 12-16 KiB), and transposes narrower than a register tile up to this many
// elements (Highway's interleaved loads / stores win above, 2x at 588 bytes).
constexpr int64_t kMaxElementwiseBytes = int64_t{64} << 10;
constexpr int64_t kMaxNarrowTransposeElements = 64;
constexpr int64_t kMinHighwayByteTransposeBytes = 2048;
// Stepped transposes Highway takes: steps of 2 to 4 elements (which its vector or 128-bit row
// gathers serve on every target from 17 elements a run), both sides more than a tile.
constexpr int64_t kMaxSteppedTransposeStep = 4;
constexpr int64_t kMinSteppedTransposeExtent = 17;
constexpr int64_t kMinHighwayShortRunBytes = 768;
// Whole problems up to this many bytes on each side (and at least a vector) run as one
// permutation in registers (PlanGenerator::PlanPermutation).
constexpr int64_t kMaxPermutationBytes = 4 * kVectorBytes;
constexpr int64_t kStreamPrefetchBytes = 2048;
constexpr int64_t kUnrolledVectors = 16;  // vector stores unrolled before a loop

bool IsVectorTranspose(const Plan& plan, int64_t rows, int64_t n, int64_t* lanes) {
  const int64_t width = plan.problem.elem_size;
  *lanes = width == 8 ? 4 : width <= 4 ? 8 : 0;
  return plan.family == Family::kTranspose && *lanes > 0 && rows >= *lanes && n >= *lanes;
}

}  // namespace

std::string PlanGenerator::Applicable(const Plan& plan) {
  if (plan.kernel == nullptr || plan.family == Family::kEmpty || plan.units == 0) {
    return "the plan has no kernel calls";
  }
  const int64_t width = plan.problem.elem_size;
  if (width != 1 && width != 2 && width != 4 && width != 8 && width != 16) {
    return "element width " + std::to_string(width) + " is not a kernel width";
  }
  if (plan.loop_count < 0 || plan.loop_count > RAVEL_MAX_RANK + 2) {
    return "bad loop count";
  }
  if (plan.block.col_group != 0 || plan.block.row_group != 0) {
    return "its rows or columns come in groups, which only Highway's staged transpose reads";
  }
  return "";
}

std::string PlanGenerator::HighwayBodyFaster(const Plan& plan) {
  if ((plan.block.stream && plan.family != Family::kCopyRuns) ||
      plan.transpose_store == TransposeStore::kStaged) {
    return "Highway's streaming kernels (staged transposes, whole-line stores) are faster";
  }
  if (plan.transpose_line_tiles) {
    return "Highway's tiles write a whole line of each destination row that aliases on both "
           "sides";
  }
  const int64_t bytes = plan.problem.count * plan.problem.elem_size;
  const int64_t width = plan.problem.elem_size;
  if (plan.family == Family::kTranspose && plan.block.src_row_stride != width) {
    return "the transpose's source rows run backwards: Highway's tiles take each block turned "
           "round";
  }
  if (plan.family == Family::kGather && bytes > kMaxElementwiseBytes) {
    return "Highway's vector gathers are faster for this large copy";
  }
  const RowsArgs& block = plan.block;
  const int64_t vector_lanes = kVectorBytes / width;
  // Highway keeps the even lanes of two vectors, de-interleaves three or four, permutes the lanes
  // of 5-8 vectors of 4-byte elements, or shuffles 1- and 2-byte elements out of 5-16 blocks of
  // 16 bytes (kernels/gather.cc): 1.2-5x faster than element moves from two vectors a row on
  // (measured at 3-16 KiB; for 8-byte elements at stride 2 and from stride 5 the two are even),
  // the shuffles 1.1-2.4x from 16 bytes a row on.
  const int64_t step = block.src_stride % width == 0 ? block.src_stride / width : 0;
  const bool permuted = width == 4 && step >= 5 && step <= 8;
  const bool shuffled = width <= 2 && step >= 5 && step * width <= 16 && block.n * width > 16;
  if (plan.family == Family::kGather && block.dst_stride == width &&
      (shuffled || (((step == 2 && width <= 4) || step == 3 || step == 4 || permuted) &&
                    block.n >= 2 * vector_lanes))) {
    return "Highway's vector gathers of every 2nd to 4th element (5th to 8th of 4 bytes, up to "
           "16 bytes apart of 1 and 2) are faster";
  }
  // Stepped transposes (x[::2, ::2].t()): Highway gathers each source row's stepped run into an
  // L1 tile and transposes it (kernels/gather.cc: GatherTransposed), where the generator moves
  // elements a line apart: 5-15x from 256 KiB (f32, f16, u8, steps 2 and 3), 1.7-4x at
  // 16-64 KiB (f32 [128,128][::2, ::2].t(), u8, f16, f64 [:, ::2].t()), even at 4 KiB.
  const int64_t row_step = block.src_row_stride % width == 0 ? block.src_row_stride / width : 0;
  const int64_t row_span = row_step < 0 ? -row_step : row_step;
  if (plan.family == Family::kGather && block.dst_stride == width && row_span >= 2 &&
      row_span <= kMaxSteppedTransposeStep && block.n >= kMinSteppedTransposeExtent &&
      block.rows >= kMinSteppedTransposeExtent) {
    return "Highway's stepped transposes (a tile of stepped runs, transposed) are faster";
  }
  // Highway's narrow transposes (kernels/transpose.cc: Deinterleave, Interleave): 2-4 rows or
  // columns packed in one stream, the other side at least a vector (32 bytes) long.
  // 5-7 byte planes from dense pixels: Highway's tiles (DeinterleaveNarrow) 1.2-1.6x the
  // generator's element moves (u8 [20000,6].t() and [2000000,6].t()).
  const int64_t max_deinterleave_rows = width == 1 ? 7 : 4;
  const bool deinterleave = block.rows >= 2 && block.rows <= max_deinterleave_rows &&
                            block.src_stride == block.rows * width && block.n >= vector_lanes;
  const bool interleave = block.n >= 2 && block.n <= 4 && block.dst_row_stride == block.n * width &&
                          block.rows >= vector_lanes;
  const int64_t tile = width == 8 ? 4 : 8;
  const bool narrow_transpose = plan.family == Family::kTranspose && width <= 8 &&
                                (block.rows < tile || block.n < tile) &&
                                (deinterleave || interleave);
  if (narrow_transpose && plan.problem.count > kMaxNarrowTransposeElements) {
    return "Highway's interleaved loads and stores are faster for this narrow transpose";
  }
  // Highway's byte tiles are 16 x 32 on AVX2 against the generator's 8 x 8: 1.2-1.5x from
  // 4 KiB on (measured 63x65 to 1024x1024); below about 1 KiB the generator's exact code wins.
  if (plan.family == Family::kTranspose && width == 1 && block.rows >= 16 && block.n >= 16 &&
      bytes >= kMinHighwayByteTransposeBytes) {
    return "Highway's 16-row byte tiles are faster for this transpose";
  }
  // Highway packs short runs two or more per 16-byte window (kernels/copy_runs.cc:
  // CopyShortRuns): 1.8-4.7x the generator's element moves from 256 runs on (u8 3 of 4, 7 of 8);
  // one run per window is no faster than the moves.
  const int64_t run = block.n * width;
  if (plan.family == Family::kCopyRuns && block.dst_row_stride == run &&
      ShortRunsPerWindow(run, block.src_row_stride) >= 2 && bytes >= kMinHighwayShortRunBytes) {
    return "Highway packs these short runs several per vector";
  }
  return "";
}

std::string PlanGenerator::KernelName(const Plan& plan) {
  const int64_t width = plan.problem.elem_size;
  std::string name = "x" + std::to_string(width * 8) + "-" + FamilyName(plan.family);
  int64_t lanes = 0;
  if (!HighwayBodyFaster(plan).empty()) {
    name += "-calls-hwy";
  } else if (IsVectorTranspose(plan, plan.block.rows, plan.block.n, &lanes)) {
    name += "-" + std::to_string(lanes) + "x" + std::to_string(lanes);
  } else if (plan.family == Family::kTranspose) {
    name += "-elements";
  }
  return name + "-avx2";
}

void PlanGenerator::Generate() {
  const int32_t loops = plan_.loop_count;
  kernel_args_offset_ = loops * 8;
  Prologue(static_cast<size_t>(loops) * 8 + (calls_kernel_ ? sizeof(RowsArgs) : 0));
  SaveRegister(reg_unit_src);
  SaveRegister(reg_unit_dst);
  SaveRegister(reg_left);
  // Arguments (TaskArgs through abi_param1).
  mov(reg_unit_src, ptr[reg_param + offsetof(TaskArgs, src)]);
  mov(reg_unit_dst, ptr[reg_param + offsetof(TaskArgs, dst)]);
  mov(reg_left, ptr[reg_param + offsetof(TaskArgs, end)]);
  mov(reg_scratch, ptr[reg_param + offsetof(TaskArgs, begin)]);
  Xbyak::Label done;
  sub(reg_left, reg_scratch);
  jle(done, T_NEAR);
  if (PlanPermutation()) {
    // A task of the whole problem runs it as one permutation; any other range of kernel calls
    // (a caller's chunking) runs the loop nest.
    Xbyak::Label nest;
    if (plan_.units > 1) {
      test(reg_scratch, reg_scratch);
      jnz(nest, T_NEAR);
      cmp(reg_left, static_cast<int32_t>(plan_.units));
      jne(nest, T_NEAR);
    }
    PermutationBody();
    if (plan_.units > 1) {
      jmp(done, T_NEAR);
      L(nest);
      LoopNest(done);
    }
  } else {
    LoopNest(done);
  }
  L(done);
  if (streamed_) {
    sfence();
  }
  Epilogue();
  EmitTables();
}

// The plan's loop nest (an odometer entered at kernel call `begin`), its bodies, and `done` when
// the task's calls are over.
void PlanGenerator::LoopNest(const Xbyak::Label& done) {
  const int32_t loops = plan_.loop_count;
  if (loops > 0) {
    DecomposeBegin();
  }

  // One body per tile-edge variant: the last row tile and the last column tile may be short.
  const RowsArgs& block = plan_.block;
  const int64_t row_loop = plan_.row_tile_loop;
  const int64_t col_loop = plan_.col_tile_loop;
  const int64_t edge_rows = row_loop >= 0
                                ? plan_.rows_extent - (plan_.loops[row_loop].count - 1) * block.rows
                                : block.rows;
  const int64_t edge_n =
      col_loop >= 0 ? plan_.cols_extent - (plan_.loops[col_loop].count - 1) * block.n : block.n;
  const bool row_edge = edge_rows != block.rows;
  const bool col_edge = edge_n != block.n;

  Xbyak::Label unit;
  Xbyak::Label next;
  L(unit);
  const auto column_variants = [&](int64_t rows) {
    if (!col_edge) {
      Body(rows, block.n);
      return;
    }
    Xbyak::Label full;
    mov(reg_scratch, plan_.loops[col_loop].count - 1);
    cmp(qword[rsp + static_cast<int32_t>(col_loop * 8)], reg_scratch);
    jne(full, T_NEAR);
    Body(rows, edge_n);
    jmp(next, T_NEAR);
    L(full);
    Body(rows, block.n);
  };
  if (row_edge) {
    Xbyak::Label full_rows;
    mov(reg_scratch, plan_.row_tiles_backward ? 0 : plan_.loops[row_loop].count - 1);
    cmp(qword[rsp + static_cast<int32_t>(row_loop * 8)], reg_scratch);
    jne(full_rows, T_NEAR);
    column_variants(edge_rows);
    jmp(next, T_NEAR);
    L(full_rows);
  }
  column_variants(block.rows);

  // The odometer: the innermost loop advances; a loop that wraps carries into its parent.
  L(next);
  dec(reg_left);
  jz(done, T_NEAR);
  for (int32_t l = loops - 1; l >= 0; --l) {
    const Loop& loop = plan_.loops[l];
    const Xbyak::Address index = qword[rsp + l * 8];
    AddImm(reg_unit_src, loop.src_step, reg_scratch);
    AddImm(reg_unit_dst, loop.dst_step, reg_scratch);
    inc(index);
    mov(reg_scratch, loop.count);
    cmp(index, reg_scratch);
    jl(unit, T_NEAR);
    mov(index, 0);
    AddImm(reg_unit_src, -loop.count * loop.src_step, reg_scratch);
    AddImm(reg_unit_dst, -loop.count * loop.dst_step, reg_scratch);
  }
  jmp(unit, T_NEAR);  // not reached: the task ends before the outermost loop wraps
}

// Constants the bodies read rip-relative, after the code.
void PlanGenerator::EmitTables() {
  if (!permutation_table_bytes_.empty()) {
    align(32);
    L(permutation_table_);
    for (uint8_t value : permutation_table_bytes_) {
      db(value);
    }
  }
  if (needs_reverse_mask_) {
    align(32);
    L(reverse_mask_);
    // Within each 16-byte lane: bytes reversed (width 1) or 2-byte pairs reversed (width 2).
    for (int half = 0; half < 2; ++half) {
      for (int i = 0; i < 16; ++i) {
        const int from = width_ == 1 ? 15 - i : 14 - (i & ~1) + (i & 1);
        db(static_cast<uint8_t>(from));
      }
    }
  }
}

// index[l] = begin's digits in the loops' mixed radix (innermost fastest); pointers advanced.
void PlanGenerator::DecomposeBegin() {
  const int32_t loops = plan_.loop_count;
  for (int32_t l = 0; l < loops; ++l) {
    mov(qword[rsp + l * 8], 0);
  }
  Xbyak::Label zero;
  test(reg_scratch, reg_scratch);
  jz(zero, T_NEAR);
  for (int32_t l = loops - 1; l >= 0; --l) {
    const Loop& loop = plan_.loops[l];
    xor_(edx, edx);
    mov(rcx, loop.count);
    div(rcx);  // rax = quotient, rdx = this loop's index
    mov(qword[rsp + l * 8], rdx);
    mov(r8, loop.src_step);
    imul(r8, rdx);
    add(reg_unit_src, r8);
    mov(r8, loop.dst_step);
    imul(r8, rdx);
    add(reg_unit_dst, r8);
  }
  L(zero);
}

template <class RowFn>
void PlanGenerator::ForRows(int64_t rows, int64_t unroll, RowFn&& row) {
  const int64_t src_row = plan_.block.src_row_stride;
  const int64_t dst_row = plan_.block.dst_row_stride;
  if (rows <= unroll && FitsInt32((rows - 1) * src_row) && FitsInt32((rows - 1) * dst_row)) {
    for (int64_t r = 0; r < rows; ++r) {
      row(Ptr{reg_unit_src, r * src_row}, Ptr{reg_unit_dst, r * dst_row});
    }
    return;
  }
  Xbyak::Label top;
  SaveRowRegisters();
  mov(reg_row_src, reg_unit_src);
  mov(reg_row_dst, reg_unit_dst);
  mov(reg_rows, rows);
  L(top);
  row(Ptr{reg_row_src, 0}, Ptr{reg_row_dst, 0});
  AddImm(reg_row_src, src_row, reg_scratch);
  AddImm(reg_row_dst, dst_row, reg_scratch);
  dec(reg_rows);
  jnz(top, T_NEAR);
}

void PlanGenerator::Body(int64_t rows, int64_t n) {
  if (rows <= 0 || n <= 0) {
    return;
  }
  if (calls_kernel_) {
    KernelCallBody(rows, n);
    return;
  }
  int64_t lanes = 0;
  switch (plan_.family) {
    case Family::kCopyRuns:
      CopyRunsBody(rows, n);
      return;
    case Family::kBroadcast:
      BroadcastBody(rows, n);
      return;
    case Family::kReverse:
      ReverseBody(rows, n);
      return;
    case Family::kTranspose:
      if (IsVectorTranspose(plan_, rows, n, &lanes)) {
        TransposeBody(rows, n, lanes);
        return;
      }
      if (plan_.prefetch_next_block && n <= kUnrolledElements) {
        TransposeElementsBody(rows, n);
        return;
      }
      break;
    default:
      break;
  }
  ElementsBody(rows, n, plan_.block.src_stride, plan_.block.dst_stride);
}

bool PlanGenerator::PrefetchesNextCall(int64_t n) const {
  const int64_t next = plan_.block.next_src_offset;
  const int64_t reach = (n - 1) * plan_.block.src_stride;
  return plan_.prefetch_next_block && next != 0 && FitsInt32(next + std::min<int64_t>(0, reach)) &&
         FitsInt32(next + std::max<int64_t>(0, reach));
}

// A DRAM-sized transpose element by element (16-byte elements): each destination row's elements,
// then a prefetch of the next call's source rows at the same columns (TransposeBody's).
void PlanGenerator::TransposeElementsBody(int64_t rows, int64_t n) {
  const int64_t src_stride = plan_.block.src_stride;
  const int64_t next = plan_.block.next_src_offset;
  const bool prefetch = PrefetchesNextCall(n);
  const int64_t row_unroll = std::max<int64_t>(1, std::min(kUnrolledRows, kUnrolledElements / n));
  ForRows(rows, row_unroll, [&](const Ptr& src, const Ptr& dst) {
    MoveElements(src, dst, n, src_stride, plan_.block.dst_stride);
    if (prefetch) {
      for (int64_t j = 0; j < n; ++j) {
        prefetcht1(ptr[Exp(src.At(next + j * src_stride))]);
      }
    }
  });
}

// Whether the whole problem is one small permutation: a dense destination
// of one to four vectors, a source span of at most four vectors. 4- and 8-byte elements move as
// dwords between 32-byte vectors (vpermd, vpblendd); 1- and 2-byte elements as bytes from 16-byte
// blocks broadcast to both lanes (vpshufb, vpor). Fills the permutation_ members; the last source
// piece and the last destination vector overlap their predecessors, so that nothing outside the
// views is read or written.
bool PlanGenerator::PlanPermutation() {
  const Problem& problem = plan_.problem;
  const int64_t bytes = problem.count * width_;
  if (width_ > 8 || bytes < kVectorBytes || bytes > kMaxPermutationBytes) {
    return false;
  }
  permute_bytes_ = width_ <= 2;
  const int64_t unit = permute_bytes_ ? 1 : 4;  // bytes a lane moves
  const int64_t piece = permute_bytes_ ? kVectorBytes / 2 : kVectorBytes;
  // Each destination lane's source byte offset, by a mixed-radix walk of the nodes.
  std::vector<int64_t> source_of(static_cast<size_t>(bytes / unit), INT64_MIN);
  int64_t lo = INT64_MAX;
  int64_t hi = INT64_MIN;
  int64_t index[RAVEL_MAX_RANK + 1] = {};
  for (int64_t e = 0; e < problem.count; ++e) {
    int64_t src = 0;
    int64_t dst = 0;
    for (int32_t d = 0; d < problem.rank; ++d) {
      src += index[d] * problem.nodes[d].src_stride;
      dst += index[d] * problem.nodes[d].dst_stride;
    }
    if (dst < 0 || dst + width_ > bytes || dst % width_ != 0 || src % unit != 0 ||
        source_of[static_cast<size_t>(dst / unit)] != INT64_MIN) {
      return false;  // not a dense destination
    }
    for (int64_t k = 0; k < width_ / unit; ++k) {
      source_of[static_cast<size_t>(dst / unit + k)] = src + unit * k;
    }
    lo = std::min(lo, src);
    hi = std::max(hi, src + width_);
    for (int32_t d = problem.rank - 1; d >= 0; --d) {
      if (++index[d] < problem.nodes[d].n) {
        break;
      }
      index[d] = 0;
    }
  }
  if (hi - lo < piece || hi - lo > kMaxPermutationBytes) {
    return false;
  }
  for (int64_t offset = lo; offset < hi; offset += piece) {
    permutation_sources_.push_back(std::min(offset, hi - piece));
  }
  const int64_t lanes = kVectorBytes / unit;
  for (int64_t offset = 0; offset < bytes; offset += kVectorBytes) {
    PermutationVector vector;
    vector.dst_offset = std::min(offset, bytes - kVectorBytes);
    std::vector<std::vector<uint8_t>> indices;  // per step: lanes x unit bytes
    for (int64_t lane = 0; lane < lanes; ++lane) {
      const int64_t src = source_of[static_cast<size_t>(vector.dst_offset / unit + lane)];
      int32_t source = 0;
      while (src >= permutation_sources_[source] + piece) {
        ++source;
      }
      size_t step = 0;
      while (step < vector.steps.size() && vector.steps[step].source != source) {
        ++step;
      }
      if (step == vector.steps.size()) {
        vector.steps.push_back(PermutationStep{source, 0, 0});
        // vpshufb zeroes lanes whose index has the top bit set: those other steps supply.
        indices.emplace_back(static_cast<size_t>(kVectorBytes), permute_bytes_ ? 0x80 : 0);
      }
      vector.steps[step].lanes |= 1u << lane;
      const int64_t within = (src - permutation_sources_[source]) / unit;
      if (permute_bytes_) {
        indices[step][static_cast<size_t>(lane)] = static_cast<uint8_t>(within);
      } else {
        for (int64_t k = 0; k < 4; ++k) {
          indices[step][static_cast<size_t>(4 * lane + k)] =
              static_cast<uint8_t>((static_cast<uint64_t>(within) >> (8 * k)) & 0xFF);
        }
      }
    }
    for (size_t step = 0; step < vector.steps.size(); ++step) {
      vector.steps[step].table_offset = static_cast<int32_t>(permutation_table_bytes_.size());
      permutation_table_bytes_.insert(permutation_table_bytes_.end(), indices[step].begin(),
                                      indices[step].end());
    }
    permutation_.push_back(vector);
  }
  return true;
}

// The permutation PlanPermutation planned: every source piece loaded, then each destination
// vector assembled and stored. All loads precede all stores, so none waits behind a store that
// aliases it in the low 12 bits.
void PlanGenerator::PermutationBody() {
  for (size_t v = 0; v < permutation_sources_.size(); ++v) {
    const Xbyak::Address source = ptr[Exp(Ptr{reg_unit_src, permutation_sources_[v]})];
    if (permute_bytes_) {
      vbroadcasti128(Xbyak::Ymm(static_cast<int>(v)), source);
    } else {
      vmovdqu(Xbyak::Ymm(static_cast<int>(v)), source);
    }
  }
  const Xbyak::Ymm result = ymm8;
  const Xbyak::Ymm indices = ymm9;
  const Xbyak::Ymm part = ymm10;
  for (const PermutationVector& vector : permutation_) {
    for (size_t k = 0; k < vector.steps.size(); ++k) {
      const PermutationStep& step = vector.steps[k];
      vmovdqu(indices, ptr[rip + permutation_table_ + step.table_offset]);
      const Xbyak::Ymm source(step.source);
      const Xbyak::Ymm to = k == 0 ? result : part;
      if (permute_bytes_) {
        vpshufb(to, source, indices);
      } else {
        vpermd(to, indices, source);
      }
      if (k > 0) {
        if (permute_bytes_) {
          vpor(result, result, part);
        } else {
          vpblendd(result, result, part, static_cast<uint8_t>(step.lanes));
        }
      }
    }
    vmovdqu(ptr[Exp(Ptr{reg_unit_dst, vector.dst_offset})], result);
  }
}

// plan.kernel(args, src, dst) for this block: the RowsArgs that Highway's driver would pass
// (kernels/.. RunKernelCalls), written into the frame with the block's edges as immediates.
static_assert(sizeof(RowsArgs) == 14 * 8, "KernelCallBody writes every field of RowsArgs");
void PlanGenerator::KernelCallBody(int64_t rows, int64_t n) {
  const RowsArgs& block = plan_.block;
  const auto field = [&](size_t offset) {
    return qword[rsp + static_cast<int32_t>(kernel_args_offset_ + static_cast<int32_t>(offset))];
  };
  const auto store = [&](size_t offset, int64_t value) {
    if (FitsInt32(value)) {
      mov(field(offset), static_cast<int32_t>(value));
    } else {
      mov(reg_scratch, value);
      mov(field(offset), reg_scratch);
    }
  };
  store(offsetof(RowsArgs, rows), rows);
  store(offsetof(RowsArgs, n), n);
  store(offsetof(RowsArgs, src_stride), block.src_stride);
  store(offsetof(RowsArgs, dst_stride), block.dst_stride);
  // Rows that run down the source are passed turned round, as Highway's driver passes them.
  const bool rows_backward = block.src_row_stride < 0;
  const int64_t turn = rows_backward ? -1 : 1;
  store(offsetof(RowsArgs, src_row_stride), turn * block.src_row_stride);
  store(offsetof(RowsArgs, dst_row_stride), turn * block.dst_row_stride);
  mov(byte[rsp + kernel_args_offset_ + static_cast<int32_t>(offsetof(RowsArgs, stream))],
      block.stream ? 1 : 0);
  if (plan_.col_tile_loop >= 0) {
    mov(reg_scratch, qword[rsp + plan_.col_tile_loop * 8]);
    imul(reg_scratch, reg_scratch, Disp(block.n));
    mov(field(offsetof(RowsArgs, col_begin)), reg_scratch);
  } else {
    store(offsetof(RowsArgs, col_begin), 0);
  }
  store(offsetof(RowsArgs, cols_total), block.cols_total);
  store(offsetof(RowsArgs, next_src_offset), block.next_src_offset);
  store(offsetof(RowsArgs, col_group), block.col_group);
  store(offsetof(RowsArgs, src_group_stride), block.src_group_stride);
  store(offsetof(RowsArgs, row_group), block.row_group);
  store(offsetof(RowsArgs, dst_group_stride), block.dst_group_stride);
  lea(reg_call_param1, ptr[rsp + kernel_args_offset_]);
  mov(reg_call_param2, reg_unit_src);
  mov(reg_call_param3, reg_unit_dst);
  if (rows_backward && rows > 1) {
    const auto add_immediate = [&](const Xbyak::Reg64& reg, int64_t value) {
      if (FitsInt32(value)) {
        add(reg, static_cast<int32_t>(value));
      } else {
        mov(reg_scratch, value);
        add(reg, reg_scratch);
      }
    };
    add_immediate(reg_call_param2, (rows - 1) * block.src_row_stride);
    add_immediate(reg_call_param3, (rows - 1) * block.dst_row_stride);
  }
  mov(reg_scratch, reinterpret_cast<uint64_t>(plan_.kernel));
  vzeroupper();
  call(reg_scratch);
  streamed_ = streamed_ || block.stream;
}

// ---- copy runs: each row is n * width contiguous bytes on both sides.

void PlanGenerator::CopyRunsBody(int64_t rows, int64_t n) {
  const int64_t bytes = n * width_;
  const bool stream = plan_.block.stream && bytes >= kMinStreamedBytes;
  const int64_t unroll = bytes <= kVectorBytes ? kUnrolledRows : bytes <= 2 * kVectorBytes ? 4 : 1;
  ForRows(rows, unroll, [&](const Ptr& src, const Ptr& dst) {
    if (stream) {
      CopyBytesStreamed(src, dst, bytes);
    } else if (bytes >= kLibraryCopyBytes) {
      CopyBytesLibrary(src, dst, bytes);
    } else if (bytes > kInlineCopyBytes) {
      CopyBytesLoop(src, dst, bytes);
    } else {
      CopyBytes(src, dst, bytes, false);
    }
  });
}

// Copies `bytes` (< kInlineCopyBytes or so) with at most one overlapping move of each size; with
// may_overlap_before, bytes before src / dst belong to the same copy and a short tail may be one
// vector ending at the last byte.
void PlanGenerator::CopyBytes(const Ptr& src, const Ptr& dst, int64_t bytes,
                              bool may_overlap_before) {
  if (bytes <= 0) {
    return;
  }
  if (bytes >= kVectorBytes || may_overlap_before) {
    const int64_t whole = bytes / kVectorBytes;
    for (int64_t i = 0; i < whole; i += 4) {
      const int64_t group = std::min<int64_t>(4, whole - i);
      for (int64_t k = 0; k < group; ++k) {
        vmovdqu(Xbyak::Ymm(static_cast<int>(k)), ptr[Exp(src.At((i + k) * kVectorBytes))]);
      }
      for (int64_t k = 0; k < group; ++k) {
        vmovdqu(ptr[Exp(dst.At((i + k) * kVectorBytes))], Xbyak::Ymm(static_cast<int>(k)));
      }
    }
    if (bytes % kVectorBytes != 0) {
      vmovdqu(ymm4, ptr[Exp(src.At(bytes - kVectorBytes))]);
      vmovdqu(ptr[Exp(dst.At(bytes - kVectorBytes))], ymm4);
    }
    return;
  }
  // Fewer than 32 bytes: two moves of the largest power of two that fits, overlapping.
  int64_t size = 16;
  while (size > bytes) {
    size /= 2;
  }
  const int64_t second = bytes - size;  // == 0 when bytes is a power of two
  LoadBytes(src, size, 0);
  if (second > 0) {
    LoadBytes(src.At(second), size, 1);
  }
  StoreBytes(dst, size, 0);
  if (second > 0) {
    StoreBytes(dst.At(second), size, 1);
  }
}

// A longer run: 128 bytes per iteration through rsi / rdi, then the tail (overlapping back).
void PlanGenerator::CopyBytesLoop(const Ptr& src, const Ptr& dst, int64_t bytes) {
  lea(reg_src, ptr[Exp(src)]);
  lea(reg_dst, ptr[Exp(dst)]);
  mov(reg_count, bytes / kLoopCopyBytes);
  Xbyak::Label top;
  L(top);
  for (int k = 0; k < 4; ++k) {
    vmovdqu(Xbyak::Ymm(k), ptr[reg_src + k * kVectorBytes]);
  }
  for (int k = 0; k < 4; ++k) {
    vmovdqu(ptr[reg_dst + k * kVectorBytes], Xbyak::Ymm(k));
  }
  add(reg_src, static_cast<int32_t>(kLoopCopyBytes));
  add(reg_dst, static_cast<int32_t>(kLoopCopyBytes));
  dec(reg_count);
  jnz(top, T_NEAR);
  CopyBytes(Ptr{reg_src, 0}, Ptr{reg_dst, 0}, bytes % kLoopCopyBytes, true);
}

// Non-temporal stores of the whole destination lines inside the run; the partial lines at both
// ends are copied with regular stores (rep movsb: their lengths depend on the alignment).
void PlanGenerator::CopyBytesStreamed(const Ptr& src, const Ptr& dst, int64_t bytes) {
  lea(reg_src, ptr[Exp(src)]);
  lea(reg_dst, ptr[Exp(dst)]);
  const Xbyak::Reg64 rest = reg_temps[2];
  mov(rcx, reg_dst);
  neg(rcx);
  and_(rcx, static_cast<int32_t>(kLineBytes - 1));  // head bytes before the first line
  mov(rest, bytes);
  sub(rest, rcx);
  rep();
  movsb();
  mov(reg_count, rest);
  shr(reg_count, 6);  // whole lines (kLineBytes == 64)
  and_(rest, static_cast<int32_t>(kLineBytes - 1));
  Xbyak::Label top;
  L(top);
  prefetcht0(ptr[reg_src + static_cast<int32_t>(kStreamPrefetchBytes)]);
  vmovdqu(ymm0, ptr[reg_src]);
  vmovdqu(ymm1, ptr[reg_src + static_cast<int32_t>(kVectorBytes)]);
  vmovntdq(ptr[reg_dst], ymm0);
  vmovntdq(ptr[reg_dst + static_cast<int32_t>(kVectorBytes)], ymm1);
  add(reg_src, static_cast<int32_t>(kLineBytes));
  add(reg_dst, static_cast<int32_t>(kLineBytes));
  dec(reg_count);
  jnz(top, T_NEAR);
  mov(rcx, rest);
  rep();
  movsb();
  streamed_ = true;
}

// memcpy(dst, src, bytes): the C library's copy is tuned per CPU for long runs.
void PlanGenerator::CopyBytesLibrary(const Ptr& src, const Ptr& dst, int64_t bytes) {
  lea(reg_call_param1, ptr[Exp(dst)]);
  lea(reg_call_param2, ptr[Exp(src)]);
  mov(reg_call_param3, bytes);
  mov(reg_scratch, reinterpret_cast<uint64_t>(&::memcpy));
  vzeroupper();
  call(reg_scratch);
}

// ---- broadcast: each row is one element repeated n times.

void PlanGenerator::BroadcastBody(int64_t rows, int64_t n) {
  const int64_t bytes = n * width_;
  const int64_t vectors = bytes / kVectorBytes;
  ForRows(rows, bytes <= 2 * kVectorBytes ? kUnrolledRows : 1, [&](const Ptr& src, const Ptr& dst) {
    switch (width_) {
      case 1:
        vpbroadcastb(ymm0, byte[Exp(src)]);
        break;
      case 2:
        vpbroadcastw(ymm0, word[Exp(src)]);
        break;
      case 4:
        vpbroadcastd(ymm0, dword[Exp(src)]);
        break;
      case 8:
        vpbroadcastq(ymm0, qword[Exp(src)]);
        break;
      default:
        vbroadcasti128(ymm0, ptr[Exp(src)]);
        break;
    }
    if (bytes >= kVectorBytes) {
      // Every store offset is a multiple of the width, so the overlapping last one fits too.
      int64_t done = 0;
      if (vectors > kUnrolledVectors) {
        lea(reg_dst, ptr[Exp(dst)]);
        mov(reg_count, vectors / 4);
        Xbyak::Label top;
        L(top);
        for (int k = 0; k < 4; ++k) {
          vmovdqu(ptr[reg_dst + k * kVectorBytes], ymm0);
        }
        add(reg_dst, static_cast<int32_t>(4 * kVectorBytes));
        dec(reg_count);
        jnz(top, T_NEAR);
        done = vectors / 4 * 4;
        for (int64_t k = 0; k < vectors - done; ++k) {
          vmovdqu(ptr[reg_dst + static_cast<int32_t>(k * kVectorBytes)], ymm0);
        }
      } else {
        for (int64_t k = 0; k < vectors; ++k) {
          vmovdqu(ptr[Exp(dst.At(k * kVectorBytes))], ymm0);
        }
      }
      if (bytes % kVectorBytes != 0) {
        vmovdqu(ptr[Exp(dst.At(bytes - kVectorBytes))], ymm0);
      }
      return;
    }
    if (bytes >= 16) {
      vmovdqu(ptr[Exp(dst)], xmm0);
      if (bytes > 16) {
        vmovdqu(ptr[Exp(dst.At(bytes - 16))], xmm0);
      }
      return;
    }
    // Fewer than 16 bytes, width <= 8: the pattern's low 8 bytes from a GPR.
    const Xbyak::Reg64 value = reg_temps[0];
    vmovq(value, xmm0);
    int64_t size = 8;
    while (size > bytes) {
      size /= 2;
    }
    for (const int64_t at : {int64_t{0}, bytes - size}) {
      switch (size) {
        case 8:
          mov(qword[Exp(dst.At(at))], value);
          break;
        case 4:
          mov(dword[Exp(dst.At(at))], value.cvt32());
          break;
        case 2:
          mov(word[Exp(dst.At(at))], value.cvt16());
          break;
        default:
          mov(byte[Exp(dst.At(at))], value.cvt8());
          break;
      }
      if (bytes == size) {
        break;
      }
    }
  });
}

// ---- reverse: element j of a row is at src - j * width; vectors loaded backwards, lanes
// reversed.

void PlanGenerator::ReverseBody(int64_t rows, int64_t n) {
  const int64_t per = kVectorBytes / width_;
  if (n < per) {
    ElementsBody(rows, n, -width_, width_);
    return;
  }
  const Xbyak::Ymm control = ymm15;
  if (width_ <= 2) {
    needs_reverse_mask_ = true;
    vmovdqu(control, ptr[rip + reverse_mask_]);
  } else if (width_ == 4) {
    // vpermd index [7, 6, ..., 0]: built from immediates through the stack-free xmm path.
    mov(reg_scratch, 0x0000000600000007);
    vmovq(xmm14, reg_scratch);
    mov(reg_scratch, 0x0000000400000005);
    vpinsrq(xmm14, xmm14, reg_scratch, 1);
    mov(reg_scratch, 0x0000000200000003);
    vmovq(xmm13, reg_scratch);
    mov(reg_scratch, 0x0000000000000001);
    vpinsrq(xmm13, xmm13, reg_scratch, 1);
    vinserti128(control, ymm14, xmm13, 1);
  }
  const auto reverse = [&](const Xbyak::Ymm& v) {
    switch (width_) {
      case 1:
      case 2:
        vpshufb(v, v, control);
        vpermq(v, v, 0x4E);
        break;
      case 4:
        vpermd(v, control, v);
        break;
      case 8:
        vpermq(v, v, 0x1B);
        break;
      default:
        vpermq(v, v, 0x4E);
        break;
    }
  };
  const int64_t windows = n / per;
  ForRows(rows, n <= 2 * per ? kUnrolledRows : 1, [&](const Ptr& src, const Ptr& dst) {
    // Window k covers elements [k * per, (k + 1) * per): it starts at src - (k*per + per-1)*w.
    if (windows > kUnrolledVectors) {
      lea(reg_src, ptr[Exp(src.At(-(per - 1) * width_))]);
      lea(reg_dst, ptr[Exp(dst)]);
      mov(reg_count, windows);
      Xbyak::Label top;
      L(top);
      vmovdqu(ymm0, ptr[reg_src]);
      reverse(ymm0);
      vmovdqu(ptr[reg_dst], ymm0);
      sub(reg_src, static_cast<int32_t>(kVectorBytes));
      add(reg_dst, static_cast<int32_t>(kVectorBytes));
      dec(reg_count);
      jnz(top, T_NEAR);
    } else {
      for (int64_t k = 0; k < windows; ++k) {
        const Xbyak::Ymm v(static_cast<int>(k % 8));
        vmovdqu(v, ptr[Exp(src.At(-(k * per + per - 1) * width_))]);
        reverse(v);
        vmovdqu(ptr[Exp(dst.At(k * per * width_))], v);
      }
    }
    if (n % per != 0) {
      vmovdqu(ymm8, ptr[Exp(src.At(-(n - 1) * width_))]);
      reverse(ymm8);
      vmovdqu(ptr[Exp(dst.At((n - per) * width_))], ymm8);
    }
  });
}

// ---- transpose: src_row_stride == width; L x L register tiles, edges overlap the tile before.

void PlanGenerator::TransposeBody(int64_t rows, int64_t n, int64_t lanes) {
  const int64_t src_stride = plan_.block.src_stride;  // between destination columns
  const int64_t dst_row = plan_.block.dst_row_stride;
  const int64_t groups = n / lanes;
  const bool column_edge = n % lanes != 0;
  // Each tile prefetches the lines of the next call's source rows in the columns it has just
  // read (Plan::prefetch_next_block). Measured on Zen 5, one thread, DRAM-sized f32:
  // [7264,7264].t() 1.35x, [5792,4896].t() 1.19x, [384,384,144].permute(2,0,1) 1.43x; in cache
  // ([1000,1000].t(), [2048,128].t()) 0.89-0.93x, where the plan does not ask for it.
  const int64_t next = plan_.block.next_src_offset;
  const bool prefetch = PrefetchesNextCall(n);
  // One band of `lanes` rows whose pointers are rbx (src) and rbp (dst).
  const auto band = [&]() {
    if (groups <= 4) {
      for (int64_t g = 0; g < groups; ++g) {
        TransposeTile(Ptr{reg_row_src, g * lanes * src_stride},
                      Ptr{reg_row_dst, g * lanes * width_}, lanes);
        if (prefetch) {
          for (int64_t k = 0; k < lanes; ++k) {
            prefetcht1(ptr[Exp(Ptr{reg_row_src, next + (g * lanes + k) * src_stride})]);
          }
        }
      }
    } else {
      mov(reg_src, reg_row_src);
      mov(reg_dst, reg_row_dst);
      mov(reg_count, groups);
      Xbyak::Label top;
      L(top);
      TransposeTile(Ptr{reg_src, 0}, Ptr{reg_dst, 0}, lanes);
      if (prefetch) {
        for (int64_t k = 0; k < lanes; ++k) {
          prefetcht1(ptr[Exp(Ptr{reg_src, next + k * src_stride})]);
        }
      }
      AddImm(reg_src, lanes * src_stride, reg_scratch);
      add(reg_dst, static_cast<int32_t>(lanes * width_));
      dec(reg_count);
      jnz(top, T_NEAR);
    }
    if (column_edge) {
      mov(reg_src, reg_row_src);
      AddImm(reg_src, (n - lanes) * src_stride, reg_scratch);
      TransposeTile(Ptr{reg_src, 0}, Ptr{reg_row_dst, (n - lanes) * width_}, lanes);
    }
  };
  const int64_t bands = rows / lanes;
  SaveRowRegisters();
  mov(reg_row_src, reg_unit_src);
  mov(reg_row_dst, reg_unit_dst);
  if (bands == 1) {
    band();
  } else {
    mov(reg_rows, bands);
    Xbyak::Label top;
    L(top);
    band();
    add(reg_row_src, static_cast<int32_t>(lanes * width_));
    AddImm(reg_row_dst, lanes * dst_row, reg_scratch);
    dec(reg_rows);
    jnz(top, T_NEAR);
  }
  if (rows % lanes != 0) {
    mov(reg_row_src, reg_unit_src);
    mov(reg_row_dst, reg_unit_dst);
    add(reg_row_src, static_cast<int32_t>((rows - lanes) * width_));
    AddImm(reg_row_dst, (rows - lanes) * dst_row, reg_scratch);
    band();
  }
}

// The lanes x lanes tile at src (source row k, i.e. destination column k, at k * src_stride) to
// dst (destination row m at m * dst_row_stride).
void PlanGenerator::TransposeTile(const Ptr& src, const Ptr& dst, int64_t lanes) {
  const int64_t src_stride = plan_.block.src_stride;
  const int64_t dst_row = plan_.block.dst_row_stride;
  using Xbyak::Ymm;
  if (width_ <= 2) {
    TransposeTileNarrow(src, dst);
    return;
  }
  // Rows are loaded as 16-byte halves, row k + L/2's half inserted above row k's: the lane
  // crossing is done by the loads, leaving in-lane unpacks and shuffles.
  const int half = static_cast<int>(lanes / 2);
  for (int k = 0; k < static_cast<int>(lanes); ++k) {
    const int row = k % half;
    const int64_t column_bytes = (k / half) * 16;
    vmovdqu(Xbyak::Xmm(k), ptr[Exp(src.At(row * src_stride + column_bytes))]);
    vinserti128(Ymm(k), Ymm(k), ptr[Exp(src.At((row + half) * src_stride + column_bytes))], 1);
  }
  if (lanes == 8) {
    // ymm k = [row k%4 lanes c..c+3 | row k%4+4 lanes c..c+3], c = 4 * (k / 4).
    for (int k = 0; k < 8; k += 2) {
      vunpcklps(Ymm(8 + k), Ymm(k), Ymm(k + 1));
      vunpckhps(Ymm(9 + k), Ymm(k), Ymm(k + 1));
    }
    for (int q = 0; q < 2; ++q) {
      const int t = 8 + 4 * q;  // lo01, hi01, lo23, hi23 of this column half
      const int o = 4 * q;
      vshufps(Ymm(o + 0), Ymm(t), Ymm(t + 2), 0x44);
      vshufps(Ymm(o + 1), Ymm(t), Ymm(t + 2), 0xEE);
      vshufps(Ymm(o + 2), Ymm(t + 1), Ymm(t + 3), 0x44);
      vshufps(Ymm(o + 3), Ymm(t + 1), Ymm(t + 3), 0xEE);
    }
    for (int m = 0; m < 8; ++m) {
      vmovdqu(ptr[Exp(dst.At(m * dst_row))], Ymm(m));
    }
  } else {
    // ymm k = [row k%2 lanes c, c+1 | row k%2+2 lanes c, c+1], c = 2 * (k / 2).
    vunpcklpd(ymm4, ymm0, ymm1);
    vunpckhpd(ymm5, ymm0, ymm1);
    vunpcklpd(ymm6, ymm2, ymm3);
    vunpckhpd(ymm7, ymm2, ymm3);
    for (int m = 0; m < 4; ++m) {
      vmovdqu(ptr[Exp(dst.At(m * dst_row))], Ymm(4 + m));
    }
  }
}

// An 8 x 8 tile of 1- or 2-byte elements in xmm registers: three rounds of unpacks (units of
// the width, twice it, four times it) between two banks of eight registers. Which register and
// half holds each destination row is found by running the same network on lane labels.
void PlanGenerator::TransposeTileNarrow(const Ptr& src, const Ptr& dst) {
  constexpr int kLanes = 8;
  constexpr int kXmmBytes = 16;
  const int width = static_cast<int>(width_);
  const int elems = kXmmBytes / width;
  const int64_t src_stride = plan_.block.src_stride;
  const int64_t dst_row = plan_.block.dst_row_stride;
  // labels[reg][element] = k * 8 + m for source row k's lane m; -1 for nothing useful.
  std::vector<std::vector<int>> labels(16, std::vector<int>(static_cast<size_t>(elems), -1));
  for (int k = 0; k < kLanes; ++k) {
    if (width == 1) {
      vmovq(Xbyak::Xmm(k), qword[Exp(src.At(k * src_stride))]);
    } else {
      vmovdqu(Xbyak::Xmm(k), ptr[Exp(src.At(k * src_stride))]);
    }
    for (int m = 0; m < kLanes; ++m) {
      labels[static_cast<size_t>(k)][static_cast<size_t>(m)] = k * kLanes + m;
    }
  }
  int old_base = 0;
  for (int unit = width, distance = 1; distance < kLanes; unit *= 2, distance *= 2) {
    const int new_base = kLanes - old_base;
    const int per_unit = unit / width;
    const int units = kXmmBytes / unit;
    for (int a = 0; a < kLanes; ++a) {
      if ((a & distance) != 0) {
        continue;
      }
      const int b = a + distance;
      const auto& la = labels[static_cast<size_t>(old_base + a)];
      const auto& lb = labels[static_cast<size_t>(old_base + b)];
      for (int high = 0; high < 2; ++high) {
        std::vector<int> out(static_cast<size_t>(elems), -1);
        bool useful = false;
        for (int u = 0; u < units / 2; ++u) {
          for (int e = 0; e < per_unit; ++e) {
            const int from = (high * units / 2 + u) * per_unit + e;
            out[static_cast<size_t>((2 * u) * per_unit + e)] = la[static_cast<size_t>(from)];
            out[static_cast<size_t>((2 * u + 1) * per_unit + e)] = lb[static_cast<size_t>(from)];
            useful =
                useful || la[static_cast<size_t>(from)] >= 0 || lb[static_cast<size_t>(from)] >= 0;
          }
        }
        const int target = new_base + (high == 0 ? a : b);
        labels[static_cast<size_t>(target)] = out;
        if (!useful) {
          continue;
        }
        const Xbyak::Xmm x(target);
        const Xbyak::Xmm xa(old_base + a);
        const Xbyak::Xmm xb(old_base + b);
        switch (unit) {
          case 1:
            high == 0 ? vpunpcklbw(x, xa, xb) : vpunpckhbw(x, xa, xb);
            break;
          case 2:
            high == 0 ? vpunpcklwd(x, xa, xb) : vpunpckhwd(x, xa, xb);
            break;
          case 4:
            high == 0 ? vpunpckldq(x, xa, xb) : vpunpckhdq(x, xa, xb);
            break;
          default:
            high == 0 ? vpunpcklqdq(x, xa, xb) : vpunpckhqdq(x, xa, xb);
            break;
        }
      }
    }
    old_base = new_base;
  }
  const int row_bytes = kLanes * width;
  for (int m = 0; m < kLanes; ++m) {
    bool stored = false;
    for (int reg = old_base; reg < old_base + kLanes && !stored; ++reg) {
      const auto& l = labels[static_cast<size_t>(reg)];
      for (int at = 0; at + kLanes <= elems && !stored; at += kLanes) {
        bool match = true;
        for (int k = 0; k < kLanes; ++k) {
          match = match && l[static_cast<size_t>(at + k)] == k * kLanes + m;
        }
        if (!match) {
          continue;
        }
        const Xbyak::Address out = ptr[Exp(dst.At(m * dst_row))];
        if (row_bytes == kXmmBytes) {
          vmovdqu(out, Xbyak::Xmm(reg));
        } else if (at == 0) {
          vmovq(out, Xbyak::Xmm(reg));
        } else {
          vmovhps(out, Xbyak::Xmm(reg));
        }
        stored = true;
      }
    }
    if (!stored) {
      throw CannotEncode{};  // the network does not transpose: a generator bug, never emitted
    }
  }
}

// ---- any family, element by element: dst[r][j * dst_stride] = src[r][j * src_stride].

void PlanGenerator::ElementsBody(int64_t rows, int64_t n, int64_t src_stride, int64_t dst_stride) {
  const int64_t row_unroll = std::max<int64_t>(1, std::min(kUnrolledRows, kUnrolledElements / n));
  ForRows(rows, row_unroll,
          [&](const Ptr& src, const Ptr& dst) { ElementRun(src, dst, n, src_stride, dst_stride); });
}

void PlanGenerator::ElementRun(const Ptr& src, const Ptr& dst, int64_t n, int64_t src_stride,
                               int64_t dst_stride) {
  if (n <= kUnrolledElements) {
    MoveElements(src, dst, n, src_stride, dst_stride);
    return;
  }
  lea(reg_src, ptr[Exp(src)]);
  lea(reg_dst, ptr[Exp(dst)]);
  mov(reg_count, n / kElementLoopUnroll);
  Xbyak::Label top;
  L(top);
  MoveElements(Ptr{reg_src, 0}, Ptr{reg_dst, 0}, kElementLoopUnroll, src_stride, dst_stride);
  AddImm(reg_src, kElementLoopUnroll * src_stride, reg_scratch);
  AddImm(reg_dst, kElementLoopUnroll * dst_stride, reg_scratch);
  dec(reg_count);
  jnz(top, T_NEAR);
  MoveElements(Ptr{reg_src, 0}, Ptr{reg_dst, 0}, n % kElementLoopUnroll, src_stride, dst_stride);
}

// Groups of kElementTemps loads, then their stores: a load never waits behind a store to an
// address that matches it in the low 12 bits (4K aliasing, e.g. page-aligned src and dst; ravel
// never copies between overlapping views, so the order is free).
void PlanGenerator::MoveElements(const Ptr& src, const Ptr& dst, int64_t n, int64_t src_stride,
                                 int64_t dst_stride) {
  for (int64_t group = 0; group < n; group += kElementTemps) {
    const int64_t count = std::min<int64_t>(kElementTemps, n - group);
    for (int64_t j = 0; j < count; ++j) {
      LoadBytes(src.At((group + j) * src_stride), width_, static_cast<int>(j));
    }
    for (int64_t j = 0; j < count; ++j) {
      StoreBytes(dst.At((group + j) * dst_stride), width_, static_cast<int>(j));
    }
  }
}

// reg_temps[temp] (xmm<temp> for 16 bytes) = the `bytes` (1, 2, 4, 8 or 16) at src.
void PlanGenerator::LoadBytes(const Ptr& src, int64_t bytes, int temp) {
  const Xbyak::Reg64 reg = reg_temps[temp];
  switch (bytes) {
    case 1:
      movzx(reg.cvt32(), byte[Exp(src)]);
      break;
    case 2:
      movzx(reg.cvt32(), word[Exp(src)]);
      break;
    case 4:
      mov(reg.cvt32(), dword[Exp(src)]);
      break;
    case 8:
      mov(reg, qword[Exp(src)]);
      break;
    default:
      vmovdqu(Xbyak::Xmm(temp), ptr[Exp(src)]);
      break;
  }
}

// The `bytes` at dst = what LoadBytes put in temp.
void PlanGenerator::StoreBytes(const Ptr& dst, int64_t bytes, int temp) {
  const Xbyak::Reg64 reg = reg_temps[temp];
  switch (bytes) {
    case 1:
      mov(byte[Exp(dst)], reg.cvt8());
      break;
    case 2:
      mov(word[Exp(dst)], reg.cvt16());
      break;
    case 4:
      mov(dword[Exp(dst)], reg.cvt32());
      break;
    case 8:
      mov(qword[Exp(dst)], reg);
      break;
    default:
      vmovdqu(ptr[Exp(dst)], Xbyak::Xmm(temp));
      break;
  }
}

}  // namespace jit
}  // namespace ravel
