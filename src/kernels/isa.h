// Instruction sets the Highway kernels are compiled for, which of them this CPU runs, and how a
// plan picks one (RAVEL_ISA, an option, or the best available).
#ifndef RAVEL_SRC_KERNELS_ISA_H_
#define RAVEL_SRC_KERNELS_ISA_H_

#include <cstddef>
#include <cstdint>
#include <vector>

namespace ravel {

// Values match ravel_isa in ravel.h.
enum class Isa : int32_t {
  kAuto = 0,
  kScalar = 1,
  kSse4 = 2,
  kAvx2 = 3,
  kAvx512 = 4,
  kNeon = 5,
  kSve = 6,
};

constexpr int32_t kIsaCount = 7;

// "auto", "scalar", "sse4", "avx2", "avx512", "neon", "sve".
const char* IsaName(Isa isa);

// Parses an IsaName (case-sensitive); false if unknown.
bool ParseIsa(const char* name, Isa* isa);

// True when kernels are compiled for isa and this CPU can run them.
bool IsaAvailable(Isa isa);

// Every available ISA, best first; always ends with kScalar.
std::vector<Isa> AvailableIsas();

// The best available ISA.
Isa BestIsa();

// The value of RAVEL_ISA, or nullptr when it is unset or empty.
const char* IsaFromEnvironment();

// The Highway target bit (HWY_AVX2, ...) that implements isa on this build; 0 if none.
int64_t HwyTargetOf(Isa isa);

// Position of a Highway target in an HWY_EXPORT dispatch table.
size_t HwyDispatchIndex(int64_t hwy_target);

}  // namespace ravel

#endif  // RAVEL_SRC_KERNELS_ISA_H_
