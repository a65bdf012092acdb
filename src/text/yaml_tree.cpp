// Builds the bounded, acyclic YAML tree of the text format from yaml-cpp parser events.
#include "yaml_tree.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

#include <map>
#include <sstream>
#include <stdexcept>

#include "scalar_text.h"

namespace hwnas::text::detail {
namespace {

// Thrown inside the event handler to stop yaml-cpp; caught in parse_yaml_document.
struct StopParsing : std::runtime_error {
  StopParsing(const std::string& message, const YAML::Mark& at) : std::runtime_error(message), mark(at) {}
  YAML::Mark mark;
};

class TreeBuilder : public YAML::EventHandler {
 public:
  TreeBuilder(std::deque<YamlNode>& arena, size_t max_events) : arena_(arena), max_events_(max_events) {}

  const YamlNode* root() const { return root_; }
  YAML::Mark start_mark() const { return start_; }

  void OnDocumentStart(const YAML::Mark& mark) override { start_ = mark; }
  void OnDocumentEnd() override {}

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    YamlNode& n = make(YamlNode::Kind::Null, mark, "", anchor);
    n.complete = true;
    attach(&n);
  }

  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    count(mark);
    auto it = anchors_.find(anchor);
    if (it == anchors_.end()) throw StopParsing("an alias names no anchor", mark);
    if (!it->second->complete) throw StopParsing("an alias refers to a node that contains it", mark);
    attach(it->second);
  }

  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override {
    // The writer can only spell back valid UTF-8. The text is checked before parsing and yaml-cpp
    // rejects escaped surrogates; this keeps the invariant should any other escape break it.
    if (first_invalid_utf8(value) != std::string::npos)
      throw StopParsing("an escape makes a string that is not valid UTF-8", mark);
    YamlNode& n = make(YamlNode::Kind::Scalar, mark, tag, anchor);
    n.scalar = value;
    n.complete = true;
    attach(&n);
  }

  void OnSequenceStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    YamlNode& n = make(YamlNode::Kind::Sequence, mark, tag, anchor);
    attach(&n);
    open_.push_back({&n, nullptr});
  }
  void OnSequenceEnd() override { close(); }

  void OnMapStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    YamlNode& n = make(YamlNode::Kind::Map, mark, tag, anchor);
    attach(&n);
    open_.push_back({&n, nullptr});
  }
  void OnMapEnd() override { close(); }

 private:
  // A sequence or map being filled; for a map, the key read and waiting for its value.
  struct Open {
    YamlNode* node;
    const YamlNode* pending_key;
  };

  std::deque<YamlNode>& arena_;
  size_t max_events_;
  size_t events_ = 0;
  YAML::Mark start_;
  const YamlNode* root_ = nullptr;
  std::vector<Open> open_;
  std::map<YAML::anchor_t, const YamlNode*> anchors_;

  void count(const YAML::Mark& mark) {
    if (++events_ > max_events_) throw StopParsing("the parser does not advance", mark);
  }

  YamlNode& make(YamlNode::Kind kind, const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor) {
    count(mark);
    YamlNode& n = arena_.emplace_back();
    n.kind = kind;
    n.line = mark.line;
    n.column = mark.column;
    n.tag = tag;
    if (anchor != YAML::NullAnchor) anchors_[anchor] = &n;
    return n;
  }

  void attach(const YamlNode* child) {
    if (open_.empty()) {
      if (root_ != nullptr) throw StopParsing("a second root node in one document", {});
      root_ = child;
      return;
    }
    Open& parent = open_.back();
    if (parent.node->kind == YamlNode::Kind::Sequence) {
      parent.node->items.push_back(child);
    } else if (parent.pending_key == nullptr) {
      parent.pending_key = child;
    } else {
      parent.node->pairs.emplace_back(parent.pending_key, child);
      parent.pending_key = nullptr;
    }
  }

  void close() {
    if (open_.empty()) throw StopParsing("a collection ends that never began", {});
    open_.back().node->complete = true;
    open_.pop_back();
  }
};

YamlParseError error_at(const std::string& message, const YAML::Mark& mark) {
  if (mark.is_null()) return {message, -1, -1};
  return {message, mark.line, mark.column};
}

}  // namespace

std::variant<YamlDocument, YamlParseError> parse_yaml_document(std::string_view text) {
  YamlDocument document;
  document.arena = std::make_unique<std::deque<YamlNode>>();
  // Every event consumes input except the few around an empty value; 16 per byte is far above
  // any real document and stops a parser that loops.
  const size_t max_events = 16 * text.size() + 1024;
  std::istringstream stream{std::string(text)};
  try {
    YAML::Parser parser(stream);
    TreeBuilder first(*document.arena, max_events);
    if (!parser.HandleNextDocument(first)) return document;
    document.root = first.root();
    std::deque<YamlNode> rest;
    TreeBuilder second(rest, max_events);
    if (parser.HandleNextDocument(second)) {
      // yaml-cpp 0.7 answers some malformed text with empty documents that never advance.
      bool stuck = (first.root() == nullptr || first.root()->is_null()) &&
                   (second.root() == nullptr || second.root()->is_null()) &&
                   second.start_mark().line == first.start_mark().line &&
                   second.start_mark().column == first.start_mark().column;
      if (stuck) return error_at("malformed YAML: unexpected text", first.start_mark());
      return error_at("more than one YAML document; a file holds one network", second.start_mark());
    }
  } catch (const StopParsing& e) {
    return error_at(std::string("malformed YAML: ") + e.what(), e.mark);
  } catch (const YAML::Exception& e) {
    return error_at("malformed YAML: " + e.msg, e.mark);
  }
  return document;
}

}  // namespace hwnas::text::detail
