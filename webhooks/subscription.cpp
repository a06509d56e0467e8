// Subscriptions: requests are read with the project's FieldChecker, so a
// webhook's 400 reads like every other one; the stored form is plain JSON,
// secrets included. Matching changes to subscriptions is in matching.cpp.
#include "webhooks/subscription.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <tuple>

#include "domain/field_checks.hpp"
#include "domain/incident.hpp"
#include "domain/integers.hpp"
#include "domain/list_query.hpp"
#include "domain/validation.hpp"
#include "webhooks/json_values.hpp"
#include "webhooks/signature.hpp"

namespace incident::webhooks {
namespace {

using nlohmann::json;

constexpr const char* kDefaultEvent = "incident.*";
constexpr std::string_view kEvents[] = {
    "incident.created", "incident.updated", "incident.commented", "incident.deleted",
    "incident.*",       "scope.created",    "scope.updated",      "scope.deleted",
    "scope.*",          "service.created",  "service.updated",    "service.deleted",
    "service.*"};
const std::string kEventChoices =
    "one of incident.created, incident.updated, incident.commented, incident.deleted, "
    "scope.created, scope.updated, scope.deleted, service.created, service.updated, "
    "service.deleted, or a wildcard incident.*, scope.*, service.*.";

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

// ---- URLs ------------------------------------------------------------------

Error url_error(std::string why) {
  return field_error(ErrorKind::invalid, "Invalid webhook URL", "url", std::move(why));
}

bool is_printable_ascii(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return c > 0x20 && c < 0x7F; });
}

bool is_host_name(std::string_view host) {
  return std::all_of(host.begin(), host.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.' || c == '_';
  });
}

