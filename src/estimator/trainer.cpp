// Boosting the shared and per-type regressors from timed kernels and timed networks (pack-sum).
#include "hwnas/estimator/trainer.h"

#include <algorithm>
#include <cmath>
#include <functional>

#include "random.h"
#include "xgboost_api.h"

namespace hwnas::estimator {
namespace {

using detail::Booster;
using detail::Matrix;

constexpr double kSmallest = 1e-4;  // a kernel that takes no time (a view) is fitted as this

// Everything one quantity's fit needs, gathered once.
struct Problem {
  std::vector<float> rows;                 // row-major, kRowWidth per row
  std::vector<std::string> labels;
  std::vector<double> log_target;          // timed kernels; NaN for network members
  std::vector<PriorTerms> terms;           // of the cost prior
  std::vector<std::vector<size_t>> networks;  // member rows of each timed network
  std::vector<double> network_log_target;
  double network_weight = 1;
  size_t size() const { return labels.size(); }
};

void add_row(Problem& p, const KernelSample& k, double log_target) {
  const RegressorRow row = regressor_row(k.features, label_features(k.label));
  p.rows.insert(p.rows.end(), row.begin(), row.end());
  p.labels.push_back(k.label);
  p.log_target.push_back(log_target);
  p.terms.push_back(prior_terms(k.features));
}

Problem gather(const MeasurementSet& data, const std::function<double(const KernelSample&)>& kernel_value,
               const std::function<double(const NetworkSample&)>& network_value, double network_weight) {
  Problem p;
  size_t kernel_rows = 0;
  for (const KernelSample& k : data.kernels) {
    const double y = kernel_value(k);
    if (!measured(y)) continue;
    add_row(p, k, std::log(std::max(y, kSmallest)));
    ++kernel_rows;
  }
  for (const NetworkSample& n : data.networks) {
    const double y = network_value(n);
    if (!measured(y) || y <= 0 || n.kernels.empty()) continue;
    std::vector<size_t> members;
    for (const KernelSample& k : n.kernels) {
      members.push_back(p.size());
      add_row(p, k, std::nan(""));
    }
    p.networks.push_back(std::move(members));
    p.network_log_target.push_back(std::log(y));
  }
  if (network_weight > 0) p.network_weight = network_weight;
  else if (kernel_rows > 0 && !p.networks.empty())
    p.network_weight = static_cast<double>(kernel_rows) / static_cast<double>(p.networks.size());
  return p;
}

// The cost prior's coefficients: non-negative least squares on relative errors, every timed
// kernel a row (terms / y against 1) and every timed network a row (the sum of its kernels'
// terms / y against 1, weighted like its gradients), by coordinate descent on the normal
// equations with the columns scaled to unit diagonal.
PriorTerms fit_prior(const Problem& p) {
  constexpr int n = kPriorTermCount;
  double gram[n][n] = {}, rhs[n] = {};
  auto add_row = [&](const PriorTerms& a, double weight) {
    for (int j = 0; j < n; ++j) {
      rhs[j] += weight * a[static_cast<size_t>(j)];
      for (int k = 0; k < n; ++k) gram[j][k] += weight * a[static_cast<size_t>(j)] * a[static_cast<size_t>(k)];
    }
  };
  for (size_t i = 0; i < p.size(); ++i) {
    if (std::isnan(p.log_target[i]) || p.log_target[i] <= std::log(kSmallest)) continue;  // members; views
    const double y = std::exp(p.log_target[i]);
    PriorTerms a = p.terms[i];
    for (double& v : a) v /= y;
    add_row(a, 1.0);
  }
  for (size_t k = 0; k < p.networks.size(); ++k) {
    PriorTerms a{};
    for (size_t i : p.networks[k])
      for (int j = 0; j < n; ++j) a[static_cast<size_t>(j)] += p.terms[i][static_cast<size_t>(j)];
    const double y = std::exp(p.network_log_target[k]);
    for (double& v : a) v /= y;
    add_row(a, p.network_weight);
  }
  double scale[n];
  for (int j = 0; j < n; ++j) scale[j] = gram[j][j] > 0 ? 1.0 / std::sqrt(gram[j][j]) : 0.0;
  double theta[n] = {};  // in scaled units
  for (int sweep = 0; sweep < 5000; ++sweep) {
    double change = 0;
    for (int j = 0; j < n; ++j) {
      if (scale[j] == 0) continue;
      double residual = rhs[j] * scale[j];
      for (int k = 0; k < n; ++k)
        if (k != j) residual -= gram[j][k] * scale[j] * scale[k] * theta[k];
      const double updated = std::max(0.0, residual / (1.0 + 1e-9));  // the scaled diagonal is 1 (+ a tiny ridge)
      change = std::max(change, std::abs(updated - theta[j]));
      theta[j] = updated;
    }
    if (change < 1e-12) break;
  }
  PriorTerms coefficients{};
  for (int j = 0; j < n; ++j) coefficients[static_cast<size_t>(j)] = theta[j] * scale[j];
  return coefficients;
}

// Gradient and hessian of every row at margins `m` (see trainer.h).
void gradients(const Problem& p, const std::vector<double>& m, std::vector<float>& grad, std::vector<float>& hess) {
  for (size_t i = 0; i < p.size(); ++i) {
    if (std::isnan(p.log_target[i])) continue;
    grad[i] = static_cast<float>(m[i] - p.log_target[i]);
    hess[i] = 1.0f;
  }
  for (size_t n = 0; n < p.networks.size(); ++n) {
    double top = -1e300;
    for (size_t i : p.networks[n]) top = std::max(top, m[i]);
    double sum = 0;
    for (size_t i : p.networks[n]) sum += std::exp(m[i] - top);
    const double log_sum = top + std::log(sum);
    const double residual = log_sum - p.network_log_target[n];
    for (size_t i : p.networks[n]) {
      const double share = std::exp(m[i] - log_sum);
      grad[i] = static_cast<float>(p.network_weight * residual * share);
      hess[i] = static_cast<float>(std::max(p.network_weight * share, 1e-6));
    }
  }
}

std::string number(double value) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.17g", value);
  return buffer;
}

Status configure(Booster& booster, const TrainOptions& o, uint64_t seed) {
  const std::pair<const char*, std::string> params[] = {
      {"tree_method", "hist"},
      {"max_depth", std::to_string(o.max_depth)},
      {"eta", number(o.eta)},
      {"subsample", number(o.subsample)},
      {"colsample_bytree", number(o.colsample)},
      {"min_child_weight", number(o.min_child_weight)},
      {"lambda", number(o.lambda)},
      {"max_bin", "256"},
      {"base_score", "0"},
      {"seed", std::to_string(seed % 2147483647u)},
      {"nthread", std::to_string(o.threads)},
      {"verbosity", "0"},
  };
  for (const auto& [name, value] : params)
    if (Status s = booster.set(name, value); !s) return s;
  return {};
}

Result<Matrix> matrix_of(const Problem& p, const std::vector<size_t>& rows, const std::vector<double>& base_margin) {
  std::vector<float> values;
  values.reserve(rows.size() * kRowWidth);
  std::vector<float> margin;
  margin.reserve(rows.size());
  for (size_t i : rows) {
    values.insert(values.end(), p.rows.begin() + static_cast<std::ptrdiff_t>(i * kRowWidth),
                  p.rows.begin() + static_cast<std::ptrdiff_t>((i + 1) * kRowWidth));
    margin.push_back(static_cast<float>(base_margin[i]));
  }
  auto m = Matrix::create(values, rows.size(), kRowWidth);
  if (!m) return m.error();
  if (Status s = m->set_float_info("base_margin", margin); !s) return s.error();
  return m;
}

Result<MemberModel> fit_member(const Problem& p, const PriorTerms& prior, const TrainOptions& o, uint64_t seed) {
  const size_t n = p.size();
  std::vector<size_t> all(n);
  for (size_t i = 0; i < n; ++i) all[i] = i;
  std::vector<double> margin(n);
  for (size_t i = 0; i < n; ++i) {  // log(prior_value), as the estimator computes it
    double value = 0;
    for (int j = 0; j < kPriorTermCount; ++j) value += prior[static_cast<size_t>(j)] * p.terms[i][static_cast<size_t>(j)];
    margin[i] = static_cast<float>(std::log(std::max(value, kPriorFloor)));
  }
  std::vector<float> grad(n, 0.0f), hess(n, 1.0f);

  MemberModel member;
  // Stage 1: the shared booster on every row.
  auto all_matrix = matrix_of(p, all, margin);
  if (!all_matrix) return all_matrix.error();
  auto shared = Booster::create(*all_matrix);
  if (!shared) return shared.error();
  if (Status s = configure(*shared, o, seed); !s) return s.error();
  for (int round = 0; round < o.shared_rounds; ++round) {
    if (round > 0) {
      auto m = shared->margins(*all_matrix, true);
      if (!m) return m.error();
      for (size_t i = 0; i < n; ++i) margin[i] = (*m)[i];
    }
    gradients(p, margin, grad, hess);
    if (Status s = shared->boost(*all_matrix, grad, hess); !s) return s.error();
  }
  if (o.shared_rounds > 0) {
    auto m = shared->margins(*all_matrix, true);
    if (!m) return m.error();
    for (size_t i = 0; i < n; ++i) margin[i] = (*m)[i];
  }
  auto shared_json = shared->save_json();
  if (!shared_json) return shared_json.error();
  member.shared_json = std::move(*shared_json);

  // Stage 2: a booster per kernel type with enough rows, on top of the shared margins.
  std::map<std::string, std::vector<size_t>> rows_of;
  for (size_t i = 0; i < n; ++i) rows_of[p.labels[i]].push_back(i);
  struct TypeFit {
    std::string label;
    std::vector<size_t> rows;
    Matrix matrix;
    Booster booster;
  };
  std::vector<TypeFit> types;
  for (auto& [label, rows] : rows_of) {
    if (static_cast<int>(rows.size()) < o.min_type_rows) continue;
    auto matrix = matrix_of(p, rows, margin);
    if (!matrix) return matrix.error();
    auto booster = Booster::create(*matrix);
    if (!booster) return booster.error();
    if (Status s = configure(*booster, o, seed + 7919 * (types.size() + 1)); !s) return s.error();
    types.push_back({label, rows, std::move(*matrix), std::move(*booster)});
  }
  std::vector<float> type_grad, type_hess;
  for (int round = 0; round < o.type_rounds && !types.empty(); ++round) {
    if (round > 0)
      for (TypeFit& t : types) {
        auto m = t.booster.margins(t.matrix, true);
        if (!m) return m.error();
        for (size_t k = 0; k < t.rows.size(); ++k) margin[t.rows[k]] = (*m)[k];
      }
    gradients(p, margin, grad, hess);
    for (TypeFit& t : types) {
      type_grad.resize(t.rows.size());
      type_hess.resize(t.rows.size());
      for (size_t k = 0; k < t.rows.size(); ++k) {
        type_grad[k] = grad[t.rows[k]];
        type_hess[k] = hess[t.rows[k]];
      }
      if (Status s = t.booster.boost(t.matrix, type_grad, type_hess); !s) return s.error();
    }
  }
  for (TypeFit& t : types) {
    auto json = t.booster.save_json();
    if (!json) return json.error();
    member.per_type_json.emplace(t.label, std::move(*json));
  }
  return member;
}

Result<QuantityModel> fit_quantity(const Problem& p, const std::string& quantity, int members, const TrainOptions& o,
                                   uint64_t seed) {
  QuantityModel model;
  model.quantity = quantity;
  model.prior = fit_prior(p);
  for (int m = 0; m < members; ++m) {
    auto member = fit_member(p, model.prior, o, detail::mix_seed(seed, static_cast<uint64_t>(m)));
    if (!member) return member.error().within(quantity + " member " + std::to_string(m));
    model.members.push_back(std::move(*member));
  }
  if (Status s = compile_forests(model); !s) return s.error();
  return model;
}

Status check_options(const TrainOptions& o) {
  auto bad = [](const std::string& what) { return Status(Error{"training options: " + what}); };
  if (o.ensemble < 1 || o.energy_ensemble < 1) return bad("ensemble sizes must be at least 1");
  if (o.shared_rounds < 0 || o.type_rounds < 0 || o.shared_rounds + o.type_rounds < 1)
    return bad("rounds must be >= 0 and at least one in all");
  if (o.max_depth < 1 || o.max_depth > 16) return bad("max_depth must be in 1..16");
  if (!(o.eta > 0 && o.eta <= 1)) return bad("eta must be in (0, 1]");
  if (!(o.subsample > 0 && o.subsample <= 1) || !(o.colsample > 0 && o.colsample <= 1))
    return bad("subsample and colsample must be in (0, 1]");
  if (o.threads < 1) return bad("threads must be at least 1");
  return {};
}

}  // namespace

