// The fixture every e2e test derives from: one real server per test
// executable, started on first use, shared by its tests, stopped at exit.
#pragma once

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "api_client.hpp"
#include "fixtures.hpp"
#include "tokens.hpp"

namespace e2e {

class E2eTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite();
  /// Fails the test at once when the shared server is not up.
  void SetUp() override;

  static const ApiClient& api();
  /// The application secret the server runs with.
  static const std::string& secret();
  /// A token with incident_api, scope_api and service_api.
  static const std::string& admin_token();
  /// A fresh token with exactly these permissions.
  static std::string token_with(const std::vector<std::string>& permissions);

  /// A scope and a service created once per executable for incidents.
  static long long scope_id();
  static long long service_id();

  /// Creates an incident in the shared scope/service, with overrides.
  static nlohmann::json new_incident(const Fields& overrides = {});
  /// GET of an incident as the admin sees it.
  static nlohmann::json admin_view(long long id);
};

/// The same fixture for parameterized tests.
template <class Param>
class E2eParamTest : public E2eTest, public ::testing::WithParamInterface<Param> {};

}  // namespace e2e
