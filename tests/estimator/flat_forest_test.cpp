// Tests of FlatForest: native evaluation of XGBoost's JSON models checked against XGBoosterPredict.
#include "hwnas/estimator/flat_forest.h"

#include <gtest/gtest.h>
#include <xgboost/c_api.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

namespace hwnas::estimator {
namespace {

// A small deterministic data set with missing values and a staircase in one column.
struct Data {
  std::vector<float> x;
  std::vector<float> y;
  size_t rows = 0, columns = 5;
};

Data make_data(size_t rows, uint64_t seed) {
  Data d;
  d.rows = rows;
  uint64_t state = seed;
  auto next = [&] {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<float>((state >> 33) % 10000) / 100.0f;
  };
  for (size_t r = 0; r < rows; ++r) {
    float a = next(), b = next(), c = next(), e = next();
    const bool missing = r % 7 == 0;
    d.x.insert(d.x.end(), {a, missing ? NAN : b, std::floor(c / 16.0f), e, static_cast<float>(r % 3)});
    d.y.push_back(0.3f * a + (missing ? 5.0f : std::sin(b)) + 2.0f * std::floor(c / 16.0f) + (e > 50 ? 1.0f : 0.0f));
  }
  return d;
}

class Trained {
 public:
  Trained(const Data& d, int rounds, int depth, const char* base_score) {
    XGDMatrixCreateFromMat(d.x.data(), d.rows, d.columns, NAN, &matrix_);
    XGDMatrixSetFloatInfo(matrix_, "label", d.y.data(), d.rows);
    XGBoosterCreate(&matrix_, 1, &booster_);
    XGBoosterSetParam(booster_, "max_depth", std::to_string(depth).c_str());
    XGBoosterSetParam(booster_, "eta", "0.3");
    XGBoosterSetParam(booster_, "nthread", "1");
    XGBoosterSetParam(booster_, "seed", "3");
    XGBoosterSetParam(booster_, "subsample", "0.8");
    XGBoosterSetParam(booster_, "verbosity", "0");
    if (base_score) XGBoosterSetParam(booster_, "base_score", base_score);
    for (int i = 0; i < rounds; ++i) XGBoosterUpdateOneIter(booster_, i, matrix_);
  }
  ~Trained() {
    XGBoosterFree(booster_);
    XGDMatrixFree(matrix_);
  }
  std::string json() const {
    bst_ulong length = 0;
    const char* text = nullptr;
    EXPECT_EQ(XGBoosterSaveModelToBuffer(booster_, "{\"format\": \"json\"}", &length, &text), 0);
    return std::string(text, length);
  }
  std::vector<float> predict(const Data& d) const {
    DMatrixHandle m;
    XGDMatrixCreateFromMat(d.x.data(), d.rows, d.columns, NAN, &m);
    bst_ulong length = 0;
    const float* out = nullptr;
    XGBoosterPredict(booster_, m, 1, 0, 0, &length, &out);  // margins
    std::vector<float> result(out, out + length);
    XGDMatrixFree(m);
    return result;
  }

 private:
  DMatrixHandle matrix_ = nullptr;
  BoosterHandle booster_ = nullptr;
};

TEST(FlatForest, PredictsExactlyWhatXGBoostPredicts) {
  const Data train = make_data(400, 1), test = make_data(300, 2);
  for (int depth : {1, 3, 8})
    for (const char* base : {static_cast<const char*>(nullptr), "0", "2.5"}) {
      Trained trained(train, 40, depth, base);
      Result<FlatForest> forest = FlatForest::from_xgboost_json(trained.json());
      ASSERT_TRUE(forest) << forest.error().message;
      EXPECT_EQ(forest->tree_count(), 40u);
      EXPECT_EQ(forest->feature_count(), 5);
      const std::vector<float> expected = trained.predict(test);
      ASSERT_EQ(expected.size(), test.rows);
      for (size_t r = 0; r < test.rows; ++r)
        ASSERT_EQ(forest->predict(&test.x[r * test.columns]), expected[r])
            << "row " << r << ", depth " << depth << ", base score " << (base ? base : "default");
    }
}

TEST(FlatForest, RefusesWhatItCannotEvaluate) {
  EXPECT_FALSE(FlatForest::from_xgboost_json("not json"));
  EXPECT_FALSE(FlatForest::from_xgboost_json("{}"));
  const Data train = make_data(100, 4);
  Trained trained(train, 2, 2, "0");
  const std::string good = trained.json();
  std::string dart = good;
  dart.replace(dart.find("\"gbtree\""), 8, "\"dart\"");
  Result<FlatForest> refused = FlatForest::from_xgboost_json(dart);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("gbtree"), std::string::npos) << refused.error().message;
  std::string categorical = good;
  const size_t at = categorical.find("\"split_type\":[0");
  ASSERT_NE(at, std::string::npos);
  categorical.replace(at, 15, "\"split_type\":[1");
  refused = FlatForest::from_xgboost_json(categorical);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("categorical"), std::string::npos) << refused.error().message;
  std::string truncated = good;
  truncated.replace(truncated.find("\"left_children\""), 15, "\"left_kids\"");
  refused = FlatForest::from_xgboost_json(truncated);
  ASSERT_FALSE(refused);
  EXPECT_NE(refused.error().message.find("tree 0: no 'left_children'"), std::string::npos) << refused.error().message;
}

}  // namespace
}  // namespace hwnas::estimator
