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
#include <cstring>
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

  // Reserves the function's entry for the prologue, which FinishPrologue fills in once the body
  // has declared (SaveRegister) the callee-saved registers it writes: only those are pushed.
  // `frame_bytes` (rounded up) are reserved at rsp, leaving rsp 16-byte aligned for calls.
  void Prologue(size_t frame_bytes) {
    frame_bytes_ = (frame_bytes + 15) / 16 * 16;
    prologue_offset_ = getSize();
    for (size_t i = 0; i < kMaxPrologueBytes; ++i) {
      db(kNop);
    }
  }

  // Marks a callee-saved register as written by the body, so that the prologue saves it.
  void SaveRegister(const Xbyak::Reg64& reg) {
    for (size_t i = 0; i < kSavedCount; ++i) {
      if (kSaved[i].getIdx() == reg.getIdx()) {
        saved_mask_ |= 1u << i;
      }
    }
  }

  // Restores what the prologue saved and returns (vzeroupper first: the code uses ymm registers),
  // then writes the prologue into the bytes Prologue reserved. Call once, at the end.
  void Epilogue() {
    if (FrameBytes() > 0) {
      add(rsp, static_cast<uint32_t>(FrameBytes()));
    }
    for (size_t i = kSavedCount; i-- > 0;) {
      if (saved_mask_ & (1u << i)) {
        pop(kSaved[i]);
      }
    }
    vzeroupper();
    ret();
    FinishPrologue();
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
  static constexpr size_t kSavedCount = 6;
  // Six pushes (10 bytes) and `sub rsp, imm32` (7 bytes).
  static constexpr size_t kMaxPrologueBytes = 17;
  static constexpr uint8_t kNop = 0x90;

  // The frame, such that rsp is 16-byte aligned after the pushes (entry rsp is 8 mod 16).
  size_t FrameBytes() const {
    const size_t pushes = static_cast<size_t>(__builtin_popcount(saved_mask_));
    return frame_bytes_ + (pushes % 2 == 0 ? 8 : 0);
  }

  // Encodes the pushes and the frame into the reserved entry bytes, padded with multi-byte NOPs
  // that fall through into the body.
  void FinishPrologue() {
    Xbyak::CodeGenerator prologue(kMaxPrologueBytes, prologue_bytes_);
    for (size_t i = 0; i < kSavedCount; ++i) {
      if (saved_mask_ & (1u << i)) {
        prologue.push(kSaved[i]);
      }
    }
    if (FrameBytes() > 0) {
      prologue.sub(prologue.rsp, static_cast<uint32_t>(FrameBytes()));
    }
    prologue.nop(kMaxPrologueBytes - prologue.getSize());
    std::memcpy(const_cast<uint8_t*>(getCode()) + prologue_offset_, prologue_bytes_,
                kMaxPrologueBytes);
  }

  const Xbyak::Reg64 kSaved[kSavedCount] = {rbx, rbp, r12, r13, r14, r15};
  uint32_t saved_mask_ = 0;
  size_t frame_bytes_ = 0;
  size_t prologue_offset_ = 0;
  uint8_t prologue_bytes_[kMaxPrologueBytes] = {};
};

}  // namespace jit
}  // namespace ravel

#endif  // RAVEL_JIT_GENERATOR_H_
