// ravel.hpp: a header-only C++17 wrapper over the C ABI in ravel.h. RAII plans, value-type
// layouts and views, exceptions (ravel::Error) or statuses (ravel::Status). It adds no library
// symbol: every function is inline and calls the ravel_* C functions.
//
// Define RAVEL_HPP_NO_PTHREADPOOL to leave out the pthreadpool adapter even when
// <pthreadpool.h> is available.
#ifndef RAVEL_RAVEL_HPP_
#define RAVEL_RAVEL_HPP_

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "ravel.h"

#if !defined(RAVEL_HPP_NO_PTHREADPOOL) && defined(__has_include)
#if __has_include(<pthreadpool.h>)
#include <pthreadpool.h>
#define RAVEL_HPP_HAS_PTHREADPOOL 1
#endif
#endif

namespace ravel {

// Marks an omitted start or stop in View::Slice (Python's None).
inline constexpr int64_t kSliceNone = RAVEL_SLICE_NONE;

// The signature of ravel_options::parallel_for.
using ParallelFor = void (*)(void* pool, void (*task)(void* ctx, size_t index), void* ctx,
                             size_t count);

// ---- Errors -------------------------------------------------------------------------------

// The outcome of a call: a ravel_status and, on failure, the message the library gave.
class [[nodiscard]] Status {
 public:
  // Success.
  Status() = default;
  // A failure (or success) with an explicit message.
  Status(ravel_status code, std::string message) : code_(code), message_(std::move(message)) {}

  // Captures code and, if it is a failure, this thread's ravel_last_error().
  static Status FromCode(ravel_status code) {
    if (code == RAVEL_OK) {
      return Status();
    }
    return Status(code, ravel_last_error());
  }

  // True on success.
  bool ok() const noexcept { return code_ == RAVEL_OK; }
  // The status code (RAVEL_OK on success).
  ravel_status code() const noexcept { return code_; }
  // The library's message ("" on success).
  const std::string& message() const noexcept { return message_; }
  // "RAVEL_E_...: message", or "RAVEL_OK".
  std::string ToString() const {
    std::string text = ravel_status_string(code_);
    if (!message_.empty()) {
      text += ": ";
      text += message_;
    }
    return text;
  }
  // True on success.
  explicit operator bool() const noexcept { return ok(); }

 private:
  ravel_status code_ = RAVEL_OK;
  std::string message_;
};

// The exception the throwing forms raise; what() is status().ToString().
class Error : public std::runtime_error {
 public:
  // An exception carrying a failed status.
  explicit Error(Status status)
      : std::runtime_error(status.ToString()), status_(std::move(status)) {}
  // An exception for code with message.
  Error(ravel_status code, std::string message) : Error(Status(code, std::move(message))) {}

  // The failed status.
  const Status& status() const noexcept { return status_; }
  // The status code.
  ravel_status code() const noexcept { return status_.code(); }

 private:
  Status status_;
};

namespace detail {

// Throws Error with the library's message unless code is RAVEL_OK.
inline void ThrowIfError(ravel_status code) {
  if (code != RAVEL_OK) {
    throw Error(Status::FromCode(code));
  }
}

// Throws Error unless status is ok.
inline void ThrowIfError(const Status& status) {
  if (!status.ok()) {
    throw Error(status);
  }
}

// A list length as a rank; lengths the C ABI could never accept become INT32_MAX.
inline int32_t ToRank(size_t count) noexcept {
  return count > static_cast<size_t>(std::numeric_limits<int32_t>::max())
             ? std::numeric_limits<int32_t>::max()
             : static_cast<int32_t>(count);
}

// A list length checked against RAVEL_MAX_RANK (Error naming what otherwise).
inline int32_t CheckedCount(size_t count, const char* what) {
  if (count > static_cast<size_t>(RAVEL_MAX_RANK)) {
    throw Error(RAVEL_E_INVALID_ARGUMENT, std::string(what) + " has " + std::to_string(count) +
                                              " entries; at most " +
                                              std::to_string(RAVEL_MAX_RANK) + " are allowed");
  }
  return static_cast<int32_t>(count);
}

// *out = a * b; false on int64 overflow.
inline bool MulInt64(int64_t a, int64_t b, int64_t* out) noexcept {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  if (a == 0 || b == 0) {
    *out = 0;
    return true;
  }
  if (a > 0 ? (b > 0 ? a > kMax / b : b < kMin / a) : (b > 0 ? a < kMin / b : a < kMax / b)) {
    return false;
  }
  *out = a * b;
  return true;
}

}  // namespace detail

// ---- Layouts ------------------------------------------------------------------------------

// An owning layout: shape, strides in elements (empty = dense row-major) and elem_size.
class Layout {
 public:
  // A rank-0 layout of one byte.
  Layout() = default;
  // shape with strides (empty = dense row-major); Error if their lengths differ.
  Layout(std::vector<int64_t> shape, std::vector<int64_t> strides, int64_t elem_size)
      : shape_(std::move(shape)), strides_(std::move(strides)), elem_size_(elem_size) {
    if (!strides_.empty() && strides_.size() != shape_.size()) {
      throw Error(RAVEL_E_INVALID_ARGUMENT,
                  "Layout: strides has " + std::to_string(strides_.size()) +
                      " entries but shape has " + std::to_string(shape_.size()));
    }
  }

