// Running a parsed case end to end: page-aligned buffers filled with deterministic patterns, and
// every stage copied with ravel_copy.
#ifndef RAVEL_SRC_CASES_RUN_H_
#define RAVEL_SRC_CASES_RUN_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "cases/case.h"
#include "ravel/ravel.h"

namespace ravel_cases {

// Page-aligned heap memory, moved but never copied.
class AlignedBuffer {
 public:
  static constexpr size_t kAlignment = 4096;

  AlignedBuffer() = default;
  // Allocates at least bytes (and at least one page) without touching them; data() is nullptr
  // if the allocation fails.
  explicit AlignedBuffer(size_t bytes);
  AlignedBuffer(AlignedBuffer&& other) noexcept;
  AlignedBuffer& operator=(AlignedBuffer&& other) noexcept;
  AlignedBuffer(const AlignedBuffer&) = delete;
  AlignedBuffer& operator=(const AlignedBuffer&) = delete;
  ~AlignedBuffer();

  uint8_t* data() { return data_; }
  const uint8_t* data() const { return data_; }
  // The bytes asked for.
  size_t size() const { return size_; }

 private:
  uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

// Fills bytes with the pattern of seed: each byte is a hash of (seed, its index), so neighbouring
// elements of any size differ and buffers of different seeds differ.
void FillPattern(void* data, size_t bytes, uint64_t seed);

// The index of the first byte of data that differs from FillPattern(seed), or bytes if none.
size_t FindPatternMismatch(const void* data, size_t bytes, uint64_t seed);

// The pattern seed of a case's buffer k (0 = the source base).
uint64_t BufferSeed(size_t buffer_index);

// The buffers of one case: buffers[0] is the source base, buffers[k + 1] the destination base of
// stage k, each filled with its BufferSeed pattern by PrepareRun.
struct CaseRun {
  std::vector<AlignedBuffer> buffers;
};

// Allocates and fills (so touches every page of) every buffer of c. On failure returns false and
// sets *error.
bool PrepareRun(const Case& c, CaseRun* run, std::string* error);

// Copies every stage of c with ravel_copy (options NULL = defaults) into a prepared run. Returns
// the first failing status (ravel_last_error() says why).
ravel_status ExecuteRun(const Case& c, const ravel_options* options, CaseRun* run);

// PrepareRun then ExecuteRun. On failure *error says why (RAVEL_E_OUT_OF_MEMORY when a buffer
// cannot be allocated).
ravel_status RunCase(const Case& c, const ravel_options* options, CaseRun* run, std::string* error);

// Checks a run against an index-loop reference that shares no code with ravel: the source is
// unchanged and every stage's destination buffer, inside and outside the view, holds exactly
// what the reference writes into a buffer with the same initial pattern. On a mismatch returns
// false and *error names the stage and the first differing index.
bool VerifyRun(const Case& c, const CaseRun& run, std::string* error);

// The reference: for every index of src's shape, copies elem_size bytes from
// src_base + src offset to dst_base + dst offset, one element at a time.
void ReferenceCopy(const ravel_view& src, const uint8_t* src_base, const ravel_view& dst,
                   uint8_t* dst_base);

}  // namespace ravel_cases

#endif  // RAVEL_SRC_CASES_RUN_H_
