// Fuzzes the reading of stored events (storage/incident_codec.hpp): the fast
// reader of the written form must agree with the general JSON reader on every
// text it accepts, and accept only texts that are exactly what we write for
// that event; any readable event, written again, reads back the same.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz/check.hpp"
#include "storage/canonical_event.hpp"
#include "storage/incident_codec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const auto general = incident::read_event_members(text);
  if (const auto fast = incident::read_canonical_event(text)) {
    FUZZ_CHECK(general && *general == *fast);
    FUZZ_CHECK(incident::encode_event(*fast) == text);  // so the text can stand as its JSON
  }
  if (general) {
    const std::string written = incident::encode_event(*general);
    const auto again = incident::decode_event(written);
    FUZZ_CHECK(again && *again == *general);
    FUZZ_CHECK(incident::read_event_members(written) == again);
  }
  return 0;
}
