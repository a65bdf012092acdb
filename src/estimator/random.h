// A small seeded random generator whose sequence is the same on every platform (std's distributions are not).
#pragma once

#include <cstdint>
#include <vector>

namespace hwnas::estimator::detail {

// SplitMix64: one 64-bit state, good enough for sampling configurations.
class Random {
 public:
  explicit Random(uint64_t seed) : state_(seed) {}
  uint64_t next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  // Uniform in [0, 1).
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  // Uniform integer in [lo, hi].
  int64_t integer(int64_t lo, int64_t hi) {
    return lo + static_cast<int64_t>(next() % static_cast<uint64_t>(hi - lo + 1));
  }
  bool chance(double p) { return uniform() < p; }
  template <class T>
  const T& pick(const std::vector<T>& options) {
    return options[static_cast<size_t>(integer(0, static_cast<int64_t>(options.size()) - 1))];
  }

 private:
  uint64_t state_;
};

// A seed for item `index` of a stream seeded by `seed`.
inline uint64_t mix_seed(uint64_t seed, uint64_t index) {
  Random r(seed ^ (index * 0xd1b54a32d192ed03ull + 0x8cb92ba72f3d8dd7ull));
  r.next();
  return r.next();
}

}  // namespace hwnas::estimator::detail
