// Fuzzes the incremental HTTP/1.1 request parser (http/request_parser.hpp) with small limits,
// so that every limit is within reach. The first byte sets the size of the pieces the rest
// arrives in: fed whole or piece by piece, the stream must yield the same requests and the
// same failure, as a TCP connection may split it anywhere.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz/check.hpp"
#include "http/request_parser.hpp"

namespace {

using incident::RequestParser;

const incident::RequestLimits kLimits{64, 64, 8, 256, 512};

struct Outcome {
  std::vector<std::string> requests;  // each request flattened, to compare
  int status = 0;                     // the failure's status; 0 while none
  std::string field;
};

std::string flatten(const incident::ParsedRequest& r) {
  FUZZ_CHECK(!r.method.empty() && !r.path.empty() && r.path.front() == '/');
  FUZZ_CHECK(r.headers.size() <= kLimits.max_headers && r.body.size() <= kLimits.max_body);
  std::string out = r.method + ' ' + r.path + '?' + r.query + '\n';
  for (const auto& [name, value] : r.headers) {
    for (char c : name) FUZZ_CHECK(!(c >= 'A' && c <= 'Z'));
    out += name + ':' + value + '\n';
  }
  return out + std::to_string(r.keep_alive) + std::to_string(r.expects_continue) + r.body;
}

Outcome parse(std::string_view stream, std::size_t piece) {
  RequestParser parser(kLimits);
  Outcome outcome;
  for (std::size_t at = 0; at < stream.size() && outcome.status == 0; at += piece) {
    parser.feed(stream.substr(at, piece));
    for (auto step = parser.next(); step != RequestParser::Step::need_more; step = parser.next()) {
      if (step == RequestParser::Step::request) outcome.requests.push_back(flatten(parser.take()));
      if (step == RequestParser::Step::failed) {
        outcome.status = parser.failure().status;
        outcome.field = parser.failure().field;
        break;
      }
    }
  }
  return outcome;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view stream(reinterpret_cast<const char*>(data) + 1, size - 1);
  const Outcome whole = parse(stream, stream.size() + 1);
  const Outcome pieces = parse(stream, data[0] % 64 + 1);
  FUZZ_CHECK(whole.requests == pieces.requests);
  FUZZ_CHECK(whole.status == pieces.status && whole.field == pieces.field);
  return 0;
}
