// `hwnas space` in process: the listing, a space's decisions, decoding a key or a best_arch.yaml to a network, sampling, errors.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "commands.h"
#include "in_process.h"
#include "hwnas/ir/builder.h"
#include "hwnas/search/algorithm.h"
#include "hwnas/space/space.h"
#include "hwnas/reference/reference.h"
#include "hwnas/text/yaml_format.h"
#include "hwnas/zoo/zoo.h"

namespace hwnas::cli {
namespace {

using test_support::RunResult;

RunResult run(const std::vector<std::string>& args) { return test_support::run_in_process({register_space}, args); }

std::string scratch(const std::string& name) {
  auto dir = std::filesystem::path(testing::TempDir()) / "hwnas_space_command";
  std::filesystem::create_directories(dir);
  return (dir / name).string();
}

TEST(SpaceCommand, ListsTheBuiltInSpaces) {
  RunResult r = run({"space"});
  ASSERT_EQ(r.status, 0) << r.err;
  for (const std::string& name : space::builtin_space_names()) EXPECT_NE(r.out.find(name), std::string::npos) << name;
}

TEST(SpaceCommand, ShowsTheDecisionsCuratedToTheTarget) {
  RunResult r = run({"space", "fashion_mnist_curated", "--channel-multiple", "16"});
  ASSERT_EQ(r.status, 0) << r.err;
  auto space = space::load_space_by_name("fashion_mnist_curated", {.channel_multiple = 16});
  ASSERT_TRUE(space) << space.error().message;
  EXPECT_NE(r.out.find("version " + space->version()), std::string::npos) << r.out;
  for (const space::Decision& d : space->decisions()) EXPECT_NE(r.out.find("  " + d.name), std::string::npos) << d.name;
  EXPECT_NE(r.out.find("multiples of 16"), std::string::npos);
}

TEST(SpaceCommand, DecodesAKeyAndABestArchFileToTheSameNetwork) {
  auto space = space::load_space_by_name("fashion_mnist_uncurated", {});
  ASSERT_TRUE(space) << space.error().message;
  std::mt19937_64 rng(3);
  space::Architecture arch = search::random_architecture(*space, rng);
  auto expected = space->decode(arch);
  for (int draw = 0; draw < 100 && !expected; ++draw) {  // some draws are invalid (groups that do not divide)
    arch = search::random_architecture(*space, rng);
    expected = space->decode(arch);
  }
  ASSERT_TRUE(expected) << expected.error().message;

  const std::string from_key = scratch("from_key.yaml");
  RunResult r = run({"space", "fashion_mnist_uncurated", "--arch", space->canonical_key(arch), "-o", from_key});
  ASSERT_EQ(r.status, 0) << r.err;
  auto decoded = text::load_yaml(from_key);
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_TRUE(*decoded == *expected);

  const std::string arch_file = scratch("best_arch.yaml");
  std::ofstream(arch_file) << space->architecture_yaml(arch);
  const std::string from_file = scratch("from_file.yaml");
  r = run({"space", "fashion_mnist_uncurated", "--arch", arch_file, "-o", from_file});
  ASSERT_EQ(r.status, 0) << r.err;
  auto again = text::load_yaml(from_file);
  ASSERT_TRUE(again) << again.error().message;
  EXPECT_TRUE(*again == *expected);
}

TEST(SpaceCommand, SamplesDistinctValidKeysDeterministically) {
  RunResult a = run({"space", "mobilenet_curated", "--sample", "5", "--seed", "7"});
  RunResult b = run({"space", "mobilenet_curated", "--sample", "5", "--seed", "7"});
  ASSERT_EQ(a.status, 0) << a.err;
  EXPECT_EQ(a.out, b.out);
  auto space = space::load_space_by_name("mobilenet_curated", {});
  ASSERT_TRUE(space);
  std::istringstream lines(a.out);
  int count = 0;
  for (std::string line; std::getline(lines, line); ++count) EXPECT_TRUE(space->parse_key(line)) << line;
  EXPECT_EQ(count, 5);
}

TEST(SpaceCommand, BadInputGivesErrorsNamingIt) {
  RunResult r = run({"space", "fashion_mnist_curatd"});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("fashion_mnist_curated"), std::string::npos) << r.err;  // did you mean

  r = run({"space", "fashion_mnist_curated", "--arch", "resolution=999"});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("--arch"), std::string::npos) << r.err;

  const std::string other = scratch("other_arch.yaml");
  std::ofstream(other) << "space: mobilenet_curated\nkey: \"resolution=224\"\n";
  r = run({"space", "fashion_mnist_curated", "--arch", other});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("not of 'fashion_mnist_curated'"), std::string::npos) << r.err;

  r = run({"space", "fashion_mnist_curated", "-o", scratch("x.yaml")});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("-o needs --arch"), std::string::npos) << r.err;

  auto space = space::load_space_by_name("fashion_mnist_curated", {});
  ASSERT_TRUE(space);
  r = run({"space", "fashion_mnist_curated", "--arch", space->canonical_key(space->minimal_architecture()), "-o",
           scratch("x.txt")});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("extension"), std::string::npos) << r.err;
}

