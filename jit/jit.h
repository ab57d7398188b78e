// The JIT backend's contract with the rest of ravel (no xbyak here): compile a plan's loop nest
// and row kernel into one function of a task's kernel-call range, with every extent and stride
// an immediate. x86-64 only; elsewhere, or with RAVEL_JIT=OFF, Compile always declines.
#ifndef RAVEL_JIT_JIT_H_
#define RAVEL_JIT_JIT_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "kernels/isa.h"

namespace ravel {

struct Plan;

namespace jit {

// What a generated function reads: the pointers (offsets included, as RunKernelCalls gets them)
// and the kernel calls [begin, end) of the plan's loop nest to perform.
struct TaskArgs {
  const char* src;
  char* dst;
  int64_t begin;
  int64_t end;
};

using TaskEntry = void (*)(const TaskArgs* args);

// Generated code mapped read+execute (never writable at the same time); unmapped when the last
// plan and cache entry holding it let go.
class Code {
 public:
  Code(void* base, size_t mapped_bytes, size_t code_bytes, std::string name);
  ~Code();
  Code(const Code&) = delete;
  Code& operator=(const Code&) = delete;

  TaskEntry entry() const { return reinterpret_cast<TaskEntry>(base_); }
  const void* bytes() const { return base_; }
  size_t size() const { return code_bytes_; }            // bytes of code
  size_t mapped_bytes() const { return mapped_bytes_; }  // whole pages
  const std::string& name() const { return name_; }      // "x32-transpose-8x8-avx2"

 private:
  void* base_;
  size_t mapped_bytes_;
  size_t code_bytes_;
  std::string name_;
};

// True when this build has the generator (x86-64 with RAVEL_JIT=ON).
bool Built();

// False when the RAVEL_JIT environment variable is "0" (read whenever a plan is built).
bool EnabledByEnvironment();

// The ISA the generator emits for a requested one (kAvx2 for kAvx2; kAvx512 requests get AVX2
// code for now), or kAuto when it cannot serve the request on this CPU.
Isa CodeIsa(Isa requested);

// Why the generator declines a plan ("" if it accepts). With `forced` false (the AUTO backend)
// it also declines plans where its code is not expected to beat Highway's.
std::string Declines(const Plan& plan, bool forced);

// The code of a plan's kernel calls, from the process-wide JIT cache; nullptr when the generator
// declines the plan or generating or mapping fails (the caller falls back to Highway).
std::shared_ptr<const Code> Compile(const Plan& plan, bool forced);

// Generates without the cache (tests and the cache itself).
std::shared_ptr<const Code> CompileUncached(const Plan& plan);

// Calls the code on a range of kernel calls.
inline void Run(const Code& code, const char* src, char* dst, int64_t begin, int64_t end) {
  const TaskArgs args{src, dst, begin, end};
  code.entry()(&args);
}

}  // namespace jit
}  // namespace ravel

#endif  // RAVEL_JIT_JIT_H_
