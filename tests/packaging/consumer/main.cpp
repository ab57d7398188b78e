// A project outside ravel's tree: found with find_package(ravel CONFIG), it links ravel::ravel
// or ravel::ravel_static and permutes a small tensor through the C API.
#include <ravel/ravel.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <vector>

namespace {

constexpr int64_t kDim0 = 2;
constexpr int64_t kDim1 = 3;
constexpr int64_t kDim2 = 5;

}  // namespace

int main() {
  // src is dense (kDim0, kDim1, kDim2); the view permutes it to (kDim2, kDim0, kDim1).
  std::vector<int16_t> src(kDim0 * kDim1 * kDim2);
  for (size_t i = 0; i < src.size(); ++i) src[i] = static_cast<int16_t>(i);
  const int64_t shape[3] = {kDim2, kDim0, kDim1};
  const int64_t strides[3] = {1, kDim1 * kDim2, kDim2};
  ravel_layout layout{3, sizeof(int16_t), shape, strides};
  std::vector<int16_t> dst(src.size(), -1);

  const ravel_status status = ravel_copy(src.data(), &layout, dst.data(), nullptr, nullptr);
  if (status != RAVEL_OK) {
    std::fprintf(stderr, "consumer: %s: %s\n", ravel_status_string(status), ravel_last_error());
    return 1;
  }
  size_t index = 0;
  for (int64_t k = 0; k < kDim2; ++k) {
    for (int64_t i = 0; i < kDim0; ++i) {
      for (int64_t j = 0; j < kDim1; ++j, ++index) {
        if (dst[index] != src[static_cast<size_t>((i * kDim1 + j) * kDim2 + k)]) {
          std::fprintf(stderr, "consumer: wrong value at %zu\n", index);
          return 1;
        }
      }
    }
  }
  std::printf("consumer: ravel %s: ok\n", ravel_version());
  return 0;
}
