// List responses: body, x-* headers and the RFC 8288 Link header.
#include "http/list_answer.hpp"

#include "http/error_mapping.hpp"

namespace incident {

ApiResponse list_answer(const PageRequest& page, std::int64_t total, const std::string& items_json,
                        const std::string& list_url, const std::string& filter_query) {
  return list_answer_body(page, total, "{\"items\":" + items_json + "}", list_url, filter_query);
}

ApiResponse list_answer_body(const PageRequest& page, std::int64_t total, std::string body,
                             const std::string& list_url, const std::string& filter_query) {
  ApiResponse response = json_text_response(200, std::move(body));
  for (const auto& [name, value] : pagination_headers(page, total))
    response.headers.emplace_back(name, value);
  std::string link = link_header(page, total, list_url, filter_query);
  if (!link.empty()) response.headers.emplace_back("Link", link);
  return response;
}

}  // namespace incident
