// The one place where domain errors become HTTP status codes and JSON bodies.
#pragma once

#include <nlohmann/json.hpp>

#include "domain/result.hpp"
#include "http/api_request.hpp"

namespace incident {

int status_of(ErrorKind kind);

/// A JSON error response: {"message", "reasons"} with the mapped status.
ApiResponse error_response(const Error& error);

/// A JSON response of any status.
ApiResponse json_response(int status, const nlohmann::json& body);

/// A JSON response whose body is JSON text already.
ApiResponse json_text_response(int status, std::string body);

/// A document as compact JSON text (ill-formed UTF-8 replaced, never thrown).
std::string compact_json(const nlohmann::json& document);

}  // namespace incident
