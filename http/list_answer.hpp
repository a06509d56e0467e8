// The answer of a list endpoint: {"items": [...]} with the pagination headers.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "domain/pagination.hpp"
#include "http/api_request.hpp"

namespace incident {

/// `list_url` is the absolute URL of the list without query; `filter_query`
/// the filters to keep in the links to other pages ("" for none).
ApiResponse list_answer(const PageRequest& page, std::int64_t total, const nlohmann::json& items,
                        const std::string& list_url, const std::string& filter_query = "");

}  // namespace incident
