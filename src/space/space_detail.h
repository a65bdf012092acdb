// Helpers shared by the files of hwnas_space (private): hashing and name suggestions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "hwnas/space/space.h"
#include "hwnas/text/strict_yaml.h"

namespace hwnas::space::detail {

using text::did_you_mean;

// 64-bit FNV-1a of `text`.
uint64_t fnv1a(std::string_view text);
// 16 lower-case hex digits.
std::string hex64(uint64_t value);
// The hash of a space's decisions and macro structure (SearchSpace::version).
std::string space_version(const SearchSpace& space);

}  // namespace hwnas::space::detail
