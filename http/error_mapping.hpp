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

}  // namespace incident
