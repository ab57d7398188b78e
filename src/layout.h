// The validated, owned form of a ravel_layout that every internal layer works on.
#ifndef RAVEL_SRC_LAYOUT_H_
#define RAVEL_SRC_LAYOUT_H_

#include <cstdint>

#include "ravel/ravel.h"

namespace ravel {

// Shape and strides in elements (never NULL: dense strides are filled in), elem_size in bytes.
struct Layout {
  int32_t rank = 0;
  int64_t elem_size = 1;
  int64_t shape[RAVEL_MAX_RANK] = {};
  int64_t strides[RAVEL_MAX_RANK] = {};
};

// Byte offsets, relative to the pointer of index (0, ..., 0), of the lowest byte a layout touches
// and one past the highest; lo == hi for an empty layout.
struct ByteSpan {
  int64_t lo = 0;
  int64_t hi = 0;
};

// Fills strides with PyTorch's contiguous strides for shape (size-0 dims count as 1).
// Fails with RAVEL_E_OVERFLOW (naming `name`) if a stride overflows int64.
ravel_status DenseStrides(const int64_t* shape, int32_t rank, int64_t* strides, const char* name);

// Validates a caller's layout and copies it into *out. `name` ("src_layout", ...) prefixes every
// message. Checks: non-NULL, rank in 0..RAVEL_MAX_RANK, elem_size >= 1, shape non-NULL when
// rank > 0, extents >= 0, element count and byte extent within int64.
ravel_status ReadLayout(const ravel_layout* layout, const char* name, Layout* out);

// Number of elements (validated layouts never overflow).
int64_t ElementCount(const Layout& layout);

// The bytes a validated layout touches, relative to its pointer.
ByteSpan SpanOf(const Layout& layout);

// True when [a + a_span.lo, a + a_span.hi) and [b + b_span.lo, b + b_span.hi) share a byte.
bool SpansIntersect(const void* a, ByteSpan a_span, const void* b, ByteSpan b_span);

}  // namespace ravel

#endif  // RAVEL_SRC_LAYOUT_H_
