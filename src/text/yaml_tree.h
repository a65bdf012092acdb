// A YAML document as a plain, acyclic tree, built from yaml-cpp's parser events with bounds.
//
// yaml-cpp's own YAML::LoadAll loops forever on some malformed input (a stray ',' makes 0.7 return
// empty documents without consuming text) and its nodes may form cycles through aliases; this
// builder reads at most two documents, caps the number of events by the input size, and rejects
// an alias to a node that contains it.
#pragma once

#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "hwnas/ir/result.h"

namespace hwnas::text::detail {

struct YamlNode {
  enum class Kind { Null, Scalar, Sequence, Map };
  Kind kind = Kind::Null;
  int line = -1;    // 0-based, -1 when unknown
  int column = -1;  // 0-based
  std::string tag;  // "!" for a quoted scalar, "?" for a plain one, or the explicit tag
  std::string scalar;
  std::vector<const YamlNode*> items;  // a sequence's elements
  std::vector<std::pair<const YamlNode*, const YamlNode*>>
      pairs;              // a map's entries, in order, duplicates kept
  bool complete = false;  // false while its children are being read (an alias to it would be a cycle)

  bool is_null() const { return kind == Kind::Null; }
  bool is_scalar() const { return kind == Kind::Scalar; }
  bool is_sequence() const { return kind == Kind::Sequence; }
  bool is_map() const { return kind == Kind::Map; }
};

struct YamlDocument {
  std::unique_ptr<std::deque<YamlNode>> arena;  // owns every node; pointers into it stay valid
  const YamlNode* root = nullptr;               // nullptr when the text holds no document
};

// Parses the single document of `text`. Errors are "malformed YAML: ..." or "more than one YAML
// document" with a 0-based line and column (-1 when unknown); nothing is thrown.
struct YamlParseError {
  std::string message;
  int line = -1;
  int column = -1;
};
std::variant<YamlDocument, YamlParseError> parse_yaml_document(std::string_view text);

}  // namespace hwnas::text::detail
