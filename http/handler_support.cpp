// Shared handler steps. Each either yields a value or has already answered
// the client, so handlers read as a straight sequence of early returns.
#include "http/handler_support.hpp"

#include <ctime>

#include "domain/integers.hpp"
#include "http/body_parser.hpp"

namespace incident {

std::string base_url(const App& app, const ApiRequest& request) {
  if (!app.settings.external_url.empty()) {
    std::string url = app.settings.external_url;
    while (!url.empty() && url.back() == '/') url.pop_back();
    return url;
  }
  std::string host =
      request.header("host").value_or(app.settings.bind + ":" + std::to_string(app.settings.port));
  return "http://" + host;
}

std::optional<Principal> authenticate(const App& app, const ApiRequest& request,
                                      const Responder& responder) {
  auto principal = app.tokens.authenticate(request.header("authorization"), std::time(nullptr));
  if (!principal) {
    responder.send(error_response(principal.error()));
    return std::nullopt;
  }
  if (!principal->anonymous) responder.set_token(principal->name);
  return *principal;
}

std::optional<Principal> authorize(const App& app, const ApiRequest& request,
                                   const Responder& responder, const std::string& permission) {
  auto principal = authenticate(app, request, responder);
  if (!principal) return std::nullopt;
  if (auto denied = require_permission(*principal, permission)) {
    responder.send(error_response(*denied));
    return std::nullopt;
  }
  return principal;
}

std::optional<FieldMap> read_body(const ApiRequest& request, const Responder& responder) {
  auto fields = parse_body(request.header("content-type"), request.body);
  if (!fields) {
    responder.send(error_response(fields.error()));
    return std::nullopt;
  }
  return *fields;
}

bool read_if_match(const ApiRequest& request, const Responder& responder,
                   std::optional<std::int64_t>& version) {
  version.reset();
  auto header = request.header("if-match");
  if (!header || *header == "*") return true;
  std::string text = *header;
  if (text.rfind("W/", 0) == 0) text = text.substr(2);
  if (text.size() >= 2 && text.front() == '"' && text.back() == '"')
    text = text.substr(1, text.size() - 2);
  auto parsed = parse_integer_in(text, 0, kMaxId);
  if (!parsed) {
    responder.send(error_response(field_error(ErrorKind::invalid, "Invalid If-Match header",
                                              "If-Match", "Expected a version like \"3\".")));
    return false;
  }
  version = *parsed;
  return true;
}

bool wants_representation(const ApiRequest& request) {
  auto prefer = request.header("prefer");
  return prefer && prefer->find("return=representation") != std::string::npos;
}

ApiResponse write_answer(bool representation, int representation_status,
                         const std::string& location, std::string body) {
  ApiResponse response;
  if (representation) {
    response = json_text_response(representation_status, std::move(body));
  } else {
    response = json_response(302, nlohmann::json{{"location", location}});
  }
  response.headers.emplace_back("Location", location);
  return response;
}

Reply<Incident> answer_incident_write(const ApiRequest& request, const Responder& responder,
                                      const std::string& base, int representation_status) {
  bool representation = wants_representation(request);
  return [representation, responder, base, representation_status](Result<Incident> result) {
    if (!result) return responder.send(error_response(result.error()));
    std::string location = base + "/api/incident/" + std::to_string(result->id);
    // A 302 carries only the location: serialize the incident only when asked.
    auto body = representation ? incident_json_text(*result, base, Audience::token_holder) : "";
    auto response = write_answer(representation, representation_status, location, body);
    response.headers.emplace_back("ETag", "\"" + std::to_string(result->version) + "\"");
    responder.send(response);
  };
}

}  // namespace incident
