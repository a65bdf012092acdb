// Writing and reading estimator model files (format version 1), and refusing files for another target or version.
#include "hwnas/estimator/model_file.h"

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace hwnas::estimator {
namespace {

using Json = nlohmann::ordered_json;
constexpr const char* kFormatName = "hwnas-estimator";
const char* const kLabelFeatureNames[kLabelFeatureCount] = {"first_op", "ops", "batch_norm", "add", "mul",
                                                            "activation_class"};

// Booster JSON is spliced in as XGBoost wrote it: placeholders in the tree, replaced after dump.
std::string placeholder(size_t index) { return "@@hwnas-booster-" + std::to_string(index) + "@@"; }

Json options_json(const TrainOptions& o) {
  return Json{{"ensemble", o.ensemble},         {"energy_ensemble", o.energy_ensemble},
              {"shared_rounds", o.shared_rounds}, {"type_rounds", o.type_rounds},
              {"max_depth", o.max_depth},       {"eta", o.eta},
              {"subsample", o.subsample},       {"colsample", o.colsample},
              {"min_child_weight", o.min_child_weight}, {"lambda", o.lambda},
              {"min_type_rows", o.min_type_rows}, {"network_weight", o.network_weight},
              {"seed", o.seed}};
}

Json quantity_json(const QuantityModel& model, std::vector<const std::string*>& boosters) {
  if (model.empty()) return nullptr;
  Json members = Json::array();
  for (const MemberModel& member : model.members) {
    Json m;
    boosters.push_back(&member.shared_json);
    m["shared"] = placeholder(boosters.size() - 1);
    Json per_type = Json::object();
    for (const auto& [label, json] : member.per_type_json) {
      boosters.push_back(&json);
      per_type[label] = placeholder(boosters.size() - 1);
    }
    m["per_type"] = std::move(per_type);
    members.push_back(std::move(m));
  }
  Json prior = Json::object();
  for (int j = 0; j < kPriorTermCount; ++j) prior[prior_term_names()[static_cast<size_t>(j)]] = model.prior[static_cast<size_t>(j)];
  return Json{{"prior", std::move(prior)}, {"members", std::move(members)}};
}

// ---- reading -----------------------------------------------------------------------------

// Lookups that name the field path in their errors.
struct Reader {
  std::string source;
  Error error(const std::string& path, const std::string& what) const { return Error{source + ": " + path + ": " + what}; }
  Result<const Json*> field(const Json& object, const std::string& path, const char* key) const {
    if (!object.is_object()) return error(path, "is not an object");
    auto found = object.find(key);
    if (found == object.end()) return error(path.empty() ? key : path + "." + key, "is missing");
    return &*found;
  }
  template <class T>
  Result<T> get(const Json& object, const std::string& path, const char* key) const {
    auto value = field(object, path, key);
    if (!value) return value.error();
    const std::string where = path.empty() ? key : path + "." + key;
    try {
      if constexpr (std::is_same_v<T, std::string>) {
        if (!(*value)->is_string()) return error(where, "is not a string");
      } else if constexpr (std::is_same_v<T, bool>) {
        if (!(*value)->is_boolean()) return error(where, "is not true or false");
      } else {
        if (!(*value)->is_number()) return error(where, "is not a number");
      }
      return (*value)->get<T>();
    } catch (const std::exception& e) {
      return error(where, e.what());
    }
  }
};

Result<QuantityModel> read_quantity(const Reader& r, const Json& models, const char* quantity) {
  const std::string path = std::string("models.") + quantity;
  QuantityModel model;
  model.quantity = quantity;
  auto node = r.field(models, "models", quantity);
  if (!node) return node.error();
  if ((*node)->is_null()) return model;
  auto prior = r.field(**node, path, "prior");
  if (!prior) return prior.error();
  for (int j = 0; j < kPriorTermCount; ++j) {
    auto value = r.get<double>(**prior, path + ".prior", prior_term_names()[static_cast<size_t>(j)].c_str());
    if (!value) return value.error();
    if (!(*value >= 0) || !std::isfinite(*value)) return r.error(path + ".prior", "coefficients must be finite and >= 0");
    model.prior[static_cast<size_t>(j)] = *value;
  }
  auto members = r.field(**node, path, "members");
  if (!members) return members.error();
  if (!(*members)->is_array() || (*members)->empty()) return r.error(path + ".members", "is not a non-empty array");
  for (size_t m = 0; m < (*members)->size(); ++m) {
    const Json& member = (**members)[m];
    const std::string where = path + ".members[" + std::to_string(m) + "]";
    MemberModel out;
    auto shared = r.field(member, where, "shared");
    if (!shared) return shared.error();
    if (!(*shared)->is_object()) return r.error(where + ".shared", "is not an XGBoost model object");
    out.shared_json = (*shared)->dump();
    auto per_type = r.field(member, where, "per_type");
    if (!per_type) return per_type.error();
    if (!(*per_type)->is_object()) return r.error(where + ".per_type", "is not an object");
    for (auto it = (*per_type)->begin(); it != (*per_type)->end(); ++it) {
      if (!it->is_object()) return r.error(where + ".per_type." + it.key(), "is not an XGBoost model object");
      out.per_type_json.emplace(it.key(), it->dump());
    }
    model.members.push_back(std::move(out));
  }
  if (Status s = compile_forests(model); !s) return r.error(path, s.error().message);
  return model;
}

}  // namespace

std::string estimator_to_json(const Estimator& estimator) {
  const EstimatorMetadata& meta = estimator.metadata();
  const TargetInfo& t = meta.target;
  Json j;
  j["format"] = kFormatName;
  j["format_version"] = kModelFormatVersion;
  j["created_by"] = meta.created_by;
  Json target{{"name", t.name},
              {"kind", t.kind},
              {"spec_fingerprint", t.spec_fingerprint},
              {"channel_multiple", t.channel_multiple},
              {"activation_precision", std::string(ir::precision_name(t.activation_precision))},
              {"fusion_rules", fusion_rules_text(t.fusion)}};
  if (t.memory.known)
    target["memory_plan"] = Json{{"sram_bytes", t.memory.sram_bytes},
                                 {"weight_cache_bytes", t.memory.weight_cache_bytes},
                                 {"channel_padding", t.memory.channel_padding},
                                 {"precision", std::string(ir::precision_name(t.memory.precision))},
                                 {"cascade", t.memory.cascade},
                                 {"micro_block_height", t.memory.micro_block_height}};
  else
    target["memory_plan"] = nullptr;
  j["target"] = std::move(target);
  j["features"] = Json{{"version", meta.feature_version},
                       {"names", feature_names(meta.feature_version)},
                       {"label_features", std::vector<std::string>(kLabelFeatureNames, kLabelFeatureNames + kLabelFeatureCount)},
                       {"prior_terms", prior_term_names()}};
  const TrainingSummary& s = meta.training;
  j["training"] = Json{{"mode", s.mode},
                       {"kernel_rows", s.kernel_rows},
                       {"networks", s.networks},
                       {"member_rows", s.member_rows},
                       {"rows_per_type", s.rows_per_type},
                       {"energy_rows_per_type", s.energy_rows_per_type},
                       {"options", options_json(s.options)}};
  std::vector<const std::string*> boosters;
  Json models;
  models["latency_us"] = quantity_json(estimator.regressors().latency, boosters);
  models["energy_uj"] = quantity_json(estimator.regressors().energy, boosters);
  j["models"] = std::move(models);
  std::string text = j.dump(1);
  // Splice each booster's JSON in place of its quoted placeholder, last first so offsets hold.
  for (size_t b = boosters.size(); b-- > 0;) {
    std::string quoted = "\"";  // built by appending: GCC 12 warns falsely on "literal" + string
    quoted += placeholder(b);
    quoted += '"';
    const size_t at = text.find(quoted);
    if (at != std::string::npos) text.replace(at, quoted.size(), *boosters[b]);
  }
  return text + "\n";
}

Result<Estimator> estimator_from_json(const std::string& text, const std::string& source_name) {
  const Reader r{source_name};
  Json j = Json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return Error{source_name + ": not a JSON object (is it an hwnas estimator file?)"};
  auto format = r.get<std::string>(j, "", "format");
  if (!format || *format != kFormatName)
    return Error{source_name + ": not an hwnas estimator file (its \"format\" is not \"" + std::string(kFormatName) + "\")"};
  auto version = r.get<int>(j, "", "format_version");
  if (!version) return version.error();
  if (*version > kModelFormatVersion)
    return Error{source_name + ": written in estimator format version " + std::to_string(*version) +
                 " by a newer hwnas; this build reads versions 1 to " + std::to_string(kModelFormatVersion) +
                 ": upgrade hwnas or rebuild the estimator"};
  if (*version < 1) return Error{source_name + ": unknown estimator format version " + std::to_string(*version)};

  EstimatorMetadata meta;
  if (auto created = r.get<std::string>(j, "", "created_by")) meta.created_by = *created;
  auto target = r.field(j, "", "target");
  if (!target) return target.error();
  TargetInfo& t = meta.target;
  auto name = r.get<std::string>(**target, "target", "name");
  auto kind = r.get<std::string>(**target, "target", "kind");
  auto fingerprint = r.get<std::string>(**target, "target", "spec_fingerprint");
  auto multiple = r.get<int64_t>(**target, "target", "channel_multiple");
  auto precision = r.get<std::string>(**target, "target", "activation_precision");
  auto rules = r.get<std::string>(**target, "target", "fusion_rules");
  for (const Error* e : {name ? nullptr : &name.error(), kind ? nullptr : &kind.error(),
                         fingerprint ? nullptr : &fingerprint.error(), multiple ? nullptr : &multiple.error(),
                         precision ? nullptr : &precision.error(), rules ? nullptr : &rules.error()})
    if (e) return *e;
  t.name = *name;
  t.kind = *kind;
  t.spec_fingerprint = *fingerprint;
  t.channel_multiple = std::max<int64_t>(1, *multiple);
  auto parsed_precision = ir::precision_from_name(*precision);
  if (!parsed_precision) return r.error("target.activation_precision", "'" + *precision + "' is not a precision");
  t.activation_precision = *parsed_precision;
  auto fusion = parse_fusion_rules(*rules);
  if (!fusion) return r.error("target.fusion_rules", fusion.error().message);
  t.fusion = *fusion;
  auto plan = r.field(**target, "target", "memory_plan");
  if (!plan) return plan.error();
  if (!(*plan)->is_null()) {
    const std::string p = "target.memory_plan";
    auto sram = r.get<int64_t>(**plan, p, "sram_bytes");
    auto cache = r.get<int64_t>(**plan, p, "weight_cache_bytes");
    auto padding = r.get<int64_t>(**plan, p, "channel_padding");
    auto plan_precision = r.get<std::string>(**plan, p, "precision");
    auto cascade = r.get<bool>(**plan, p, "cascade");
    auto rows = r.get<int64_t>(**plan, p, "micro_block_height");
    for (const Error* e : {sram ? nullptr : &sram.error(), cache ? nullptr : &cache.error(),
                           padding ? nullptr : &padding.error(), plan_precision ? nullptr : &plan_precision.error(),
                           cascade ? nullptr : &cascade.error(), rows ? nullptr : &rows.error()})
      if (e) return *e;
    auto mp = ir::precision_from_name(*plan_precision);
    if (!mp) return r.error(p + ".precision", "'" + *plan_precision + "' is not a precision");
    if (*padding < 1 || *rows < 1 || *sram < 0 || *cache < 0) return r.error(p, "has a negative or zero size");
    t.memory = MemoryPlan{true, *sram, *cache, *padding, *mp, *cascade, *rows};
  }

  auto features = r.field(j, "", "features");
  if (!features) return features.error();
  auto feature_version = r.get<int>(**features, "features", "version");
  if (!feature_version) return feature_version.error();
  if (feature_names(*feature_version).empty())
    return Error{source_name + ": features version " + std::to_string(*feature_version) +
                 " is unknown to this build (it knows version " + std::to_string(kFeatureVersion) +
                 " and older): upgrade hwnas or rebuild the estimator"};
  // An older version's features are the first ones of this build's (features.h): its trees read them as fitted.
  meta.feature_version = *feature_version;
  auto names = r.field(**features, "features", "names");
  if (!names) return names.error();
  if (!(*names)->is_array() || **names != Json(feature_names(*feature_version)))
    return r.error("features.names", "differ from the names of features version " + std::to_string(*feature_version));

  if (auto training = r.field(j, "", "training"); training && (*training)->is_object()) {
    const Json& s = **training;
    TrainingSummary& summary = meta.training;
    if (auto v = r.get<std::string>(s, "training", "mode")) summary.mode = *v;
    if (auto v = r.get<size_t>(s, "training", "kernel_rows")) summary.kernel_rows = *v;
    if (auto v = r.get<size_t>(s, "training", "networks")) summary.networks = *v;
    if (auto v = r.get<size_t>(s, "training", "member_rows")) summary.member_rows = *v;
    for (const char* key : {"rows_per_type", "energy_rows_per_type"}) {
      auto rows = r.field(s, "training", key);
      if (!rows || !(*rows)->is_object()) continue;
      auto& into = std::string(key) == "rows_per_type" ? summary.rows_per_type : summary.energy_rows_per_type;
      for (auto it = (*rows)->begin(); it != (*rows)->end(); ++it)
        if (it->is_number_unsigned()) into[it.key()] = it->get<size_t>();
    }
    if (auto options = r.field(s, "training", "options"); options && (*options)->is_object()) {
      const Json& o = **options;
      TrainOptions& to = summary.options;
      const std::string p = "training.options";
      if (auto v = r.get<int>(o, p, "ensemble")) to.ensemble = *v;
      if (auto v = r.get<int>(o, p, "energy_ensemble")) to.energy_ensemble = *v;
      if (auto v = r.get<int>(o, p, "shared_rounds")) to.shared_rounds = *v;
      if (auto v = r.get<int>(o, p, "type_rounds")) to.type_rounds = *v;
      if (auto v = r.get<int>(o, p, "max_depth")) to.max_depth = *v;
      if (auto v = r.get<double>(o, p, "eta")) to.eta = *v;
      if (auto v = r.get<double>(o, p, "subsample")) to.subsample = *v;
      if (auto v = r.get<double>(o, p, "colsample")) to.colsample = *v;
      if (auto v = r.get<double>(o, p, "min_child_weight")) to.min_child_weight = *v;
      if (auto v = r.get<double>(o, p, "lambda")) to.lambda = *v;
      if (auto v = r.get<int>(o, p, "min_type_rows")) to.min_type_rows = *v;
      if (auto v = r.get<double>(o, p, "network_weight")) to.network_weight = *v;
      if (auto v = r.get<uint64_t>(o, p, "seed")) to.seed = *v;
    }
  }

  auto models = r.field(j, "", "models");
  if (!models) return models.error();
  RegressorSet regressors;
  auto latency = read_quantity(r, **models, "latency_us");
  if (!latency) return latency.error();
  if (latency->empty()) return r.error("models.latency_us", "is null; an estimator needs a latency model");
  regressors.latency = std::move(*latency);
  auto energy = read_quantity(r, **models, "energy_uj");
  if (!energy) return energy.error();
  regressors.energy = std::move(*energy);
  return Estimator(std::move(meta), std::move(regressors));
}

Status save_estimator(const Estimator& estimator, const std::string& path) {
  std::ofstream out(path, std::ios::binary);
  if (!out) return Error{"cannot write the estimator to '" + path + "'"};
  out << estimator_to_json(estimator);
  out.close();
  if (!out) return Error{"writing the estimator to '" + path + "' failed"};
  return {};
}

Result<Estimator> load_estimator(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{"cannot read the estimator file '" + path + "'"};
  std::ostringstream text;
  text << in.rdbuf();
  return estimator_from_json(text.str(), path);
}

Status check_estimator_target(const Estimator& estimator, const TargetInfo& target, const std::string& source_name) {
  const TargetInfo& built = estimator.metadata().target;
  if (built.name != target.name)
    return Error{source_name + ": the estimator was built for target '" + built.name + "', not '" + target.name +
                 "'; build one for '" + target.name + "' with: hwnas estimator build --target " + target.name};
  if (!built.spec_fingerprint.empty() && !target.spec_fingerprint.empty() &&
      built.spec_fingerprint != target.spec_fingerprint)
    return Error{source_name + ": the estimator was built for another spec of target '" + target.name + "' (spec " +
                 built.spec_fingerprint + ", this one is " + target.spec_fingerprint +
                 "): the accelerator changed since; rebuild the estimator"};
  return {};
}

Result<Estimator> load_estimator_for(const std::string& path, const TargetInfo& target) {
  auto estimator = load_estimator(path);
  if (!estimator) return estimator;
  if (Status s = check_estimator_target(*estimator, target, path); !s) return s.error();
  return estimator;
}

}  // namespace hwnas::estimator
