// Validated write requests: what a client asked for, already checked field by
// field, ready for the lifecycle rules to apply to an incident.
#pragma once

#include <optional>
#include <string>

#include "domain/incident.hpp"

namespace incident {

/// An optional field of an update: absent keeps the stored value, present and
/// empty clears it, present with a value sets it.
template <class T>
struct FieldUpdate {
  bool present = false;
  std::optional<T> value;  // nullopt while present means "clear"

  static FieldUpdate keep() { return {}; }
  static FieldUpdate clear() { return {true, std::nullopt}; }
  static FieldUpdate set(T v) { return {true, std::move(v)}; }
};

struct CreateRequest {
  std::string name;
  std::optional<std::string> description;
  std::optional<std::string> external_reference;
  std::optional<std::string> external_link;
  Severity severity = Severity::moderate;
  Id scope = 0;
  Id service = 0;
  std::optional<Minute> start_impact_date;  // defaults to now
};

struct UpdateRequest {
  std::string name;
  Severity severity = Severity::moderate;
  Status status = Status::active;
  Id scope = 0;
  Id service = 0;
  FieldUpdate<std::string> description;
  FieldUpdate<std::string> external_reference;
  FieldUpdate<std::string> external_link;
  std::optional<Minute> start_impact_date;  // absent keeps
  FieldUpdate<Minute> investigation_date;
  FieldUpdate<Minute> stable_date;
  FieldUpdate<Minute> resolve_date;
};

struct CommentRequest {
  std::string comment;
  bool internal = false;
};

/// Scopes and services share one shape.
struct CatalogEntry {
  Id id = 0;
  std::string name;
  std::optional<std::string> description;
};

struct CatalogCreateRequest {
  std::string name;
  std::optional<std::string> description;
};

struct CatalogUpdateRequest {
  std::string name;
  FieldUpdate<std::string> description;
};

}  // namespace incident
