// The model registry: names, option checks and dispatch to each model family's builder.
#include "hwnas/zoo/zoo.h"

#include <cmath>

#include "models.h"

namespace hwnas::zoo {
namespace {

struct ModelEntry {
  std::string name;
  Result<ir::Graph> (*build)(const ZooOptions&);
};

const std::vector<ModelEntry>& registry() {
  static const std::vector<ModelEntry> entries = {
      {"mobilenet_v2", detail::build_mobilenet_v2},
      {"mobilenet_v3_large", detail::build_mobilenet_v3_large},
      {"mobilenet_v3_small", detail::build_mobilenet_v3_small},
      {"mnasnet_a1", detail::build_mnasnet_a1},
      {"efficientnet_b0", detail::build_efficientnet_b0},
      {"resnet18", detail::build_resnet18},
      {"resnet50", detail::build_resnet50},
      {"mobilenet_v3_large_lraspp", detail::build_mobilenet_v3_large_lraspp},
      {"mobilenet_v3_large_ssdlite", detail::build_mobilenet_v3_large_ssdlite},
      {"mobilenet_v2_ssdlite", detail::build_mobilenet_v2_ssdlite},
  };
  return entries;
}

// Every zoo network downsamples its input 32 times (output stride 32, 16 for the dilated
// LR-ASPP backbone); below this the last stages would see nothing but padding.
constexpr int64_t kMinResolution = 32;
// Far beyond any use, small enough that no tensor size or MAC count overflows int64.
constexpr int64_t kMaxResolution = 8192;
constexpr double kMaxWidthMultiplier = 8.0;
constexpr int64_t kMaxBatch = 4096;
constexpr int64_t kMaxInChannels = 4096;
constexpr int64_t kMaxClasses = 1 << 20;

Status check_options(const std::string& model, const ZooOptions& o) {
  auto fail = [&](const std::string& text) { return Status(Error{"model '" + model + "': " + text}); };
  if (!(o.width_multiplier > 0 && o.width_multiplier <= kMaxWidthMultiplier))
    return fail("width_multiplier must be in (0, " + std::to_string(static_cast<int>(kMaxWidthMultiplier)) +
                "], got " + std::to_string(o.width_multiplier));
  if (o.resolution < kMinResolution || o.resolution > kMaxResolution)
    return fail("resolution must be in [" + std::to_string(kMinResolution) + ", " +
                std::to_string(kMaxResolution) + "] (the network downsamples 32 times), got " +
                std::to_string(o.resolution));
  if (o.num_classes < 1 || o.num_classes > kMaxClasses)
    return fail("num_classes must be in [1, " + std::to_string(kMaxClasses) + "], got " +
                std::to_string(o.num_classes));
  if (o.batch < 1 || o.batch > kMaxBatch)
    return fail("batch must be in [1, " + std::to_string(kMaxBatch) + "], got " + std::to_string(o.batch));
  if (o.in_channels < 1 || o.in_channels > kMaxInChannels)
    return fail("in_channels must be in [1, " + std::to_string(kMaxInChannels) + "], got " +
                std::to_string(o.in_channels));
  return {};
}

}  // namespace

const std::vector<std::string>& model_names() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> n;
    for (const auto& e : registry()) n.push_back(e.name);
    return n;
  }();
  return names;
}

Result<ir::Graph> build_model(std::string_view name, const ZooOptions& options) {
  for (const auto& entry : registry()) {
    if (entry.name != name) continue;
    if (auto s = check_options(entry.name, options); !s) return s.error();
    auto graph = entry.build(options);
    if (!graph) return graph.error().within("model '" + entry.name + "'");
    return graph;
  }
  std::string known;
  for (const auto& n : model_names()) known += (known.empty() ? "" : ", ") + n;
  return Error{"unknown model '" + std::string(name) + "'; known models: " + known};
}

namespace detail {

ir::NodeId add_image_input(ir::Builder& b, const ZooOptions& o) {
  return b.input({o.batch, o.in_channels, o.resolution, o.resolution}, "input");
}

Result<ir::NodeId> find_node(const ir::Graph& graph, const std::string& name) {
  auto id = graph.find(name);
  if (!id) return Error{"internal: the zoo expected a node named '" + name + "'"};
  return *id;
}

}  // namespace detail
}  // namespace hwnas::zoo
