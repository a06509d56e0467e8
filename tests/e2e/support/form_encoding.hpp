// Request body encodings the API accepts: application/x-www-form-urlencoded
// and multipart/form-data, from an ordered list of fields (repeats allowed).
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace e2e {

/// Ordered form fields; a name may repeat (e.g. `permission`).
using Fields = std::vector<std::pair<std::string, std::string>>;

/// Percent-encodes every byte but unreserved ASCII (UTF-8 bytes become %XX);
/// space becomes '+', as browsers and python `requests` send forms.
std::string form_escape(const std::string& text);

/// Percent-encodes for a URL query or path (space is %20).
std::string url_escape(const std::string& text);

/// name=value&name=value with form_escape on both sides.
std::string form_encode(const Fields& fields);

struct MultipartBody {
  std::string content_type;  // multipart/form-data; boundary=...
  std::string body;
};

/// A multipart/form-data body with one part per field, values as raw bytes.
MultipartBody multipart_encode(const Fields& fields);

}  // namespace e2e
