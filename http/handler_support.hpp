// Small steps shared by handlers: authentication, bodies, If-Match, absolute
// URLs and the reference's 302-or-representation answers.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "actors/messages.hpp"
#include "domain/incident_json.hpp"
#include "http/api_request.hpp"
#include "http/app.hpp"
#include "http/error_mapping.hpp"
#include "http/responder.hpp"

namespace incident {

/// External URL if configured, else http://<Host>.
std::string base_url(const App& app, const ApiRequest& request);

/// The caller; on failure the 401 has already been sent.
std::optional<Principal> authenticate(const App& app, const ApiRequest& request,
                                      const Responder& responder);

/// The caller, who must hold `permission`; otherwise 401/403 has been sent.
std::optional<Principal> authorize(const App& app, const ApiRequest& request,
                                   const Responder& responder, const std::string& permission);

/// The decoded body; on failure the 400 has already been sent.
std::optional<FieldMap> read_body(const ApiRequest& request, const Responder& responder);

/// The body decoded and checked by `validate` (FieldMap -> Result<T>); on
/// failure the 400 has already been sent.
template <class Validate>
auto read_validated(const ApiRequest& request, const Responder& responder, Validate validate)
    -> std::optional<std::decay_t<decltype(validate(FieldMap{}).value())>> {
  auto fields = read_body(request, responder);
  if (!fields) return std::nullopt;
  auto result = validate(*fields);
  if (!result) {
    responder.send(error_response(result.error()));
    return std::nullopt;
  }
  return std::move(result.value());
}

/// Reads If-Match into `version` (nullopt when absent or "*"). False, with the
/// 400 already sent, when it is malformed.
bool read_if_match(const ApiRequest& request, const Responder& responder,
                   std::optional<std::int64_t>& version);

/// True when the client sent `Prefer: return=representation`.
bool wants_representation(const ApiRequest& request);

/// A write's answer: 302 to `location`, or `created_status` with the body
/// (JSON text).
ApiResponse write_answer(bool representation, int representation_status,
                         const std::string& location, std::string body);

/// Sends the result of an incident write (or the error).
Reply<Incident> answer_incident_write(const ApiRequest& request, const Responder& responder,
                                      const std::string& base, int representation_status);

}  // namespace incident
