// A cursor over the written form. Anything unexpected (\u or \/ escapes, raw
// control characters, ill-formed UTF-8, other member orders, other date
// forms) is left to the general reader rather than half-handled here.
#include "storage/canonical_event.hpp"

#include <string>

#include "domain/dates.hpp"
#include "domain/utf8.hpp"

namespace incident {
namespace {

class Cursor {
 public:
  explicit Cursor(std::string_view text) : text_(text) {}

  bool literal(std::string_view expected) {
    if (text_.substr(at_, expected.size()) != expected) return false;
    at_ += expected.size();
    return true;
  }

  /// A string's contents, from after its opening quote through its closing one.
  bool string(std::string& out) {
    std::size_t plain_from = at_;
    for (; at_ < text_.size(); ++at_) {
      const auto byte = static_cast<unsigned char>(text_[at_]);
      if (byte == '"') {
        out.append(text_.data() + plain_from, at_ - plain_from);
        ++at_;
        return is_valid_utf8(out);
      }
      if (byte < 0x20) return false;
      if (byte != '\\') continue;
      out.append(text_.data() + plain_from, at_ - plain_from);
      if (at_ + 1 >= text_.size() || !unescape(text_[at_ + 1], out)) return false;
      plain_from = ++at_ + 1;
    }
    return false;
  }

  bool at_end() const { return at_ == text_.size(); }

 private:
  static bool unescape(char code, std::string& out) {
    switch (code) {
      case '"':
      case '\\':
        out += code;
        return true;
      case 'b':
        out += '\b';
        return true;
      case 'f':
        out += '\f';
        return true;
      case 'n':
        out += '\n';
        return true;
      case 'r':
        out += '\r';
        return true;
      case 't':
        out += '\t';
        return true;
      default:
        return false;
    }
  }

  std::string_view text_;
  std::size_t at_ = 0;
};

}  // namespace

std::optional<Event> read_canonical_event(std::string_view text) {
  Cursor in(text);
  Event event;
  std::string date;
  if (!in.literal(R"({"content":")") || !in.string(event.content) ||
      !in.literal(R"(,"creation_date":")") || !in.string(date) || !in.literal(R"(,"internal":)"))
    return std::nullopt;
  if (in.literal("true"))
    event.internal = true;
  else if (!in.literal("false"))
    return std::nullopt;
  if (!in.literal(R"(,"type":")") || !in.string(event.type) || !in.literal("}") || !in.at_end())
    return std::nullopt;
  // Only the date as format_date writes it: the text must be what we write.
  const auto minute = parse_date(date);
  if (!minute || format_date(*minute) != date) return std::nullopt;
  event.creation_date = *minute;
  return event;
}

}  // namespace incident
