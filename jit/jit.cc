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
  // Under AUTO, a plan whose Highway kernel is faster runs on Highway directly; so do streaming
  // copies (the generator's streamed runs only match Highway's).
  if (plan.block.stream) {
    return "streaming copies stay on Highway";
  }
  return PlanGenerator::HighwayBodyFaster(plan);
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
