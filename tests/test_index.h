// Multi-indices over small shapes for the tests' independent models: element counts and a
// row-major walk over every index.
#ifndef RAVEL_TESTS_TEST_INDEX_H_
#define RAVEL_TESTS_TEST_INDEX_H_

#include <cstdint>
#include <vector>

namespace ravel_test {

using Index = std::vector<int64_t>;

inline int64_t Numel(const Index& shape) {
  int64_t count = 1;
  for (const int64_t extent : shape) {
    count *= extent;
  }
  return count;
}

inline int32_t Rank(const Index& shape) { return static_cast<int32_t>(shape.size()); }

// Calls fn(index) for every index of shape, in row-major order.
template <typename Fn>
void ForEachIndex(const Index& shape, Fn&& fn) {
  if (Numel(shape) == 0) {
    return;
  }
  Index index(shape.size(), 0);
  for (;;) {
    fn(index);
    size_t d = shape.size();
    for (;;) {
      if (d == 0) {
        return;
      }
      --d;
      if (++index[d] < shape[d]) {
        break;
      }
      index[d] = 0;
    }
  }
}

}  // namespace ravel_test

#endif  // RAVEL_TESTS_TEST_INDEX_H_
