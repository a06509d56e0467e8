// Decoding of request bodies and query strings into FieldMaps:
// application/x-www-form-urlencoded, multipart/form-data and JSON objects.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "domain/fields.hpp"
#include "domain/result.hpp"

namespace incident {

/// Decodes %XX and '+'; a malformed escape is kept literally.
std::string url_decode(std::string_view text);

/// Parses "a=1&b=2&a=3" (repeats become lists).
FieldMap parse_urlencoded(std::string_view text);

/// Parses a multipart/form-data body; error naming "body" when malformed.
Result<FieldMap> parse_multipart(std::string_view body, const std::string& boundary);

/// Parses a JSON object body, keeping each value's JSON kind; error naming
/// "body" when it is not a JSON object.
Result<FieldMap> parse_json_object(std::string_view body);

/// Picks the parser from the Content-Type (absent: form). Error naming "body"
/// for an unsupported type or a malformed body.
Result<FieldMap> parse_body(const std::optional<std::string>& content_type, std::string_view body);

}  // namespace incident
