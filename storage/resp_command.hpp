// Commands in RESP, Redis' wire format, written straight into one buffer: a
// whole batch goes to hiredis in one append instead of one formatted
// command (and one buffer growth) per command.
#pragma once

#include <string>
#include <vector>

namespace incident {

/// Appends the command (binary-safe arguments) to `out` in RESP.
void append_resp_command(std::string& out, const std::vector<std::string>& argv);

}  // namespace incident
