// The seeded random source of the randomized tests: the same stream on every platform and
// standard library, replayable with RAVEL_TEST_SEED.
#ifndef RAVEL_TESTS_TEST_RNG_H_
#define RAVEL_TESTS_TEST_RNG_H_

#include <cstdint>
#include <cstdlib>
#include <utility>
#include <vector>

namespace ravel_test {

// RAVEL_TEST_SEED if set (decimal or 0x hex), else the test's own default.
inline uint64_t BaseSeed(uint64_t default_seed) {
  const char* env = std::getenv("RAVEL_TEST_SEED");
  if (env != nullptr && env[0] != '\0') {
    return std::strtoull(env, nullptr, 0);
  }
  return default_seed;
}

// RAVEL_TEST_SCALE=N (N > 1) runs 1/N of a randomized test's cases, at least one, and scales its
// coverage floors alike: for slow machines and emulators (tools/cross-test.sh runs qemu with 20).
// Unset, empty or 1: the full count.
inline int ScaledCount(int count) {
  const char* env = std::getenv("RAVEL_TEST_SCALE");
  const long divisor = env != nullptr && env[0] != '\0' ? std::strtol(env, nullptr, 10) : 1;
  if (divisor <= 1) {
    return count;
  }
  const long scaled = count / divisor;
  return scaled < 1 ? 1 : static_cast<int>(scaled);
}

// splitmix64.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}

  uint64_t Next() {
    uint64_t z = (state_ += 0x9e37'79b9'7f4a'7c15);
    z = (z ^ (z >> 30)) * 0xbf58'476d'1ce4'e5b9;
    z = (z ^ (z >> 27)) * 0x94d0'49bb'1331'11eb;
    return z ^ (z >> 31);
  }

  // Uniform in [lo, hi].
  int64_t Uniform(int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(Next() % static_cast<uint64_t>(hi - lo + 1));
  }

  int32_t Uniform32(int32_t lo, int32_t hi) { return static_cast<int32_t>(Uniform(lo, hi)); }

  // Uniform in [0, n).
  size_t Below(size_t n) { return static_cast<size_t>(Uniform(0, static_cast<int64_t>(n) - 1)); }

  bool Percent(int percent) { return Uniform(0, 99) < percent; }

  template <typename T>
  T Pick(const std::vector<T>& values) {
    return values[Below(values.size())];
  }

  template <typename T>
  void Shuffle(std::vector<T>* values) {
    for (size_t i = values->size(); i > 1; --i) {
      std::swap((*values)[i - 1], (*values)[Below(i)]);
    }
  }

 private:
  uint64_t state_;
};

}  // namespace ravel_test

#endif  // RAVEL_TESTS_TEST_RNG_H_
