// Strict reading of hand-written YAML files (search configs, spaces, accelerator specs, rule
// files): every error names the file, the line and the field, and an unknown field or value gets
// the nearest known word ("did you mean 'kernel'?").
//
//   auto root = text::load_yaml_text(text, "search.yaml");          // Result<YAML::Node>
//   text::StrictYaml r("search.yaml");
//   if (Status s = r.check_fields(*root, "", {"space", "trials"}); !s) return s.error();
//   auto trials = r.integer((*root)["trials"], "trials");          // "search.yaml:3: trials: ..."
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hwnas/ir/result.h"

namespace hwnas::text {

// The candidate closest to `word` by edit distance (adjacent transpositions count as one edit),
// when it is close enough to be a typo: at most 2 edits, or at most 40 % of the longer word.
std::optional<std::string> nearest_word(std::string_view word, const std::vector<std::string>& candidates);

// "; did you mean 'conv2d'?" or "" when no candidate is close.
std::string did_you_mean(std::string_view word, const std::vector<std::string>& candidates);

// "a, b, c".
std::string join_words(const std::vector<std::string>& words);

// Parses one YAML document; "SOURCE:LINE: invalid YAML: ..." on malformed text. Never throws.
Result<YAML::Node> load_yaml_text(std::string_view text, const std::string& source);

// Field readers over yaml-cpp nodes whose errors read "SOURCE:LINE: FIELD: MESSAGE".
class StrictYaml {
 public:
  explicit StrictYaml(std::string source) : source_(std::move(source)) {}
  const std::string& source() const { return source_; }

  // "SOURCE:LINE: FIELD: MESSAGE", the line of `node` when it has one; no "FIELD: " when empty.
  Error error_at(const YAML::Node& node, const std::string& field, const std::string& message) const;
  // "path.key", or "key" at the top.
  static std::string join(const std::string& path, const std::string& key);

  // `map` must be a map whose keys are all in `allowed`; an unknown key gets a suggestion and
  // the list of fields.
  Status check_fields(const YAML::Node& map, const std::string& path, const std::vector<std::string>& allowed) const;

  // A finite number.
  Result<double> number(const YAML::Node& node, const std::string& field) const;
  // A whole number of magnitude at most `max_magnitude` (and at most 9e15, where doubles stay exact).
  Result<int64_t> integer(const YAML::Node& node, const std::string& field,
                          double max_magnitude = 9e15) const;
  // A scalar, as written.
  Result<std::string> text(const YAML::Node& node, const std::string& field) const;

 private:
  std::string source_;
};

}  // namespace hwnas::text
