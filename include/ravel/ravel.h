/* ravel: copy any strided tensor view into a dense (or strided) buffer at the speed of memcpy.
 *
 * The public C ABI. Every function returns a status (RAVEL_OK = 0) or a value; none aborts,
 * exits or prints. On failure nothing is written to the destination and ravel_last_error()
 * names the offending argument. Strides are in elements; negative strides walk backwards from
 * the pointer, zero strides broadcast. */
#ifndef RAVEL_RAVEL_H_
#define RAVEL_RAVEL_H_

#include <stddef.h>
#include <stdint.h>

#define RAVEL_VERSION_MAJOR 0
#define RAVEL_VERSION_MINOR 2
#define RAVEL_VERSION_PATCH 0

#if defined(_WIN32)
#if defined(RAVEL_BUILDING_SHARED)
#define RAVEL_API __declspec(dllexport)
#elif defined(RAVEL_SHARED)
#define RAVEL_API __declspec(dllimport)
#else
#define RAVEL_API
#endif
#else
#define RAVEL_API __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
extern "C" {
#endif

#define RAVEL_MAX_RANK 64

typedef enum ravel_status {
  RAVEL_OK = 0,
  RAVEL_E_INVALID_ARGUMENT = 1,
  RAVEL_E_UNSUPPORTED = 2,
  RAVEL_E_OVERFLOW = 3,
  RAVEL_E_OVERLAP = 4,
  RAVEL_E_OUT_OF_MEMORY = 5,
  RAVEL_E_INTERNAL = 6
} ravel_status;

typedef struct ravel_layout {
  int32_t rank;           /* 0..RAVEL_MAX_RANK */
  int64_t elem_size;      /* bytes, >= 1 */
  const int64_t* shape;   /* rank extents, each >= 0 */
  const int64_t* strides; /* rank strides in elements, any sign, 0 = broadcast; NULL = dense
                             row-major */
} ravel_layout;

typedef enum ravel_backend {
  RAVEL_BACKEND_AUTO = 0,
  RAVEL_BACKEND_JIT = 1,
  RAVEL_BACKEND_HWY = 2,
  RAVEL_BACKEND_REFERENCE = 3
} ravel_backend;

/* The instruction set of the Highway kernels; AUTO = RAVEL_ISA if set, else the best this CPU
   runs. Forcing one the machine cannot run is RAVEL_E_UNSUPPORTED. */
typedef enum ravel_isa {
  RAVEL_ISA_AUTO = 0,
  RAVEL_ISA_SCALAR = 1,
  RAVEL_ISA_SSE4 = 2,
  RAVEL_ISA_AVX2 = 3,
  RAVEL_ISA_AVX512 = 4,
  RAVEL_ISA_NEON = 5,
  RAVEL_ISA_SVE = 6
} ravel_isa;

/* Non-temporal (streaming) stores; AUTO = RAVEL_STREAMING (0/1) if set, else on when the bytes
   the copy touches (source span and destination; the destination alone for transposes that
   write tiles directly) reach a threshold derived from the last-level cache, except for copy
   runs of 16 to 191 bytes and for transposes of 4- or 8-byte elements whose destination rows
   are not whole cache lines, whose rows do not alias in the caches (rows a multiple of 2 KiB
   apart) and which have a side (source or destination row) under 256 bytes, unless another
   dimension continues their destination rows (its destination stride is the rows' bytes): those
   measured faster with regular stores. */
typedef enum ravel_streaming {
  RAVEL_STREAMING_AUTO = 0,
  RAVEL_STREAMING_OFF = 1,
  RAVEL_STREAMING_ON = 2
} ravel_streaming;

typedef struct ravel_options {
  uint32_t struct_size; /* sizeof(ravel_options), so the struct can grow without breaking the ABI */
  int32_t num_threads;  /* 0 = default (RAVEL_NUM_THREADS or all cores), 1 = calling thread only */
  int32_t backend;      /* ravel_backend */
  /* a caller's thread pool; NULL = ravel's own. It must run task(ctx, i) once for every i in
     [0, count), in any order and on any threads, and return when all have finished. */
  void (*parallel_for)(void* pool, void (*task)(void* ctx, size_t index), void* ctx, size_t count);
  void* pool;
  /* Added in 0.2; a struct_size that ends before a field leaves it at its default. */
  int32_t isa;       /* ravel_isa */
  int32_t streaming; /* ravel_streaming */
} ravel_options;

/* The size of the first ravel_options (0.1), still accepted as struct_size. */
#define RAVEL_OPTIONS_SIZE_V1 (offsetof(ravel_options, pool) + sizeof(void*))

typedef struct ravel_plan_s* ravel_plan;

/* Fills *options with the defaults (and struct_size). */
RAVEL_API void ravel_options_init(ravel_options* options);

/* Copies the view (src, src_layout) into (dst, dst_layout); dst_layout NULL = dense row-major of
   the same shape; options NULL = defaults. Plans are cached, so repeated shapes cost a lookup. */
RAVEL_API ravel_status ravel_copy(const void* src, const ravel_layout* src_layout, void* dst,
                                  const ravel_layout* dst_layout, const ravel_options* options);

/* Validates and plans a copy once; *plan is NULL on failure. The plan copies the options,
   including the caller's pool, and may be executed from many threads at once. */
RAVEL_API ravel_status ravel_plan_create(const ravel_layout* src_layout,
                                         const ravel_layout* dst_layout,
                                         const ravel_options* options, ravel_plan* plan);

/* Runs a plan on new pointers. src and dst must not intersect (RAVEL_E_OVERLAP otherwise). */
RAVEL_API ravel_status ravel_plan_execute(ravel_plan plan, const void* src, void* dst);

/* Frees a plan; NULL is a no-op. */
RAVEL_API void ravel_plan_destroy(ravel_plan plan);

/* snprintf-like: the canonical problem, kernel family, tiles, backend, ISA, threads. Returns the
   length of the full description; writes at most size bytes including the terminating NUL. */
RAVEL_API size_t ravel_plan_describe(ravel_plan plan, char* buf, size_t size);

/* The backend a plan runs on (never RAVEL_BACKEND_AUTO), or -1 for a NULL plan. */
RAVEL_API int32_t ravel_plan_backend(ravel_plan plan);

/* The ISA a plan's kernels use (RAVEL_ISA_SCALAR for the reference), or -1 for a NULL plan. */
RAVEL_API int32_t ravel_plan_isa(ravel_plan plan);

/* A static name for a ravel_isa ("auto", "scalar", "sse4", "avx2", "avx512", "neon", "sve"). */
RAVEL_API const char* ravel_isa_name(int32_t isa);

/* 1 if this build has kernels for isa and this CPU runs them, else 0. */
RAVEL_API int ravel_isa_available(int32_t isa);

/* PyTorch's flatten(start_dim, end_dim) / reshape(new_shape) (one -1 allowed), negative dims
   count from the end. Output arrays hold RAVEL_MAX_RANK entries. *is_view = 1: the result is a
   view of the same memory with out_strides; *is_view = 0: no view exists, out_strides are the
   dense strides of the result after a copy. */
RAVEL_API ravel_status ravel_flatten(const ravel_layout* layout, int32_t start_dim, int32_t end_dim,
                                     int64_t* out_shape, int64_t* out_strides, int32_t* out_rank,
                                     int* is_view);
RAVEL_API ravel_status ravel_reshape(const ravel_layout* layout, const int64_t* new_shape,
                                     int32_t new_rank, int64_t* out_shape, int64_t* out_strides,
                                     int* is_view);

/* ---- View algebra ------------------------------------------------------------------------ */

/* A view of memory: offset (in elements) from a base pointer to index (0, ..., 0), with its own
   shape and strides. Every ravel_view_* call edits *view in place and leaves it untouched on
   failure. */
typedef struct ravel_view {
  int32_t rank;
  int64_t elem_size;
  int64_t offset;
  int64_t shape[RAVEL_MAX_RANK];
  int64_t strides[RAVEL_MAX_RANK];
} ravel_view;

/* Marks an omitted start or stop in ravel_view_slice (Python's None). */
#define RAVEL_SLICE_NONE INT64_MIN

/* A view of the whole of layout (offset 0; NULL strides become dense row-major). */
RAVEL_API ravel_status ravel_view_init(ravel_view* view, const ravel_layout* layout);
/* Reorders the dims: new dim i is old dim dims[i] (negative dims count from the end). */
RAVEL_API ravel_status ravel_view_permute(ravel_view* view, const int32_t* dims, int32_t count);
/* Python slicing start:stop:step on one dim; step != 0, may be negative; bounds are clamped. */
RAVEL_API ravel_status ravel_view_slice(ravel_view* view, int32_t dim, int64_t start, int64_t stop,
                                        int64_t step);
/* Integer indexing: removes dim, keeping element index (negative counts from the end). */
RAVEL_API ravel_status ravel_view_select(ravel_view* view, int32_t dim, int64_t index);
/* PyTorch expand: broadcasts size-1 dims (stride 0) and prepends new ones; -1 keeps a dim. */
RAVEL_API ravel_status ravel_view_expand(ravel_view* view, const int64_t* shape, int32_t rank);
/* Reverses the listed dims. */
RAVEL_API ravel_status ravel_view_flip(ravel_view* view, const int32_t* dims, int32_t count);
/* Removes dim if its extent is 1 (a no-op otherwise), as PyTorch's squeeze(dim). */
RAVEL_API ravel_status ravel_view_squeeze(ravel_view* view, int32_t dim);
/* Removes every dim of extent 1, as PyTorch's squeeze(). */
RAVEL_API ravel_status ravel_view_squeeze_all(ravel_view* view);
/* Inserts a dim of extent 1 before position dim (0..rank; negative counts from rank + 1). */
RAVEL_API ravel_status ravel_view_unsqueeze(ravel_view* view, int32_t dim);
/* Replaces shape, strides and offset, as PyTorch's as_strided on the view's base. */
RAVEL_API ravel_status ravel_view_as_strided(ravel_view* view, const int64_t* shape,
                                             const int64_t* strides, int32_t rank, int64_t offset);

/* A layout that reads the view's shape and strides (valid while *view lives). */
static inline ravel_layout ravel_view_layout(const ravel_view* view) {
  ravel_layout layout;
  layout.rank = view->rank;
  layout.elem_size = view->elem_size;
  layout.shape = view->shape;
  layout.strides = view->strides;
  return layout;
}

/* ---- Errors and version ------------------------------------------------------------------ */

/* A static name for a status ("RAVEL_OK", ...). */
RAVEL_API const char* ravel_status_string(ravel_status status);
/* This thread's message for its last failed call ("" if none). */
RAVEL_API const char* ravel_last_error(void);
/* "MAJOR.MINOR.PATCH". */
RAVEL_API const char* ravel_version(void);

/* ---- DLPack ------------------------------------------------------------------------------ */

/* ravel_copy_dlpack and ravel_plan_create_dlpack take DLPack tensors (DLTensor). They live in
   <ravel/ravel_dlpack.h>, which includes <dlpack/dlpack.h>, so that this header never needs it. */

#ifdef __cplusplus
}
#endif

#endif /* RAVEL_RAVEL_H_ */
