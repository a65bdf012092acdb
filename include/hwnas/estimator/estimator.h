// Estimator: predicts a network's latency (with uncertainty), energy, parameters and peak memory without the hardware.
//
//   auto estimator = estimator::load_estimator("u55.hwnas-estimator.json");   // model_file.h
//   estimator::NetworkPrediction p = estimator->predict(graph);
//   std::cout << p.latency_us << " +- " << p.latency_std_us << " us\n";
//   for (const auto& k : estimator->predict(graph, {.breakdown = true}).kernels)
//     std::cout << k.label << " " << k.latency_us << "\n";
//
// A network splits into kernels by the target's fusion rules; each kernel's features (with
// the memory context of the target's memory plan) go through the regressors of its type; the
// network's figures are the sums. The trees are evaluated natively (flat_forest.h), and each
// kernel's prediction is memoised by (type, features) and by a raw key of what its features
// are computed from: networks of one search space share most kernels, so a search rarely
// computes features and more rarely asks the trees. The memos make predict() not thread-safe:
// use one Estimator per thread (copies are cheap before they fill their memos).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "hwnas/estimator/features.h"
#include "hwnas/estimator/memory_context.h"
#include "hwnas/estimator/regressor.h"
#include "hwnas/estimator/target_info.h"
#include "hwnas/estimator/trainer.h"
#include "hwnas/hw/target.h"
#include "hwnas/ir/graph.h"

namespace hwnas::estimator {

namespace detail {
class NetworkScan;
struct NodeSpan;
}

struct EstimatorMetadata {
  TargetInfo target;
  int feature_version = kFeatureVersion;
  TrainingSummary training;
  std::string created_by;  // "hwnas estimator format 1, XGBoost 1.7.4"
};

struct KernelPrediction {
  hw::Kernel kernel;
  std::string label;
  double latency_us = 0;
  double latency_std_us = 0;  // spread of the ensemble members
  double energy_uj = 0;
  bool shared_only = false;   // no booster of its own type: the shared booster alone predicted it
};

struct NetworkPrediction {
  double latency_us = 0;       // mean over ensemble members of their network sums
  double latency_std_us = 0;   // standard deviation of those sums
  double energy_uj = 0;        // 0 when the estimator has no energy model
  int64_t params = 0;          // trainable parameters
  int64_t peak_activation_bytes = -1;  // -1 unless asked for (PredictOptions::peak_memory)
  size_t kernel_count = 0;
  std::vector<KernelPrediction> kernels;  // only with PredictOptions::breakdown
};

struct PredictOptions {
  bool breakdown = false;    // fill NetworkPrediction::kernels
  bool peak_memory = false;  // run the peak activation memory analysis (graph order)
};

// The prediction of one kernel: per ensemble member latency, and energy.
struct KernelEstimate {
  std::vector<double> member_latency_us;
  double energy_uj = 0;
  bool shared_only = false;
  double latency_us() const;      // mean over members
  double latency_std_us() const;  // their standard deviation
};

class Estimator {
 public:
  Estimator(EstimatorMetadata metadata, RegressorSet regressors);
  // Copies share nothing: a copy starts with an empty memo.
  Estimator(const Estimator& other);
  Estimator& operator=(const Estimator& other);
  Estimator(Estimator&&) = default;
  Estimator& operator=(Estimator&&) = default;

  const EstimatorMetadata& metadata() const { return metadata_; }
  const RegressorSet& regressors() const { return regressors_; }
  bool has_energy() const { return !regressors_.energy.empty(); }

  NetworkPrediction predict(const ir::Graph& graph, const PredictOptions& options = {}) const;
  // One kernel of type `label` with `features` (no memo).
  KernelEstimate predict_kernel(std::string_view label, const FeatureVector& features) const;

  size_t memoised_kernels() const { return memo_.size; }
  void clear_memo() const;

 private:
  struct TypeSlot {
    std::string label;
    LabelFeatures label_features{};
    std::vector<const FlatForest*> latency_per_type;  // per member; null: shared only
    std::vector<const FlatForest*> energy_per_type;
  };
  // Open addressing from (type slot, features) to a kernel's memoised values. A bucket is
  // `stride` doubles: the key's 64-bit hash (0: empty), its type slot and a second, independent
  // 32-bit hash of the features, then the members' latencies, the energy and the shared-only
  // flag. Keys are matched by the 96 bits (a false match needs a 2^-96 coincidence), so one
  // lookup touches one cache line.
  struct Memo {
    std::vector<double> buckets;
    size_t capacity = 0;  // buckets
    size_t stride = 0;
    size_t size = 0;
  };
  // Kernel signature -> type slot, open addressing (a network has a few dozen types).
  struct SignatureTable {
    std::vector<std::pair<uint64_t, int32_t>> entries;  // slot -1: empty
    size_t size = 0;
  };

  int slot_of(const ir::Graph& graph, detail::NodeSpan kernel, uint64_t signature) const;
  int slot_of_label(const std::string& label) const;
  KernelEstimate evaluate(const TypeSlot& slot, const FeatureVector& features) const;
  // Two independent hashes of (type slot, features): the bucket hash and a check that must match too.
  struct KeyHash {
    uint64_t bucket;
    uint32_t check;
  };
  struct PendingKernel {
    uint64_t raw_hash = 0;
    uint32_t raw_check = 0;
    bool memory_known = false;
    KernelMemory memory;
    uint64_t signature = 0;
  };
  static KeyHash hash_key(int slot, const FeatureVector& features);
  void prepare_memo() const;
  void prefetch(const KeyHash& key) const;
  // The raw memo: a kernel's raw key (kernel_roles.h) to its parameters, type slot and values,
  // so that a kernel seen before costs no feature computation. A bucket: hash, check, params,
  // slot, then the values of the feature memo.
  const double* raw_lookup(uint64_t hash, uint32_t check) const;
  void raw_insert(uint64_t hash, uint32_t check, double params, int slot, const double* values) const;
  const double* memoised(int slot, const FeatureVector& features) const;
  const double* memoised(int slot, const FeatureVector& features, const KeyHash& key) const;

  EstimatorMetadata metadata_;
  RegressorSet regressors_;
  mutable std::vector<TypeSlot> slots_;
  mutable SignatureTable slot_by_signature_;
  mutable std::unordered_map<std::string, int> slot_by_label_;
  mutable Memo memo_;
  mutable Memo raw_memo_;
  mutable std::shared_ptr<detail::NetworkScan> scan_;  // scratch of predict(), never shared between copies
  mutable std::vector<PendingKernel> pending_;           // scratch of predict()
};

// Fits an estimator for `target` from `data` (trainer.h) and records the training summary.
Result<Estimator> fit_estimator(const TargetInfo& target, const MeasurementSet& data, const TrainOptions& options);

// "XGBoost 1.7.4": the library the regressors were trained with.
std::string xgboost_version_string();

}  // namespace hwnas::estimator
