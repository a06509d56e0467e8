#include "storage/reply_pairs.hpp"

namespace incident {

FlatHash reply_pairs(const RedisValue& flat) {
  FlatHash out;
  out.reserve(flat.elements.size() / 2);
  for (std::size_t i = 0; i + 1 < flat.elements.size(); i += 2)
    out.emplace_back(flat.elements[i].str, flat.elements[i + 1].str);
  return out;
}

}  // namespace incident
