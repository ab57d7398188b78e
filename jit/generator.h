// The base of every xbyak generator: it owns the ABI (System V x86-64: callee-saved registers,
// one argument, a pointer to a struct, in abi_param1, a 16-byte aligned frame) and emits code
// into a plain buffer that MapCode later copies into read+execute pages.
#ifndef RAVEL_JIT_GENERATOR_H_
#define RAVEL_JIT_GENERATOR_H_

#ifndef XBYAK_NO_OP_NAMES
#define XBYAK_NO_OP_NAMES
#endif
#include <xbyak/xbyak.h>

#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>

#if defined(_WIN32)
#error "the ravel JIT generators emit System V x86-64 code"
#endif

namespace ravel {
namespace jit {

// Thrown by a generator that meets something it cannot encode (e.g. a displacement beyond
// 32 bits); the caller declines the plan.
struct CannotEncode {};

// The heap buffer a generator writes into; a base of Generator so that it exists before the
// CodeGenerator base is constructed on it.
class CodeBuffer {
 public:
  static constexpr size_t kMaxCodeBytes = size_t{96} << 10;

 protected:
  std::unique_ptr<uint8_t[]> buffer_{new uint8_t[kMaxCodeBytes]};
};

class Generator : private CodeBuffer, public Xbyak::CodeGenerator {
 public:
  const uint8_t* code() const { return getCode(); }
  size_t code_size() const { return getSize(); }

 protected:
  // Code goes to an ordinary heap buffer (xbyak's user-buffer mode: no mprotect, no RWX).
  Generator() : Xbyak::CodeGenerator(kMaxCodeBytes, buffer_.get()) {}

  // Saves the callee-saved registers and reserves `frame_bytes` (rounded up) at rsp, leaving rsp
  // 16-byte aligned for calls.
  void Prologue(size_t frame_bytes) {
    for (const Xbyak::Reg64& reg : kSaved) {
      push(reg);
    }
    // Entry rsp is 8 mod 16; six pushes keep it so; the frame adds 8 mod 16.
    frame_bytes_ = (frame_bytes + 15) / 16 * 16 + 8;
    sub(rsp, static_cast<uint32_t>(frame_bytes_));
  }

  // Undoes the prologue and returns (vzeroupper first: the code uses ymm registers).
  void Epilogue() {
    add(rsp, static_cast<uint32_t>(frame_bytes_));
    for (size_t i = sizeof(kSaved) / sizeof(kSaved[0]); i-- > 0;) {
      pop(kSaved[i]);
    }
    vzeroupper();
    ret();
  }

  // reg += value, through `scratch` when value does not fit a sign-extended 32-bit immediate.
  void AddImm(const Xbyak::Reg64& reg, int64_t value, const Xbyak::Reg64& scratch) {
    if (value == 0) {
      return;
    }
    if (FitsInt32(value)) {
      add(reg, static_cast<int32_t>(value));
    } else {
      mov(scratch, value);
      add(reg, scratch);
    }
  }

  // A displacement for an address operand; CannotEncode when it needs more than 32 bits.
  static int32_t Disp(int64_t value) {
    if (!FitsInt32(value)) {
      throw CannotEncode{};
    }
    return static_cast<int32_t>(value);
  }

  static bool FitsInt32(int64_t value) {
    return value >= std::numeric_limits<int32_t>::min() &&
           value <= std::numeric_limits<int32_t>::max();
  }

  // System V x86-64 argument registers (the only ABI these generators target).
  const Xbyak::Reg64 reg_param = rdi;  // the argument struct
  const Xbyak::Reg64 reg_call_param1 = rdi;
  const Xbyak::Reg64 reg_call_param2 = rsi;
  const Xbyak::Reg64 reg_call_param3 = rdx;

 private:
  const Xbyak::Reg64 kSaved[6] = {rbx, rbp, r12, r13, r14, r15};
  size_t frame_bytes_ = 0;
};

}  // namespace jit
}  // namespace ravel

#endif  // RAVEL_JIT_GENERATOR_H_