  // Dense row-major shape (strides() stays empty; the library derives them).
  static Layout Dense(std::vector<int64_t> shape, int64_t elem_size) {
    return Layout(std::move(shape), {}, elem_size);
  }

  // The extents.
  const std::vector<int64_t>& shape() const noexcept { return shape_; }
  // The strides in elements; empty = dense row-major.
  const std::vector<int64_t>& strides() const noexcept { return strides_; }
  // Bytes per element.
  int64_t elem_size() const noexcept { return elem_size_; }
  // The number of dims.
  int32_t rank() const noexcept { return detail::ToRank(shape_.size()); }

  // A ravel_layout pointing into this object (valid while it lives unchanged).
  ravel_layout view() const noexcept {
    ravel_layout layout;
    layout.rank = rank();
    layout.elem_size = elem_size_;
    layout.shape = shape_.data();
    layout.strides = strides_.empty() ? nullptr : strides_.data();
    return layout;
  }

 private:
  std::vector<int64_t> shape_;
  std::vector<int64_t> strides_;
  int64_t elem_size_ = 1;
};

// A non-owning ravel_layout argument: implicit from a Layout or a ravel_layout, which must
// outlive the call.
class LayoutRef {
 public:
  // Refers to layout's arrays.
  // NOLINTNEXTLINE(google-explicit-constructor)
  LayoutRef(const Layout& layout) noexcept : layout_(layout.view()) {}
  // Refers to layout's arrays.
  // NOLINTNEXTLINE(google-explicit-constructor)
  LayoutRef(const ravel_layout& layout) noexcept : layout_(layout) {}

  // The C layout.
  const ravel_layout* get() const noexcept { return &layout_; }

 private:
  ravel_layout layout_;
};

// ---- Options ------------------------------------------------------------------------------

// A builder over ravel_options, starting from ravel_options_init's defaults.
class Options {
 public:
  // The defaults.
  Options() noexcept { ravel_options_init(&options_); }
  // A copy of a caller-filled struct.
  explicit Options(const ravel_options& options) noexcept : options_(options) {}

  // Threads to split the copy over: 0 = default, 1 = calling thread only.
  Options& threads(int32_t count) noexcept {
    options_.num_threads = count;
    return *this;
  }
  // The backend (AUTO lets ravel choose).
  Options& backend(ravel_backend value) noexcept {
    options_.backend = static_cast<int32_t>(value);
    return *this;
  }
  // The Highway ISA (AUTO = RAVEL_ISA or the best available).
  Options& isa(ravel_isa value) noexcept {
    options_.isa = static_cast<int32_t>(value);
    return *this;
  }
  // Non-temporal stores: AUTO, OFF or ON.
  Options& streaming(ravel_streaming value) noexcept {
    options_.streaming = static_cast<int32_t>(value);
    return *this;
  }
  // Runs tasks through a caller's pool; fn NULL = ravel's own pool.
  Options& parallel_for(ParallelFor fn, void* pool) noexcept {
    options_.parallel_for = fn;
    options_.pool = pool;
    return *this;
  }
  // The C struct.
  const ravel_options& raw() const noexcept { return options_; }
  // The C struct, for ravel_* calls.
  const ravel_options* get() const noexcept { return &options_; }