// `hwnas space derive`: the space of a zoo network, written and re-read, decodes its printed baseline key.
TEST(SpaceCommand, DeriveWritesASpaceWhoseBaselineIsTheNetwork) {
  const std::string out = scratch("mobilenet_v2_space.yaml");
  RunResult r = run({"space", "derive", "mobilenet_v2", "--resolution", "96", "--classes", "10", "--channel-multiple", "16",
                     "-o", out});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("7 stages"), std::string::npos) << r.out;
  const size_t at = r.out.find("resolution=");
  ASSERT_NE(at, std::string::npos) << r.out;
  const std::string key = r.out.substr(at, r.out.find('\n', at) - at);
  RunResult decoded = run({"space", out, "--arch", key});
  ASSERT_EQ(decoded.status, 0) << decoded.err;
  EXPECT_NE(decoded.out.find("stage7.channels: 320"), std::string::npos) << decoded.out;

  // ResNet-18: nothing but the head is a block the macro space builds; the rest is kept fixed and listed.
  const std::string resnet_space = scratch("resnet18_space.yaml");
  RunResult resnet = run({"space", "derive", "resnet18", "--resolution", "64", "-o", resnet_space});
  ASSERT_EQ(resnet.status, 0) << resnet.err;
  EXPECT_NE(resnet.out.find("kept as they are"), std::string::npos) << resnet.out;
  EXPECT_NE(resnet.out.find("  stem: "), std::string::npos) << resnet.out;
  EXPECT_NE(resnet.out.find("max_pool"), std::string::npos) << resnet.out;
  const size_t resnet_at = resnet.out.find("resolution=");
  ASSERT_NE(resnet_at, std::string::npos) << resnet.out;
  RunResult resnet_decoded = run({"space", resnet_space, "--arch", resnet.out.substr(resnet_at, resnet.out.find('\n', resnet_at) - resnet_at)});
  EXPECT_EQ(resnet_decoded.status, 0) << resnet_decoded.err;

  // What cannot be derived at all is an error naming the model: a network with two inputs.
  ir::Graph two("two_inputs");
  ir::Builder b(two);
  auto a = b.input({1, 3, 16, 16}, "a");
  auto c = b.input({1, 3, 16, 16}, "c");
  b.add(a, c);
  ASSERT_TRUE(b.ok());
  const std::string two_path = scratch("two_inputs.yaml");
  ASSERT_TRUE(text::save_yaml(two, two_path).ok());
  RunResult bad = run({"space", "derive", two_path});
  EXPECT_EQ(bad.status, 1);
  EXPECT_NE(bad.err.find("two_inputs.yaml"), std::string::npos) << bad.err;
  EXPECT_NE(bad.err.find("2 inputs"), std::string::npos) << bad.err;
}

// --baseline-out: the baseline point with the network's weights, which computes what the network computes.
TEST(SpaceCommand, DeriveWritesTheBaselineWithTheNetworksWeights) {
  auto net = zoo::build_model("mobilenet_v2", {.width_multiplier = 0.5, .resolution = 32, .num_classes = 10});
  ASSERT_TRUE(net.ok()) << net.error().message;
  reference::fill_random_weights(*net, 2);
  const std::string model = scratch("weighted_mobilenet_v2.yaml"), baseline = scratch("weighted_baseline.yaml");
  ASSERT_TRUE(text::save_yaml(*net, model).ok());
  RunResult r = run({"space", "derive", model, "-o", scratch("weighted_space.yaml"), "--baseline-out", baseline});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("wrote " + baseline), std::string::npos) << r.out;
  auto loaded = text::load_yaml(baseline);
  ASSERT_TRUE(loaded.ok()) << loaded.error().message;
  const reference::Tensor x = reference::random_tensor({1, 3, 32, 32}, 5);
  auto expected = reference::evaluate(*net, {x});
  auto actual = reference::evaluate(*loaded, {x});
  ASSERT_TRUE(expected.ok() && actual.ok());
  float scale = 1e-6f;
  for (float v : (*expected)[0].data) scale = std::max(scale, std::abs(v));
  EXPECT_LE(reference::max_abs_difference((*expected)[0], (*actual)[0]) / scale, 1e-4f);

  RunResult bare = run({"space", "derive", "mobilenet_v2", "--baseline-out", baseline});
  EXPECT_EQ(bare.status, 1);
  EXPECT_NE(bare.err.find("no weights"), std::string::npos) << bare.err;
}

}  // namespace
}  // namespace hwnas::cli
