// The `zero_shot:`, `supernet:` and `hybrid:` sections of a search config: strict parsing and fingerprints.
#include "hwnas/search/strategy_config.h"

#include <algorithm>
#include <sstream>
#include <type_traits>

namespace hwnas::search {
namespace {

// Field readers of one section, with "SECTION.key" in their errors.
class SectionReader {
 public:
  SectionReader(const text::StrictYaml& r, const YAML::Node& node, std::string section)
      : r_(r), node_(node), section_(std::move(section)) {}

  std::string field(const char* key) const { return section_ + "." + key; }

  Status choice(const char* key, std::string& out, const std::vector<std::string>& allowed) const {
    if (!node_[key]) return {};
    auto v = r_.text(node_[key], field(key));
    if (!v) return v.error();
    if (std::find(allowed.begin(), allowed.end(), *v) == allowed.end())
      return r_.error_at(node_[key], field(key),
                         "unknown value '" + *v + "'" + text::did_you_mean(*v, allowed) + " (one of: " + text::join_words(allowed) + ")");
    out = *v;
    return {};
  }
  template <typename Int>
  Status integer(const char* key, int64_t lo, int64_t hi, Int& out) const {
    if (!node_[key]) return {};
    auto v = r_.integer(node_[key], field(key));
    if (!v) return v.error();
    if (*v < lo || *v > hi)
      return r_.error_at(node_[key], field(key), "must be in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
    out = static_cast<Int>(*v);
    return {};
  }
  Status positive(const char* key, double hi, double& out) const {
    if (!node_[key]) return {};
    auto v = r_.number(node_[key], field(key));
    if (!v) return v.error();
    if (!(*v > 0 && *v <= hi)) {
      std::ostringstream range;
      range << "must be in (0, " << hi << "]";
      return r_.error_at(node_[key], field(key), range.str());
    }
    out = *v;
    return {};
  }

 private:
  const text::StrictYaml& r_;
  const YAML::Node& node_;
  std::string section_;
};

Status first_error(std::initializer_list<Status> statuses) {
  for (const Status& s : statuses)
    if (!s) return s;
  return {};
}

}  // namespace

std::string_view strategy_name(Strategy strategy) {
  switch (strategy) {
    case Strategy::Multishot: return "multishot";
    case Strategy::ZeroShot: return "zero-shot";
    case Strategy::Supernet: return "supernet";
    case Strategy::Hybrid: return "hybrid";
  }
  return "unknown";
}

std::vector<std::string> strategy_names() { return {"multishot", "zero-shot", "supernet", "hybrid"}; }

std::vector<std::string> zero_shot_proxy_names() { return {"naswot", "synflow", "grad_norm", "snip", "zen"}; }

std::string SupernetConfig::fingerprint() const {
  std::ostringstream out;
  out.precision(17);
  out << "supernet=" << epochs << ":" << sampling << ":" << batch_size << ":" << learning_rate << ":" << train_examples << ":"
      << calibration_examples << ":" << validation_examples << ":" << fine_tune_epochs << ":" << fine_tune_learning_rate << ":"
      << warm_start << ":" << warm_start_trials << "\n";
  return out.str();
}

Status parse_zero_shot_config(const text::StrictYaml& r, const YAML::Node& node, ZeroShotConfig& c) {
  if (!node.IsMap()) return r.error_at(node, "zero_shot", "expected a map such as {proxy: synflow, batch_size: 64, top_k: 3}");
  if (Status s = r.check_fields(node, "zero_shot", {"proxy", "batch_size", "top_k"}); !s) return s;
  const SectionReader read(r, node, "zero_shot");
  return first_error({read.choice("proxy", c.proxy, zero_shot_proxy_names()), read.integer("batch_size", 1, 4096, c.batch_size),
                      read.integer("top_k", 1, 1000, c.top_k)});
}

Status parse_supernet_config(const text::StrictYaml& r, const YAML::Node& node, SupernetConfig& c) {
  if (!node.IsMap()) return r.error_at(node, "supernet", "expected a map such as {epochs: 4, sampling: sandwich}");
  if (Status s = r.check_fields(node, "supernet",
                                {"epochs", "sampling", "batch_size", "learning_rate", "train_examples", "calibration_examples",
                                 "validation_examples", "fine_tune_epochs", "fine_tune_learning_rate", "warm_start",
                                 "warm_start_trials"});
      !s)
    return s;
  const SectionReader read(r, node, "supernet");
  if (Status s = first_error({read.integer("epochs", 1, 10000, c.epochs), read.choice("sampling", c.sampling, {"sandwich", "uniform"}),
                              read.integer("batch_size", 1, 65536, c.batch_size), read.positive("learning_rate", 100, c.learning_rate),
                              read.integer("train_examples", 1, int64_t{1} << 40, c.train_examples),
                              read.integer("calibration_examples", 1, int64_t{1} << 40, c.calibration_examples),
                              read.integer("validation_examples", 1, int64_t{1} << 40, c.validation_examples),
                              read.integer("fine_tune_epochs", 0, 10000, c.fine_tune_epochs),
                              read.positive("fine_tune_learning_rate", 100, c.fine_tune_learning_rate),
                              read.integer("warm_start", 0, 1000, c.warm_start),
                              read.integer("warm_start_trials", 1, 1000000, c.warm_start_trials)});
      !s)
    return s;
  if (c.calibration_examples > c.train_examples)
    return r.error_at(node["calibration_examples"] ? node["calibration_examples"] : node, "supernet.calibration_examples",
                      "must be at most train_examples (" + std::to_string(c.train_examples) + "): they are taken from them");
  return {};
}

Status parse_hybrid_config(const text::StrictYaml& r, const YAML::Node& node, HybridConfig& c) {
  if (!node.IsMap()) return r.error_at(node, "hybrid", "expected a map such as {screen: zero-shot, pool: 4}");
  if (Status s = r.check_fields(node, "hybrid", {"screen", "pool"}); !s) return s;
  const SectionReader read(r, node, "hybrid");
  return first_error({read.choice("screen", c.screen, {"zero-shot", "supernet"}), read.integer("pool", 1, 1000, c.pool)});
}

}  // namespace hwnas::search
