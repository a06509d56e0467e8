// The answer of a list endpoint: {"items": [...]} with the pagination headers.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "domain/pagination.hpp"
#include "http/api_request.hpp"

namespace incident {

/// `list_url` is the absolute URL of the list without query; `filter_query`
/// the filters to keep in the links to other pages ("" for none).
/// `items_json` is the JSON array of the page's items, as text.
ApiResponse list_answer(const PageRequest& page, std::int64_t total, const std::string& items_json,
                        const std::string& list_url, const std::string& filter_query = "");
/// The same with the whole body, {"items":[...]}, already written (a page of
/// incidents is joined from kept renderings straight into it).
ApiResponse list_answer_body(const PageRequest& page, std::int64_t total, std::string body,
                             const std::string& list_url, const std::string& filter_query = "");

}  // namespace incident
