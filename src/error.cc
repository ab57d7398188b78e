#include "error.h"

#include <cstdarg>
#include <cstdio>

namespace ravel {
namespace {

constexpr size_t kMessageCapacity = 512;
thread_local char g_last_error[kMessageCapacity] = "";

}  // namespace

// The thread that records a message sets this itself, so it always sees its own message as
// needing a clear.
std::atomic<bool> g_any_error{false};

ravel_status Fail(ravel_status code, const char* format, ...) {
  va_list args;
  va_start(args, format);
  std::vsnprintf(g_last_error, kMessageCapacity, format, args);
  va_end(args);
  g_any_error.store(true, std::memory_order_relaxed);
  return code;
}

void ClearErrorMessage() { g_last_error[0] = '\0'; }

const char* LastError() { return g_last_error; }

}  // namespace ravel
