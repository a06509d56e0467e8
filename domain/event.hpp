// One entry of an incident's history. Dates are whole minutes since the Unix
// epoch (UTC), the API's precision.
#pragma once

#include <cstdint>
#include <string>

namespace incident {

using Minute = std::int64_t;

struct Event {
  std::string type;     // "create", "update" or "comment"
  std::string content;  // for create/update: a JSON object as a string
  bool internal = false;
  Minute creation_date = 0;

  bool operator==(const Event& other) const;
};

}  // namespace incident
