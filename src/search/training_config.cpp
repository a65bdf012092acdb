// The `training:` section of a search config: strict parsing and its fingerprint.
#include "hwnas/search/training_config.h"

#include <algorithm>
#include <sstream>
#include <type_traits>

namespace hwnas::search {

std::string TrainingConfig::fingerprint() const {
  std::ostringstream out;
  out.precision(17);
  out << "training=" << data << ":" << task << ":" << epochs << ":" << data_fraction << ":" << batch_size << ":"
      << optimizer << ":" << learning_rate << ":" << weight_decay << ":" << warmup_epochs << ":" << label_smoothing
      << ":" << held_out_examples;
  if (int8) out << ":int8:" << int8_calibration_batches << ":" << int8_calibration << ":" << int8_percentile << ":" << int8_weights;
  out << "\n";  // threads change speed, not results
  return out.str();
}

Status parse_training_config(const text::StrictYaml& r, const YAML::Node& node, TrainingConfig& c) {
  if (Status s = r.check_fields(node, "training",
                                {"data", "task", "epochs", "data_fraction", "batch_size", "optimizer", "learning_rate",
                                 "weight_decay", "warmup_epochs", "label_smoothing", "held_out_examples", "threads", "int8"});
      !s)
    return s;
  // The map the readers below read, and its path (the int8 section switches both).
  const YAML::Node* map = &node;
  std::string path = "training.";
  auto field = [&](const char* key) { return path + key; };
  auto read_text = [&](const char* key, std::string& out, const std::vector<std::string>& allowed) -> Status {
    if (!(*map)[key]) return {};
    auto v = r.text((*map)[key], field(key));
    if (!v) return v.error();
    if (!allowed.empty() && std::find(allowed.begin(), allowed.end(), *v) == allowed.end())
      return r.error_at((*map)[key], field(key),
                        "unknown value '" + *v + "'" + text::did_you_mean(*v, allowed) + " (one of: " + text::join_words(allowed) + ")");
    if (v->empty()) return r.error_at((*map)[key], field(key), "empty");
    out = *v;
    return {};
  };
  auto read_int = [&](const char* key, int64_t lo, int64_t hi, auto& out) -> Status {
    if (!(*map)[key]) return {};
    auto v = r.integer((*map)[key], field(key));
    if (!v) return v.error();
    if (*v < lo || *v > hi)
      return r.error_at((*map)[key], field(key), "must be in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
    out = static_cast<std::remove_reference_t<decltype(out)>>(*v);
    return {};
  };
  auto read_number = [&](const char* key, double lo, double hi, bool lo_open, double& out) -> Status {
    if (!(*map)[key]) return {};
    auto v = r.number((*map)[key], field(key));
    if (!v) return v.error();
    if ((lo_open ? *v <= lo : *v < lo) || *v > hi) {
      std::ostringstream range;
      range << (lo_open ? "(" : "[") << lo << ", " << hi << "]";
      return r.error_at((*map)[key], field(key), "must be in " + range.str());
    }
    out = *v;
    return {};
  };
  for (Status s : {read_text("data", c.data, {}), read_text("task", c.task, {"classification", "segmentation", "detection"}),
                   read_text("optimizer", c.optimizer, {"sgd", "adamw"}), read_int("epochs", 1, 10000, c.epochs),
                   read_int("batch_size", 1, 65536, c.batch_size), read_int("held_out_examples", 0, int64_t{1} << 40, c.held_out_examples),
                   read_int("threads", 0, 1024, c.threads), read_number("data_fraction", 0, 1, true, c.data_fraction),
                   read_number("learning_rate", 0, 100, true, c.learning_rate), read_number("weight_decay", 0, 1, false, c.weight_decay),
                   read_number("warmup_epochs", 0, 10000, false, c.warmup_epochs),
                   read_number("label_smoothing", 0, 1, false, c.label_smoothing)})
    if (!s) return s;
  if (const YAML::Node int8 = node["int8"]) {
    if (!int8.IsMap()) return r.error_at(int8, "training.int8", "a map: {calibration_batches, calibration, percentile, weights} ({} for the defaults)");
    if (Status s = r.check_fields(int8, "training.int8", {"calibration_batches", "calibration", "percentile", "weights"}); !s) return s;
    c.int8 = true;
    map = &int8;
    path = "training.int8.";
    for (Status s : {read_int("calibration_batches", 1, 100000, c.int8_calibration_batches),
                     read_text("calibration", c.int8_calibration, {"minmax", "percentile"}),
                     read_number("percentile", 50, 100, true, c.int8_percentile),
                     read_text("weights", c.int8_weights, {"per_channel", "per_tensor"})})
      if (!s) return s;
  }
  return {};
}

}  // namespace hwnas::search
