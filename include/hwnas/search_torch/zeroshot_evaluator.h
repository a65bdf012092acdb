// ZeroShotEvaluator: zero-shot proxy scores of an architecture at initialisation, no training.
//
//   search::ZeroShotEvaluator zero_shot({zeroshot::Proxy::Naswot}, {.batch_size = 64, .data = &train_set});
//   auto metrics = zero_shot.evaluate({.space = space, .arch = arch, .seed = 1});
//   // {"naswot": 1234.5}: a search maximises it under the hardware budgets (strategy zero-shot)
//
// Each proxy's score is reported under its name (zeroshot::proxy_name); higher is better for all.
#pragma once

#include <string>
#include <vector>

#include "hwnas/search/evaluator.h"
#include "hwnas/zeroshot/zeroshot.h"

namespace hwnas::search {

class ZeroShotEvaluator : public Evaluator {
 public:
  // `options.seed` is replaced by each request's seed; `options.data`, when set, must outlive
  // the evaluator.
  ZeroShotEvaluator(std::vector<zeroshot::Proxy> proxies, zeroshot::ScoreOptions options);
  std::string name() const override;
  std::string version() const override;
  Result<Metrics> evaluate(const EvaluationRequest& request) override;

 private:
  std::vector<zeroshot::Proxy> proxies_;
  zeroshot::ScoreOptions options_;
};

}  // namespace hwnas::search