Result<RegressorSet> fit_regressors(const MeasurementSet& data, const TrainOptions& options, TrainingSummary* summary) {
  if (Status s = check_options(options); !s) return s.error();
  if (data.feature_version != kFeatureVersion)
    return Error{"measurements of feature version " + std::to_string(data.feature_version) + "; this build fits version " +
                 std::to_string(kFeatureVersion)};
  const Problem latency = gather(
      data, [](const KernelSample& k) { return k.latency_us; }, [](const NetworkSample& n) { return n.latency_us; },
      options.network_weight);
  if (latency.size() == 0) return Error{"no timed kernels or networks to fit"};
  const Problem energy = gather(
      data, [](const KernelSample& k) { return k.energy_uj; }, [](const NetworkSample& n) { return n.energy_uj; },
      options.network_weight);

  RegressorSet set;
  auto latency_model = fit_quantity(latency, "latency_us", options.ensemble, options, options.seed);
  if (!latency_model) return latency_model.error();
  set.latency = std::move(*latency_model);
  const size_t energy_rows = std::count_if(energy.log_target.begin(), energy.log_target.end(),
                                           [](double t) { return !std::isnan(t); }) + energy.networks.size();
  if (options.fit_energy && energy_rows >= static_cast<size_t>(std::max(1, options.min_energy_rows))) {
    auto energy_model = fit_quantity(energy, "energy_uj", options.energy_ensemble, options, options.seed + 1);
    if (!energy_model) return energy_model.error();
    set.energy = std::move(*energy_model);
  }
  if (summary) {
    TrainingSummary s;
    s.options = options;
    for (const KernelSample& k : data.kernels) s.kernel_rows += measured(k.latency_us) ? 1 : 0;
    for (const NetworkSample& n : data.networks)
      if (measured(n.latency_us)) {
        ++s.networks;
        s.member_rows += n.kernels.size();
      }
    s.mode = s.kernel_rows && s.networks ? "kernels+networks" : s.kernel_rows ? "kernels" : "networks";
    for (const std::string& label : latency.labels) ++s.rows_per_type[label];
    for (const std::string& label : energy.labels) ++s.energy_rows_per_type[label];
    *summary = std::move(s);
  }
  return set;
}

}  // namespace hwnas::estimator
