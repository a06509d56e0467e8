// Fuzzes request validation (domain/validation.hpp) on decoded bodies. The first byte
// picks the validator and whether the rest is a form or a JSON body (seeds use letters:
// '`' form create, 'a' JSON create, 'b'/'c' update, 'd'/'e' comment, 'f'/'g' catalog).
// What a validator accepts must keep its promises (UTF-8, lengths in code points, ids,
// URLs); what it refuses must name at least one field.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "domain/utf8.hpp"
#include "domain/validation.hpp"
#include "fuzz/check.hpp"
#include "http/body_parser.hpp"

namespace {

using incident::Result;

void check_text(const std::string& text, std::size_t min, std::size_t max) {
  FUZZ_CHECK(incident::is_valid_utf8(text));
  const std::size_t length = incident::utf8_length(text);
  FUZZ_CHECK(length >= min && length <= max);
}

void check_text(const std::optional<std::string>& text, std::size_t max) {
  if (text) check_text(*text, 0, max);
}

void check_id(incident::Id id) { FUZZ_CHECK(id >= 1 && id <= (incident::Id{1} << 53)); }

template <class T>
bool accepted(const Result<T>& result) {
  if (!result) {
    FUZZ_CHECK(result.error().kind == incident::ErrorKind::invalid);
    FUZZ_CHECK(!result.error().reasons.empty());
  }
  return result.ok();
}

void create(const incident::FieldMap& fields) {
  const auto r = incident::validate_create(fields);
  if (!accepted(r)) return;
  check_text(r->name, incident::kNameMin, incident::kNameMax);
  check_id(r->scope);
  check_id(r->service);
  check_text(r->description, incident::kDescriptionMax);
  check_text(r->external_reference, incident::kExternalReferenceMax);
  check_text(r->external_link, incident::kExternalLinkMax);
  FUZZ_CHECK(!r->external_link || incident::is_http_url(*r->external_link));
}

void update(const incident::FieldMap& fields) {
  const auto r = incident::validate_update(fields);
  if (!accepted(r)) return;
  check_text(r->name, incident::kNameMin, incident::kNameMax);
  check_id(r->scope);
  check_id(r->service);
  check_text(r->description.value, incident::kDescriptionMax);
  check_text(r->external_link.value, incident::kExternalLinkMax);
  FUZZ_CHECK(!r->external_link.value || incident::is_http_url(*r->external_link.value));
}

void comment(const incident::FieldMap& fields) {
  const auto r = incident::validate_comment(fields);
  if (accepted(r)) check_text(r->comment, 1, incident::kCommentMax);
}

void catalog(const incident::FieldMap& fields) {
  const auto created = incident::validate_catalog_create(fields, "Scope");
  if (accepted(created)) check_text(created->name, 1, incident::kCatalogNameMax);
  const auto updated = incident::validate_catalog_update(fields, "Service");
  if (accepted(updated)) check_text(updated->name, 1, incident::kCatalogNameMax);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  const bool json = data[0] & 1;
  const auto fields = incident::parse_body(
      std::string(json ? "application/json" : "application/x-www-form-urlencoded"), body);
  if (!fields) return 0;
  switch ((data[0] >> 1) % 4) {
    case 0:
      create(*fields);
      break;
    case 1:
      update(*fields);
      break;
    case 2:
      comment(*fields);
      break;
    default:
      catalog(*fields);
      break;
  }
  return 0;
}
