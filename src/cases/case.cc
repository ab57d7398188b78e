// Dtypes and small helpers on parsed cases.
#include "cases/case.h"

#include <string>

namespace ravel_cases {

const std::vector<Dtype>& Dtypes() {
  static const std::vector<Dtype> dtypes = {
      {"bool", 1}, {"u8", 1},   {"i8", 1},  {"u16", 2}, {"i16", 2},
      {"f16", 2},  {"bf16", 2}, {"u32", 4}, {"i32", 4}, {"f32", 4},
      {"u64", 8},  {"i64", 8},  {"f64", 8}, {"c64", 8}, {"c128", 16},
  };
  return dtypes;
}

const Dtype* FindDtype(std::string_view name) {
  for (const Dtype& dtype : Dtypes()) {
    if (dtype.name == name) {
      return &dtype;
    }
  }
  return nullptr;
}

int64_t ElementCount(const ravel_view& view) {
  int64_t count = 1;
  for (int32_t d = 0; d < view.rank; ++d) {
    count *= view.shape[d];
  }
  return count;
}

int64_t CaseBytes(const Case& c) { return ElementCount(c.destination) * c.elem_size; }

std::string FormatDims(const int64_t* values, int32_t count) {
  std::string text = "[";
  for (int32_t d = 0; d < count; ++d) {
    if (d > 0) {
      text += ", ";
    }
    text += std::to_string(values[d]);
  }
  return text + "]";
}

std::string DescribeView(const ravel_view& view) {
  return "shape " + FormatDims(view.shape, view.rank) + " strides " +
         FormatDims(view.strides, view.rank) + " offset " + std::to_string(view.offset);
}

}  // namespace ravel_cases
