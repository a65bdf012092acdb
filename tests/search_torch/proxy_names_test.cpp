// The search config's list of zero-shot proxy names (the search library cannot link libtorch) agrees with the zeroshot part's.
#include <gtest/gtest.h>

#include "hwnas/search/strategy_config.h"
#include "hwnas/zeroshot/zeroshot.h"

namespace hwnas::search {
namespace {

TEST(ZeroShotProxyNames, TheConfigKnowsExactlyTheProxiesOfTheZeroshotPart) {
  EXPECT_EQ(zero_shot_proxy_names(), zeroshot::proxy_names());
  for (const std::string& name : zero_shot_proxy_names()) EXPECT_TRUE(zeroshot::proxy_from_name(name).ok()) << name;
}

}  // namespace
}  // namespace hwnas::search
