// Webhook endpoints. Webhooks are no public data: every route needs the
// webhook_api permission, reads included. The secret is shown twice only:
// in the answer to the creation (always 201 with the body, since a 302 would
// lose it) and to a rotation.
#include "http/webhook_handlers.hpp"

#include "domain/dates.hpp"
#include "domain/integers.hpp"
#include "http/handler_support.hpp"
#include "http/list_answer.hpp"
#include "storage/store_errors.hpp"
#include "webhooks/dispatcher.hpp"
#include "webhooks/host_check.hpp"
#include "webhooks/signature.hpp"

namespace incident::handlers {
namespace {

using webhooks::Subscription;

constexpr const char* kPermission = "webhook_api";
constexpr std::int64_t kDefaultDeliveries = 50;
constexpr std::int64_t kMaxDeliveries = 100;
constexpr std::int64_t kPreviousSecretMs = 24 * 3600 * 1000;

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void send_webhook(const caf::actor& storage, WebhookCommand command) {
  caf::anon_send(storage, webhook_atom::value, std::move(command));
}

std::string self_url(const std::string& base, Id id) {
  return base + "/api/webhook/" + std::to_string(id);
}

nlohmann::json shown(const Subscription& subscription, const std::string& base, bool with_secret) {
  auto body = webhooks::webhook_to_json(subscription, with_secret);
  std::string self = self_url(base, subscription.id);
  body["links"] = {{"self", self}, {"deliveries", self + "/deliveries"}};
  return body;
}

Error url_refused(const std::string& host, const std::string& refusal) {
  return field_error(
      ErrorKind::invalid, "Invalid webhook", "url",
      "The host " + host + " " + refusal + "; webhooks are delivered to public addresses only.");
}

/// Checks where `url` points, then runs `next` (perhaps on the checker's
/// thread); a URL that is malformed or points inward is a 400 naming `url`.
void check_url_then(const App& app, const std::string& url, const Responder& responder,
                    std::function<void()> next) {
  auto parsed = webhooks::validate_webhook_url(url);
  if (!parsed) return responder.send(error_response(parsed.error()));
  app.host_check->check(
      parsed->host, app.settings.webhook_allow_private,
      [responder, host = parsed->host, next = std::move(next)](std::optional<std::string> refusal) {
        if (refusal) return responder.send(error_response(url_refused(host, *refusal)));
        next();
      });
}

/// Answers that show a secret are kept by no cache.
ApiResponse with_secret_shown(ApiResponse response) {
  response.headers.emplace_back("Cache-Control", "no-store");
  return response;
}

/// The first text value of `name`, if sent, without surrounding blanks (as
/// the validation of fields reads it).
std::optional<std::string> single(const FieldMap& fields, const std::string& name) {
  auto found = fields.find(name);
  if (found == fields.end() || found->second.empty()) return std::nullopt;
  const std::string& text = found->second.front().text;
  auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return std::string();
  return text.substr(first, text.find_last_not_of(" \t\r\n") - first + 1);
}

Reply<Subscription> answer_shown(const Responder& responder, const std::string& base,
                                 bool with_secret) {
  return [=](Result<Subscription> result) {
    if (!result) return responder.send(error_response(result.error()));
    auto response = json_response(200, shown(*result, base, with_secret));
    responder.send(with_secret ? with_secret_shown(std::move(response)) : response);
  };
}

/// Digits only, and a value Redis takes as one part of a stream id (64 bits).
bool is_stream_id_part(const std::string& text) {
  if (text.empty() || text.size() > 20 || text.find_first_not_of("0123456789") != std::string::npos)
    return false;
  return text.size() < 20 || text <= "18446744073709551615";
}

/// A stream id ("<ms>-<seq>" or "<ms>") or a date: the first change to replay.
std::optional<std::string> replay_start(const std::string& since) {
  auto dash = since.find('-');
  std::string ms = since.substr(0, dash);
  if (is_stream_id_part(ms)) {
    if (dash == std::string::npos) return ms + "-0";
    if (is_stream_id_part(since.substr(dash + 1))) return since;
  }
  if (auto minute = parse_date(since)) return std::to_string(*minute * 60000) + "-0";
  return std::nullopt;
}

}  // namespace

void list_webhooks(const App& app, const ApiRequest& request, const RouteParams&,
                   const Responder& responder) {
  if (!authorize(app, request, responder, kPermission)) return;
  auto page = parse_page_request(request.query);
  if (!page) return responder.send(error_response(page.error()));
  std::string base = base_url(app, request);
  WebhookCommand command;
  command.op = WebhookCommand::Op::list;
  command.page = *page;
  command.reply_page = [=, requested = *page](Result<WebhookPage> result) {
    if (!result) return responder.send(error_response(result.error()));
    nlohmann::json items = nlohmann::json::array();
    for (const auto& subscription : result->items)
      items.push_back(shown(subscription, base, false));
    responder.send(
        list_answer(requested, result->total, compact_json(items), base + "/api/webhook"));
  };
  send_webhook(app.storage, std::move(command));
}

void create_webhook(const App& app, const ApiRequest& request, const RouteParams&,
                    const Responder& responder) {
  if (!authorize(app, request, responder, kPermission)) return;
  auto created = read_validated(request, responder, [](const FieldMap& fields) {
    return webhooks::validate_webhook_create(fields);
  });
  if (!created) return;
  std::string base = base_url(app, request);
  auto subscription = std::move(*created);
  subscription.secret = webhooks::new_webhook_secret();
  subscription.created_at = subscription.updated_at = format_date(now_minute());
  std::string url = subscription.url;
  check_url_then(app, url, responder, [storage = app.storage, responder, base, subscription] {
    WebhookCommand command;
    command.op = WebhookCommand::Op::create;
    command.subscription = subscription;
    command.reply_one = [responder, base](Result<Subscription> result) {
      if (!result) return responder.send(error_response(result.error()));
      auto response = with_secret_shown(json_response(201, shown(*result, base, true)));
      response.headers.emplace_back("Location", self_url(base, result->id));
      responder.send(response);
    };
    send_webhook(storage, std::move(command));
  });
}

void get_webhook(const App& app, const ApiRequest& request, const RouteParams& params,
                 const Responder& responder) {
  if (!authorize(app, request, responder, kPermission)) return;
  WebhookCommand command;
  command.id = params.id;
  command.reply_one = answer_shown(responder, base_url(app, request), false);
  send_webhook(app.storage, std::move(command));
}

void update_webhook(const App& app, const ApiRequest& request, const RouteParams& params,
                    const Responder& responder) {
  if (!authorize(app, request, responder, kPermission)) return;
  auto fields = read_body(request, responder);
  if (!fields) return;
  std::string base = base_url(app, request);
  bool representation = wants_representation(request);
  std::string updated_at = format_date(now_minute());
  WebhookCommand command;
  command.op = WebhookCommand::Op::update;
  command.id = params.id;
  command.change = [fields = *fields, updated_at](Subscription current) {
    auto changed = webhooks::apply_webhook_update(std::move(current), fields);
    if (changed) changed->updated_at = updated_at;
    return changed;
  };
  command.reply_one = [responder, base, representation](Result<Subscription> result) {
    if (!result) return responder.send(error_response(result.error()));
    std::string location = self_url(base, result->id);
    responder.send(
        write_answer(representation, 200, location, compact_json(shown(*result, base, false))));
  };
  auto url = single(*fields, "url");
  if (!url) return send_webhook(app.storage, std::move(command));
  check_url_then(app, *url, responder,
                 [storage = app.storage, command]() mutable { send_webhook(storage, command); });
}

void delete_webhook(const App& app, const ApiRequest& request, const RouteParams& params,
                    const Responder& responder) {
  if (!authorize(app, request, responder, kPermission)) return;
  std::string list_url = base_url(app, request) + "/api/webhook";
  bool representation = wants_representation(request);
  WebhookCommand command;
  command.op = WebhookCommand::Op::remove;
  command.id = params.id;
  command.reply_one = [=](Result<Subscription> result) {
    if (!result) return responder.send(error_response(result.error()));
    auto response =
        representation ? json_response(204, nullptr) : json_response(302, {{"location", list_url}});
    response.headers.emplace_back("Location", list_url);
    responder.send(response);
  };
  send_webhook(app.storage, std::move(command));
}

void rotate_webhook_secret(const App& app, const ApiRequest& request, const RouteParams& params,
                           const Responder& responder) {
  if (!authorize(app, request, responder, kPermission)) return;
  WebhookCommand command;
  command.op = WebhookCommand::Op::rotate_secret;
  command.id = params.id;
  command.secret = webhooks::new_webhook_secret();
  command.previous_expires_ms = now_ms() + kPreviousSecretMs;
  command.reply_one = answer_shown(responder, base_url(app, request), true);
  send_webhook(app.storage, std::move(command));
}

void list_webhook_deliveries(const App& app, const ApiRequest& request, const RouteParams& params,
                             const Responder& responder) {
  if (!authorize(app, request, responder, kPermission)) return;
  std::int64_t limit = kDefaultDeliveries;
  if (auto text = single(request.query, "limit")) {
    auto parsed = parse_integer_in(*text, 1, kMaxDeliveries);
    if (!parsed)
      return responder.send(error_response(
          field_error(ErrorKind::invalid, "Invalid query", "limit",
                      "Must be an integer from 1 to " + std::to_string(kMaxDeliveries) + ".")));
    limit = *parsed;
  }
  WebhookCommand command;
  command.op = WebhookCommand::Op::deliveries;
  command.id = params.id;
  command.limit = limit;
  command.reply_deliveries = [responder](Result<std::vector<std::string>> result) {
    if (!result) return responder.send(error_response(result.error()));
    nlohmann::json items = nlohmann::json::array();
    for (const auto& attempt : *result)
      items.push_back(nlohmann::json::parse(attempt, nullptr, false));
    responder.send(json_response(200, {{"items", items}}));
  };
  send_webhook(app.storage, std::move(command));
}

void replay_webhook(const App& app, const ApiRequest& request, const RouteParams& params,
                    const Responder& responder) {
  if (!authorize(app, request, responder, kPermission)) return;
  if (!app.webhooks)
    return responder.send(error_response(field_error(
        ErrorKind::unavailable, "Webhook delivery is off", "request",
        "This process does not deliver webhooks (--webhooks=off): send the replay to one "
        "that does.")));
  auto fields = read_body(request, responder);
  if (!fields) return;
  auto since = single(*fields, "since");
  if (!since || since->empty())
    return responder.send(error_response(
        field_error(ErrorKind::invalid, "Invalid replay", "since", "This field is required.")));
  if (fields->at("since").size() > 1 || fields->at("since").front().listed)
    return responder.send(error_response(field_error(ErrorKind::invalid, "Invalid replay", "since",
                                                     "Expected one value, not a list.")));
  auto from = replay_start(*since);
  if (!from)
    return responder.send(error_response(field_error(
        ErrorKind::invalid, "Invalid replay", "since",
        "Expected a change-stream id (such as 1733300000000-0) or a date (YYYY-MM-DDTHH:MM).")));
  Id id = params.id;
  auto dispatcher = app.webhooks;
  auto storage = app.storage;
  // The endpoint must exist; the replay runs up to the newest change now.
  WebhookCommand command;
  command.id = id;
  command.reply_one = [=, from = *from](Result<Subscription> found) {
    if (!found) return responder.send(error_response(found.error()));
    FeedReadCommand newest;
    newest.reply = [=](Result<std::vector<FeedRecord>> records) {
      if (!records || records->empty())
        return responder.send(error_response(records ? storage_unavailable() : records.error()));
      std::string last = records->front().id;
      dispatcher->replay(id, from, last);
      responder.send(json_response(202, {{"from", from}, {"through", last}}));
    };
    caf::anon_send(storage, feed_read_atom::value, std::move(newest));
  };
  send_webhook(storage, std::move(command));
}

}  // namespace incident::handlers
