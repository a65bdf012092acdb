// A uniform draw from std::mt19937_64 that is the same on every platform (private to src/reference).
#pragma once

#include <random>

namespace hwnas::reference {

// U(lo, hi) from one raw 64-bit draw: the top 53 bits give a double in [0, 1). The engine's
// output is fixed by the C++ standard; std::uniform_real_distribution's mapping is not, so we
// do the mapping by hand.
inline double uniform(std::mt19937_64& rng, double lo, double hi) {
  double unit = static_cast<double>(rng() >> 11) * 0x1.0p-53;
  return lo + (hi - lo) * unit;
}

}  // namespace hwnas::reference
