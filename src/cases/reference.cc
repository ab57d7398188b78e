// The independent reference: an index loop over the views' own shape, strides and offsets, and
// VerifyRun, which replays a case through it. Nothing here calls ravel.
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "cases/run.h"

namespace ravel_cases {
namespace {

// Copies count elements of kSize bytes (size when kSize is 0) between byte offsets that advance
// by the given steps.
template <size_t kSize>
void CopyRow(const uint8_t* src_base, int64_t src_offset, int64_t src_step, uint8_t* dst_base,
             int64_t dst_offset, int64_t dst_step, int64_t count, size_t size) {
  for (int64_t i = 0; i < count; ++i) {
    std::memcpy(dst_base + dst_offset + i * dst_step, src_base + src_offset + i * src_step,
                kSize == 0 ? size : kSize);
  }
}

using CopyRowFunction = void (*)(const uint8_t*, int64_t, int64_t, uint8_t*, int64_t, int64_t,
                                 int64_t, size_t);

CopyRowFunction CopyRowFor(int64_t elem_size) {
  switch (elem_size) {
    case 1:
      return CopyRow<1>;
    case 2:
      return CopyRow<2>;
    case 4:
      return CopyRow<4>;
    case 8:
      return CopyRow<8>;
    case 16:
      return CopyRow<16>;
    default:
      return CopyRow<0>;
  }
}

// The row-major multi-index of element number `linear` of shape.
std::vector<int64_t> IndexOf(const ravel_view& view, int64_t linear) {
  std::vector<int64_t> index(static_cast<size_t>(view.rank));
  for (int32_t d = view.rank - 1; d >= 0; --d) {
    index[d] = linear % view.shape[d];
    linear /= view.shape[d];
  }
  return index;
}

int64_t ByteOffsetOf(const ravel_view& view, const std::vector<int64_t>& index) {
  int64_t offset = view.offset;
  for (int32_t d = 0; d < view.rank; ++d) {
    offset += index[d] * view.strides[d];
  }
  return offset * view.elem_size;
}

std::string HexBytes(const uint8_t* bytes, int64_t count) {
  constexpr size_t kCharsPerByte = 3;
  std::string text = "0x";
  char digits[kCharsPerByte];
  for (int64_t b = 0; b < count; ++b) {
    std::snprintf(digits, sizeof(digits), "%02x", bytes[b]);
    text += digits;
  }
  return text;
}

// Names the first difference between a stage's destination buffer and the reference's: the first
// index of the view, else the first byte outside it.
std::string DescribeMismatch(const ravel_view& dst, const uint8_t* expected, const uint8_t* actual,
                             size_t bytes) {
  const int64_t count = ElementCount(dst);
  for (int64_t e = 0; e < count; ++e) {
    const std::vector<int64_t> index = IndexOf(dst, e);
    const int64_t offset = ByteOffsetOf(dst, index);
    if (std::memcmp(expected + offset, actual + offset, static_cast<size_t>(dst.elem_size)) != 0) {
      return "destination index " + FormatDims(index.data(), dst.rank) + " (element " +
             std::to_string(offset / dst.elem_size) + " of its buffer) holds " +
             HexBytes(actual + offset, dst.elem_size) + ", expected " +
             HexBytes(expected + offset, dst.elem_size);
    }
  }
  for (size_t b = 0; b < bytes; ++b) {
    if (expected[b] != actual[b]) {
      return "byte " + std::to_string(b) + " of the destination buffer, outside the view, changed";
    }
  }
  return "no difference";
}

}  // namespace

void ReferenceCopy(const ravel_view& src, const uint8_t* src_base, const ravel_view& dst,
                   uint8_t* dst_base) {
  const int32_t rank = src.rank;
  const int64_t elem_size = src.elem_size;
  const CopyRowFunction copy_row = CopyRowFor(elem_size);
  const size_t size = static_cast<size_t>(elem_size);
  if (ElementCount(src) == 0) {
    return;
  }
  if (rank == 0) {
    copy_row(src_base, src.offset * elem_size, 0, dst_base, dst.offset * elem_size, 0, 1, size);
    return;
  }
  const int32_t inner = rank - 1;
  std::vector<int64_t> index(static_cast<size_t>(rank), 0);
  int64_t src_offset = src.offset * elem_size;
  int64_t dst_offset = dst.offset * elem_size;
  for (;;) {
    copy_row(src_base, src_offset, src.strides[inner] * elem_size, dst_base, dst_offset,
             dst.strides[inner] * elem_size, src.shape[inner], size);
    int32_t d = inner - 1;
    for (; d >= 0; --d) {
      src_offset += src.strides[d] * elem_size;
      dst_offset += dst.strides[d] * elem_size;
      if (++index[d] < src.shape[d]) {
        break;
      }
      src_offset -= src.shape[d] * src.strides[d] * elem_size;
      dst_offset -= src.shape[d] * dst.strides[d] * elem_size;
      index[d] = 0;
    }
    if (d < 0) {
      return;
    }
  }
}

bool VerifyRun(const Case& c, const CaseRun& run, std::string* error) {
  if (run.buffers.size() != c.stages.size() + 1) {
    *error = "the run has " + std::to_string(run.buffers.size()) + " buffers, the case needs " +
             std::to_string(c.stages.size() + 1);
    return false;
  }
  const AlignedBuffer& source = run.buffers.front();
  const size_t changed = FindPatternMismatch(source.data(), source.size(), BufferSeed(0));
  if (changed != source.size()) {
    *error = "byte " + std::to_string(changed) + " of the source changed";
    return false;
  }
  AlignedBuffer expected;
  const uint8_t* stage_src = source.data();
  for (size_t k = 0; k < c.stages.size(); ++k) {
    const Stage& stage = c.stages[k];
    const AlignedBuffer& actual = run.buffers[k + 1];
    const std::string where = c.stages.size() == 1 ? "" : "stage " + std::to_string(k + 1) + ": ";
    if (stage.src.rank != stage.dst.rank) {
      *error = where + "source and destination ranks differ";
      return false;
    }
    AlignedBuffer stage_expected(actual.size());
    if (stage_expected.data() == nullptr) {
      *error =
          where + "cannot allocate " + std::to_string(actual.size()) + " bytes for the reference";
      return false;
    }
    FillPattern(stage_expected.data(), actual.size(), BufferSeed(k + 1));
    ReferenceCopy(stage.src, stage_src, stage.dst, stage_expected.data());
    if (std::memcmp(stage_expected.data(), actual.data(), actual.size()) != 0) {
      *error =
          where + DescribeMismatch(stage.dst, stage_expected.data(), actual.data(), actual.size());
      return false;
    }
    expected = std::move(stage_expected);
    stage_src = expected.data();
  }
  return true;
}

}  // namespace ravel_cases
