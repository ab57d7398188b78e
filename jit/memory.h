// Executable memory for generated code, W^X: pages are mapped read+write, filled, then switched
// to read+execute; no page is ever writable and executable at once. Also the observability
// hooks: RAVEL_JIT_DUMP=DIR and RAVEL_JIT_PERFMAP=1.
#ifndef RAVEL_JIT_MEMORY_H_
#define RAVEL_JIT_MEMORY_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "jit/jit.h"

namespace ravel {
namespace jit {

// Copies `size` bytes of position-independent code into fresh pages, makes them read+execute,
// and reports them (dump, perf map). nullptr if mapping or protecting fails.
std::shared_ptr<const Code> MapCode(const uint8_t* code, size_t size, const std::string& name);

}  // namespace jit
}  // namespace ravel

#endif  // RAVEL_JIT_MEMORY_H_
