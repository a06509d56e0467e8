// Turns decoded request fields into validated requests. Every bad field is
// reported at once; a missing required field's reason is exactly
// "This field is required." (clients match on it). Unknown fields are ignored.
#pragma once

#include <string>
#include <string_view>

#include "domain/fields.hpp"
#include "domain/integers.hpp"
#include "domain/requests.hpp"
#include "domain/result.hpp"

namespace incident {

namespace reason {
inline constexpr const char* required = "This field is required.";
inline constexpr const char* not_integer = "Not a valid integer value.";
inline constexpr const char* not_choice = "Not a valid choice.";
inline constexpr const char* not_date = "Not a valid datetime value.";
inline constexpr const char* not_url = "Invalid URL.";
inline constexpr const char* not_string = "Not a valid string value.";
inline constexpr const char* not_utf8 = "Invalid UTF-8.";
inline constexpr const char* not_boolean = "Not a valid boolean value.";
}  // namespace reason

inline constexpr std::size_t kNameMin = 4;
inline constexpr std::size_t kNameMax = 255;
inline constexpr std::size_t kDescriptionMax = 65536;
inline constexpr std::size_t kExternalReferenceMax = 255;
inline constexpr std::size_t kExternalLinkMax = 2048;
inline constexpr std::size_t kCommentMax = 65536;
inline constexpr std::size_t kCatalogNameMax = 255;

Result<CreateRequest> validate_create(const FieldMap& fields);
Result<UpdateRequest> validate_update(const FieldMap& fields);
Result<CommentRequest> validate_comment(const FieldMap& fields);
Result<CatalogCreateRequest> validate_catalog_create(const FieldMap& fields, std::string_view what);
Result<CatalogUpdateRequest> validate_catalog_update(const FieldMap& fields, std::string_view what);

/// True for an absolute http:// or https:// URL with a host.
bool is_http_url(std::string_view text);

}  // namespace incident