 private:
  ravel_options options_;
};

#if defined(RAVEL_HPP_HAS_PTHREADPOOL)
namespace detail {

// A ravel parallel_for that runs on the pthreadpool passed as pool.
inline void PthreadpoolParallelFor(void* pool, void (*task)(void* ctx, size_t index), void* ctx,
                                   size_t count) {
  pthreadpool_parallelize_1d(static_cast<pthreadpool_t>(pool), task, ctx, count, 0);
}

}  // namespace detail

// options with ravel's tasks run on a caller's pthreadpool (NULL = the calling thread); if
// options leave the thread count at 0, the copy is split into one task per pool thread.
inline Options PthreadpoolOptions(pthreadpool_t pool, Options options = Options()) {
  options.parallel_for(&detail::PthreadpoolParallelFor, pool);
  if (options.raw().num_threads == 0) {
    options.threads(detail::ToRank(pthreadpool_get_threads_count(pool)));
  }
  return options;
}
#endif  // RAVEL_HPP_HAS_PTHREADPOOL

// ---- Copies -------------------------------------------------------------------------------

// Copies (src, src_layout) into (dst, dst_layout); nothing is written on failure.
inline Status TryCopy(const void* src, LayoutRef src_layout, void* dst, LayoutRef dst_layout,
                      const Options& options = Options()) {
  return Status::FromCode(ravel_copy(src, src_layout.get(), dst, dst_layout.get(), options.get()));
}

// Copies (src, src_layout) into dense row-major dst; nothing is written on failure.
inline Status TryCopy(const void* src, LayoutRef src_layout, void* dst,
                      const Options& options = Options()) {
  return Status::FromCode(ravel_copy(src, src_layout.get(), dst, nullptr, options.get()));
}

// TryCopy into (dst, dst_layout), throwing Error on failure.
inline void Copy(const void* src, LayoutRef src_layout, void* dst, LayoutRef dst_layout,
                 const Options& options = Options()) {
  detail::ThrowIfError(ravel_copy(src, src_layout.get(), dst, dst_layout.get(), options.get()));
}

// TryCopy into dense row-major dst, throwing Error on failure.
inline void Copy(const void* src, LayoutRef src_layout, void* dst,
                 const Options& options = Options()) {
  detail::ThrowIfError(ravel_copy(src, src_layout.get(), dst, nullptr, options.get()));
}

// ---- Plans --------------------------------------------------------------------------------

// Unique owner of a ravel_plan: a copy validated and planned once, executed many times.
class Plan {
 public:
  // An empty plan (executing it fails).
  Plan() noexcept = default;
  // Takes ownership of plan.
  explicit Plan(ravel_plan plan) noexcept : plan_(plan) {}
  Plan(Plan&& other) noexcept : plan_(other.release()) {}
  Plan& operator=(Plan&& other) noexcept {
    reset(other.release());
    return *this;
  }
  Plan(const Plan&) = delete;
  Plan& operator=(const Plan&) = delete;
  ~Plan() { ravel_plan_destroy(plan_); }

  // Plans src_layout -> dst_layout into *plan (empty on failure).
  static Status TryCreate(LayoutRef src_layout, LayoutRef dst_layout, const Options& options,
                          Plan* plan) {
    ravel_plan raw = nullptr;
    const ravel_status code =
        ravel_plan_create(src_layout.get(), dst_layout.get(), options.get(), &raw);
    plan->reset(raw);
    return Status::FromCode(code);
  }
  // Plans src_layout -> dense row-major into *plan (empty on failure).
  static Status TryCreate(LayoutRef src_layout, const Options& options, Plan* plan) {
    ravel_plan raw = nullptr;
    const ravel_status code = ravel_plan_create(src_layout.get(), nullptr, options.get(), &raw);
    plan->reset(raw);
    return Status::FromCode(code);
  }
  // Plans src_layout -> dst_layout; Error on failure.
  static Plan Create(LayoutRef src_layout, LayoutRef dst_layout,
                     const Options& options = Options()) {
    Plan plan;
    detail::ThrowIfError(TryCreate(src_layout, dst_layout, options, &plan));
    return plan;
  }
  // Plans src_layout -> dense row-major; Error on failure.
  static Plan Create(LayoutRef src_layout, const Options& options = Options()) {
    Plan plan;
    detail::ThrowIfError(TryCreate(src_layout, options, &plan));
    return plan;
  }