// Browsers and the C resolver read a name whose last label is a number as an
// IPv4 address in some spelling ("127.1", "0x7f.1"): only the dotted quad is
// accepted, so that a URL means the same address to everyone.
bool ends_in_number(std::string_view host) {
  if (!host.empty() && host.back() == '.') host.remove_suffix(1);
  std::string_view label = host.substr(host.rfind('.') + 1);
  if (label.size() >= 2 && label[0] == '0' && (label[1] == 'x' || label[1] == 'X'))
    return std::all_of(label.begin() + 2, label.end(), [](char c) {
      return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    });
  return !label.empty() &&
         std::all_of(label.begin(), label.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool is_address(int family, std::string_view text) {
  unsigned char buffer[sizeof(in6_addr)];
  return inet_pton(family, std::string(text).c_str(), buffer) == 1;
}

// The host and port of an authority without user information; an error
// text, or "" when they are valid.
std::string read_authority(std::string_view authority, WebhookUrl& out) {
  std::string_view host = authority, port;
  bool has_port = false;
  if (starts_with(authority, "[")) {
    const auto close = authority.find(']');
    if (close == std::string_view::npos || !is_address(AF_INET6, authority.substr(1, close - 1)))
      return "Not a valid IPv6 address.";
    host = authority.substr(1, close - 1);
    const auto rest = authority.substr(close + 1);
    if (!rest.empty() && rest.front() != ':') return "Not a valid host.";
    has_port = !rest.empty();
    port = has_port ? rest.substr(1) : rest;
  } else {
    const auto colon = authority.find(':');
    host = authority.substr(0, colon);
    has_port = colon != std::string_view::npos;
    if (has_port) port = authority.substr(colon + 1);
    if (host.empty()) return "A host is required.";
    if (!is_host_name(host)) return "Not a valid host name.";
    if (ends_in_number(host) && !is_address(AF_INET, host)) return "Not a valid IPv4 address.";
  }
  out.host = lower(host);
  out.port = out.scheme == "https" ? 443 : 80;
  if (!has_port) return "";
  const auto number = parse_integer_in(port, 1, 65535);
  if (!number) return "Not a valid port: expected 1 to 65535.";
  out.port = static_cast<int>(*number);
  return "";
}

// ---- Request fields --------------------------------------------------------

bool has_value(const FieldMap& fields, const std::string& name) {
  const auto it = fields.find(name);
  return it != fields.end() && !it->second.empty();
}

void read_url(FieldChecker& check, std::string& out) {
  const auto text = check.required_text("url", 1, kWebhookUrlMax, true);
  if (!text) return;
  const auto parsed = validate_webhook_url(*text);
  if (!parsed) {
    for (const auto& why : parsed.error().reasons.at("url")) check.fail("url", why);
    return;
  }
  out = *text;
}

std::optional<std::int64_t> id_value(const FieldValue& v) {
  const bool numeric = v.kind == FieldValue::Kind::text || v.kind == FieldValue::Kind::number;
  return numeric ? parse_id(v.text) : std::nullopt;
}

template <class Enum>
std::optional<std::string> choice_value(const FieldValue& v,
                                        std::optional<Enum> (*parse)(std::string_view)) {
  const auto value = v.kind == FieldValue::Kind::text ? parse(v.text) : std::nullopt;
  return value ? std::optional<std::string>(to_string(*value)) : std::nullopt;
}

std::optional<std::string> severity_value(const FieldValue& v) {
  return choice_value(v, parse_severity);
}
std::optional<std::string> status_value(const FieldValue& v) {
  return choice_value(v, parse_status);
}

std::optional<std::string> event_value(const FieldValue& v) {
  if (v.kind != FieldValue::Kind::text) return std::nullopt;
  const bool known = std::find(std::begin(kEvents), std::end(kEvents), v.text) != std::end(kEvents);
  return known ? std::optional<std::string>(v.text) : std::nullopt;
}

// A repeatable field: nullopt when absent (or bad: reported), else its
// distinct values in request order. Null and empty values are skipped, so
// `[]` or one empty form value is an empty list.
template <class T>
std::optional<std::vector<T>> read_list(FieldChecker& check, const FieldMap& fields,
                                        const std::string& name, const std::string& expected,
                                        std::optional<T> (*parse)(const FieldValue&)) {
  const auto it = fields.find(name);
  if (it == fields.end()) return std::nullopt;
  if (it->second.size() > kMaxFilterValues) {
    check.fail(name, "At most " + std::to_string(kMaxFilterValues) + " values.");
    return std::nullopt;
  }
  std::vector<T> out;
  bool invalid = false;
  for (const auto& value : it->second) {
    if (value.kind == FieldValue::Kind::null ||
        (value.kind == FieldValue::Kind::text && value.text.empty()))
      continue;
    const auto parsed = parse(value);
    if (!parsed && !invalid) check.fail(name, "Invalid value: expected " + expected);
    invalid = invalid || !parsed;
    if (parsed && std::find(out.begin(), out.end(), *parsed) == out.end()) out.push_back(*parsed);
  }
  if (invalid) return std::nullopt;
  return out;
}

void read_lists(FieldChecker& check, const FieldMap& fields, Subscription& s) {
  if (auto v = read_list(check, fields, "event", kEventChoices, event_value)) s.events = *v;
  if (auto v = read_list(check, fields, "scope", "a scope id.", id_value)) s.scopes = *v;
  if (auto v = read_list(check, fields, "service", "a service id.", id_value)) s.services = *v;
  if (auto v = read_list(check, fields, "severity", "one of critical, high, moderate, low, minor.",
                         severity_value))
    s.severities = *v;
  if (auto v = read_list(check, fields, "status", "one of active, investigating, stable, resolved.",
                         status_value))
    s.statuses = *v;
  if (s.events.empty()) s.events = {kDefaultEvent};
}

void read_flag(FieldChecker& check, const FieldMap& fields, const std::string& name, bool& out) {
  if (has_value(fields, name)) out = check.flag(name);
}

// ---- Stored form -----------------------------------------------------------

// An absent key keeps the default; a key of the wrong type spoils the record.
template <class T>
bool read(const json& object, const char* key, T& out) {
  const auto it = object.find(key);
  return it == object.end() || read_value(*it, out);
}

json text_or_null(const std::string& text) { return text.empty() ? json(nullptr) : json(text); }

json previous_secrets_json(const std::vector<PreviousSecret>& secrets) {
  json out = json::array();
  for (const auto& previous : secrets)
    out.push_back({{"secret", previous.secret}, {"expires_ms", previous.expires_ms}});
  return out;
}

// "previous_secrets": [{"secret", "expires_ms"}, ...]; the single
// "previous_secret" and its expiry that records of an older version hold are
// read as the last one.
bool read_previous_secrets(const json& o, std::vector<PreviousSecret>& out) {
  out.clear();
  const auto list = o.find("previous_secrets");
  if (list != o.end()) {
    if (!list->is_array()) return false;
    for (const auto& item : *list) {
      PreviousSecret previous;
      if (!item.is_object() || !read(item, "secret", previous.secret) ||
          !read(item, "expires_ms", previous.expires_ms))
        return false;
      out.push_back(std::move(previous));
    }
  }
  PreviousSecret legacy;
  if (!read(o, "previous_secret", legacy.secret) ||
      !read(o, "previous_secret_expires_ms", legacy.expires_ms))
    return false;
  if (!legacy.secret.empty()) out.push_back(std::move(legacy));
  return true;
}

}  // namespace

bool Subscription::operator==(const Subscription& o) const {
  return std::tie(id, url, description, events, scopes, services, severities, statuses, internal,
                  enabled, secret, previous_secrets, created_at, updated_at, disabled_reason,
                  failure_run, starts_after) ==
         std::tie(o.id, o.url, o.description, o.events, o.scopes, o.services, o.severities,
                  o.statuses, o.internal, o.enabled, o.secret, o.previous_secrets, o.created_at,
                  o.updated_at, o.disabled_reason, o.failure_run, o.starts_after);
}

Result<WebhookUrl> validate_webhook_url(std::string_view url) {
  if (url.size() > kWebhookUrlMax)
    return url_error("At most " + std::to_string(kWebhookUrlMax) + " bytes.");
  if (!is_printable_ascii(url))
    return url_error("Only printable ASCII, no spaces: percent-encode anything else.");
  const auto separator = url.find("://");
  WebhookUrl parsed;
  parsed.scheme = lower(url.substr(0, separator));
  if (separator == std::string_view::npos || (parsed.scheme != "http" && parsed.scheme != "https"))
    return url_error("The scheme must be http or https.");
  if (url.find('#') != std::string_view::npos) return url_error("No fragment (#) allowed.");
  const auto rest = url.substr(separator + 3);
  const auto end = rest.find_first_of("/?");
  const auto authority = rest.substr(0, end);
  // Credentials in a URL would be shown back to every reader of the subscription.
  if (authority.find('@') != std::string_view::npos)
    return url_error("No user information (user@) allowed.");
  if (const std::string why = read_authority(authority, parsed); !why.empty())
    return url_error(why);
  parsed.target = end == std::string_view::npos ? "/" : std::string(rest.substr(end));
  if (parsed.target.front() == '?') parsed.target.insert(0, "/");
  return parsed;
}

Result<Subscription> validate_webhook_create(const FieldMap& fields) {
  FieldChecker check(fields);
  Subscription s;
  read_url(check, s.url);
  s.description = check.optional_text("description", kDescriptionMax).value_or("");
  read_lists(check, fields, s);
  read_flag(check, fields, "internal", s.internal);
  read_flag(check, fields, "enabled", s.enabled);
  if (!check.ok()) return check.error("Webhook creation failed");
  return s;
}

Result<Subscription> apply_webhook_update(Subscription s, const FieldMap& fields) {
  FieldChecker check(fields);
  if (has_value(fields, "url")) read_url(check, s.url);
  const auto description = check.updated_text("description", kDescriptionMax);
  if (description.present) s.description = description.value.value_or("");
  read_lists(check, fields, s);
  read_flag(check, fields, "internal", s.internal);
  const bool was_enabled = s.enabled;
  read_flag(check, fields, "enabled", s.enabled);
  // A client's choice needs no reason; one who re-enables starts a new run.
  if (s.enabled != was_enabled) s.disabled_reason.clear();
  if (s.enabled && !was_enabled) s.failure_run = 0;
  if (!check.ok()) return check.error("Webhook update failed");
  return s;
}

json webhook_to_json(const Subscription& s, bool with_secret) {
  json filters = {{"scope", s.scopes},
                  {"service", s.services},
                  {"severity", s.severities},
                  {"status", s.statuses}};
  json out = {{"id", s.id},
              {"url", s.url},
              {"description", text_or_null(s.description)},
              {"events", s.events},
              {"filters", std::move(filters)},
              {"internal", s.internal},
              {"enabled", s.enabled},
              {"disabled_reason", text_or_null(s.disabled_reason)},
              {"created_at", s.created_at},
              {"updated_at", s.updated_at}};
  if (with_secret) out["secret"] = s.secret;
  return out;
}

std::string encode_subscription(const Subscription& s) {
  const json stored = {{"id", s.id},
                       {"url", s.url},
                       {"description", s.description},
                       {"events", s.events},
                       {"scopes", s.scopes},
                       {"services", s.services},
                       {"severities", s.severities},
                       {"statuses", s.statuses},
                       {"internal", s.internal},
                       {"enabled", s.enabled},
                       {"secret", s.secret},
                       {"previous_secrets", previous_secrets_json(s.previous_secrets)},
                       {"created_at", s.created_at},
                       {"updated_at", s.updated_at},
                       {"disabled_reason", s.disabled_reason},
                       {"failure_run", s.failure_run}};
  return stored.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::optional<Subscription> decode_subscription(std::string_view text) {
  const json o = json::parse(text.begin(), text.end(), nullptr, false);
  if (!o.is_object()) return std::nullopt;
  Subscription s;
  const bool typed = read(o, "id", s.id) && read(o, "url", s.url) &&
                     read(o, "description", s.description) && read(o, "events", s.events) &&
                     read(o, "scopes", s.scopes) && read(o, "services", s.services) &&
                     read(o, "severities", s.severities) && read(o, "statuses", s.statuses) &&
                     read(o, "internal", s.internal) && read(o, "enabled", s.enabled) &&
                     read(o, "secret", s.secret) && read_previous_secrets(o, s.previous_secrets) &&
                     read(o, "created_at", s.created_at) && read(o, "updated_at", s.updated_at) &&
                     read(o, "disabled_reason", s.disabled_reason) &&
                     read(o, "failure_run", s.failure_run);
  // Signing must never fail later: an unusable secret refuses the record now.
  // An empty one is allowed, for a store that keeps secrets apart.
  auto usable = [](const std::string& secret) {
    return secret.empty() || webhook_secret_key(secret).has_value();
  };
  const bool previous_usable =
      std::all_of(s.previous_secrets.begin(), s.previous_secrets.end(),
                  [&usable](const PreviousSecret& previous) { return usable(previous.secret); });
  if (!typed || s.id < 1 || s.url.empty() || !usable(s.secret) || !previous_usable)
    return std::nullopt;
  return s;
}

std::vector<std::string> signing_secrets(const Subscription& s, std::int64_t now_ms) {
  std::vector<std::string> secrets;
  if (!s.secret.empty()) secrets.push_back(s.secret);
  std::size_t previous = 0;
  for (const auto& old : s.previous_secrets) {
    if (previous++ == kMaxPreviousSecrets) break;
    if (!old.secret.empty() && now_ms < old.expires_ms) secrets.push_back(old.secret);
  }
  return secrets;
}

}  // namespace incident::webhooks
