// Index key names that depend on enum spellings.
#include "storage/keys.hpp"

namespace incident {

std::string Keys::index_status(Status s) const {
  return index_field("status", std::string(to_string(s)));
}

std::string Keys::index_severity(Severity s) const {
  return index_field("severity", std::string(to_string(s)));
}

}  // namespace incident