  // Runs the plan from src to dst; nothing is written on failure.
  Status TryExecute(const void* src, void* dst) const {
    return Status::FromCode(ravel_plan_execute(plan_, src, dst));
  }
  // Runs the plan from src to dst; Error on failure.
  void Execute(const void* src, void* dst) const {
    detail::ThrowIfError(ravel_plan_execute(plan_, src, dst));
  }

  // The problem, kernel family, tiles, backend, ISA and threads, as one line.
  std::string Describe() const {
    const size_t length = ravel_plan_describe(plan_, nullptr, 0);
    std::string text(length + 1, '\0');
    ravel_plan_describe(plan_, &text[0], text.size());
    text.resize(length);
    return text;
  }
  // The backend the plan runs on; RAVEL_BACKEND_AUTO for an empty plan.
  ravel_backend backend() const noexcept {
    return plan_ == nullptr ? RAVEL_BACKEND_AUTO
                            : static_cast<ravel_backend>(ravel_plan_backend(plan_));
  }
  // The ISA of the plan's kernels; RAVEL_ISA_AUTO for an empty plan.
  ravel_isa isa() const noexcept {
    return plan_ == nullptr ? RAVEL_ISA_AUTO : static_cast<ravel_isa>(ravel_plan_isa(plan_));
  }

  // True unless empty.
  explicit operator bool() const noexcept { return plan_ != nullptr; }
  // The C handle (still owned).
  ravel_plan get() const noexcept { return plan_; }
  // Gives up ownership of the C handle, leaving the plan empty.
  ravel_plan release() noexcept {
    ravel_plan plan = plan_;
    plan_ = nullptr;
    return plan;
  }
  // Destroys the current plan and owns plan instead.
  void reset(ravel_plan plan = nullptr) noexcept {
    if (plan != plan_) {
      ravel_plan_destroy(plan_);
      plan_ = plan;
    }
  }

 private:
  ravel_plan plan_ = nullptr;
};

// ---- Views --------------------------------------------------------------------------------

struct ReshapeResult;

// A view of memory: an offset in elements from a base pointer, shape and strides, edited in
// place by PyTorch-like methods that throw Error and leave the view unchanged on failure.
class View {
 public:
  // A rank-0 view of one byte at offset 0.
  View() noexcept : view_() { view_.elem_size = 1; }
  // The whole of layout at offset 0 (empty strides = dense row-major); Error if it is invalid.
  explicit View(LayoutRef layout) : view_() {
    detail::ThrowIfError(ravel_view_init(&view_, layout.get()));
  }
  // A copy of a C view, taken as is.
  explicit View(const ravel_view& view) noexcept : view_(view) {}

  // The whole of a dense row-major buffer of shape.
  static View Dense(std::vector<int64_t> shape, int64_t elem_size) {
    return View(Layout::Dense(std::move(shape), elem_size));
  }

