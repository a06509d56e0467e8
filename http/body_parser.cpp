// Body parsers. They never throw and never trust lengths or boundaries: every
// malformed input is an error value naming "body".
#include "http/body_parser.hpp"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

namespace incident {
namespace {

Error bad_body(const std::string& why) {
  return field_error(ErrorKind::invalid, "Invalid request body", "body", why);
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string lowercase(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

/// The value of `name=` in a header's parameters (quoted or not), or "".
std::string header_parameter(const std::string& header, const std::string& name) {
  std::string lower = lowercase(header);
  std::size_t at = 0;
  while ((at = lower.find(name + "=", at)) != std::string::npos) {
    bool starts_word = at == 0 || lower[at - 1] == ';' || lower[at - 1] == ' ';
    at += name.size() + 1;
    if (!starts_word) continue;
    if (at < header.size() && header[at] == '"') {
      auto end = header.find('"', at + 1);
      if (end == std::string::npos) return "";
      return header.substr(at + 1, end - at - 1);
    }
    auto end = header.find_first_of("; ", at);
    return header.substr(at, end == std::string::npos ? std::string::npos : end - at);
  }
  return "";
}

void add_json_value(FieldMap& fields, const std::string& name, const nlohmann::json& value) {
  using Kind = FieldValue::Kind;
  if (value.is_string()) return fields[name].push_back({value.get<std::string>(), Kind::text});
  if (value.is_boolean())
    return fields[name].push_back({value.get<bool>() ? "true" : "false", Kind::boolean});
  if (value.is_null()) return fields[name].push_back({"", Kind::null});
  if (value.is_number()) return fields[name].push_back({value.dump(), Kind::number});
  fields[name].push_back({"", Kind::structured});
}

/// Reads one multipart part (headers, blank line, content) into `fields`.
bool read_part(std::string_view part, FieldMap& fields) {
  auto blank = part.find("\r\n\r\n");
  if (blank == std::string_view::npos) return false;
  std::string headers(part.substr(0, blank));
  std::string content(part.substr(blank + 4));
  std::string disposition;
  std::size_t line_start = 0;
  while (line_start < headers.size()) {
    auto line_end = headers.find("\r\n", line_start);
    std::string line = headers.substr(line_start, line_end - line_start);
    if (lowercase(line).rfind("content-disposition:", 0) == 0) disposition = line;
    if (line_end == std::string::npos) break;
    line_start = line_end + 2;
  }
  std::string name = header_parameter(disposition, "name");
  if (name.empty()) return false;
  add_text(fields, name, std::move(content));
  return true;
}

}  // namespace

std::string url_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '+') {
      out.push_back(' ');
    } else if (c == '%' && i + 2 < text.size() + 0 && hex_value(text[i + 1]) >= 0 &&
               hex_value(text[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2])));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

FieldMap parse_urlencoded(std::string_view text) {
  FieldMap fields;
  std::size_t start = 0;
  while (start <= text.size()) {
    auto end = text.find('&', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view pair = text.substr(start, end - start);
    if (!pair.empty()) {
      auto eq = pair.find('=');
      std::string name = url_decode(pair.substr(0, eq));
      std::string value = eq == std::string_view::npos ? "" : url_decode(pair.substr(eq + 1));
      add_text(fields, name, std::move(value));
    }
    start = end + 1;
  }
  return fields;
}

Result<FieldMap> parse_multipart(std::string_view body, const std::string& boundary) {
  if (boundary.empty() || boundary.size() > 200) return bad_body("Missing multipart boundary.");
  const std::string delimiter = "--" + boundary;
  FieldMap fields;
  auto at = body.find(delimiter);
  if (at == std::string_view::npos) return bad_body("Malformed multipart body.");
  for (;;) {
    at += delimiter.size();
    if (body.substr(at, 2) == "--") return fields;  // closing delimiter
    if (body.substr(at, 2) != "\r\n") return bad_body("Malformed multipart body.");
    at += 2;
    auto next = body.find("\r\n" + delimiter, at);
    if (next == std::string_view::npos) return bad_body("Unterminated multipart body.");
    if (!read_part(body.substr(at, next - at), fields))
      return bad_body("Malformed multipart part.");
    at = next + 2;
  }
}

Result<FieldMap> parse_json_object(std::string_view body) {
  auto json = nlohmann::json::parse(body.begin(), body.end(), nullptr, false);
  if (json.is_discarded()) return bad_body("Malformed JSON.");
  if (!json.is_object()) return bad_body("The JSON body must be an object.");
  FieldMap fields;
  for (auto& [name, value] : json.items()) {
    bool scalar_list =
        value.is_array() && std::all_of(value.begin(), value.end(),
                                        [](const nlohmann::json& v) { return v.is_primitive(); });
    if (scalar_list) {
      for (const auto& element : value) {
        add_json_value(fields, name, element);
        fields[name].back().listed = true;
      }
      if (value.empty()) fields[name];
    } else {
      add_json_value(fields, name, value);
    }
  }
  return fields;
}

Result<FieldMap> parse_body(const std::optional<std::string>& content_type, std::string_view body) {
  std::string type = lowercase(content_type.value_or(""));
  type = type.substr(0, type.find(';'));
  type.erase(std::remove(type.begin(), type.end(), ' '), type.end());
  if (type.empty() || type == "application/x-www-form-urlencoded") return parse_urlencoded(body);
  if (type == "multipart/form-data")
    return parse_multipart(body, header_parameter(*content_type, "boundary"));
  if (type == "application/json") return parse_json_object(body);
  return bad_body("Unsupported Content-Type " + type + ".");
}

}  // namespace incident
