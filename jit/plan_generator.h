// The generator of a plan's task function: the plan's loop nest (an odometer over stack slots,
// entered at any kernel call) around one body per tile-edge variant, each body the family's
// row kernel with its extents and strides as immediates (AVX2).
#ifndef RAVEL_JIT_PLAN_GENERATOR_H_
#define RAVEL_JIT_PLAN_GENERATOR_H_

#include <cstdint>
#include <string>
#include <vector>

#include "jit/generator.h"
#include "plan/plan.h"

namespace ravel {
namespace jit {

class PlanGenerator : public Generator {
 public:
  // "" when the generator can emit the plan; otherwise why not.
  static std::string Applicable(const Plan& plan);

  explicit PlanGenerator(const Plan& plan) : plan_(plan), width_(plan.problem.elem_size) {}

  // Emits the whole function; throws CannotEncode or Xbyak::Error when it cannot.
  void Generate();

  // "x32-transpose-8x8-avx2", ...
  static std::string KernelName(const Plan& plan);

  // Why the plan's Highway row kernel beats the generator's own bodies for this plan ("" when it
  // does not). Forced to run such a plan, the generated loop nest calls that kernel per block.
  static std::string HighwayBodyFaster(const Plan& plan);

 private:
  // A base register plus a byte displacement known at generation time.
  struct Ptr {
    Xbyak::Reg64 base;
    int64_t disp;
    Ptr At(int64_t bytes) const { return Ptr{base, disp + bytes}; }
  };

  Xbyak::RegExp Exp(const Ptr& p) const { return p.base + Disp(p.disp); }

  void LoopNest(const Xbyak::Label& done);
  void EmitTables();
  void DecomposeBegin();
  // Declares that the body uses the row loop's registers (the prologue then saves them).
  void SaveRowRegisters() {
    SaveRegister(reg_rows);
    SaveRegister(reg_row_src);
    SaveRegister(reg_row_dst);
  }
  void Body(int64_t rows, int64_t n);
  template <class RowFn>
  void ForRows(int64_t rows, int64_t unroll, RowFn&& row);

  bool PlanPermutation();
  void PermutationBody();
  void KernelCallBody(int64_t rows, int64_t n);
  void CopyRunsBody(int64_t rows, int64_t n);
  void CopyBytes(const Ptr& src, const Ptr& dst, int64_t bytes, bool may_overlap_before);
  void CopyBytesLoop(const Ptr& src, const Ptr& dst, int64_t bytes);
  void CopyBytesStreamed(const Ptr& src, const Ptr& dst, int64_t bytes);
  void CopyBytesLibrary(const Ptr& src, const Ptr& dst, int64_t bytes);
  void BroadcastBody(int64_t rows, int64_t n);
  void ReverseBody(int64_t rows, int64_t n);
  void TransposeBody(int64_t rows, int64_t n, int64_t lanes);
  void TransposeTile(const Ptr& src, const Ptr& dst, int64_t lanes);
  void TransposeTileNarrow(const Ptr& src, const Ptr& dst);
  // Whether a transpose body of n columns prefetches the next call's source rows
  // (Plan::prefetch_next_block) and their displacements encode.
  bool PrefetchesNextCall(int64_t n) const;
  void TransposeElementsBody(int64_t rows, int64_t n);
  void ElementsBody(int64_t rows, int64_t n, int64_t src_stride, int64_t dst_stride);
  void ElementRun(const Ptr& src, const Ptr& dst, int64_t n, int64_t src_stride,
                  int64_t dst_stride);
  void MoveElements(const Ptr& src, const Ptr& dst, int64_t n, int64_t src_stride,
                    int64_t dst_stride);
  void LoadBytes(const Ptr& src, int64_t bytes, int temp);
  void StoreBytes(const Ptr& dst, int64_t bytes, int temp);

  const Plan& plan_;
  const int64_t width_;
  bool streamed_ = false;  // some non-temporal store was emitted: sfence before returning
  const bool calls_kernel_ = !HighwayBodyFaster(plan_).empty();
  int32_t kernel_args_offset_ = 0;  // the RowsArgs a kernel call reads, at rsp + this
  Xbyak::Label reverse_mask_;
  bool needs_reverse_mask_ = false;
  // A whole small problem as one permutation in registers (PlanPermutation): the source's
  // pieces (32-byte vectors for 4- and 8-byte elements, 16-byte blocks for 1- and 2-byte ones)
  // by byte offset, and for each destination vector the source pieces it takes lanes from, each
  // with its vpermd or vpshufb indices (at table_offset in permutation_table_bytes_) and, for
  // vpblendd, its lanes.
  struct PermutationStep {
    int32_t source;  // index into permutation_sources_
    uint32_t lanes;  // the destination lanes (dwords or bytes) this source supplies
    int32_t table_offset;
  };
  struct PermutationVector {
    int64_t dst_offset;
    std::vector<PermutationStep> steps;
  };
  bool permute_bytes_ = false;  // vpshufb of 16-byte blocks, else vpermd of 32-byte vectors
  std::vector<int64_t> permutation_sources_;
  std::vector<PermutationVector> permutation_;
  std::vector<uint8_t> permutation_table_bytes_;
  Xbyak::Label permutation_table_;

  // The driver's state, in callee-saved registers (they survive calls to memcpy).
  const Xbyak::Reg64 reg_unit_src = r12;  // the current kernel call's pointers
  const Xbyak::Reg64 reg_unit_dst = r13;
  const Xbyak::Reg64 reg_left = r14;     // kernel calls left in the task
  const Xbyak::Reg64 reg_rows = r15;     // rows left in a body's row loop
  const Xbyak::Reg64 reg_row_src = rbx;  // the row loop's pointers
  const Xbyak::Reg64 reg_row_dst = rbp;
  // Bodies' own loops and temporaries.
  const Xbyak::Reg64 reg_src = rsi;
  const Xbyak::Reg64 reg_dst = rdi;
  const Xbyak::Reg64 reg_count = r11;
  const Xbyak::Reg64 reg_scratch = rax;  // AddImm's and the odometer's scratch
  const Xbyak::Reg64 reg_temps[5] = {rcx, rdx, r8, r9, r10};
};

}  // namespace jit
}  // namespace ravel

#endif  // RAVEL_JIT_PLAN_GENERATOR_H_
