// Rng: the seeded random numbers of the data sets, the same on every platform and standard library.
//
// SplitMix64 (Steele, Lea and Flood 2014): a 64-bit state advanced by a constant and mixed.
// std::uniform_*_distribution are not specified bit for bit by the C++ standard, so the draws
// below map raw 64-bit words by hand. Streams for (seed, epoch, index) come from mix_seed, so a
// per-item draw does not depend on the order items are read in.
#pragma once

#include <cstdint>
#include <initializer_list>

namespace hwnas::data {

// One SplitMix64 output step applied to `x`: a good 64-bit hash.
inline uint64_t splitmix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

// A seed derived from several values (seed, epoch, index, purpose...), order-sensitive.
inline uint64_t mix_seed(std::initializer_list<uint64_t> values) {
  uint64_t h = 0x6a09e667f3bcc909ull;
  for (uint64_t v : values) h = splitmix64(h ^ splitmix64(v));
  return h;
}

class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}

  uint64_t next() {
    state_ += 0x9e3779b97f4a7c15ull;
    uint64_t z = state_;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }

  // Uniform in [0, 1) from the top 53 bits.
  double unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  // Uniform in [lo, hi).
  double uniform(double lo, double hi) { return lo + (hi - lo) * unit(); }
  // Uniform integer in [lo, hi] (inclusive), without modulo bias (rejection on the top range).
  int64_t uniform_int(int64_t lo, int64_t hi) {
    if (hi <= lo) return lo;
    uint64_t range = static_cast<uint64_t>(hi - lo) + 1;  // 0 when the span is all 2^64 values
    if (range == 0) return static_cast<int64_t>(next());
    uint64_t limit = UINT64_MAX - UINT64_MAX % range;
    uint64_t draw = next();
    while (draw >= limit) draw = next();
    return lo + static_cast<int64_t>(draw % range);
  }
  // True with probability p.
  bool bernoulli(double p) { return unit() < p; }

 private:
  uint64_t state_;
};

}  // namespace hwnas::data
