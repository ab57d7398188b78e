// Thread-local error messages and the status helpers every layer returns through.
#ifndef RAVEL_SRC_ERROR_H_
#define RAVEL_SRC_ERROR_H_

#include <atomic>
#include <exception>
#include <new>

#include "ravel/ravel.h"

namespace ravel {

// Records a printf-style message as this thread's last error and returns code.
ravel_status Fail(ravel_status code, const char* format, ...) __attribute__((format(printf, 2, 3)));

// Whether any thread has ever recorded a message. Until one has, every thread's message is
// empty and ClearError skips the TLS access.
extern std::atomic<bool> g_any_error;

// Empties this thread's message.
void ClearErrorMessage();

// Clears this thread's last error (called at the start of each public entry point).
inline void ClearError() {
  if (g_any_error.load(std::memory_order_relaxed)) {
    ClearErrorMessage();
  }
}

// This thread's last error message, "" if none.
const char* LastError();

// Returns from the enclosing function when expr yields a status other than RAVEL_OK.
#define RAVEL_RETURN_IF_ERROR(expr)            \
  do {                                         \
    const ravel_status ravel_status_ = (expr); \
    if (ravel_status_ != RAVEL_OK) {           \
      return ravel_status_;                    \
    }                                          \
  } while (0)

// Runs body, turning escaping exceptions into statuses: nothing throws across the C ABI.
template <typename Body>
ravel_status Guarded(Body&& body) {
  ClearError();
  try {
    return body();
  } catch (const std::bad_alloc&) {
    return Fail(RAVEL_E_OUT_OF_MEMORY, "out of memory");
  } catch (const std::exception& error) {
    return Fail(RAVEL_E_INTERNAL, "internal error: %s", error.what());
  } catch (...) {
    return Fail(RAVEL_E_INTERNAL, "internal error");
  }
}

}  // namespace ravel

#endif  // RAVEL_SRC_ERROR_H_
