// The built-in search spaces: the text of spaces/*.yaml (a test checks the two agree).
#include "hwnas/space/space.h"

#include <filesystem>

#include "space_detail.h"

namespace hwnas::space {
namespace {

struct BuiltinSpace {
  const char* name;
  const char* yaml;
};

const BuiltinSpace kBuiltinSpaces[] = {
    {"mobilenet_curated", R"yaml(# A curated MobileNet-family macro space (docs/search.md): channel choices are the multiples of
# the target's parallelism factor P in each range, plus a global depth multiplier.
name: mobilenet_curated
kind: macro
input: {channels: 3, resolution: [96, 128, 160]}
depth_multiplier: [0.5, 0.75, 1.0, 1.25]
activation: relu6
stem: {channels: {aligned: P, min: 16, max: 32}, stride: 2}
stages:
  - {block: [ibn, fused_ibn, conv], kernel: [3, 5], expansion: [1, 3], depth: [1], channels: {aligned: P, min: 16, max: 64}, stride: 1}
  - {block: [ibn, fused_ibn, grouped_ibn, conv], kernel: [3, 5, 7], expansion: [3, 6], depth: [1, 2, 3], channels: {aligned: P, min: 16, max: 64}, stride: 2}
  - {block: [ibn, fused_ibn, grouped_ibn, conv], kernel: [3, 5, 7], expansion: [3, 6], depth: [1, 2, 3], channels: {aligned: P, min: 32, max: 96}, stride: 2}
  - {block: [ibn, fused_ibn, grouped_ibn, conv], kernel: [3, 5, 7], expansion: [3, 6], depth: [1, 2, 3, 4], channels: {aligned: P, min: 64, max: 160}, stride: 2}
  - {block: [ibn, fused_ibn, grouped_ibn, conv], kernel: [3, 5, 7], expansion: [3, 6], depth: [1, 2, 3], channels: {aligned: P, min: 96, max: 192}, stride: 1}
  - {block: [ibn, fused_ibn, grouped_ibn, conv], kernel: [3, 5, 7], expansion: [3, 6], depth: [1, 2, 3], channels: {aligned: P, min: 160, max: 320}, stride: 2}
head: {type: classification, classes: 10, conv_channels: 640}
)yaml"},
    {"mobilenet_uncurated", R"yaml(# The uncurated twin of mobilenet_curated (docs/search.md): the same ranges with every channel
# count in steps of one, so most choices waste part of the accelerator's channel parallelism.
name: mobilenet_uncurated
kind: macro
input: {channels: 3, resolution: [96, 128, 160]}
depth_multiplier: [0.5, 0.75, 1.0, 1.25]
activation: relu6
stem: {channels: {min: 16, max: 32}, stride: 2}
stages:
  - {block: [ibn, fused_ibn, conv], kernel: [3, 5], expansion: [1, 3], depth: [1], channels: {min: 16, max: 64}, stride: 1}
  - {block: [ibn, fused_ibn, grouped_ibn, conv], kernel: [3, 5, 7], expansion: [3, 6], depth: [1, 2, 3], channels: {min: 16, max: 64}, stride: 2}
  - {block: [ibn, fused_ibn, grouped_ibn, conv], kernel: [3, 5, 7], expansion: [3, 6], depth: [1, 2, 3], channels: {min: 32, max: 96}, stride: 2}
  - {block: [ibn, fused_ibn, grouped_ibn, conv], kernel: [3, 5, 7], expansion: [3, 6], depth: [1, 2, 3, 4], channels: {min: 64, max: 160}, stride: 2}
  - {block: [ibn, fused_ibn, grouped_ibn, conv], kernel: [3, 5, 7], expansion: [3, 6], depth: [1, 2, 3], channels: {min: 96, max: 192}, stride: 1}
  - {block: [ibn, fused_ibn, grouped_ibn, conv], kernel: [3, 5, 7], expansion: [3, 6], depth: [1, 2, 3], channels: {min: 160, max: 320}, stride: 2}
head: {type: classification, classes: 10, conv_channels: 640}
)yaml"},
    {"fashion_mnist_curated", R"yaml(# A curated MobileNet-family space for Fashion-MNIST (28 x 28 grey images, resized to 32 x 32):
# channel choices are the multiples of the target's parallelism factor P in each range (every
# range holds a multiple of 64, so it suits every preset), plus a global depth multiplier.
name: fashion_mnist_curated
kind: macro
input: {channels: 1, resolution: [32]}
depth_multiplier: [0.5, 0.75, 1.0]
activation: relu6
stem: {channels: {aligned: P, min: 16, max: 64}, stride: 2}
stages:
  - {block: [ibn, fused_ibn, conv], kernel: [3, 5], expansion: [1, 3], depth: [1], channels: {aligned: P, min: 16, max: 64}, stride: 1}
  - {block: [ibn, fused_ibn, grouped_ibn, conv], kernel: [3, 5], expansion: [3, 6], depth: [1, 2], channels: {aligned: P, min: 16, max: 64}, stride: 2}
  - {block: [ibn, fused_ibn, grouped_ibn, conv], kernel: [3, 5], expansion: [3, 6], depth: [1, 2, 3], channels: {aligned: P, min: 24, max: 128}, stride: 2}
  - {block: [ibn, fused_ibn, grouped_ibn, conv], kernel: [3, 5], expansion: [3, 6], depth: [1, 2, 3, 4], channels: {aligned: P, min: 48, max: 128}, stride: 1}
  - {block: [ibn, fused_ibn, grouped_ibn, conv], kernel: [3, 5], expansion: [3, 6], depth: [1, 2, 3], channels: {aligned: P, min: 64, max: 192}, stride: 1}
head: {type: classification, classes: 10, conv_channels: 512}
)yaml"},
    {"fashion_mnist_uncurated", R"yaml(# The uncurated twin of fashion_mnist_curated: the same ranges with every channel count in steps
# of one. It holds the MobileNetV2-style Fashion-MNIST baseline (channels 32, 16, 24, 32, 64, 96;
# inverted bottlenecks with expansion 6, kernel 3).
name: fashion_mnist_uncurated
kind: macro
input: {channels: 1, resolution: [32]}
depth_multiplier: [0.5, 0.75, 1.0]
activation: relu6
stem: {channels: {min: 16, max: 64}, stride: 2}
stages:
  - {block: [ibn, fused_ibn, conv], kernel: [3, 5], expansion: [1, 3], depth: [1], channels: {min: 16, max: 64}, stride: 1}
  - {block: [ibn, fused_ibn, grouped_ibn, conv], kernel: [3, 5], expansion: [3, 6], depth: [1, 2], channels: {min: 16, max: 64}, stride: 2}
  - {block: [ibn, fused_ibn, grouped_ibn, conv], kernel: [3, 5], expansion: [3, 6], depth: [1, 2, 3], channels: {min: 24, max: 128}, stride: 2}
  - {block: [ibn, fused_ibn, grouped_ibn, conv], kernel: [3, 5], expansion: [3, 6], depth: [1, 2, 3, 4], channels: {min: 48, max: 128}, stride: 1}
  - {block: [ibn, fused_ibn, grouped_ibn, conv], kernel: [3, 5], expansion: [3, 6], depth: [1, 2, 3], channels: {min: 64, max: 192}, stride: 1}
head: {type: classification, classes: 10, conv_channels: 512}
)yaml"},
    {"composite_segmentation_curated", R"yaml(# A curated MobileNet-family space for semantic segmentation of the composite Fashion-MNIST scenes
# (data/composite.h: grey 96 x 96 canvases, 11 classes with the background, resized to 64 x 64):
# an LR-ASPP head on the stride-8 features (stage 3) and the last ones (stride 16). Channel
# choices are the multiples of the target's parallelism factor P in each range (every range holds
# a multiple of 64, so it suits every preset), plus a global depth multiplier.
name: composite_segmentation_curated
kind: macro
input: {channels: 1, resolution: [64]}
depth_multiplier: [0.5, 0.75, 1.0]
activation: relu6
stem: {channels: {aligned: P, min: 16, max: 64}, stride: 2}
stages:
  - {block: [ibn, fused_ibn, conv], kernel: [3, 5], expansion: [1, 3], depth: [1], channels: {aligned: P, min: 16, max: 64}, stride: 1}
  - {block: [ibn, fused_ibn, grouped_ibn, conv], kernel: [3, 5], expansion: [3, 6], depth: [1, 2], channels: {aligned: P, min: 16, max: 64}, stride: 2}
  - {block: [ibn, fused_ibn, grouped_ibn, conv], kernel: [3, 5], expansion: [3, 6], depth: [1, 2, 3], channels: {aligned: P, min: 24, max: 128}, stride: 2}
  - {block: [ibn, fused_ibn, grouped_ibn, conv], kernel: [3, 5], expansion: [3, 6], depth: [1, 2, 3, 4], channels: {aligned: P, min: 48, max: 128}, stride: 2}
  - {block: [ibn, fused_ibn, grouped_ibn, conv], kernel: [3, 5], expansion: [3, 6], depth: [1, 2, 3], channels: {aligned: P, min: 64, max: 192}, stride: 1}
head: {type: segmentation, classes: 11, channels: 64}
)yaml"},
    {"composite_segmentation_uncurated", R"yaml(# The uncurated twin of composite_segmentation_curated: the same ranges with every channel count in
# steps of one. It holds the MobileNetV2-style segmentation baseline (channels 32, 16, 24, 32, 64,
# 96; inverted bottlenecks with expansion 6, kernel 3) with its LR-ASPP head.
name: composite_segmentation_uncurated
kind: macro
input: {channels: 1, resolution: [64]}
depth_multiplier: [0.5, 0.75, 1.0]
activation: relu6
stem: {channels: {min: 16, max: 64}, stride: 2}
stages:
  - {block: [ibn, fused_ibn, conv], kernel: [3, 5], expansion: [1, 3], depth: [1], channels: {min: 16, max: 64}, stride: 1}
  - {block: [ibn, fused_ibn, grouped_ibn, conv], kernel: [3, 5], expansion: [3, 6], depth: [1, 2], channels: {min: 16, max: 64}, stride: 2}
  - {block: [ibn, fused_ibn, grouped_ibn, conv], kernel: [3, 5], expansion: [3, 6], depth: [1, 2, 3], channels: {min: 24, max: 128}, stride: 2}
  - {block: [ibn, fused_ibn, grouped_ibn, conv], kernel: [3, 5], expansion: [3, 6], depth: [1, 2, 3, 4], channels: {min: 48, max: 128}, stride: 2}
  - {block: [ibn, fused_ibn, grouped_ibn, conv], kernel: [3, 5], expansion: [3, 6], depth: [1, 2, 3], channels: {min: 64, max: 192}, stride: 1}
head: {type: segmentation, classes: 11, channels: 64}
)yaml"},
};

}  // namespace

std::vector<std::string> builtin_space_names() {
  std::vector<std::string> names;
  for (const auto& s : kBuiltinSpaces) names.push_back(s.name);
  return names;
}

std::optional<std::string_view> builtin_space_yaml(std::string_view name) {
  for (const auto& s : kBuiltinSpaces)
    if (name == s.name) return std::string_view(s.yaml);
  return std::nullopt;
}

Result<SearchSpace> load_space_by_name(const std::string& name_or_path, const SpaceContext& context) {
  if (auto text = builtin_space_yaml(name_or_path)) return parse_space(*text, "builtin:" + name_or_path, context);
  // A bare word that names no file is a built-in name misspelt, not a file to read.
  const bool looks_like_path = name_or_path.find('/') != std::string::npos || name_or_path.ends_with(".yaml") ||
                               name_or_path.ends_with(".yml") || std::filesystem::exists(name_or_path);
  if (!looks_like_path)
    return Error{"unknown search space '" + name_or_path + "': neither a built-in space (" +
                 text::join_words(builtin_space_names()) + ") nor a YAML file" +
                 detail::did_you_mean(name_or_path, builtin_space_names())};
  return load_space(name_or_path, context);
}

}  // namespace hwnas::space
