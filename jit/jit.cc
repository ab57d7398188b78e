// The x86-64 JIT backend: policy (which plans the generator takes), the cache, the mapping.
#include "jit/jit.h"

#include <cstdlib>
#include <cstring>

#include <xbyak/xbyak_util.h>

#include "jit/cache.h"
#include "jit/memory.h"
#include "jit/plan_generator.h"
#include "plan/plan.h"

namespace ravel {
namespace jit {
namespace {

// Under the AUTO backend the generator's element-by-element bodies take only small copies where
// Highway has vector kernels: gathers up to this many bytes (measured: the JIT's unrolled moves
// beat Highway's gathers 2x at 12-16 KiB) and transposes narrower than a register tile up to
// this many elements (Highway's interleaved loads / stores win above, 2x at 588 bytes).
constexpr int64_t kMaxElementwiseBytes = int64_t{64} << 10;
constexpr int64_t kMaxNarrowTransposeElements = 64;

bool CpuHasAvx2() {
  static const bool has = [] {
    const Xbyak::util::Cpu cpu;
    return cpu.has(Xbyak::util::Cpu::tAVX2) && cpu.has(Xbyak::util::Cpu::tAVX);
  }();
  return has;
}

}  // namespace

bool Built() { return true; }

bool EnabledByEnvironment() {
  // Read at every plan build (plans are cached, so this is off the hot path).
  const char* env = std::getenv("RAVEL_JIT");
  return env == nullptr || std::strcmp(env, "0") != 0;
}

Isa CodeIsa(Isa requested) {
  if ((requested == Isa::kAvx2 || requested == Isa::kAvx512) && CpuHasAvx2()) {
    return Isa::kAvx2;
  }
  return Isa::kAuto;
}

std::string Declines(const Plan& plan, bool forced) {
  if (CodeIsa(plan.isa) == Isa::kAuto) {
    return std::string("it emits AVX2 code, not ") + IsaName(plan.isa);
  }
  std::string why = PlanGenerator::Applicable(plan);
  if (!why.empty() || forced) {
    return why;
  }
  if (plan.block.stream) {
    return "streaming copies stay on Highway";
  }
  const int64_t bytes = plan.problem.count * plan.problem.elem_size;
  const int64_t width = plan.problem.elem_size;
  if (plan.family == Family::kGather && bytes > kMaxElementwiseBytes) {
    return "Highway's vector gathers are faster for this large copy";
  }
  // Highway's narrow transposes (kernels/transpose.cc: Deinterleave, Interleave): 2-4 rows or
  // columns packed in one stream, the other side at least a vector (32 bytes) long.
  const RowsArgs& block = plan.block;
  const int64_t vector_lanes = 32 / width;
  const bool deinterleave = block.rows >= 2 && block.rows <= 4 &&
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
  return "";
}

std::shared_ptr<const Code> CompileUncached(const Plan& plan) {
  if (!Declines(plan, true).empty()) {
    return nullptr;
  }
  try {
    PlanGenerator generator(plan);
    generator.Generate();
    return MapCode(generator.code(), generator.code_size(), PlanGenerator::KernelName(plan));
  } catch (...) {
    return nullptr;  // CannotEncode, Xbyak::Error (code too big), bad_alloc: Highway runs it
  }
}

std::shared_ptr<const Code> Compile(const Plan& plan, bool forced) {
  if (!Declines(plan, forced).empty()) {
    return nullptr;
  }
  try {
    return CodeCache::Global().GetOrGenerate(CacheKey(plan),
                                             [&plan] { return CompileUncached(plan); });
  } catch (...) {
    return nullptr;  // out of memory for the cache entry: Highway runs the plan
  }
}

}  // namespace jit
}  // namespace ravel
