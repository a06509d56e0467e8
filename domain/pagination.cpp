// Page arithmetic of list endpoints: page/per_page from the query string, the
// x-* headers and the RFC 8288 Link header derived from a total.
#include "domain/pagination.hpp"

#include <algorithm>
#include <string_view>

#include "domain/integers.hpp"
#include "domain/utf8.hpp"

namespace incident {
namespace {

constexpr const char* kNotInteger = "Not a valid integer value.";

// Reads one parameter into `out`; a reason under its name when it is bad.
void read_parameter(const FieldMap& query, const std::string& name, std::int64_t min,
                    std::int64_t max, std::int64_t& out, Reasons& reasons) {
  const auto it = query.find(name);
  if (it == query.end() || it->second.empty()) return;  // absent: keep the default
  const FieldValue& value = it->second.front();
  const auto number = value.kind == FieldValue::Kind::structured || !is_valid_utf8(value.text)
                          ? std::nullopt
                          : parse_integer(value.text, true);
  if (!number) {
    reasons[name].push_back(kNotInteger);
  } else if (*number < min || *number > max) {
    reasons[name].push_back("Must be between " + std::to_string(min) + " and " +
                            std::to_string(max) + ".");
  } else {
    out = *number;
  }
}

std::int64_t total_pages(const PageRequest& request, std::int64_t total) {
  // per_page 0 asks for headers only: there are no pages to count.
  if (request.per_page == 0) return 0;
  return (total + request.per_page - 1) / request.per_page;
}

std::string page_or_none(bool exists, std::int64_t page) {
  return exists ? std::to_string(page) : "None";
}

}  // namespace

Result<PageRequest> parse_page_request(const FieldMap& query) {
  PageRequest request;
  Reasons reasons;
  read_parameter(query, "page", 1, kMaxPage, request.page, reasons);
  read_parameter(query, "per_page", 0, kMaxPerPage, request.per_page, reasons);
  if (!reasons.empty()) return Error{ErrorKind::invalid, "Invalid pagination", reasons};
  return request;
}

std::map<std::string, std::string> pagination_headers(const PageRequest& request,
                                                      std::int64_t total) {
  const std::int64_t pages = total_pages(request, total);
  return {{"x-total", std::to_string(total)},
          {"x-total-pages", std::to_string(pages)},
          {"x-page", std::to_string(request.page)},
          {"x-per-page", std::to_string(request.per_page)},
          {"x-prev-page", page_or_none(request.page > 1, request.page - 1)},
          {"x-next-page", page_or_none(request.page < pages, request.page + 1)}};
}

std::string link_header(const PageRequest& request, std::int64_t total, const std::string& base,
                        const std::string& other_query) {
  if (request.per_page == 0) return "";
  const std::int64_t pages = total_pages(request, total);
  const std::string prefix = base + "?" + (other_query.empty() ? "" : other_query + "&");
  const auto link = [&](std::int64_t page, const char* rel) {
    return "<" + prefix + "page=" + std::to_string(page) +
           "&per_page=" + std::to_string(request.per_page) + ">; rel=\"" + rel + "\"";
  };
  // An empty list still has a first and a last page, both page 1.
  std::string header = link(1, "first") + ", " + link(std::max<std::int64_t>(pages, 1), "last");
  if (request.page > 1) header += ", " + link(request.page - 1, "prev");
  if (request.page < pages) header += ", " + link(request.page + 1, "next");
  return header;
}

}  // namespace incident
