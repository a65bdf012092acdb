// The YAML text format of a network (documented in docs/text-format.md): load and save that round-trip exactly.
#pragma once

#include <string>
#include <string_view>

#include "hwnas/ir/graph.h"

namespace hwnas::text {

// The graph as YAML text; weights, when the graph has them, are included.
std::string to_yaml(const ir::Graph& graph);
// Parses YAML text; errors name `source_name`, the line and the field at fault.
Result<ir::Graph> from_yaml(std::string_view text, std::string_view source_name = "<string>");

Status save_yaml(const ir::Graph& graph, const std::string& path);
Result<ir::Graph> load_yaml(const std::string& path);

}  // namespace hwnas::text
