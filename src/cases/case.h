// The case language of CASES.md: one line describes one copy problem the way a PyTorch or numpy
// user writes it ("f32[64,2048,7,7].permute(0,2,3,1)"). Tests, benchmarks and the ravel command
// parse it here into views that ravel_copy takes.
#ifndef RAVEL_SRC_CASES_CASE_H_
#define RAVEL_SRC_CASES_CASE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ravel/ravel.h"

namespace ravel_cases {

// An element type of the case language: its name and its size in bytes.
struct Dtype {
  std::string_view name;
  int64_t size;
};

// Every dtype of the case language, in CASES.md order.
const std::vector<Dtype>& Dtypes();

// The dtype called name, or nullptr if there is none.
const Dtype* FindDtype(std::string_view name);

// One ravel_copy: src views the stage's source base buffer, dst its destination base buffer. The
// views' offsets are in elements from the start of their base buffers.
struct Stage {
  ravel_view src;
  int64_t src_base_elements;
  ravel_view dst;
  int64_t dst_base_elements;
};

// A parsed case. It runs as a chain of stages over buffers 0..stages.size(): stage k reads
// buffer k and writes buffer k + 1. Buffer 0 is the source's dense base tensor; a `.flatten` or
// `.reshape` that cannot be a view materializes the view so far into a fresh dense buffer, whose
// reshaped dense view the later ops continue from. Most cases are one stage.
struct Case {
  std::string text;       // the case as written, without surrounding whitespace
  std::string dtype;      // "f32", ...
  int64_t elem_size = 0;  // bytes
  ravel_view source{};    // = stages.front().src, a view of buffer 0
  int64_t source_base_elements = 0;
  // The result: a view of the last buffer with the case's final shape. With ` -> ` it is the
  // right-hand side's view (= stages.back().dst); without, it is dense over a buffer of its own.
  ravel_view destination{};
  int64_t destination_base_elements = 0;
  std::vector<Stage> stages;
};

// Parses one case. On failure returns false and sets *error to "col N: problem" (N counts from
// 1 in line).
bool ParseCase(std::string_view line, Case* out, std::string* error);

// Parses a case file's text: one case a line; blank lines and everything from '#' to the end of
// a line are skipped. On failure returns false with *error = "source_name:LINE: col N: problem".
bool LoadCaseText(std::string_view text, std::string_view source_name, std::vector<Case>* cases,
                  std::string* error);

// Reads and parses the case file at path (see LoadCaseText).
bool LoadCaseFile(const std::string& path, std::vector<Case>* cases, std::string* error);

// The text of the default suite (bench/cases/inference.txt), embedded at build time.
std::string_view DefaultSuite();

// The product of a view's extents.
int64_t ElementCount(const ravel_view& view);

// Bytes the case produces: the destination's elements times the element size.
int64_t CaseBytes(const Case& c);

// "[2, 3, 4]".
std::string FormatDims(const int64_t* values, int32_t count);

// "shape [2, 3] strides [3, 1] offset 0".
std::string DescribeView(const ravel_view& view);

}  // namespace ravel_cases

#endif  // RAVEL_SRC_CASES_CASE_H_
