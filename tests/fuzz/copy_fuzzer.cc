// libFuzzer target for ravel_copy and plans. Each input decodes into a source layout, a
// destination layout (NULL = dense, strided, or placed in the source's own buffer), options
// (backend, ISA among those this CPU runs, 1-2 threads, streaming, a caller's pool) and data.
// A model of the API, written here from the header's contract, predicts the status; an index
// loop written here computes the result. Every call must either write exactly that result and
// nothing else, or return a predicted error with a message and leave every byte of the
// destination as it was. Buffers sit flush against PROT_NONE pages (and the slack around them
// is poisoned for ASan), so a read or write outside a view crashes.
//
// Input format (bytes read in order; missing bytes read as 0):
//   mode:  bits 0-1 call (0, 3: ravel_copy; 1: ravel_copy twice, then once more after a change
//          to the layouts, see Changed; 2: plan create + describe + execute)
//          bit 2    layouts are raw values (else built from views: permutes, steps, flips, pads)
//          bits 3-4 dst (0: NULL layout; 1: strided; 2: strided, in the source's buffer; 3: NULL)
//          bits 5-7 0-2: buffers against their end page; 3-5: against their start page, then
//                   misaligned; 6: dst pointer NULL; 7: src pointer NULL
//   opts:  bits 0-1 backend (auto, hwy, reference, jit); bits 2-3 ISA (auto, then the available
//          ones, modulo); bit 4 two threads; bits 5-6 streaming (auto, off, on, auto);
//          bit 7: five raw bytes follow (struct_size choice, backend, isa, streaming, threads)
//   shape: bits 0-2 elem_size (1, 2, 4, 8, 16, 3, 12, 6); bits 3-5 rank; bits 6-7 caller's pool
//          (none, reverse order, shuffled order, two std::threads)
//   view layouts: per dim 4 bytes (extent, src dim, dst dim, permutation)
//   raw layouts:  a flags byte, an elem_size byte, then per dim an extent and a stride byte,
//                 for src and then (dst kinds 1 and 2) for dst; see ReadRawLayout
//   then placement bytes (src misalignment, dst misalignment, shared side, shared delta), the
//   describe buffer size, the change (call 1), and the rest seeds the data.
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <thread>
#include <vector>

#include "ravel/ravel.h"

#if defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RAVEL_FUZZ_ASAN 1
#endif
#endif
#if defined(__SANITIZE_ADDRESS__)
#define RAVEL_FUZZ_ASAN 1
#endif
#ifdef RAVEL_FUZZ_ASAN
#include <sanitizer/asan_interface.h>
#endif

namespace {

using Int128 = __int128;

constexpr Int128 kInt64Max = INT64_MAX;
constexpr int64_t kMaxCount = int64_t{1} << 18;            // elements of a copy that is executed
constexpr int64_t kMaxCopyBytes = int64_t{1} << 20;        // bytes of a copy that is executed
constexpr int64_t kMaxSpanBytes = int64_t{8} << 20;        // bytes a view may span to be executed
constexpr int64_t kMaxAliasCheckCount = int64_t{1} << 18;  // dst indices checked pairwise
constexpr int64_t kOverlapWorkLimit = int64_t{1} << 20;    // ravel's self-overlap search budget
constexpr int32_t kStoredDims = RAVEL_MAX_RANK + 2;  // dims stored for a raw rank beyond the max
constexpr int32_t kMaxViewRank = 7;
constexpr size_t kCanaryPeriod = 251;

[[noreturn]] void Finding(const char* what) {
  std::fprintf(stderr, "copy_fuzzer finding: %s (last error: \"%s\")\n", what, ravel_last_error());
  std::abort();
}

void Check(bool ok, const char* what) {
  if (!ok) {
    Finding(what);
  }
}

// Sequential bytes of the input; past the end every read is 0.
class Reader {
 public:
  Reader(const uint8_t* data, size_t size) : data_(data), size_(size) {}

  uint8_t Byte() { return pos_ < size_ ? data_[pos_++] : 0; }

  uint64_t U64() {
    uint64_t value = 0;
    for (int i = 0; i < 8; ++i) {
      value |= uint64_t{Byte()} << (8 * i);
    }
    return value;
  }

  // A hash of the unread bytes (the data seed).
  uint64_t RestHash() {
    uint64_t hash = 0x9e3779b97f4a7c15ull;
    while (pos_ < size_) {
      hash = (hash ^ data_[pos_++]) * 0x100000001b3ull;
    }
    return hash;
  }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
};

// Values that sit on the edges of int32, int64 and their products.
const int64_t kInteresting[] = {
    0,
    1,
    -1,
    2,
    3,
    7,
    8,
    15,
    16,
    17,
    31,
    32,
    33,
    64,
    255,
    256,
    4097,
    65536,
    INT32_MAX,
    int64_t{INT32_MAX} + 1,
    INT32_MIN,
    int64_t{INT32_MIN} - 1,
    int64_t{1} << 32,
    (int64_t{1} << 32) + 1,
    3037000499,  // floor(sqrt(INT64_MAX))
    3037000500,
    int64_t{1} << 62,
    -(int64_t{1} << 62),
    INT64_MAX,
    INT64_MAX - 1,
    INT64_MIN,
    INT64_MIN + 1,
    INT64_MAX / 2,
    INT64_MAX / 2 + 1,
    INT64_MAX / 3,
    -(INT64_MAX / 2),
    INT64_MAX / 16,
    int64_t{1} << 40,
    -(int64_t{1} << 40),
    int64_t{1} << 59,
};

// A small value (-64..63), an interesting one, or 8 raw bytes.
int64_t RawValue(Reader& in) {
  const uint8_t b = in.Byte();
  if (b < 0x80) {
    return int64_t{b} - 0x40;
  }
  if (b < 0xF8) {
    return kInteresting[(b - 0x80) % (sizeof(kInteresting) / sizeof(kInteresting[0]))];
  }
  return static_cast<int64_t>(in.U64());
}

// A layout as a caller would pass it, with storage for its arrays.
struct FuzzLayout {
  int32_t rank = 0;
  int64_t elem_size = 1;
  std::vector<int64_t> shape;
  std::vector<int64_t> strides;
  bool shape_null = false;
  bool strides_null = false;

