// Random hexadecimal text: identities and lock tokens that other processes
// must not guess or repeat.
#pragma once

#include <string>

namespace incident {

/// `words` random 32-bit words, as 8 hex digits each.
std::string random_hex(int words);

}  // namespace incident
