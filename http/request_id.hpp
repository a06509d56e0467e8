// X-Request-Id: a client's own id is kept when it is sane (short, printable,
// no separators a log parser could trip on); otherwise one is made here.
#pragma once

#include <optional>
#include <string>

namespace incident {

/// True for 1 to 128 characters of letters, digits and - _ . : / + = @.
bool sane_request_id(const std::string& id);

/// 16 random hexadecimal digits (a fast per-thread generator).
std::string new_request_id();

/// The client's id when sane, else a new one.
std::string request_id_for(const std::optional<std::string>& sent);

}  // namespace incident