  ravel_layout View() const {
    return ravel_layout{rank, elem_size, shape_null ? nullptr : shape.data(),
                        strides_null ? nullptr : strides.data()};
  }
};

// What ravel_layout validation must conclude, from the header's contract: the status, and for a
// valid layout its strides (dense filled in), element count and byte span around the pointer.
struct LayoutModel {
  ravel_status status = RAVEL_OK;
  int64_t count = 0;
  std::vector<int64_t> strides;
  Int128 lo = 0;  // bytes, relative to the pointer; hi is one past the last
  Int128 hi = 0;
};

LayoutModel ModelLayout(const FuzzLayout& layout) {
  LayoutModel model;
  if (layout.rank < 0 || layout.rank > RAVEL_MAX_RANK || layout.elem_size < 1 ||
      (layout.rank > 0 && layout.shape_null)) {
    model.status = RAVEL_E_INVALID_ARGUMENT;
    return model;
  }
  const int32_t rank = layout.rank;
  bool empty = false;
  for (int32_t d = 0; d < rank; ++d) {
    if (layout.shape[d] < 0) {
      model.status = RAVEL_E_INVALID_ARGUMENT;
      return model;
    }
    empty = empty || layout.shape[d] == 0;
  }
  if (!empty) {
    Int128 bytes = layout.elem_size;
    for (int32_t d = 0; d < rank; ++d) {
      bytes *= layout.shape[d];
      if (bytes > kInt64Max) {
        model.status = RAVEL_E_OVERFLOW;
        return model;
      }
    }
    model.count = static_cast<int64_t>(bytes / layout.elem_size);
  }
  model.strides.assign(static_cast<size_t>(rank), 0);
  if (layout.strides_null) {
    Int128 stride = 1;
    for (int32_t d = rank - 1; d >= 0; --d) {
      model.strides[d] = static_cast<int64_t>(stride);
      stride *= std::max<int64_t>(layout.shape[d], 1);
      if (d > 0 && stride > kInt64Max) {
        if (!empty) {
          model.status = RAVEL_E_OVERFLOW;
          return model;
        }
        // An empty layout addresses nothing: dense strides that do not fit are not an error.
        std::fill(model.strides.begin(), model.strides.end(), 0);
        break;
      }
    }
  } else {
    std::copy(layout.strides.begin(), layout.strides.begin() + rank, model.strides.begin());
  }
  if (empty) {
    return model;
  }
  for (int32_t d = 0; d < rank; ++d) {
    const Int128 steps = Int128{layout.shape[d] - 1} * model.strides[d];
    if (steps > kInt64Max || -steps > kInt64Max + 1) {
      model.status = RAVEL_E_OVERFLOW;
      return model;
    }
    const Int128 reach = steps * layout.elem_size;
    if (reach > kInt64Max || -reach > kInt64Max + 1) {
      model.status = RAVEL_E_OVERFLOW;
      return model;
    }
    (reach < 0 ? model.lo : model.hi) += reach;
  }
  model.hi += layout.elem_size;
  // Every partial offset of ravel's computation is bounded by the span's size.
  if (model.hi - model.lo > kInt64Max) {
    model.status = RAVEL_E_OVERFLOW;
  }
  return model;
}

// Element offsets of every index, in row-major index order.
std::vector<int64_t> IndexOffsets(const FuzzLayout& layout, const std::vector<int64_t>& strides,
                                  int64_t count) {
  std::vector<int64_t> offsets;
  offsets.reserve(static_cast<size_t>(count));
  if (count == 0) {
    return offsets;
  }
  const int32_t rank = layout.rank;
  std::vector<int64_t> index(static_cast<size_t>(rank), 0);
  int64_t offset = 0;
  for (int64_t i = 0; i < count; ++i) {
    offsets.push_back(offset);
    for (int32_t d = rank - 1; d >= 0; --d) {
      offset += strides[d];
      if (++index[d] < layout.shape[d]) {
        break;
      }
      offset -= layout.shape[d] * strides[d];
      index[d] = 0;
    }
  }
  return offsets;
}

// 1 if two indices of a valid layout share an element, 0 if not, -1 if too large to check.
int DstAliases(const FuzzLayout& layout, const LayoutModel& model) {
  if (model.count <= 1) {
    return 0;
  }
  if (model.count > kMaxAliasCheckCount) {
    return -1;
  }
  std::vector<int64_t> offsets = IndexOffsets(layout, model.strides, model.count);
  std::sort(offsets.begin(), offsets.end());
  return std::adjacent_find(offsets.begin(), offsets.end()) != offsets.end() ? 1 : 0;
}

// True when ravel's bounded search may give up on this layout (then it must report overlap).
bool OverlapSearchMayGiveUp(const FuzzLayout& layout) {
  Int128 work = 1;
  for (int32_t d = 0; d < layout.rank; ++d) {
    work *= 2 * Int128{layout.shape[d]} - 1;
    if (work > kOverlapWorkLimit) {
      return true;
    }
  }
  return false;
}

// ---- Decoding ---------------------------------------------------------------------------------

const int64_t kElemSizes[8] = {1, 2, 4, 8, 16, 3, 12, 6};
const int64_t kLargeExtents[32] = {
    0,   20,   31,   32,   33,   47,   48,   63,    64,      65, 100, 127, 128, 129, 255, 256,
    257, 1000, 1023, 1024, 1025, 4096, 4097, 65536, 1 << 18, 3,  2,   1,   5,   9,   13,  24};
const int64_t kSteps[4] = {1, 1, 2, 3};
const int64_t kPads[8] = {0, 0, 0, 1, 1, 2, 3, 7};

// A dim of a view of a dense base tensor: step, flip, broadcast, padding of the base.
struct DimSpec {
  int64_t step = 1;
  bool flip = false;
  bool broadcast = false;
  int64_t pad = 0;
};

DimSpec DecodeDim(uint8_t b, bool allow_broadcast) {
  DimSpec dim;
  dim.step = kSteps[b & 3];
  dim.flip = (b & 4) != 0;
  dim.broadcast = allow_broadcast && ((b >> 3) & 3) == 3;
  dim.pad = kPads[b >> 5];
  return dim;
}

// Strides of a view whose dim d is axis perm[d] of a dense base (axes in memory order).
std::vector<int64_t> ViewStrides(const std::vector<int64_t>& shape,
                                 const std::vector<DimSpec>& dims, const std::vector<int>& perm) {
  const size_t rank = shape.size();
  std::vector<int64_t> base_extent(rank);
  for (size_t d = 0; d < rank; ++d) {
    base_extent[perm[d]] = std::max<int64_t>(shape[d], 1) * dims[d].step + dims[d].pad;
  }
  std::vector<int64_t> base_stride(rank);
  int64_t stride = 1;
  for (size_t axis = rank; axis-- > 0;) {
    base_stride[axis] = stride;
    stride *= base_extent[axis];
  }
  std::vector<int64_t> strides(rank);
  for (size_t d = 0; d < rank; ++d) {
    const int64_t s = base_stride[perm[d]] * dims[d].step;
    strides[d] = dims[d].broadcast ? 0 : (dims[d].flip ? -s : s);
  }
  return strides;
}

std::vector<int> Permutation(const std::vector<uint8_t>& choices, int shift) {
  std::vector<int> perm(choices.size());
  for (size_t i = 0; i < perm.size(); ++i) {
    perm[i] = static_cast<int>(i);
  }
  for (size_t i = perm.size(); i-- > 1;) {
    std::swap(perm[i], perm[((choices[i] >> shift) & 15) % (i + 1)]);
  }
  return perm;
}

Int128 SpanBytes(const std::vector<int64_t>& shape, const std::vector<int64_t>& strides,
                 int64_t elem) {
  Int128 span = elem;
  for (size_t d = 0; d < shape.size(); ++d) {
    const Int128 reach = Int128{std::max<int64_t>(shape[d], 1) - 1} * strides[d] * elem;
    span += reach < 0 ? -reach : reach;
  }
  return span;
}

// Source and destination as views of dense bases, shrunk until the copy is small enough.
void DecodeViewLayouts(Reader& in, int32_t rank, int64_t elem, bool strided_dst, FuzzLayout* src,
                       FuzzLayout* dst) {
  std::vector<int64_t> shape(static_cast<size_t>(rank));
  std::vector<DimSpec> src_dims(shape.size());
  std::vector<DimSpec> dst_dims(shape.size());
  std::vector<uint8_t> perm_choices(shape.size());
  for (int32_t d = 0; d < rank; ++d) {
    const uint8_t extent = in.Byte();
    shape[d] = extent < 0xE0 ? 1 + extent % 19 : kLargeExtents[extent - 0xE0];
    src_dims[d] = DecodeDim(in.Byte(), /*allow_broadcast=*/true);
    dst_dims[d] = DecodeDim(in.Byte(), /*allow_broadcast=*/false);
    perm_choices[d] = in.Byte();
  }
  const std::vector<int> src_perm = Permutation(perm_choices, 0);
  const std::vector<int> dst_perm = Permutation(perm_choices, 4);
  const auto count_of = [&shape] {
    Int128 count = 1;
    for (int64_t extent : shape) {
      count *= extent;
    }
    return count;
  };
  // Bound the element count first, so that the bases' strides fit easily in int64.
  while (count_of() > kMaxCount) {
    int64_t& largest = *std::max_element(shape.begin(), shape.end());
    largest /= 2;
  }
  while (true) {
    src->strides = ViewStrides(shape, src_dims, src_perm);
    dst->strides = ViewStrides(shape, dst_dims, dst_perm);
    const Int128 count = count_of();
    const bool small = count <= kMaxCount && count * elem <= kMaxCopyBytes &&
                       SpanBytes(shape, src->strides, elem) <= kMaxSpanBytes &&
                       SpanBytes(shape, dst->strides, elem) <= kMaxSpanBytes;
    if (small) {
      break;
    }
    int64_t& largest = *std::max_element(shape.begin(), shape.end());
    largest /= 2;
  }
  for (FuzzLayout* layout : {src, dst}) {
    layout->rank = rank;
    layout->elem_size = elem;
    layout->shape = shape;
  }
  dst->strides_null = !strided_dst;
}

// flags: bit 0 shape NULL, bit 1 strides NULL, bit 2 rank is a raw value, bit 3 elem_size is a
// raw value, bit 4 (dst only) shape independent of the source's (else the source's shape and
// elem_size, with strides of its own).
void ReadRawLayout(Reader& in, int32_t default_rank, int64_t default_elem, const FuzzLayout* like,
                   FuzzLayout* layout) {
  const uint8_t flags = in.Byte();
  const uint8_t elem_byte = in.Byte();
  layout->shape_null = (flags & 1) != 0;
  layout->strides_null = (flags & 2) != 0;
  const bool independent = like == nullptr || (flags & 16) != 0;
  if (!independent) {
    layout->rank = like->rank;
    layout->elem_size = like->elem_size;
    layout->shape = like->shape;
    layout->shape_null = like->shape_null;
  } else {
    if ((flags & 4) != 0) {
      const uint8_t b = in.Byte();
      const int32_t kRawRanks[8] = {RAVEL_MAX_RANK, RAVEL_MAX_RANK + 1, -1, INT32_MIN,
                                    INT32_MAX,      RAVEL_MAX_RANK - 1, 8,  0};
      layout->rank = b < 0x80 ? b % 9 : kRawRanks[b & 7];
    } else {
      layout->rank = default_rank;
    }
    Reader elem_reader(&elem_byte, 1);
    layout->elem_size = (flags & 8) != 0 ? RawValue(elem_reader) : default_elem;
  }
  const int32_t stored = std::clamp(layout->rank, 0, kStoredDims);
  if (independent) {
    layout->shape.resize(static_cast<size_t>(stored));
  }
  layout->strides.resize(static_cast<size_t>(stored));
  for (int32_t d = 0; d < stored; ++d) {
    if (independent) {
      layout->shape[d] = RawValue(in);
    }
    layout->strides[d] = RawValue(in);
  }
}

// ---- Options ------------------------------------------------------------------------------------

enum class PoolKind { kNone, kReverse, kShuffled, kThreads };

struct PoolState {
  PoolKind kind = PoolKind::kNone;
  uint64_t seed = 1;
  std::atomic<int> calls{0};
};

void FuzzParallelFor(void* pool, void (*task)(void*, size_t), void* ctx, size_t count) {
  PoolState& state = *static_cast<PoolState*>(pool);
  ++state.calls;
  switch (state.kind) {
    case PoolKind::kNone:
    case PoolKind::kReverse:
      for (size_t i = count; i-- > 0;) {
        task(ctx, i);
      }
      return;
    case PoolKind::kShuffled: {
      std::vector<size_t> order(count);
      for (size_t i = 0; i < count; ++i) {
        order[i] = i;
      }
      uint64_t x = state.seed | 1;
      for (size_t i = count; i-- > 1;) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        std::swap(order[i], order[x % (i + 1)]);
      }
      for (size_t i : order) {
        task(ctx, i);
      }
      return;
    }
    case PoolKind::kThreads: {
      std::atomic<size_t> next{0};
      auto work = [&] {
        for (size_t i = next++; i < count; i = next++) {
          task(ctx, i);
        }
      };
      std::thread helper(work);
      work();
      helper.join();
      return;
    }
  }
}

