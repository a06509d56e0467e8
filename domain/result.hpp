// Errors as values: a domain error names what went wrong per field, and
// Result<T> carries either a value or such an error. No HTTP codes here.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace incident {

/// What kind of failure an error is; only http/error_mapping.cpp turns it into a status.
enum class ErrorKind {
  invalid,              // bad input: reasons name every bad field
  unauthenticated,      // unusable token
  forbidden,            // not allowed
  not_found,            // no such resource or route
  method_not_allowed,   // a known path with a wrong method
  conflict,             // duplicate name, resource still in use, write conflict
  precondition_failed,  // If-Match did not match
  unavailable,          // storage unreachable
};

using Reasons = std::map<std::string, std::vector<std::string>>;

struct Error {
  ErrorKind kind = ErrorKind::invalid;
  std::string message;
  Reasons reasons;
};

/// Builds an error with one reason for one field.
inline Error field_error(ErrorKind kind, std::string message, const std::string& field,
                         std::string why) {
  return Error{kind, std::move(message), Reasons{{field, {std::move(why)}}}};
}

/// A request refused at once because a bound of the server was reached
/// (`why` says which, and what to do): to be retried shortly.
inline Error server_busy(std::string why) {
  return field_error(ErrorKind::unavailable, "Server busy", "request", std::move(why));
}

template <class T>
class Result {
 public:
  Result(T value) : state_(std::move(value)) {}
  Result(Error error) : state_(std::move(error)) {}

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() { return std::get<0>(state_); }
  const T& value() const { return std::get<0>(state_); }
  T& operator*() { return value(); }
  const T& operator*() const { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const Error& error() const { return std::get<1>(state_); }

 private:
  std::variant<T, Error> state_;
};

}  // namespace incident
