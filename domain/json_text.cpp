// JsonText: the escaping follows RFC 8259 as nlohmann::json prints it: '"',
// '\\' and control characters escaped (short forms where JSON has them,
// \u00XX otherwise), everything else, UTF-8 included, written as it is.
#include "domain/json_text.hpp"

#include "domain/utf8.hpp"

namespace incident {
namespace {

constexpr char kHex[] = "0123456789abcdef";
constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

void escape_control(std::string& out, unsigned char byte) {
  switch (byte) {
    case '\b':
      out += "\\b";
      return;
    case '\t':
      out += "\\t";
      return;
    case '\n':
      out += "\\n";
      return;
    case '\f':
      out += "\\f";
      return;
    case '\r':
      out += "\\r";
      return;
    default:
      out += "\\u00";
      out += kHex[byte >> 4];
      out += kHex[byte & 0xF];
  }
}

void append_escaped(std::string& out, std::string_view text) {
  out += '"';
  std::size_t plain_from = 0;  // runs of bytes needing nothing are copied at once
  std::size_t i = 0;
  auto flush = [&] { out.append(text.data() + plain_from, i - plain_from); };
  while (i < text.size()) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte >= 0x20 && byte != '"' && byte != '\\' && byte < 0x80) {
      ++i;
      continue;
    }
    if (byte >= 0x80) {
      std::size_t length = utf8_sequence_at(text, i);
      if (length > 0) {
        i += length;
        continue;
      }
      flush();
      out += kReplacement;
    } else {
      flush();
      if (byte == '"' || byte == '\\') {
        out += '\\';
        out += static_cast<char>(byte);
      } else {
        escape_control(out, byte);
      }
    }
    plain_from = ++i;
  }
  flush();
  out += '"';
}

}  // namespace

void JsonText::separate() {
  if (after_value_) out_ += ',';
}

JsonText& JsonText::begin_object() {
  separate();
  out_ += '{';
  after_value_ = false;
  return *this;
}

JsonText& JsonText::end_object() {
  out_ += '}';
  after_value_ = true;
  return *this;
}

JsonText& JsonText::begin_array() {
  separate();
  out_ += '[';
  after_value_ = false;
  return *this;
}

JsonText& JsonText::end_array() {
  out_ += ']';
  after_value_ = true;
  return *this;
}

JsonText& JsonText::key(std::string_view name) {
  separate();
  append_escaped(out_, name);
  out_ += ':';
  after_value_ = false;
  return *this;
}

JsonText& JsonText::string(std::string_view text) {
  separate();
  append_escaped(out_, text);
  after_value_ = true;
  return *this;
}

JsonText& JsonText::integer(std::int64_t number) {
  separate();
  out_ += std::to_string(number);
  after_value_ = true;
  return *this;
}

JsonText& JsonText::boolean(bool flag) {
  separate();
  out_ += flag ? "true" : "false";
  after_value_ = true;
  return *this;
}

JsonText& JsonText::null() {
  separate();
  out_ += "null";
  after_value_ = true;
  return *this;
}

JsonText& JsonText::raw(std::string_view json) {
  separate();
  out_ += json;
  after_value_ = true;
  return *this;
}

}  // namespace incident
