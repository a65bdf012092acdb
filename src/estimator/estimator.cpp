// Prediction of a network's figures from its kernels, with natively evaluated trees and a kernel memo.
#include "hwnas/estimator/estimator.h"

#include <xgboost/c_api.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>

#include "hwnas/analysis/peak_memory.h"
#include "hwnas/estimator/memory_context.h"
#include "hwnas/hw/fusion.h"
#include "kernel_roles.h"
#include "network_scan.h"

namespace hwnas::estimator {
namespace {

// Exponential of a margin, the prediction of one member for one kernel.
double member_value(float margin) { return std::exp(static_cast<double>(margin)); }

}  // namespace

// Two independent hashes of (slot, features) from four multiply-xor lanes that run in parallel:
// the bucket hash (64 bits) and a check (32 bits) that must match too.

Estimator::KeyHash Estimator::hash_key(int slot, const FeatureVector& features) {
  constexpr int kWords = (kFeatureCount + 3) / 4 * 2;  // the lanes take four floats at a time
  uint64_t words[kWords] = {};
  std::memcpy(words, features.data(), sizeof(FeatureVector));
  uint64_t a = 0x9e3779b97f4a7c15ull ^ static_cast<uint64_t>(slot), b = 0xc2b2ae3d27d4eb4full;
  uint64_t c = 0x165667b19e3779f9ull, d = 0x27d4eb2f165667c5ull ^ static_cast<uint64_t>(slot);
  for (int i = 0; i < kWords; i += 2) {
    a = (a ^ words[i]) * 0xff51afd7ed558ccdull;
    b = (b ^ words[i + 1]) * 0xc4ceb9fe1a85ec53ull;
    c = (c ^ words[i]) * 0x9fb21c651e98df25ull;
    d = (d ^ words[i + 1]) * 0xd6e8feb86659fd93ull;
    a ^= a >> 29;
    b ^= b >> 31;
    c ^= c >> 27;
    d ^= d >> 33;
  }
  uint64_t bucket = a ^ (b * 0x9e3779b97f4a7c15ull);
  bucket ^= bucket >> 32;
  uint64_t check = c ^ (d * 0xbf58476d1ce4e5b9ull);
  check ^= check >> 29;
  return {bucket, static_cast<uint32_t>(check ^ (check >> 32))};
}

double KernelEstimate::latency_us() const {
  if (member_latency_us.empty()) return 0;
  double sum = 0;
  for (double v : member_latency_us) sum += v;
  return sum / static_cast<double>(member_latency_us.size());
}

double KernelEstimate::latency_std_us() const {
  if (member_latency_us.size() < 2) return 0;
  const double mean = latency_us();
  double sum = 0;
  for (double v : member_latency_us) sum += (v - mean) * (v - mean);
  return std::sqrt(sum / static_cast<double>(member_latency_us.size() - 1));
}

Estimator::Estimator(EstimatorMetadata metadata, RegressorSet regressors)
    : metadata_(std::move(metadata)), regressors_(std::move(regressors)) {}

Estimator::Estimator(const Estimator& other) : metadata_(other.metadata_), regressors_(other.regressors_) {}

Estimator& Estimator::operator=(const Estimator& other) {
  if (this == &other) return *this;
  metadata_ = other.metadata_;
  regressors_ = other.regressors_;
  slots_.clear();
  slot_by_signature_ = SignatureTable{};
  slot_by_label_.clear();
  memo_ = Memo{};
  raw_memo_ = Memo{};
  scan_.reset();
  pending_.clear();
  return *this;
}

void Estimator::clear_memo() const {
  memo_ = Memo{};
  raw_memo_ = Memo{};
}

int Estimator::slot_of_label(const std::string& label) const {
  auto found = slot_by_label_.find(label);
  if (found != slot_by_label_.end()) return found->second;
  TypeSlot slot;
  slot.label = label;
  slot.label_features = label_features(label);
  for (const MemberModel& member : regressors_.latency.members) {
    auto forest = member.per_type.find(label);
    slot.latency_per_type.push_back(forest == member.per_type.end() ? nullptr : &forest->second);
  }
  for (const MemberModel& member : regressors_.energy.members) {
    auto forest = member.per_type.find(label);
    slot.energy_per_type.push_back(forest == member.per_type.end() ? nullptr : &forest->second);
  }
  slots_.push_back(std::move(slot));
  const int index = static_cast<int>(slots_.size()) - 1;
  slot_by_label_.emplace(label, index);
  return index;
}

int Estimator::slot_of(const ir::Graph& graph, detail::NodeSpan kernel, uint64_t signature) const {
  SignatureTable& table = slot_by_signature_;
  if (table.entries.empty()) table.entries.assign(64, {0, -1});
  size_t mask = table.entries.size() - 1;
  size_t at = (signature * 0x9e3779b97f4a7c15ull) >> 40 & mask;
  while (table.entries[at].second >= 0) {
    if (table.entries[at].first == signature) return table.entries[at].second;
    at = (at + 1) & mask;
  }
  hw::Kernel nodes{std::vector<ir::NodeId>(kernel.begin(), kernel.end())};
  const int slot = slot_of_label(kernel_type(graph, nodes));
  table.entries[at] = {signature, slot};
  if (++table.size * 2 > table.entries.size()) {
    std::vector<std::pair<uint64_t, int32_t>> old = std::move(table.entries);
    table.entries.assign(old.size() * 2, {0, -1});
    mask = table.entries.size() - 1;
    for (const auto& e : old) {
      if (e.second < 0) continue;
      size_t to = (e.first * 0x9e3779b97f4a7c15ull) >> 40 & mask;
      while (table.entries[to].second >= 0) to = (to + 1) & mask;
      table.entries[to] = e;
    }
  }
  return slot;
}

KernelEstimate Estimator::evaluate(const TypeSlot& slot, const FeatureVector& features) const {
  KernelEstimate estimate;
  const RegressorRow row = regressor_row(features, slot.label_features);
  estimate.shared_only = true;
  const QuantityModel& latency = regressors_.latency;
  const auto latency_base = static_cast<float>(std::log(prior_value(latency.prior, features)));
  for (size_t m = 0; m < latency.members.size(); ++m) {
    float margin = latency_base + latency.members[m].shared.predict(row.data());
    if (const FlatForest* own = slot.latency_per_type[m]) {
      margin += own->predict(row.data());
      estimate.shared_only = false;
    }
    estimate.member_latency_us.push_back(member_value(margin));
  }
  const QuantityModel& energy = regressors_.energy;
  double energy_sum = 0;
  const auto energy_base = energy.empty() ? 0.0f : static_cast<float>(std::log(prior_value(energy.prior, features)));
  for (size_t m = 0; m < energy.members.size(); ++m) {
    float margin = energy_base + energy.members[m].shared.predict(row.data());
    if (const FlatForest* own = slot.energy_per_type[m]) margin += own->predict(row.data());
    energy_sum += member_value(margin);
  }
  if (!energy.members.empty()) estimate.energy_uj = energy_sum / static_cast<double>(energy.members.size());
  return estimate;
}

KernelEstimate Estimator::predict_kernel(std::string_view label, const FeatureVector& features) const {
  return evaluate(slots_[static_cast<size_t>(slot_of_label(std::string(label)))], features);
}

void Estimator::prepare_memo() const {
  if (memo_.capacity != 0) return;
  for (Memo* memo : {&memo_, &raw_memo_}) {
    memo->stride = regressors_.latency.members.size() + (memo == &memo_ ? 4 : 6);
    memo->capacity = 4096;
    memo->buckets.assign(memo->capacity * memo->stride, 0.0);
  }
}

const double* Estimator::raw_lookup(uint64_t hash, uint32_t check) const {
  const Memo& memo = raw_memo_;
  hash |= 1;
  const size_t mask = memo.capacity - 1;
  for (size_t at = hash & mask;; at = (at + 1) & mask) {
    const double* bucket = &memo.buckets[at * memo.stride];
    const auto stored = std::bit_cast<uint64_t>(bucket[0]);
    if (stored == 0) return nullptr;
    if (stored == hash && std::bit_cast<uint64_t>(bucket[1]) == check) return bucket + 2;
  }
}

void Estimator::raw_insert(uint64_t hash, uint32_t check, double params, int slot, const double* values) const {
  Memo& memo = raw_memo_;
  hash |= 1;
  if ((memo.size + 1) * 2 > memo.capacity) {  // grow at half full
    std::vector<double> old = std::move(memo.buckets);
    memo.capacity *= 2;
    memo.buckets.assign(memo.capacity * memo.stride, 0.0);
    for (size_t b = 0; b < old.size(); b += memo.stride) {
      const auto stored = std::bit_cast<uint64_t>(old[b]);
      if (stored == 0) continue;
      size_t to = stored & (memo.capacity - 1);
      while (std::bit_cast<uint64_t>(memo.buckets[to * memo.stride]) != 0) to = (to + 1) & (memo.capacity - 1);
      std::copy(old.begin() + static_cast<std::ptrdiff_t>(b), old.begin() + static_cast<std::ptrdiff_t>(b + memo.stride),
                memo.buckets.begin() + static_cast<std::ptrdiff_t>(to * memo.stride));
    }
  }
  size_t at = hash & (memo.capacity - 1);
  while (std::bit_cast<uint64_t>(memo.buckets[at * memo.stride]) != 0) at = (at + 1) & (memo.capacity - 1);
  double* bucket = &memo.buckets[at * memo.stride];
  bucket[0] = std::bit_cast<double>(hash);
  bucket[1] = std::bit_cast<double>(static_cast<uint64_t>(check));
  bucket[2] = params;
  bucket[3] = static_cast<double>(slot);
  std::copy(values, values + memo.stride - 4, bucket + 4);
  ++memo.size;
}

void Estimator::prefetch(const KeyHash& key) const {
  const Memo& memo = raw_memo_;
  __builtin_prefetch(&memo.buckets[((key.bucket | 1) & (memo.capacity - 1)) * memo.stride]);
}

const double* Estimator::memoised(int slot, const FeatureVector& features) const {
  prepare_memo();
  return memoised(slot, features, hash_key(slot, features));
}

const double* Estimator::memoised(int slot, const FeatureVector& features, const KeyHash& key) const {
  Memo& memo = memo_;
  const uint64_t hash = key.bucket | 1;  // never 0, the empty mark
  const uint64_t tag = static_cast<uint64_t>(static_cast<uint32_t>(slot)) << 32 | key.check;
  size_t mask = memo.capacity - 1;
  size_t at = hash & mask;
  while (true) {
    double* bucket = &memo.buckets[at * memo.stride];
    const auto stored = std::bit_cast<uint64_t>(bucket[0]);
    if (stored == 0) break;
    if (stored == hash && std::bit_cast<uint64_t>(bucket[1]) == tag) return bucket + 2;
    at = (at + 1) & mask;
  }
  // A kernel not seen before: evaluate the trees once.
  const KernelEstimate estimate = evaluate(slots_[static_cast<size_t>(slot)], features);
  double* bucket = &memo.buckets[at * memo.stride];
  bucket[0] = std::bit_cast<double>(hash);
  bucket[1] = std::bit_cast<double>(tag);
  std::copy(estimate.member_latency_us.begin(), estimate.member_latency_us.end(), bucket + 2);
  bucket[2 + estimate.member_latency_us.size()] = estimate.energy_uj;
  bucket[3 + estimate.member_latency_us.size()] = estimate.shared_only ? 1.0 : 0.0;
  if (++memo.size * 2 <= memo.capacity) return bucket + 2;
  // Grow at half full, then find the new bucket again.
  std::vector<double> old = std::move(memo.buckets);
  memo.capacity *= 2;
  memo.buckets.assign(memo.capacity * memo.stride, 0.0);
  mask = memo.capacity - 1;
  const double* found = nullptr;
  for (size_t b = 0; b < old.size(); b += memo.stride) {
    const auto stored = std::bit_cast<uint64_t>(old[b]);
    if (stored == 0) continue;
    size_t to = stored & mask;
    while (std::bit_cast<uint64_t>(memo.buckets[to * memo.stride]) != 0) to = (to + 1) & mask;
    std::copy(old.begin() + static_cast<std::ptrdiff_t>(b), old.begin() + static_cast<std::ptrdiff_t>(b + memo.stride),
              memo.buckets.begin() + static_cast<std::ptrdiff_t>(to * memo.stride));
    if (stored == hash && std::bit_cast<uint64_t>(old[b + 1]) == tag) found = &memo.buckets[to * memo.stride + 2];
  }
  return found;
}

NetworkPrediction Estimator::predict(const ir::Graph& graph, const PredictOptions& options) const {
  NetworkPrediction prediction;
  if (!scan_) scan_ = std::make_shared<detail::NetworkScan>();
  detail::NetworkScan& scan = *scan_;
  const TargetInfo& target = metadata_.target;
  scan.partition(graph, target.fusion);
  const bool known_memory = target.memory.known;
  if (known_memory) scan.place(graph, target.memory);
  const size_t members = regressors_.latency.members.size();
  double sums[16] = {0};
  std::vector<double> member_sums(members > 16 ? members : 0, 0.0);
  double* totals = members > 16 ? member_sums.data() : sums;
  double params = 0;
  const size_t kernels = scan.kernel_count();
  prediction.kernel_count = kernels;
  prepare_memo();
  // First every kernel's raw key, prefetching its bucket; then the lookups, whose cache misses
  // the prefetches have overlapped. Only a kernel new to the raw memo has its features
  // computed (and only a kernel new to the feature memo goes through the trees).
  std::vector<PendingKernel>& pending = pending_;
  pending.resize(kernels);
  for (size_t k = 0; k < kernels; ++k) {
    const detail::NodeSpan span(scan.kernel_nodes(k), scan.kernel_size(k));
    const detail::KernelRoles roles = detail::kernel_roles(graph, span);
    PendingKernel& p = pending[k];
    p.memory_known = known_memory;
    if (known_memory) p.memory = scan.memory_of(roles);
    p.signature = detail::span_signature(graph, span);
    const detail::RawKey raw = detail::raw_kernel_key(graph, roles, p.signature, known_memory ? &p.memory : nullptr);
    p.raw_hash = raw.bucket;
    p.raw_check = raw.check;
    prefetch(KeyHash{raw.bucket, raw.check});
  }
  for (size_t k = 0; k < kernels; ++k) {
    const detail::NodeSpan span(scan.kernel_nodes(k), scan.kernel_size(k));
    const PendingKernel& p = pending[k];
    const double* found = raw_lookup(p.raw_hash, p.raw_check);
    if (!found) {
      const detail::KernelRoles roles = detail::kernel_roles(graph, span);
      const FeatureVector features =
          detail::span_features(graph, span, roles, target, p.memory_known ? &p.memory : nullptr);
      const int new_slot = slot_of(graph, span, p.signature);
      const double* computed = memoised(new_slot, features);
      raw_insert(p.raw_hash, p.raw_check, static_cast<double>(features[kParams]), new_slot, computed);
      found = raw_lookup(p.raw_hash, p.raw_check);
    }
    params += found[0];
    const int slot = static_cast<int>(found[1]);
    const double* values = found + 2;
    for (size_t m = 0; m < members; ++m) totals[m] += values[m];
    prediction.energy_uj += values[members];
    if (options.breakdown) {
      KernelPrediction kp;
      kp.kernel.nodes.assign(span.begin(), span.end());
      kp.label = slots_[static_cast<size_t>(slot)].label;
      KernelEstimate estimate;
      estimate.member_latency_us.assign(values, values + members);
      kp.latency_us = estimate.latency_us();
      kp.latency_std_us = estimate.latency_std_us();
      kp.energy_uj = values[members];
      kp.shared_only = values[members + 1] != 0;
      prediction.kernels.push_back(std::move(kp));
    }
  }
  double mean = 0;
  for (size_t m = 0; m < members; ++m) mean += totals[m];
  mean /= static_cast<double>(std::max<size_t>(1, members));
  double variance = 0;
  for (size_t m = 0; m < members; ++m) variance += (totals[m] - mean) * (totals[m] - mean);
  prediction.latency_us = mean;
  prediction.latency_std_us = members > 1 ? std::sqrt(variance / static_cast<double>(members - 1)) : 0.0;
  prediction.params = static_cast<int64_t>(std::llround(params));
  if (options.peak_memory)
    prediction.peak_activation_bytes =
        analysis::peak_memory_in_graph_order(graph, metadata_.target.activation_precision).peak_bytes;
  return prediction;
}

Result<Estimator> fit_estimator(const TargetInfo& target, const MeasurementSet& data, const TrainOptions& options) {
  if (!data.target.empty() && data.target != target.name)
    return Error{"measurements of target '" + data.target + "' cannot fit an estimator of target '" + target.name + "'"};
  TrainingSummary summary;
  auto regressors = fit_regressors(data, options, &summary);
  if (!regressors) return regressors.error();
  EstimatorMetadata metadata;
  metadata.target = target;
  metadata.training = std::move(summary);
  metadata.created_by = "hwnas estimator, " + xgboost_version_string();
  return Estimator(std::move(metadata), std::move(*regressors));
}

std::string xgboost_version_string() {
  int major = 0, minor = 0, patch = 0;
  XGBoostVersion(&major, &minor, &patch);
  return "XGBoost " + std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
}

}  // namespace hwnas::estimator
