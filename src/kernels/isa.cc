#include "kernels/isa.h"

#include <hwy/targets.h>

#include <cstdlib>
#include <cstring>

namespace ravel {
namespace {

// The baseline target that every build has: EMU128, or SCALAR where only that is compiled.
constexpr int64_t kFallbackTarget = (HWY_TARGETS & HWY_EMU128) ? HWY_EMU128 : HWY_SCALAR;

// The Highway targets this CPU runs, detected once: CPUID traps to the hypervisor in a VM and
// costs tens of microseconds, which would dominate plan creation.
int64_t CpuTargets() {
  static const int64_t targets = hwy::SupportedTargets();
  return targets;
}

constexpr Isa kBestFirst[] = {Isa::kAvx512, Isa::kAvx2, Isa::kSse4,
                              Isa::kSve,    Isa::kNeon, Isa::kScalar};

}  // namespace

const char* IsaName(Isa isa) {
  switch (isa) {
    case Isa::kAuto:
      return "auto";
    case Isa::kScalar:
      return "scalar";
    case Isa::kSse4:
      return "sse4";
    case Isa::kAvx2:
      return "avx2";
    case Isa::kAvx512:
      return "avx512";
    case Isa::kNeon:
      return "neon";
    case Isa::kSve:
      return "sve";
  }
  return "unknown";
}

bool ParseIsa(const char* name, Isa* isa) {
  for (int32_t value = 0; value < kIsaCount; ++value) {
    if (std::strcmp(name, IsaName(static_cast<Isa>(value))) == 0) {
      *isa = static_cast<Isa>(value);
      return true;
    }
  }
  return false;
}

int64_t HwyTargetOf(Isa isa) {
  int64_t candidates = 0;
  switch (isa) {
    case Isa::kAuto:
      return 0;
    case Isa::kScalar:
      return kFallbackTarget;
    case Isa::kSse4:
      candidates = HWY_SSE4;
      break;
    case Isa::kAvx2:
      candidates = HWY_AVX2;
      break;
    case Isa::kAvx512:
      candidates = HWY_AVX3;
      break;
    case Isa::kNeon:
      candidates = HWY_NEON;
      break;
    case Isa::kSve:
      candidates = HWY_SVE | HWY_SVE2 | HWY_SVE_256 | HWY_SVE2_128;
      break;
  }
  const int64_t compiled = candidates & HWY_TARGETS;
  // The best target of the group this CPU runs, else the best compiled one: SVE is four Highway
  // targets, and SVE2_128 and SVE_256 run only at their vector length. The lowest bit is the
  // best target (Highway orders better targets first).
  const int64_t supported = compiled & CpuTargets();
  const int64_t group = supported != 0 ? supported : compiled;
  return group & -group;
}

size_t HwyDispatchIndex(int64_t hwy_target) {
  if (hwy_target == HWY_EMU128 || hwy_target == HWY_SCALAR) {
    return HWY_MAX_DYNAMIC_TARGETS + 1;
  }
  return hwy::Num0BitsBelowLS1Bit_Nonzero64(
      static_cast<uint64_t>(HWY_CHOSEN_TARGET_SHIFT(hwy_target)));
}

bool IsaAvailable(Isa isa) {
  const int64_t target = HwyTargetOf(isa);
  if (target == 0) {
    return false;
  }
  return target == kFallbackTarget || (CpuTargets() & target) != 0;
}

std::vector<Isa> AvailableIsas() {
  std::vector<Isa> isas;
  for (Isa isa : kBestFirst) {
    if (IsaAvailable(isa)) {
      isas.push_back(isa);
    }
  }
  return isas;
}

Isa BestIsa() { return AvailableIsas().front(); }

const char* IsaFromEnvironment() {
  const char* env = std::getenv("RAVEL_ISA");
  return env != nullptr && env[0] != '\0' ? env : nullptr;
}

}  // namespace ravel
