// A base for reading a few top-level members of a JSON object as they stream
// by (nlohmann's SAX interface): it tracks the depth and the name of the
// current top-level member, so a reader only says what it does with values.
// Used where every change or every stored event is read and a document would
// be built for nothing.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace incident {

class TopLevelReader : public nlohmann::json_sax<nlohmann::json> {
 public:
  bool start_object(std::size_t) override { return open(false); }
  bool end_object() override { return close(); }
  bool start_array(std::size_t) override { return open(true); }
  bool end_array() override { return close(); }
  bool key(string_t& name) override {
    if (depth_ == 1) key_ = std::move(name);
    return true;
  }

 protected:
  /// Called before an object or array is entered; false stops reading.
  virtual bool entering(bool is_array) = 0;

  /// True while reading the value of the top-level member `name`.
  bool at_member(const char* name) const { return depth_ == 1 && key_ == name; }
  bool at_top() const { return depth_ == 0; }
  bool in_top_member() const { return depth_ == 1; }
  const std::string& member() const { return key_; }

 private:
  bool open(bool is_array) {
    if (!entering(is_array)) return false;
    ++depth_;
    return true;
  }
  bool close() {
    --depth_;
    return true;
  }

  int depth_ = 0;
  std::string key_;
};

}  // namespace incident
