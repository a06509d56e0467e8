// The shared server of one test executable and the world the tests build on
// (admin token, a scope and a service). Started lazily, so a test binary
// that runs no test starts no server; stopped by a static destructor at exit.
#include "e2e_test.hpp"

#include <cstdio>
#include <random>

#include "server_process.hpp"

namespace e2e {

namespace {

std::string random_secret() {
  std::random_device device;
  return "e2e-secret-" + std::to_string(device()) + std::to_string(device());
}

ServerOptions server_options(const std::string& secret) {
  ServerOptions options;
  options.binary = incident_api_binary();
  options.secret = secret;
  return options;
}

struct SharedWorld {
  std::string secret = random_secret();
  ServerProcess server{server_options(secret)};
  bool up = false;
  std::string admin_token;
  long long scope = 0;
  long long service = 0;

  SharedWorld() {
    up = server.start();
    if (!up) {
      std::fprintf(stderr, "e2e: the server did not start: %s\n", server.failure().c_str());
      return;
    }
    ApiClient api(server.client());
    admin_token = issue_token(api, TokenRequest(secret));
    scope = id_of(create_catalog(api, admin_token, "scope"));
    service = id_of(create_catalog(api, admin_token, "service"));
  }
};

SharedWorld& world() {
  static SharedWorld instance;
  return instance;
}

}  // namespace

void E2eTest::SetUpTestSuite() { world(); }

void E2eTest::SetUp() {
  ASSERT_TRUE(world().up) << "the server under test is not running: " << world().server.failure();
  ASSERT_FALSE(world().admin_token.empty()) << "POST /api/token/create did not issue a token";
}

const ApiClient& E2eTest::api() {
  static ApiClient client(world().server.client());
  return client;
}

const std::string& E2eTest::secret() { return world().secret; }

const std::string& E2eTest::admin_token() { return world().admin_token; }

std::string E2eTest::token_with(const std::vector<std::string>& permissions) {
  TokenRequest request(secret());
  request.permissions = permissions;
  return issue_token(api(), request);
}

long long E2eTest::scope_id() { return world().scope; }

long long E2eTest::service_id() { return world().service; }

nlohmann::json E2eTest::new_incident(const Fields& overrides) {
  return create_incident(api(), admin_token(),
                         merged(incident_fields(scope_id(), service_id()), overrides));
}

nlohmann::json E2eTest::admin_view(long long id) {
  return fetch_incident(api(), id, admin_token());
}

}  // namespace e2e
