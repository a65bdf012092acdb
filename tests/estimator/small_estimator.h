// A small estimator of the Ethos-U55 simulator, trained once and shared by the estimator tests.
#pragma once

#include <gtest/gtest.h>

#include "hwnas/estimator/estimator.h"
#include "hwnas/estimator/sampling.h"
#include "hwnas/hw/presets.h"
#include "hwnas/hw/simulator.h"

namespace hwnas::estimator::testing {

inline hw::SimulatorTarget& u55() {
  static hw::SimulatorTarget target(*hw::load_preset("ethos-u55-256"));
  return target;
}

inline TrainOptions small_options() {
  TrainOptions options;
  options.ensemble = 2;
  options.shared_rounds = 12;
  options.type_rounds = 12;
  options.max_depth = 4;
  options.eta = 0.4;
  options.min_type_rows = 60;
  return options;
}

// Kernel rows of 40 sampled networks (seed 11).
inline const MeasuredSources& small_training_data() {
  static const MeasuredSources data = [] {
    MeasureOptions measure;
    measure.network_rows = false;
    auto measured = measure_sources(u55(), describe_target(u55()), sampled_sources(11, 40), measure);
    EXPECT_TRUE(measured) << measured.error().message;
    return *measured;
  }();
  return data;
}

inline const Estimator& small_estimator() {
  static const Estimator estimator = [] {
    auto fitted = fit_estimator(describe_target(u55()), small_training_data().data, small_options());
    EXPECT_TRUE(fitted) << fitted.error().message;
    return *fitted;
  }();
  return estimator;
}

}  // namespace hwnas::estimator::testing
