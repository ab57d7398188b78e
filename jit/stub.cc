// The JIT backend where it is not built (not x86-64, or RAVEL_JIT=OFF): it always declines.
#include "jit/jit.h"

namespace ravel {
namespace jit {

bool Built() { return false; }

bool EnabledByEnvironment() { return false; }

Isa CodeIsa(Isa) { return Isa::kAuto; }

std::string Declines(const Plan&, bool) { return "this build has no JIT backend"; }

std::shared_ptr<const Code> Compile(const Plan&, bool) { return nullptr; }

std::shared_ptr<const Code> CompileUncached(const Plan&) { return nullptr; }

}  // namespace jit
}  // namespace ravel
