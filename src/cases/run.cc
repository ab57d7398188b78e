// Buffers, patterns and the ravel_copy calls of a case run.
#include "cases/run.h"

#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>
#include <utility>

namespace ravel_cases {
namespace {

constexpr size_t kWordBytes = sizeof(uint64_t);
constexpr unsigned kBitsPerByte = 8;

// SplitMix64's finalizer: a bijective 64-bit hash.
uint64_t Mix(uint64_t x) {
  constexpr uint64_t kIncrement = 0x9e3779b97f4a7c15ULL;
  constexpr uint64_t kMultiplier1 = 0xbf58476d1ce4e5b9ULL;
  constexpr uint64_t kMultiplier2 = 0x94d049bb133111ebULL;
  constexpr unsigned kShift1 = 30;
  constexpr unsigned kShift2 = 27;
  constexpr unsigned kShift3 = 31;
  uint64_t z = x + kIncrement;
  z = (z ^ (z >> kShift1)) * kMultiplier1;
  z = (z ^ (z >> kShift2)) * kMultiplier2;
  return z ^ (z >> kShift3);
}

// The pattern's 8 bytes at byte index word * 8.
uint64_t PatternWord(uint64_t seed, size_t word) { return Mix(Mix(seed) ^ word); }

// Bytes of a buffer of `elements` elements, or false if they do not fit size_t.
bool BufferBytes(int64_t elements, int64_t elem_size, size_t* bytes) {
  int64_t product = 0;
  if (elements < 0 || __builtin_mul_overflow(elements, elem_size, &product)) {
    return false;
  }
  *bytes = static_cast<size_t>(product);
  return true;
}

int64_t BufferElements(const Case& c, size_t buffer_index) {
  return buffer_index == 0 ? c.stages.front().src_base_elements
                           : c.stages[buffer_index - 1].dst_base_elements;
}

}  // namespace

AlignedBuffer::AlignedBuffer(size_t bytes) {
  if (bytes > std::numeric_limits<size_t>::max() - kAlignment) {
    return;
  }
  const size_t rounded =
      bytes == 0 ? kAlignment : (bytes + kAlignment - 1) / kAlignment * kAlignment;
  data_ = static_cast<uint8_t*>(std::aligned_alloc(kAlignment, rounded));
  size_ = data_ == nullptr ? 0 : bytes;
}

AlignedBuffer::AlignedBuffer(AlignedBuffer&& other) noexcept
    : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}

AlignedBuffer& AlignedBuffer::operator=(AlignedBuffer&& other) noexcept {
  if (this != &other) {
    std::free(data_);
    data_ = std::exchange(other.data_, nullptr);
    size_ = std::exchange(other.size_, 0);
  }
  return *this;
}

AlignedBuffer::~AlignedBuffer() { std::free(data_); }

void FillPattern(void* data, size_t bytes, uint64_t seed) {
  auto* out = static_cast<uint8_t*>(data);
  const size_t words = bytes / kWordBytes;
  for (size_t w = 0; w < words; ++w) {
    const uint64_t value = PatternWord(seed, w);
    std::memcpy(out + w * kWordBytes, &value, kWordBytes);
  }
  const uint64_t tail = PatternWord(seed, words);
  std::memcpy(out + words * kWordBytes, &tail, bytes - words * kWordBytes);
}

size_t FindPatternMismatch(const void* data, size_t bytes, uint64_t seed) {
  const auto* in = static_cast<const uint8_t*>(data);
  const size_t words = (bytes + kWordBytes - 1) / kWordBytes;
  for (size_t w = 0; w < words; ++w) {
    const uint64_t expected = PatternWord(seed, w);
    const size_t begin = w * kWordBytes;
    const size_t length = bytes - begin < kWordBytes ? bytes - begin : kWordBytes;
    if (std::memcmp(in + begin, &expected, length) == 0) {
      continue;
    }
    uint8_t expected_bytes[kWordBytes];
    std::memcpy(expected_bytes, &expected, kWordBytes);
    for (size_t b = 0; b < length; ++b) {
      if (in[begin + b] != expected_bytes[b]) {
        return begin + b;
      }
    }
  }
  return bytes;
}

uint64_t BufferSeed(size_t buffer_index) {
  constexpr uint64_t kSeedBase = 0x726176656cULL;  // "ravel"
  return kSeedBase + buffer_index;
}

bool PrepareRun(const Case& c, CaseRun* run, std::string* error) {
  run->buffers.clear();
  for (size_t k = 0; k <= c.stages.size(); ++k) {
    size_t bytes = 0;
    if (!BufferBytes(BufferElements(c, k), c.elem_size, &bytes)) {
      *error = "buffer " + std::to_string(k) + " is too large";
      return false;
    }
    AlignedBuffer buffer(bytes);
    if (buffer.data() == nullptr) {
      *error =
          "cannot allocate " + std::to_string(bytes) + " bytes for buffer " + std::to_string(k);
      run->buffers.clear();
      return false;
    }
    FillPattern(buffer.data(), bytes, BufferSeed(k));
    run->buffers.push_back(std::move(buffer));
  }
  return true;
}

ravel_status ExecuteRun(const Case& c, const ravel_options* options, CaseRun* run) {
  for (size_t k = 0; k < c.stages.size(); ++k) {
    const Stage& stage = c.stages[k];
    const ravel_layout src_layout = ravel_view_layout(&stage.src);
    const ravel_layout dst_layout = ravel_view_layout(&stage.dst);
    const uint8_t* src = run->buffers[k].data() + stage.src.offset * c.elem_size;
    uint8_t* dst = run->buffers[k + 1].data() + stage.dst.offset * c.elem_size;
    const ravel_status status = ravel_copy(src, &src_layout, dst, &dst_layout, options);
    if (status != RAVEL_OK) {
      return status;
    }
  }
  return RAVEL_OK;
}

ravel_status RunCase(const Case& c, const ravel_options* options, CaseRun* run,
                     std::string* error) {
  if (!PrepareRun(c, run, error)) {
    return RAVEL_E_OUT_OF_MEMORY;
  }
  const ravel_status status = ExecuteRun(c, options, run);
  if (status != RAVEL_OK) {
    *error = std::string(ravel_status_string(status)) + ": " + ravel_last_error();
  }
  return status;
}

}  // namespace ravel_cases
