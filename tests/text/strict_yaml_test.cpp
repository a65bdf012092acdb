// StrictYaml: errors name the file, line and field; unknown fields get the nearest known word.
#include "hwnas/text/strict_yaml.h"

#include <gtest/gtest.h>

namespace hwnas::text {
namespace {

TEST(StrictYaml, UnknownFieldNamesFileLineAndSuggests) {
  auto root = load_yaml_text("trials: 3\nkernle: 5\n", "search.yaml");
  ASSERT_TRUE(root) << root.error().message;
  StrictYaml r("search.yaml");
  Status s = r.check_fields(*root, "", {"trials", "kernel"});
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().message,
            "search.yaml:2: kernle: unknown field; did you mean 'kernel'? (fields: trials, kernel)");
}

TEST(StrictYaml, NumbersAndIntegersAreChecked) {
  auto root = load_yaml_text("a: 1.5\nb: 12x\nc: 1e12\nd: [1]\ne: 1e20\n", "f.yaml");
  ASSERT_TRUE(root);
  StrictYaml r("f.yaml");
  EXPECT_DOUBLE_EQ(*r.number((*root)["a"], "a"), 1.5);
  EXPECT_EQ(r.integer((*root)["a"], "a").error().message, "f.yaml:1: a: '1.5' is not an integer");
  EXPECT_EQ(r.number((*root)["b"], "b").error().message, "f.yaml:2: b: '12x' is not a number");
  EXPECT_EQ(*r.integer((*root)["c"], "c"), 1000000000000);
  EXPECT_FALSE(r.integer((*root)["c"], "c", 1e9));
  EXPECT_FALSE(r.integer((*root)["e"], "e", 1e30));  // beyond int64: refused, never cast
  EXPECT_EQ(r.text((*root)["d"], "d").error().message, "f.yaml:4: d: expected a string");
}

TEST(StrictYaml, MalformedTextIsAnErrorWithItsLine) {
  auto root = load_yaml_text("a: 1\n,\n", "bad.yaml");
  ASSERT_FALSE(root);
  EXPECT_EQ(root.error().message.rfind("bad.yaml:2: invalid YAML: ", 0), 0u) << root.error().message;
}

TEST(DidYouMean, OnlyCloseWordsAreSuggested) {
  EXPECT_EQ(did_you_mean("conv2", {"conv2d", "relu"}), "; did you mean 'conv2d'?");
  EXPECT_EQ(did_you_mean("transformer", {"conv2d", "relu"}), "");
  EXPECT_EQ(join_words({"a", "b"}), "a, b");
}

}  // namespace
}  // namespace hwnas::text
