#include "layout.h"

#include <cstdint>

#include "checked_math.h"
#include "error.h"

namespace ravel {

ravel_status DenseStrides(const int64_t* shape, int32_t rank, int64_t* strides, const char* name) {
  int64_t stride = 1;
  for (int32_t d = rank - 1; d >= 0; --d) {
    strides[d] = stride;
    const int64_t extent = shape[d] > 1 ? shape[d] : 1;
    if (d > 0 && !CheckedMul(stride, extent, &stride)) {
      return Fail(RAVEL_E_OVERFLOW, "%s: dense strides overflow int64 at dim %d", name, d);
    }
  }
  return RAVEL_OK;
}

namespace {

constexpr int32_t kSpanOk = -1;

// The byte span of a non-empty layout. Returns kSpanOk, or the dim whose offset overflows int64
// (layout.rank when only the span's total size does).
int32_t ComputeSpan(const Layout& layout, ByteSpan* span) {
  int64_t lo = 0;
  int64_t hi = 0;
  for (int32_t d = 0; d < layout.rank; ++d) {
    int64_t reach = 0;
    if (!CheckedMul(layout.shape[d] - 1, layout.strides[d], &reach) ||
        !CheckedMul(reach, layout.elem_size, &reach) ||
        !CheckedAdd(reach < 0 ? lo : hi, reach, reach < 0 ? &lo : &hi)) {
      return d;
    }
  }
  int64_t size = 0;
  if (!CheckedAdd(hi, layout.elem_size, &hi) || !CheckedSub(hi, lo, &size)) {
    return layout.rank;
  }
  span->lo = lo;
  span->hi = hi;
  return kSpanOk;
}

}  // namespace

ravel_status ReadLayout(const ravel_layout* layout, const char* name, Layout* out) {
  if (layout == nullptr) {
    return Fail(RAVEL_E_INVALID_ARGUMENT, "%s is NULL", name);
  }
  if (layout->rank < 0 || layout->rank > RAVEL_MAX_RANK) {
    return Fail(RAVEL_E_INVALID_ARGUMENT, "%s->rank is %d; it must be in 0..%d", name, layout->rank,
                RAVEL_MAX_RANK);
  }
  if (layout->elem_size < 1) {
    return Fail(RAVEL_E_INVALID_ARGUMENT, "%s->elem_size is %lld; it must be >= 1", name,
                static_cast<long long>(layout->elem_size));
  }
  if (layout->rank > 0 && layout->shape == nullptr) {
    return Fail(RAVEL_E_INVALID_ARGUMENT, "%s->shape is NULL with rank %d", name, layout->rank);
  }
  const int32_t rank = layout->rank;
  bool empty = false;
  for (int32_t d = 0; d < rank; ++d) {
    if (layout->shape[d] < 0) {
      return Fail(RAVEL_E_INVALID_ARGUMENT, "%s->shape[%d] is %lld; extents must be >= 0", name, d,
                  static_cast<long long>(layout->shape[d]));
    }
    empty = empty || layout->shape[d] == 0;
  }
  if (!empty) {
    int64_t bytes = layout->elem_size;
    for (int32_t d = 0; d < rank; ++d) {
      if (!CheckedMul(bytes, layout->shape[d], &bytes)) {
        return Fail(RAVEL_E_OVERFLOW, "%s: element count times elem_size overflows int64", name);
      }
    }
  }
  out->rank = rank;
  out->elem_size = layout->elem_size;
  for (int32_t d = 0; d < rank; ++d) {
    out->shape[d] = layout->shape[d];
  }
  if (layout->strides == nullptr) {
    const ravel_status dense = DenseStrides(out->shape, rank, out->strides, name);
    if (dense != RAVEL_OK) {
      if (!empty) {
        return dense;
      }
      // An empty layout addresses nothing: dense strides that do not fit int64 are unused.
      ClearError();
      for (int32_t d = 0; d < rank; ++d) {
        out->strides[d] = 0;
      }
    }
  } else {
    for (int32_t d = 0; d < rank; ++d) {
      out->strides[d] = layout->strides[d];
    }
  }
  ByteSpan span;
  const int32_t bad_dim = empty ? kSpanOk : ComputeSpan(*out, &span);
  if (bad_dim == rank) {
    return Fail(RAVEL_E_OVERFLOW, "%s: the byte extent of the strides overflows int64", name);
  }
  if (bad_dim != kSpanOk) {
    return Fail(RAVEL_E_OVERFLOW, "%s->strides[%d] = %lld: byte offsets overflow int64", name,
                bad_dim, static_cast<long long>(out->strides[bad_dim]));
  }
  return RAVEL_OK;
}

int64_t ElementCount(const Layout& layout) {
  for (int32_t d = 0; d < layout.rank; ++d) {
    if (layout.shape[d] == 0) {
      return 0;
    }
  }
  int64_t count = 1;
  for (int32_t d = 0; d < layout.rank; ++d) {
    count *= layout.shape[d];
  }
  return count;
}

ByteSpan SpanOf(const Layout& layout) {
  ByteSpan span;
  if (ElementCount(layout) != 0) {
    ComputeSpan(layout, &span);
  }
  return span;
}

bool SpansIntersect(const void* a, ByteSpan a_span, const void* b, ByteSpan b_span) {
  if (a_span.lo == a_span.hi || b_span.lo == b_span.hi) {
    return false;
  }
  // The spans address real memory, so their first bytes and sizes fit in uintptr_t.
  const uintptr_t a_first = reinterpret_cast<uintptr_t>(a) + static_cast<uintptr_t>(a_span.lo);
  const uintptr_t b_first = reinterpret_cast<uintptr_t>(b) + static_cast<uintptr_t>(b_span.lo);
  const uintptr_t a_size = static_cast<uintptr_t>(a_span.hi - a_span.lo);
  const uintptr_t b_size = static_cast<uintptr_t>(b_span.hi - b_span.lo);
  return a_first <= b_first ? b_first - a_first < a_size : a_first - b_first < b_size;
}

}  // namespace ravel
