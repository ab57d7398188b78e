// Overflow-checked int64 arithmetic: each returns false instead of wrapping.
#ifndef RAVEL_SRC_CHECKED_MATH_H_
#define RAVEL_SRC_CHECKED_MATH_H_

#include <cstdint>

namespace ravel {

// *out = a * b; false on int64 overflow.
inline bool CheckedMul(int64_t a, int64_t b, int64_t* out) {
  return !__builtin_mul_overflow(a, b, out);
}

// *out = a + b; false on int64 overflow.
inline bool CheckedAdd(int64_t a, int64_t b, int64_t* out) {
  return !__builtin_add_overflow(a, b, out);
}

// *out = a - b; false on int64 overflow.
inline bool CheckedSub(int64_t a, int64_t b, int64_t* out) {
  return !__builtin_sub_overflow(a, b, out);
}

}  // namespace ravel

#endif  // RAVEL_SRC_CHECKED_MATH_H_
