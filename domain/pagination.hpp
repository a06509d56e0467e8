// Page arithmetic of list endpoints: validated page/per_page and the x-*
// headers derived from a total.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "domain/fields.hpp"
#include "domain/result.hpp"

namespace incident {

inline constexpr std::int64_t kMaxPage = 10'000'000;
inline constexpr std::int64_t kMaxPerPage = 50;
inline constexpr std::int64_t kDefaultPerPage = 20;

struct PageRequest {
  std::int64_t page = 1;
  std::int64_t per_page = kDefaultPerPage;  // 0: headers only
  std::int64_t offset() const { return (page - 1) * per_page; }
};

/// Reads `page` and `per_page` from query fields; 400 naming the parameter
/// when not an integer or out of range.
Result<PageRequest> parse_page_request(const FieldMap& query);

/// x-total, x-total-pages, x-page, x-per-page, x-prev-page, x-next-page
/// ("None" where there is no such page).
std::map<std::string, std::string> pagination_headers(const PageRequest& request,
                                                      std::int64_t total);

/// RFC 8288 Link header: first, last, prev and next as they exist.
/// base is the absolute URL of the list without the page parameters;
/// other_query is the rest of the query string ("" or "a=b&c=d").
std::string link_header(const PageRequest& request, std::int64_t total, const std::string& base,
                        const std::string& other_query);

}  // namespace incident
