// Stable 64-bit hashes of text (FNV-1a), for the fingerprints and keys that files and stores
// record: the same text gives the same value on every platform, build and run.
//
//   std::string version = hwnas::stable_hash_hex(canonical_text);   // "cbf29ce484222325"-style
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

namespace hwnas {

// 64-bit FNV-1a (offset basis 14695981039346656037, prime 1099511628211).
constexpr uint64_t stable_hash(std::string_view text) {
  uint64_t hash = 14695981039346656037ull;
  for (char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ull;
  }
  return hash;
}

// 16 lower-case hex digits.
inline std::string hex64(uint64_t value) {
  char buffer[17];
  std::snprintf(buffer, sizeof buffer, "%016llx", static_cast<unsigned long long>(value));
  return buffer;
}

inline std::string stable_hash_hex(std::string_view text) { return hex64(stable_hash(text)); }

}  // namespace hwnas
