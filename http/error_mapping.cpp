// ErrorKind -> status, and the JSON writers every handler uses.
#include "http/error_mapping.hpp"

#include "domain/incident_json.hpp"

namespace incident {

int status_of(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::invalid:
      return 400;
    case ErrorKind::unauthenticated:
      return 401;
    case ErrorKind::forbidden:
      return 403;
    case ErrorKind::not_found:
      return 404;
    case ErrorKind::method_not_allowed:
      return 405;
    case ErrorKind::conflict:
      return 409;
    case ErrorKind::precondition_failed:
      return 412;
    case ErrorKind::unavailable:
      return 503;
  }
  return 500;
}

std::string compact_json(const nlohmann::json& document) {
  return document.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

ApiResponse json_response(int status, const nlohmann::json& body) {
  return json_text_response(status, status == 204 ? "" : compact_json(body));
}

ApiResponse json_text_response(int status, std::string body) {
  ApiResponse response;
  response.status = status;
  if (status != 204) {
    response.body = std::move(body);
    response.headers.emplace_back("Content-Type", "application/json");
  }
  return response;
}

ApiResponse error_response(const Error& error) {
  ApiResponse response = json_response(status_of(error.kind), error_to_json(error));
  if (error.kind == ErrorKind::unavailable) response.headers.emplace_back("Retry-After", "1");
  return response;
}

}  // namespace incident
