// Small steps shared by handlers: authentication, bodies, If-Match, absolute
// URLs and the reference's 302-or-representation answers.
#pragma once

#include <optional>
#include <string>

#include <nlohmann/json.hpp>

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

/// If-Match as a version: nullopt when absent or "*"; 400 sent when malformed
/// (then `ok` is false).
std::optional<std::int64_t> read_if_match(const ApiRequest& request, const Responder& responder,
                                          bool& ok);

/// True when the client sent `Prefer: return=representation`.
bool wants_representation(const ApiRequest& request);

/// A write's answer: 302 to `location`, or `created_status` with the body.
ApiResponse write_answer(bool representation, int representation_status,
                         const std::string& location, const nlohmann::json& body);

/// Sends the result of an incident write (or the error).
Reply<Incident> answer_incident_write(const ApiRequest& request, const Responder& responder,
                                      const std::string& base, int representation_status);

}  // namespace incident
