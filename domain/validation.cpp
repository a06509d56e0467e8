// Request shapes: which fields each write accepts and how each is checked.
// Every validator reports all bad fields at once under its own message.
#include "domain/validation.hpp"

#include "domain/field_checks.hpp"

namespace incident {
namespace {

bool starts_with_nocase(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    const char c = text[i];
    if ((c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c) != prefix[i]) return false;
  }
  return true;
}

// Host names, IPv4 and percent-encoded or internationalised (non-ASCII) names.
bool is_host_char(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u >= 0x80 || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
         c == '-' || c == '.' || c == '_' || c == '~' || c == '%';
}

bool is_port(std::string_view text) {
  if (text.size() > 5) return false;
  for (const char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

// authority = [userinfo "@"] host [":" port], host possibly an [IPv6] literal.
bool is_authority(std::string_view authority) {
  const auto at = authority.rfind('@');
  if (at != std::string_view::npos) authority.remove_prefix(at + 1);
  if (!authority.empty() && authority.front() == '[') {
    const auto close = authority.find(']');
    if (close == std::string_view::npos || close == 1) return false;
    const auto rest = authority.substr(close + 1);
    return rest.empty() || (rest.front() == ':' && is_port(rest.substr(1)));
  }
  const auto colon = authority.find(':');
  const auto host = authority.substr(0, colon);
  if (host.empty()) return false;
  for (const char c : host) {
    if (!is_host_char(c)) return false;
  }
  return colon == std::string_view::npos || is_port(authority.substr(colon + 1));
}

// Incident fields shared by create and update.
struct Common {
  std::optional<std::string> name;
  std::optional<Severity> severity;
  std::optional<Id> scope;
  std::optional<Id> service;
};

Common read_common(FieldChecker& check) {
  Common c;
  c.name = check.required_text("name", kNameMin, kNameMax, true);
  c.severity = check.required_choice("severity", parse_severity);
  c.scope = check.required_id("scope");
  c.service = check.required_id("service");
  return c;
}

}  // namespace

bool is_http_url(std::string_view text) {
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7F) return false;  // spaces and control characters
  }
  std::size_t start = 0;
  if (starts_with_nocase(text, "http://")) {
    start = 7;
  } else if (starts_with_nocase(text, "https://")) {
    start = 8;
  } else {
    return false;
  }
  const auto rest = text.substr(start);
  return is_authority(rest.substr(0, rest.find_first_of("/?#")));
}

Result<CreateRequest> validate_create(const FieldMap& fields) {
  FieldChecker check(fields);
  const Common common = read_common(check);
  CreateRequest r;
  r.description = check.optional_text("description", kDescriptionMax);
  r.external_reference = check.optional_text("external_reference", kExternalReferenceMax);
  r.external_link = check.optional_text("external_link", kExternalLinkMax);
  check.check_url("external_link", r.external_link);
  // An empty start_impact_date asks for the default, as an absent one does.
  r.start_impact_date = check.date("start_impact_date").value;
  if (!check.ok()) return check.error("Incident creation failed");
  r.name = *common.name;
  r.severity = *common.severity;
  r.scope = *common.scope;
  r.service = *common.service;
  return r;
}

Result<UpdateRequest> validate_update(const FieldMap& fields) {
  FieldChecker check(fields);
  const Common common = read_common(check);
  const auto status = check.required_choice("status", parse_status);
  UpdateRequest r;
  r.description = check.updated_text("description", kDescriptionMax);
  r.external_reference = check.updated_text("external_reference", kExternalReferenceMax);
  r.external_link = check.updated_text("external_link", kExternalLinkMax);
  check.check_url("external_link", r.external_link.value);
  // start_impact_date can never be unset, so empty or null keeps it too.
  r.start_impact_date = check.date("start_impact_date").value;
  r.investigation_date = check.date("investigation_date");
  r.stable_date = check.date("stable_date");
  r.resolve_date = check.date("resolve_date");
  if (!check.ok()) return check.error("Incident update failed");
  r.name = *common.name;
  r.severity = *common.severity;
  r.status = *status;
  r.scope = *common.scope;
  r.service = *common.service;
  return r;
}

Result<CommentRequest> validate_comment(const FieldMap& fields) {
  FieldChecker check(fields);
  // Blank comments are refused, but a comment is stored as written (indentation
  // can be meaningful in a pasted log), so it is not trimmed.
  const auto comment = check.required_text("comment", 1, kCommentMax, false);
  CommentRequest r;
  r.internal = check.flag("internal");
  if (!check.ok()) return check.error("Incident comment failed");
  r.comment = *comment;
  return r;
}

Result<CatalogCreateRequest> validate_catalog_create(const FieldMap& fields,
                                                     std::string_view what) {
  FieldChecker check(fields);
  const auto name = check.required_text("name", 1, kCatalogNameMax, true);
  CatalogCreateRequest r;
  r.description = check.optional_text("description", kDescriptionMax);
  if (!check.ok()) return check.error(std::string(what) + " creation failed");
  r.name = *name;
  return r;
}

Result<CatalogUpdateRequest> validate_catalog_update(const FieldMap& fields,
                                                     std::string_view what) {
  FieldChecker check(fields);
  const auto name = check.required_text("name", 1, kCatalogNameMax, true);
  CatalogUpdateRequest r;
  r.description = check.updated_text("description", kDescriptionMax);
  if (!check.ok()) return check.error(std::string(what) + " update failed");
  r.name = *name;
  return r;
}

}  // namespace incident
