#include "storage/random_token.hpp"

#include <cstdio>
#include <random>

namespace incident {

std::string random_hex(int words) {
  std::random_device random;
  std::string text;
  char word[9];
  for (int i = 0; i < words; ++i) {
    std::snprintf(word, sizeof word, "%08x", static_cast<unsigned>(random()));
    text += word;
  }
  return text;
}

}  // namespace incident