struct FuzzOptions {
  ravel_options options;
  bool pass_null = false;
  // The model's reading of the options.
  bool valid = true;
  int32_t backend = RAVEL_BACKEND_AUTO;
  int32_t isa = RAVEL_ISA_AUTO;  // effective (AUTO when struct_size ends before the field)
};

void DecodeOptions(uint8_t opts, uint8_t pool_bits, Reader& in, PoolState* pool, FuzzOptions* out) {
  ravel_options& o = out->options;
  ravel_options_init(&o);
  const int32_t kBackends[4] = {RAVEL_BACKEND_AUTO, RAVEL_BACKEND_HWY, RAVEL_BACKEND_REFERENCE,
                                RAVEL_BACKEND_JIT};
  const int32_t kStreaming[4] = {RAVEL_STREAMING_AUTO, RAVEL_STREAMING_OFF, RAVEL_STREAMING_ON,
                                 RAVEL_STREAMING_AUTO};
  o.backend = kBackends[opts & 3];
  std::vector<int32_t> isas = {RAVEL_ISA_AUTO};
  for (int32_t isa = RAVEL_ISA_SCALAR; isa <= RAVEL_ISA_SVE; ++isa) {
    if (ravel_isa_available(isa)) {
      isas.push_back(isa);
    }
  }
  o.isa = isas[((opts >> 2) & 3) % isas.size()];
  o.num_threads = (opts & 16) != 0 ? 2 : 1;
  o.streaming = kStreaming[(opts >> 5) & 3];
  pool->kind = static_cast<PoolKind>(pool_bits & 3);
  if (pool->kind != PoolKind::kNone) {
    o.parallel_for = &FuzzParallelFor;
    o.pool = pool;
  }
  if ((opts & 128) != 0) {
    const uint8_t size_choice = in.Byte();
    const uint32_t full = static_cast<uint32_t>(sizeof(ravel_options));
    const uint32_t v1 = static_cast<uint32_t>(RAVEL_OPTIONS_SIZE_V1);
    const uint32_t kSizes[8] = {full, v1, v1 + 4, full, 0, full + 4, v1 - 4, full};
    o.struct_size = kSizes[size_choice & 7];
    out->pass_null = (size_choice & 7) == 7;
    o.backend = static_cast<int8_t>(in.Byte());
    o.isa = static_cast<int8_t>(in.Byte());
    o.streaming = static_cast<int8_t>(in.Byte());
    o.num_threads = static_cast<int8_t>(in.Byte());
    if ((size_choice & 8) != 0) {
      o.parallel_for = nullptr;  // a pool without a function, when one was chosen
    }
  }
  if (out->pass_null) {
    ravel_options_init(&o);
  }
  const auto has = [&](size_t offset, size_t size) { return o.struct_size >= offset + size; };
  out->backend = o.backend;
  out->isa = has(offsetof(ravel_options, isa), sizeof(o.isa)) ? o.isa : RAVEL_ISA_AUTO;
  const int32_t streaming =
      has(offsetof(ravel_options, streaming), sizeof(o.streaming)) ? o.streaming : 0;
  out->valid = o.struct_size >= RAVEL_OPTIONS_SIZE_V1 && o.struct_size <= sizeof(ravel_options) &&
               o.num_threads >= 0 && o.backend >= RAVEL_BACKEND_AUTO &&
               o.backend <= RAVEL_BACKEND_REFERENCE &&
               !(o.parallel_for == nullptr && o.pool != nullptr) && out->isa >= RAVEL_ISA_AUTO &&
               out->isa <= RAVEL_ISA_SVE && streaming >= RAVEL_STREAMING_AUTO &&
               streaming <= RAVEL_STREAMING_ON;
}

