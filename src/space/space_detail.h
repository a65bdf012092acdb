// Helpers shared by the files of hwnas_space (private): the space version hash and name suggestions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "hwnas/ir/stable_hash.h"
#include "hwnas/space/space.h"
#include "hwnas/text/strict_yaml.h"

namespace hwnas::space::detail {

using text::did_you_mean;

// The hash of a space's decisions and macro structure (SearchSpace::version).
std::string space_version(const SearchSpace& space);

}  // namespace hwnas::space::detail
