// The bytes of an HTTP/1.1 response head and body, written by hand: one
// buffer, one send, and only the headers we mean.
#pragma once

#include <string>
#include <string_view>

#include "http/api_request.hpp"

namespace incident {

/// "OK", "Not Found", ...; "Unknown" for a code without a phrase.
const char* reason_phrase(int status);

using HeaderList = std::vector<std::pair<std::string, std::string>>;

/// Status line, the response's headers then `extra`, Date, Content-Length
/// (not for a 204) and Connection, then the body (left out for a HEAD request).
std::string response_bytes(const ApiResponse& response, bool keep_alive, bool omit_body,
                           const HeaderList& extra = {});

/// The head of an endless text/event-stream response: chunked for HTTP/1.1
/// (an HTTP/1.0 client gets the events as they are, ended by the close);
/// `keep_alive` false says the connection ends with the stream.
std::string event_stream_head(bool chunked, bool keep_alive, const HeaderList& extra = {});

/// One chunk of a chunked body.
std::string chunk_bytes(std::string_view data);

}  // namespace incident