  // New dim i is old dim dims[i] (negative dims count from the end).
  View& Permute(std::initializer_list<int32_t> dims) { return Permute(dims.begin(), dims.size()); }
  // New dim i is old dim dims[i] (negative dims count from the end).
  View& Permute(const std::vector<int32_t>& dims) { return Permute(dims.data(), dims.size()); }
  // Python's [start:stop:step] on dim; kSliceNone omits a bound; bounds are clamped.
  View& Slice(int32_t dim, int64_t start, int64_t stop, int64_t step = 1) {
    return Apply([&](ravel_view* view) { return ravel_view_slice(view, dim, start, stop, step); });
  }
  // Integer indexing: removes dim, keeping element index (negative counts from the end).
  View& Select(int32_t dim, int64_t index) {
    return Apply([&](ravel_view* view) { return ravel_view_select(view, dim, index); });
  }
  // PyTorch's expand: broadcasts size-1 dims, prepends new ones; -1 keeps a dim.
  View& Expand(std::initializer_list<int64_t> shape) { return Expand(shape.begin(), shape.size()); }
  // PyTorch's expand: broadcasts size-1 dims, prepends new ones; -1 keeps a dim.
  View& Expand(const std::vector<int64_t>& shape) { return Expand(shape.data(), shape.size()); }
  // Reverses the listed dims.
  View& Flip(std::initializer_list<int32_t> dims) { return Flip(dims.begin(), dims.size()); }
  // Reverses the listed dims.
  View& Flip(const std::vector<int32_t>& dims) { return Flip(dims.data(), dims.size()); }
  // Removes every dim of extent 1.
  View& Squeeze() {
    return Apply([](ravel_view* view) { return ravel_view_squeeze_all(view); });
  }
  // Removes dim if its extent is 1 (a no-op otherwise).
  View& Squeeze(int32_t dim) {
    return Apply([&](ravel_view* view) { return ravel_view_squeeze(view, dim); });
  }
  // Inserts a dim of extent 1 before position dim (negative counts from rank + 1).
  View& Unsqueeze(int32_t dim) {
    return Apply([&](ravel_view* view) { return ravel_view_unsqueeze(view, dim); });
  }
  // Replaces shape, strides and offset (relative to the base), as PyTorch's as_strided.
  View& AsStrided(const std::vector<int64_t>& shape, const std::vector<int64_t>& strides,
                  int64_t offset) {
    const int32_t rank = detail::CheckedCount(shape.size(), "AsStrided: shape");
    if (strides.size() != shape.size()) {
      throw Error(RAVEL_E_INVALID_ARGUMENT,
                  "AsStrided: strides has " + std::to_string(strides.size()) +
                      " entries but shape has " + std::to_string(shape.size()));
    }
    return Apply([&](ravel_view* view) {
      return ravel_view_as_strided(view, shape.data(), strides.data(), rank, offset);
    });
  }
  // Swaps dims i and j (negative dims count from the end).
  View& Transpose(int32_t i, int32_t j) {
    const int32_t a = NormalizeDim(i, "Transpose");
    const int32_t b = NormalizeDim(j, "Transpose");
    int32_t dims[RAVEL_MAX_RANK];
    for (int32_t d = 0; d < view_.rank; ++d) {
      dims[d] = d;
    }
    dims[a] = b;
    dims[b] = a;
    return Permute(dims, static_cast<size_t>(view_.rank));
  }
  // Reverses the order of the dims, as PyTorch's .T (for a matrix, its transpose).
  View& T() {
    int32_t dims[RAVEL_MAX_RANK];
    for (int32_t d = 0; d < view_.rank; ++d) {
      dims[d] = view_.rank - 1 - d;
    }
    return view_.rank < 2 ? *this : Permute(dims, static_cast<size_t>(view_.rank));
  }

  // PyTorch's flatten(start_dim, end_dim) as a view when strides allow, else a copy's layout.
  ReshapeResult Flatten(int32_t start_dim = 0, int32_t end_dim = -1) const;
  // PyTorch's reshape(shape) (one -1 allowed) as a view when strides allow, else a copy's layout.
  ReshapeResult Reshape(const std::vector<int64_t>& shape) const;

  // The number of dims.
  int32_t rank() const noexcept { return view_.rank; }
  // Bytes per element.
  int64_t elem_size() const noexcept { return view_.elem_size; }
  // Elements from the base pointer to index (0, ..., 0).
  int64_t offset() const noexcept { return view_.offset; }
  // The extents.
  std::vector<int64_t> shape() const { return {view_.shape, view_.shape + view_.rank}; }
  // The strides in elements.
  std::vector<int64_t> strides() const { return {view_.strides, view_.strides + view_.rank}; }
  // The number of elements; Error (RAVEL_E_OVERFLOW) if it exceeds int64.
  int64_t numel() const {
    int64_t count = 1;
    for (int32_t d = 0; d < view_.rank; ++d) {
      if (!detail::MulInt64(count, view_.shape[d], &count)) {
        throw Error(RAVEL_E_OVERFLOW, "View::numel: the element count overflows int64");
      }
    }
    return count;
  }
  // A layout reading this view's shape and strides (valid while it lives unchanged).
  ravel_layout layout() const noexcept { return ravel_view_layout(&view_); }
  // The C view.
  const ravel_view& raw() const noexcept { return view_; }