// ---- Memory -------------------------------------------------------------------------------------

// `bytes` of memory between two PROT_NONE pages, flush against the end page, or `misalign` bytes
// after the start page. The rest of the inner pages is poisoned for ASan.
class GuardedRegion {
 public:
  GuardedRegion(size_t bytes, bool against_end, size_t misalign) {
    page_ = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    const size_t used = bytes + (against_end ? 0 : misalign);
    inner_ = (std::max<size_t>(used, 1) + page_ - 1) / page_ * page_;
    void* base = mmap(nullptr, inner_ + 2 * page_, PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    Check(base != MAP_FAILED, "mmap failed (the fuzzer's own resources)");
    base_ = static_cast<char*>(base);
    Check(mprotect(base_, page_, PROT_NONE) == 0, "mprotect failed");
    Check(mprotect(base_ + page_ + inner_, page_, PROT_NONE) == 0, "mprotect failed");
    data_ = base_ + page_ + (against_end ? inner_ - bytes : misalign);
    bytes_ = bytes;
#ifdef RAVEL_FUZZ_ASAN
    ASAN_POISON_MEMORY_REGION(base_ + page_, data_ - (base_ + page_));
    ASAN_POISON_MEMORY_REGION(data_ + bytes, base_ + page_ + inner_ - (data_ + bytes));
#endif
  }
  ~GuardedRegion() {
#ifdef RAVEL_FUZZ_ASAN
    ASAN_UNPOISON_MEMORY_REGION(base_ + page_, inner_);
#endif
    munmap(base_, inner_ + 2 * page_);
  }
  GuardedRegion(const GuardedRegion&) = delete;
  GuardedRegion& operator=(const GuardedRegion&) = delete;

  char* data() { return data_; }
  size_t size() const { return bytes_; }

 private:
  char* base_ = nullptr;
  char* data_ = nullptr;
  size_t page_ = 0;
  size_t inner_ = 0;
  size_t bytes_ = 0;
};

// True when the n bytes at p equal want (memcmp would be handed NULL for an empty vector).
bool SameBytes(const char* p, const std::vector<char>& want) {
  return want.empty() || std::memcmp(p, want.data(), want.size()) == 0;
}

void FillCanary(char* p, size_t n, uint8_t salt) {
  for (size_t i = 0; i < n; ++i) {
    p[i] = static_cast<char>((i % kCanaryPeriod) ^ salt);
  }
}

void FillRandom(char* p, size_t n, uint64_t seed) {
  uint64_t x = seed | 1;
  for (size_t i = 0; i < n; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    p[i] = static_cast<char>(x >> 32);
  }
}

// The independent reference: dst element at each index = src element at that index.
void ReferenceCopy(const FuzzLayout& layout, const LayoutModel& src_model, const char* src,
                   const LayoutModel& dst_model, char* dst) {
  const std::vector<int64_t> from = IndexOffsets(layout, src_model.strides, src_model.count);
  const std::vector<int64_t> to = IndexOffsets(layout, dst_model.strides, dst_model.count);
  const size_t elem = static_cast<size_t>(layout.elem_size);
  for (size_t i = 0; i < from.size(); ++i) {
    std::memcpy(dst + to[i] * layout.elem_size, src + from[i] * layout.elem_size, elem);
  }
}

// ---- The expectation ----------------------------------------------------------------------------

constexpr uint32_t Bit(ravel_status status) { return 1u << static_cast<unsigned>(status); }

// What a call may return: a set of statuses; runs: planning may succeed, and then it must copy.
struct Expectation {
  uint32_t allowed = 0;
  bool runs = false;
};

struct Case {
  FuzzLayout src;
  FuzzLayout dst;
  bool dst_null = false;  // dst_layout argument NULL
  FuzzOptions options;
  LayoutModel src_model;
  LayoutModel dst_model;
};

// Statuses before execution: options, layouts, the destination's aliasing, the backend.
// `one_shot`: ravel_copy (an empty copy succeeds before planning); else ravel_plan_create.
Expectation ExpectPlanning(const Case& c, bool one_shot) {
  if (!c.options.valid) {
    return {Bit(RAVEL_E_INVALID_ARGUMENT), false};
  }
  if (c.src_model.status != RAVEL_OK) {
    return {Bit(c.src_model.status), false};
  }
  if (!c.dst_null) {
    if (c.dst_model.status != RAVEL_OK) {
      return {Bit(c.dst_model.status), false};
    }
    bool same = c.dst.rank == c.src.rank && c.dst.elem_size == c.src.elem_size;
    for (int32_t d = 0; same && d < c.src.rank; ++d) {
      same = c.dst.shape[d] == c.src.shape[d];
    }
    if (!same) {
      return {Bit(RAVEL_E_INVALID_ARGUMENT), false};
    }
    const int aliases = DstAliases(c.dst, c.dst_model);
    if (aliases == 1) {
      return {Bit(RAVEL_E_OVERLAP), false};
    }
    if (aliases == -1 || OverlapSearchMayGiveUp(c.dst)) {
      Expectation rest =
          ExpectPlanning(Case{c.src, c.dst, true, c.options, c.src_model, {}}, one_shot);
      rest.allowed |= Bit(RAVEL_E_OVERLAP);
      return rest;
    }
  }
  if (one_shot && c.src_model.count == 0) {
    return {Bit(RAVEL_OK), true};
  }
  Expectation e{Bit(RAVEL_OK), true};
  if (c.options.backend == RAVEL_BACKEND_JIT) {
    e.allowed |= Bit(RAVEL_E_UNSUPPORTED);  // not built yet; once it is, it must copy
  }
  if (c.options.backend != RAVEL_BACKEND_REFERENCE && c.options.isa != RAVEL_ISA_AUTO &&
      !ravel_isa_available(c.options.isa)) {
    return {Bit(RAVEL_E_UNSUPPORTED), false};
  }
  if (c.options.backend == RAVEL_BACKEND_HWY && c.src_model.count > 0) {
    e.allowed |= Bit(RAVEL_E_UNSUPPORTED);  // no Highway kernel for this element size
  }
  return e;
}

// COPY_FUZZER_VERBOSE=1 prints each case and each call's status (to read a reproducer).
bool Verbose() {
  static const bool verbose = std::getenv("COPY_FUZZER_VERBOSE") != nullptr;
  return verbose;
}

void PrintLayout(const char* name, const FuzzLayout& layout) {
  std::fprintf(stderr, "  %s: rank %d elem %lld shape%s [", name, layout.rank,
               static_cast<long long>(layout.elem_size), layout.shape_null ? " NULL" : "");
  for (size_t d = 0; d < layout.shape.size(); ++d) {
    std::fprintf(stderr, "%s%lld", d == 0 ? "" : ", ", static_cast<long long>(layout.shape[d]));
  }
  std::fprintf(stderr, "] strides%s [", layout.strides_null ? " NULL" : "");
  for (size_t d = 0; !layout.strides_null && d < layout.strides.size(); ++d) {
    std::fprintf(stderr, "%s%lld", d == 0 ? "" : ", ", static_cast<long long>(layout.strides[d]));
  }
  std::fprintf(stderr, "]\n");
}

void CheckStatus(ravel_status status, uint32_t allowed, const char* call) {
  if (Verbose()) {
    std::fprintf(stderr, "  %s -> %s \"%s\"\n", call, ravel_status_string(status),
                 ravel_last_error());
  }
  if ((Bit(status) & allowed) == 0) {
    std::fprintf(stderr, "%s returned %s; allowed mask 0x%x\n", call, ravel_status_string(status),
                 allowed);
    Finding("unexpected status");
  }
  const bool has_message = ravel_last_error()[0] != '\0';
  Check(status == RAVEL_OK ? !has_message : has_message,
        "an error without a message, or a message after success");
}

// Buffers for one run: src and dst regions (the same one when dst shares the src buffer), the
// pointers passed, and what dst must hold afterwards on success.
struct Buffers {
  std::vector<std::unique_ptr<GuardedRegion>> regions;
  char* src = nullptr;  // the pointer of index (0, ..., 0)
  char* dst = nullptr;
  GuardedRegion* src_region = nullptr;
  GuardedRegion* dst_region = nullptr;
  bool intersect = false;  // the byte spans of src and dst share a byte
};

int64_t Lo(const LayoutModel& model) { return static_cast<int64_t>(model.lo); }
int64_t SpanSize(const LayoutModel& model) { return static_cast<int64_t>(model.hi - model.lo); }

struct Placement {
  bool against_end = true;
  size_t src_misalign = 0;
  size_t dst_misalign = 0;
  bool shared = false;
  bool dst_before = false;
  int64_t delta = 0;
};

void Allocate(const Case& c, const Placement& place, uint64_t seed, uint8_t salt, Buffers* out) {
  const int64_t src_size = SpanSize(c.src_model);
  const int64_t dst_size = SpanSize(c.dst_model);
  if (!place.shared) {
    out->regions.emplace_back(
        new GuardedRegion(static_cast<size_t>(src_size), place.against_end, place.src_misalign));
    out->regions.emplace_back(
        new GuardedRegion(static_cast<size_t>(dst_size), place.against_end, place.dst_misalign));
    out->src_region = out->regions[0].get();
    out->dst_region = out->regions[1].get();
    FillRandom(out->src_region->data(), out->src_region->size(), seed);
    FillCanary(out->dst_region->data(), out->dst_region->size(), salt);
    out->src = out->src_region->data() - Lo(c.src_model);
    out->dst = out->dst_region->data() - Lo(c.dst_model);
    return;
  }
  // One region holding both spans, dst starting `delta` bytes after src's end or before its start.
  const int64_t dst_first = place.dst_before ? -dst_size + place.delta : src_size + place.delta;
  const int64_t first = std::min<int64_t>(0, dst_first);
  const int64_t last = std::max(src_size, dst_first + dst_size);
  out->regions.emplace_back(
      new GuardedRegion(static_cast<size_t>(last - first), place.against_end, place.src_misalign));
  out->src_region = out->dst_region = out->regions[0].get();
  char* base = out->src_region->data();
  FillRandom(base, out->src_region->size(), seed);
  out->src = base - first - Lo(c.src_model);
  out->dst = base + (dst_first - first) - Lo(c.dst_model);
  out->intersect = src_size > 0 && dst_size > 0 && dst_first < src_size && 0 < dst_first + dst_size;
}

// ---- One input ----------------------------------------------------------------------------------

struct Run {
  int api = 0;
  bool null_src = false;
  bool null_dst = false;
  Placement place;
  size_t describe_size = 0;
  uint64_t seed = 0;
};

bool Executable(const Case& c) {
  if (c.dst.rank != c.src.rank || c.dst.elem_size != c.src.elem_size ||
      c.dst.shape != c.src.shape) {
    return false;  // the reference cannot pair their indices: planning must fail
  }
  const auto small = [](const LayoutModel& m) {
    return m.status == RAVEL_OK && m.count <= kMaxCount && m.hi - m.lo <= kMaxSpanBytes;
  };
  return small(c.src_model) && (c.dst_null || small(c.dst_model)) &&
         Int128{c.src_model.count} * c.src.elem_size <= kMaxCopyBytes;
}

// Runs the call (or calls) on real buffers and checks statuses, results and canaries.
void Execute(const Case& c, const Run& run, PoolState* pool) {
  Buffers buffers;
  Allocate(c, run.place, run.seed, 0x5A, &buffers);
  GuardedRegion& dst_region = *buffers.dst_region;
  GuardedRegion& src_region = *buffers.src_region;
  const std::vector<char> src_before(src_region.data(), src_region.data() + src_region.size());
  std::vector<char> expected(dst_region.data(), dst_region.data() + dst_region.size());
  ReferenceCopy(c.src, c.src_model, buffers.src, c.dst_model,
                expected.data() + (buffers.dst - dst_region.data()));
  const std::vector<char> untouched(dst_region.data(), dst_region.data() + dst_region.size());

  const char* src = run.null_src ? nullptr : buffers.src;
  char* dst = run.null_dst ? nullptr : buffers.dst;
  const ravel_layout src_layout = c.src.View();
  const ravel_layout dst_layout = c.dst.View();
  const ravel_layout* dst_arg = c.dst_null ? nullptr : &dst_layout;
  const ravel_options* options = c.options.pass_null ? nullptr : &c.options.options;

  // Execution-time statuses once planning succeeded: pointers, then intersection.
  const auto execution = [&](bool empty_ok) -> uint32_t {
    if (c.src_model.count == 0 && empty_ok) {
      return Bit(RAVEL_OK);
    }
    if (src == nullptr || dst == nullptr) {
      return Bit(RAVEL_E_INVALID_ARGUMENT);
    }
    return buffers.intersect ? Bit(RAVEL_E_OVERLAP) : Bit(RAVEL_OK);
  };
  const auto check_dst = [&](ravel_status status) {
    const std::vector<char>& want = status == RAVEL_OK ? expected : untouched;
    Check(SameBytes(dst_region.data(), want), status == RAVEL_OK
                                                  ? "dst differs from the reference copy"
                                                  : "dst was written by a call that failed");
    if (buffers.src_region != buffers.dst_region) {
      Check(SameBytes(src_region.data(), src_before), "src was written");
    }
  };

  if (run.api == 2) {
    const Expectation planning = ExpectPlanning(c, /*one_shot=*/false);
    ravel_plan plan = reinterpret_cast<ravel_plan>(&pool);  // must be overwritten with NULL
    const ravel_status created = ravel_plan_create(&src_layout, dst_arg, options, &plan);
    CheckStatus(created, planning.allowed, "ravel_plan_create");
    if (created != RAVEL_OK) {
      Check(plan == nullptr, "a failed ravel_plan_create left *plan non-NULL");
      return;
    }
    Check(plan != nullptr, "ravel_plan_create succeeded without a plan");
    const int32_t backend = ravel_plan_backend(plan);
    Check(backend == RAVEL_BACKEND_HWY || backend == RAVEL_BACKEND_REFERENCE ||
              backend == RAVEL_BACKEND_JIT,
          "ravel_plan_backend out of range");
    Check(c.options.backend == RAVEL_BACKEND_AUTO || backend == c.options.backend ||
              c.src_model.count == 0,
          "a forced backend was not used");
    const int32_t isa = ravel_plan_isa(plan);
    Check(backend != RAVEL_BACKEND_HWY || c.options.isa == RAVEL_ISA_AUTO || isa == c.options.isa,
          "a forced ISA was not used");
    Check(backend != RAVEL_BACKEND_HWY || ravel_isa_available(isa), "a plan's ISA cannot run");
    std::vector<char> text(run.describe_size + 1, '#');
    const size_t length = ravel_plan_describe(plan, text.data(), run.describe_size);
    Check(text[run.describe_size] == '#', "ravel_plan_describe wrote past size");
    if (run.describe_size > 0) {
      const size_t written = std::min(length, run.describe_size - 1);
      Check(text[written] == '\0' && std::strlen(text.data()) == written,
            "ravel_plan_describe did not terminate its text");
    }
    const ravel_status executed = ravel_plan_execute(plan, src, dst);
    CheckStatus(executed, execution(/*empty_ok=*/true), "ravel_plan_execute");
    check_dst(executed);
    ravel_plan_destroy(plan);
    return;
  }
  const Expectation planning = ExpectPlanning(c, /*one_shot=*/true);
  uint32_t allowed = planning.allowed & ~Bit(RAVEL_OK);
  if (planning.runs && (planning.allowed & Bit(RAVEL_OK)) != 0) {
    allowed |= execution(/*empty_ok=*/true);
  }
  const int calls_before = pool->calls.load();
  const ravel_status status = ravel_copy(src, &src_layout, dst, dst_arg, options);
  CheckStatus(status, allowed, "ravel_copy");
  check_dst(status);
  Check(status == RAVEL_OK || pool->calls.load() == calls_before,
        "a failed ravel_copy ran tasks on the caller's pool");
  if (run.api == 1) {
    // Again on the same layouts (the thread's memo of its last copy), into fresh memory.
    Buffers again;
    Allocate(c, run.place, run.seed, 0xC3, &again);
    std::vector<char> expected_again(again.dst_region->data(),
                                     again.dst_region->data() + again.dst_region->size());
    ReferenceCopy(c.src, c.src_model, again.src, c.dst_model,
                  expected_again.data() + (again.dst - again.dst_region->data()));
    const std::vector<char> before(again.dst_region->data(),
                                   again.dst_region->data() + again.dst_region->size());
    const ravel_status second = ravel_copy(run.null_src ? nullptr : again.src, &src_layout,
                                           run.null_dst ? nullptr : again.dst, dst_arg, options);
    Check(second == status, "a repeated ravel_copy returned another status");
    CheckStatus(second, allowed, "ravel_copy (repeated)");
    const std::vector<char>& want = second == RAVEL_OK ? expected_again : before;
    Check(SameBytes(again.dst_region->data(), want), "a repeated ravel_copy wrote the wrong bytes");
  }
}

// Layouts too large to execute: plan them, and call ravel_copy with a NULL source so that
// nothing can be read; a small canary stands in for the destination.
void PlanOnly(const Case& c) {
  const ravel_layout src_layout = c.src.View();
  const ravel_layout dst_layout = c.dst.View();
  const ravel_layout* dst_arg = c.dst_null ? nullptr : &dst_layout;
  const ravel_options* options = c.options.pass_null ? nullptr : &c.options.options;
  const Expectation planning = ExpectPlanning(c, /*one_shot=*/false);
  ravel_plan plan = nullptr;
  const ravel_status created = ravel_plan_create(&src_layout, dst_arg, options, &plan);
  CheckStatus(created, planning.allowed, "ravel_plan_create (large)");
  Check((created == RAVEL_OK) == (plan != nullptr), "*plan does not match the status");
  char text[64];
  ravel_plan_describe(plan, text, sizeof(text));
  ravel_plan_destroy(plan);

  const Expectation one_shot = ExpectPlanning(c, /*one_shot=*/true);
  uint32_t allowed = one_shot.allowed & ~Bit(RAVEL_OK);
  if ((one_shot.allowed & Bit(RAVEL_OK)) != 0) {
    allowed |= c.src_model.status == RAVEL_OK && c.src_model.count == 0
                   ? Bit(RAVEL_OK)
                   : Bit(RAVEL_E_INVALID_ARGUMENT);
  }
  constexpr size_t kCanaryBytes = 256;
  std::vector<char> canary(kCanaryBytes);
  FillCanary(canary.data(), canary.size(), 0x77);
  const std::vector<char> before = canary;
  const ravel_status status =
      ravel_copy(nullptr, &src_layout, canary.data() + kCanaryBytes / 2, dst_arg, options);
  CheckStatus(status, allowed, "ravel_copy (large, NULL src)");
  Check(canary == before, "a failed ravel_copy wrote near its destination");
}

// Completes a case's models (a NULL dst layout means the dense layout of the source's shape) and
// runs it on buffers, or plans it when it is too large (or invalid) to execute.
void Evaluate(Case* c, const Run& run, PoolState* pool, const char* label) {
  c->src_model = ModelLayout(c->src);
  if (c->dst_null) {
    c->dst = c->src;
    c->dst.strides_null = true;
  }
  c->dst_model = ModelLayout(c->dst);
  if (c->dst_null && c->src_model.status == RAVEL_OK && c->dst_model.status != RAVEL_OK) {
    // Dense strides of the shape overflow: ravel names "dst_layout (dense)".
    c->src_model.status = c->dst_model.status;
  }
  const bool executable = Executable(*c);
  if (Verbose()) {
    const ravel_options& o = c->options.options;
    std::fprintf(stderr,
                 "%s: call %d, options %s (struct_size %u backend %d isa %d streaming %d "
                 "threads %d pool %d), src %s, dst %s, shared %d, delta %lld%s\n",
                 label, run.api, c->options.pass_null ? "NULL" : "set", o.struct_size, o.backend,
                 o.isa, o.streaming, o.num_threads, static_cast<int>(pool->kind),
                 run.null_src ? "NULL" : "set", run.null_dst ? "NULL" : "set",
                 run.place.shared ? 1 : 0, static_cast<long long>(run.place.delta),
                 executable ? "" : ", plan only");
    PrintLayout("src", c->src);
    PrintLayout(c->dst_null ? "dst (NULL layout)" : "dst", c->dst);
  }
  if (executable) {
    Execute(*c, run, pool);
  } else {
    PlanOnly(*c);
  }
}

// The case with one change (change & 7: 1 shape NULL, 2 strides NULL or back, 3 an extent + 1,
// 4 a stride negated, 5 rank - 1 on the same arrays, 6 dst layout NULL or back, 7 elem_size + 1);
// the dim is (change >> 3) modulo the rank.
Case Changed(const Case& c, uint8_t change) {
  Case changed = c;
  FuzzLayout& src = changed.src;
  const int32_t stored = static_cast<int32_t>(src.shape.size());
  const size_t dim = stored > 0 ? static_cast<size_t>((change >> 3) % stored) : 0;
  switch (change & 7) {
    case 1:
      src.shape_null = true;
      break;
    case 2:
      src.strides_null = !src.strides_null;
      break;
    case 3:
      if (stored > 0) {
        src.shape[dim] += src.shape[dim] < INT64_MAX ? 1 : 0;
      }
      break;
    case 4:
      if (stored > 0) {
        src.strides[dim] = src.strides[dim] == INT64_MIN ? INT64_MAX : -src.strides[dim];
      }
      break;
    case 5:
      if (src.rank > 0 && src.rank <= kStoredDims) {
        --src.rank;  // the arrays keep their length: ravel must read only rank entries
      }
      break;
    case 6:
      changed.dst_null = !changed.dst_null;
      if (!changed.dst_null) {
        changed.dst = c.src;  // an explicit dense destination
        changed.dst.strides_null = true;
      }
      break;
    case 7:
      src.elem_size += src.elem_size < INT64_MAX ? 1 : 0;
      changed.dst.elem_size = src.elem_size;
      break;
  }
  return changed;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Reader in(data, size);
  const uint8_t mode = in.Byte();
  const uint8_t opts = in.Byte();
  const uint8_t shape = in.Byte();

  Run run;
  run.api = mode & 3;
  const bool raw = (mode & 4) != 0;
  const int dst_kind = (mode >> 3) & 3;
  const int pointers = mode >> 5;
  run.null_dst = pointers == 6;
  run.null_src = pointers == 7;
  run.place.against_end = pointers < 3 || pointers >= 6;
  run.place.shared = dst_kind == 2;

  PoolState pool;
  Case c;
  DecodeOptions(opts, static_cast<uint8_t>(shape >> 6), in, &pool, &c.options);
  const int64_t elem = kElemSizes[shape & 7];
  const int32_t rank = std::min<int32_t>((shape >> 3) & 7, kMaxViewRank);
  c.dst_null = dst_kind == 0 || dst_kind == 3;
  if (!raw) {
    DecodeViewLayouts(in, rank, elem, !c.dst_null, &c.src, &c.dst);
  } else {
    ReadRawLayout(in, rank, elem, nullptr, &c.src);
    if (!c.dst_null) {
      ReadRawLayout(in, rank, elem, &c.src, &c.dst);
    }
  }
  run.place.src_misalign = in.Byte() & 63;
  run.place.dst_misalign = in.Byte() & 63;
  const uint8_t side = in.Byte();
  run.place.dst_before = (side & 1) != 0;
  run.place.delta = static_cast<int8_t>(in.Byte());
  run.describe_size = in.Byte() % 80;
  const uint8_t change = in.Byte();
  run.seed = in.RestHash();
  pool.seed = run.seed;

  // The thread's memo of its last copy starts each input in the same state: a reproducer is one
  // file, whatever ran before it.
  const int64_t no_dims[1] = {0};
  const ravel_layout scalar{0, 1, no_dims, nullptr};
  char one_byte[2] = {1, 0};
  Check(ravel_copy(&one_byte[0], &scalar, &one_byte[1], nullptr, nullptr) == RAVEL_OK &&
            one_byte[1] == 1,
        "a one-byte copy failed");

  Evaluate(&c, run, &pool, "case");
  if (run.api == 1 && (change & 7) != 0) {
    // The same call after one change to its layouts: the memo must notice.
    Case changed = Changed(c, change);
    Run again = run;
    again.api = 0;
    Evaluate(&changed, again, &pool, "changed case");
  }
  return 0;
}
