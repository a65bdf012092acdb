// The strategy: field and its zero_shot / supernet / hybrid sections: defaults, strict errors naming line and field, fingerprint.
#include <gtest/gtest.h>

#include "hwnas/search/config.h"

namespace hwnas::search {
namespace {

constexpr const char* kTraining = "evaluators: [estimator, training]\ntraining: {data: fashion-mnist, epochs: 1}\nobjectives: [accuracy]\n";

std::string error_of(const std::string& yaml) {
  auto config = parse_search_config(yaml, "s.yaml");
  return config.ok() ? "(parsed)" : config.error().message;
}

TEST(StrategyConfig, DefaultsToMultishotAndReadsEverySection) {
  auto plain = parse_search_config("space: mobilenet_curated\nobjectives: [latency_us]\n", "s.yaml");
  ASSERT_TRUE(plain.ok()) << plain.error().message;
  EXPECT_EQ(plain->strategy, Strategy::Multishot);
  EXPECT_FALSE(plain->uses_supernet());
  EXPECT_FALSE(plain->uses_zero_shot());

  auto zero_shot = parse_search_config(std::string(kTraining) + "strategy: zero-shot\nzero_shot: {proxy: naswot, batch_size: 16, top_k: 5}\n", "z.yaml");
  ASSERT_TRUE(zero_shot.ok()) << zero_shot.error().message;
  EXPECT_EQ(zero_shot->strategy, Strategy::ZeroShot);
  EXPECT_EQ(zero_shot->zero_shot.proxy, "naswot");
  EXPECT_EQ(zero_shot->zero_shot.batch_size, 16);
  EXPECT_EQ(zero_shot->zero_shot.top_k, 5);
  EXPECT_TRUE(zero_shot->uses_zero_shot());

  auto supernet = parse_search_config(std::string(kTraining) +
                                          "strategy: supernet\nsupernet: {epochs: 2, sampling: uniform, batch_size: 32, learning_rate: 0.1, "
                                          "train_examples: 300, calibration_examples: 100, validation_examples: 50, fine_tune_epochs: 0, "
                                          "fine_tune_learning_rate: 0.02}\n",
                                      "n.yaml");
  ASSERT_TRUE(supernet.ok()) << supernet.error().message;
  EXPECT_EQ(supernet->supernet.sampling, "uniform");
  EXPECT_EQ(supernet->supernet.train_examples, 300);
  EXPECT_EQ(supernet->supernet.fine_tune_epochs, 0);
  EXPECT_DOUBLE_EQ(supernet->supernet.fine_tune_learning_rate, 0.02);
  EXPECT_TRUE(supernet->uses_supernet());

  auto hybrid = parse_search_config(std::string(kTraining) +
                                        "strategy: hybrid\nhybrid: {screen: zero-shot, pool: 6}\nsupernet: {warm_start: 3, warm_start_trials: 12}\n"
                                        "multi_fidelity: {candidates: 9}\n",
                                    "h.yaml");
  ASSERT_TRUE(hybrid.ok()) << hybrid.error().message;
  EXPECT_EQ(hybrid->hybrid.pool, 6);
  EXPECT_TRUE(hybrid->uses_zero_shot());
  EXPECT_TRUE(hybrid->uses_supernet());  // for the warm start
  EXPECT_EQ(hybrid->supernet.warm_start_trials, 12);
}

TEST(StrategyConfig, ErrorsNameTheFileLineAndField) {
  EXPECT_NE(error_of("strategy: zeroshot\n").find("s.yaml:1: strategy: unknown strategy 'zeroshot'; did you mean 'zero-shot'?"),
            std::string::npos)
      << error_of("strategy: zeroshot\n");
  const std::string proxy = error_of("strategy: zero-shot\nzero_shot: {proxy: synflw}\n");
  EXPECT_NE(proxy.find("s.yaml:2: zero_shot.proxy: unknown value 'synflw'; did you mean 'synflow'?"), std::string::npos) << proxy;
  const std::string field = error_of("strategy: zero-shot\nzero_shot:\n  top_key: 3\n");
  EXPECT_NE(field.find("s.yaml:3: zero_shot.top_key: unknown field; did you mean 'top_k'?"), std::string::npos) << field;
  const std::string screen = error_of(std::string(kTraining) + "strategy: hybrid\nhybrid: {screen: supernt}\n");
  EXPECT_NE(screen.find("s.yaml:5: hybrid.screen: unknown value 'supernt'; did you mean 'supernet'?"), std::string::npos) << screen;
  const std::string pool = error_of("strategy: hybrid\nhybrid: {pool: 0}\n");
  EXPECT_NE(pool.find("s.yaml:2: hybrid.pool: must be in [1, 1000]"), std::string::npos) << pool;
  const std::string sampling = error_of(std::string(kTraining) + "strategy: supernet\nsupernet:\n  sampling: sandwitch\n");
  EXPECT_NE(sampling.find("s.yaml:6: supernet.sampling: unknown value 'sandwitch'; did you mean 'sandwich'?"), std::string::npos) << sampling;
  // A section the strategy does not read, and what a strategy needs.
  const std::string unused = error_of("zero_shot: {proxy: snip}\n");
  EXPECT_NE(unused.find("s.yaml:1: zero_shot: set, but strategy multishot scores no zero-shot proxy"), std::string::npos) << unused;
  const std::string no_data = error_of("strategy: supernet\n");
  EXPECT_NE(no_data.find("s.yaml:1: strategy: supernet trains a supernet on the data of the training evaluator"), std::string::npos)
      << no_data;
  const std::string halving = error_of(std::string(kTraining) + "strategy: supernet\nmulti_fidelity: {candidates: 9}\n");
  EXPECT_NE(halving.find("s.yaml:5: multi_fidelity: strategy supernet evaluates no fidelities"), std::string::npos) << halving;
  const std::string warm = error_of(std::string(kTraining) + "strategy: supernet\nsupernet: {warm_start: 2}\n");
  EXPECT_NE(warm.find("supernet.warm_start: only the hybrid strategy"), std::string::npos) << warm;
  const std::string calibration = error_of(std::string(kTraining) + "strategy: supernet\nsupernet: {train_examples: 10, calibration_examples: 20}\n");
  EXPECT_NE(calibration.find("supernet.calibration_examples: must be at most train_examples (10)"), std::string::npos) << calibration;
}

TEST(StrategyConfig, TheFingerprintCoversTheStrategyAndItsSections) {
  auto fingerprint = [](const std::string& yaml) {
    auto config = parse_search_config(std::string(kTraining) + yaml, "f.yaml");
    EXPECT_TRUE(config.ok()) << config.error().message;
    return config.ok() ? config->fingerprint() : "";
  };
  const std::string multishot = fingerprint("");
  const std::string zero_shot = fingerprint("strategy: zero-shot\n");
  EXPECT_NE(multishot, zero_shot);
  EXPECT_NE(zero_shot, fingerprint("strategy: zero-shot\nzero_shot: {proxy: naswot}\n"));
  EXPECT_NE(zero_shot, fingerprint("strategy: zero-shot\nzero_shot: {top_k: 4}\n"));
  EXPECT_NE(fingerprint("strategy: supernet\n"), fingerprint("strategy: supernet\nsupernet: {epochs: 5}\n"));
  EXPECT_NE(fingerprint("strategy: hybrid\n"), fingerprint("strategy: hybrid\nhybrid: {pool: 2}\n"));
  EXPECT_EQ(fingerprint("strategy: hybrid\n"), fingerprint("strategy: hybrid\nhybrid: {screen: zero-shot, pool: 4}\n"));  // the defaults
}

}  // namespace
}  // namespace hwnas::search
