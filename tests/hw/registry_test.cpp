// The target registry: presets, spec paths, command templates, extension targets and unknown names.
#include "hwnas/hw/registry.h"

#include <gtest/gtest.h>

#include <fstream>

#include "hwnas/hw/presets.h"
#include "hwnas/hw/simulator.h"

namespace hwnas::hw {
namespace {

TEST(Registry, MakesPresetsByName) {
  for (const std::string& name : preset_names()) {
    auto target = make_target(name);
    ASSERT_TRUE(target.ok()) << target.error().message;
    EXPECT_EQ((*target)->name(), name);
    EXPECT_EQ((*target)->kind(), "simulator");
  }
}

TEST(Registry, MakesASimulatorFromASpecPath) {
  const std::string path = ::testing::TempDir() + "/hwnas_registry_npu.yaml";
  {
    std::ofstream out(path);
    out << *preset_yaml("ethos-u55-256");
  }
  auto target = make_target(path);
  ASSERT_TRUE(target.ok()) << target.error().message;
  EXPECT_EQ((*target)->kind(), "simulator");
  auto* simulator = dynamic_cast<SimulatorTarget*>(target->get());
  ASSERT_NE(simulator, nullptr);
  EXPECT_EQ(simulator->spec().source, path);

  auto missing = make_target("/nonexistent/dir/npu.yaml");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("/nonexistent/dir/npu.yaml"), std::string::npos);
}

TEST(Registry, MakesCommandTargets) {
  auto target = make_target("command:./bench.sh {onnx}");
  ASSERT_TRUE(target.ok()) << target.error().message;
  EXPECT_EQ((*target)->kind(), "command");
  EXPECT_FALSE(make_target("command:./bench.sh").ok());
}

TEST(Registry, UnknownNamesSuggestTheNearest) {
  auto target = make_target("ethos-u55-25");
  ASSERT_FALSE(target.ok());
  EXPECT_NE(target.error().message.find("did you mean 'ethos-u55-256'"), std::string::npos)
      << target.error().message;
  EXPECT_NE(target.error().message.find("command:"), std::string::npos);
}

// A library registers its own targets (the CLI adds libtorch's "cpu" and "cuda" this way).
TEST(Registry, ExtensionTargetsTakeAnArgument) {
  TargetRegistry registry = builtin_target_registry();
  std::string seen_argument;
  auto factory = [&seen_argument](std::string_view argument,
                                  const TargetOptions&) -> Result<std::unique_ptr<Target>> {
    seen_argument = std::string(argument);
    return std::unique_ptr<Target>(std::make_unique<SimulatorTarget>(*load_preset("htp-like")));
  };
  ASSERT_TRUE(registry.add({"fake", "cpu", "a test target"}, factory).ok());
  EXPECT_FALSE(registry.add({"fake", "cpu", "again"}, factory).ok());
  EXPECT_FALSE(registry.add({"ethos-u55-256", "cpu", "hides a preset"}, factory).ok());
  EXPECT_FALSE(registry.add({"a:b", "cpu", "colon"}, factory).ok());
  ASSERT_TRUE(registry.make("fake:3").ok());
  EXPECT_EQ(seen_argument, "fake:3");
  ASSERT_TRUE(registry.make("fake").ok());
  EXPECT_EQ(seen_argument, "fake");
  auto list = registry.list();
  ASSERT_FALSE(list.empty());
  EXPECT_EQ(list.front().name, "fake");
  EXPECT_EQ(list.back().kind, "command");
  EXPECT_FALSE(make_target("fake").ok());  // the built-in registry does not know it
}

}  // namespace
}  // namespace hwnas::hw