 private:
  // Runs edit on a copy of the view and keeps the result only if it succeeds.
  template <typename Edit>
  View& Apply(Edit edit) {
    ravel_view next = view_;
    detail::ThrowIfError(edit(&next));
    view_ = next;
    return *this;
  }
  View& Permute(const int32_t* dims, size_t count) {
    const int32_t n = detail::CheckedCount(count, "Permute: dims");
    return Apply([&](ravel_view* view) { return ravel_view_permute(view, dims, n); });
  }
  View& Expand(const int64_t* shape, size_t count) {
    const int32_t n = detail::CheckedCount(count, "Expand: shape");
    return Apply([&](ravel_view* view) { return ravel_view_expand(view, shape, n); });
  }
  View& Flip(const int32_t* dims, size_t count) {
    const int32_t n = detail::CheckedCount(count, "Flip: dims");
    return Apply([&](ravel_view* view) { return ravel_view_flip(view, dims, n); });
  }
  // dim in 0..rank-1 (negative counts from the end), else Error naming caller.
  int32_t NormalizeDim(int32_t dim, const char* caller) const {
    const int64_t normalized = dim < 0 ? int64_t{dim} + view_.rank : int64_t{dim};
    if (normalized < 0 || normalized >= view_.rank) {
      throw Error(RAVEL_E_INVALID_ARGUMENT, std::string(caller) + ": dim " + std::to_string(dim) +
                                                " is out of range for rank " +
                                                std::to_string(view_.rank));
    }
    return static_cast<int32_t>(normalized);
  }

  ravel_view view_;
};

// The outcome of View::Flatten / View::Reshape. is_view: `view` reads the same memory (same
// offset); otherwise no view exists and `view` is the dense layout (offset 0) of a copy, e.g.
// one made by Contiguous.
struct ReshapeResult {
  View view;
  bool is_view = false;
};

inline ReshapeResult View::Flatten(int32_t start_dim, int32_t end_dim) const {
  const ravel_layout src = layout();
  ravel_view out = view_;
  int is_view = 0;
  detail::ThrowIfError(
      ravel_flatten(&src, start_dim, end_dim, out.shape, out.strides, &out.rank, &is_view));
  out.offset = is_view != 0 ? view_.offset : 0;
  return ReshapeResult{View(out), is_view != 0};
}

inline ReshapeResult View::Reshape(const std::vector<int64_t>& shape) const {
  const int32_t rank = detail::CheckedCount(shape.size(), "Reshape: shape");
  const ravel_layout src = layout();
  ravel_view out = view_;
  int is_view = 0;
  detail::ThrowIfError(ravel_reshape(&src, shape.data(), rank, out.shape, out.strides, &is_view));
  out.rank = rank;
  out.offset = is_view != 0 ? view_.offset : 0;
  return ReshapeResult{View(out), is_view != 0};
}

// Copies view (read from base pointer src, offset applied) into dense row-major dst.
inline Status TryContiguous(const void* src, const View& view, void* dst,
                            const Options& options = Options()) {
  int64_t bytes = 0;
  if (!detail::MulInt64(view.offset(), view.elem_size(), &bytes)) {
    return Status(RAVEL_E_OVERFLOW, "Contiguous: view offset times elem_size overflows int64");
  }
  const void* start =
      src == nullptr ? nullptr : static_cast<const void*>(static_cast<const char*>(src) + bytes);
  const ravel_layout layout = view.layout();
  return Status::FromCode(ravel_copy(start, &layout, dst, nullptr, options.get()));
}

// TryContiguous, throwing Error on failure.
inline void Contiguous(const void* src, const View& view, void* dst,
                       const Options& options = Options()) {
  detail::ThrowIfError(TryContiguous(src, view, dst, options));
}

}  // namespace ravel

#endif  // RAVEL_RAVEL_HPP_
