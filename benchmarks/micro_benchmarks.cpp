// Micro-benchmarks of the hot pure paths: body parsing (form, JSON), incident
// serialization with 20 events, lifecycle apply, and token verification.
#include <benchmark/benchmark.h>

#include <ctime>

#include "domain/dates.hpp"
#include "domain/incident_json.hpp"
#include "domain/lifecycle.hpp"
#include "domain/validation.hpp"
#include "http/auth.hpp"
#include "http/body_parser.hpp"

namespace {

using namespace incident;

const std::string kForm =
    "scope=1&service=2&name=Database+outage+in+DC01&severity=high&status=investigating&"
    "description=Primary+database+unreachable&external_reference=INC0000123&"
    "external_link=https%3A%2F%2Ftracker.example.org%2FINC0000123";

const std::string kJson =
    R"({"scope": 1, "service": 2, "name": "Database outage in DC01", "severity": "high",
        "status": "investigating", "description": "Primary database unreachable",
        "external_reference": "INC0000123",
        "external_link": "https://tracker.example.org/INC0000123"})";

Incident incident_with_events(int events) {
  CreateRequest request{"Database outage",
                        "Primary database unreachable",
                        "INC0000123",
                        "https://tracker.example.org/INC0000123",
                        Severity::high,
                        1,
                        2,
                        {}};
  Incident incident = create_incident(request, 7, *parse_date("2026-11-27T10:00"));
  for (int i = 1; i < events; ++i)
    incident = add_comment(incident, {"Failover step " + std::to_string(i), i % 3 == 0},
                           *parse_date("2026-11-27T10:05"));
  return incident;
}

void BM_ParseFormBody(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(parse_body(std::nullopt, kForm));
}
BENCHMARK(BM_ParseFormBody);

void BM_ParseJsonBody(benchmark::State& state) {
  for (auto _ : state) benchmark::DoNotOptimize(parse_body("application/json", kJson));
}
BENCHMARK(BM_ParseJsonBody);

void BM_ValidateUpdate(benchmark::State& state) {
  FieldMap fields = parse_urlencoded(kForm);
  for (auto _ : state) benchmark::DoNotOptimize(validate_update(fields));
}
BENCHMARK(BM_ValidateUpdate);

void BM_SerializeIncidentWith20Events(benchmark::State& state) {
  Incident incident = incident_with_events(20);
  for (auto _ : state)
    benchmark::DoNotOptimize(
        incident_json_text(incident, "http://127.0.0.1:8080", Audience::token_holder));
}
BENCHMARK(BM_SerializeIncidentWith20Events);

void BM_ApplyUpdate(benchmark::State& state) {
  Incident incident = incident_with_events(20);
  auto request = validate_update(parse_urlencoded(kForm));
  Minute now = *parse_date("2026-11-27T11:00");
  for (auto _ : state) benchmark::DoNotOptimize(apply_update(incident, *request, now));
}
BENCHMARK(BM_ApplyUpdate);

std::string benchmark_token(const TokenService& tokens, std::int64_t now) {
  FieldMap form = parse_urlencoded("secret=a-benchmark-secret&name=bench&permission=incident_api");
  return "Bearer " + *tokens.create(form, now);
}

/// A token's first verification: signature and claims (a fresh service, so no cache).
void BM_VerifyTokenFirstTime(benchmark::State& state) {
  std::int64_t now = std::time(nullptr);
  std::string header = benchmark_token(TokenService("a-benchmark-secret", "ProdManager"), now);
  for (auto _ : state) {
    TokenService fresh("a-benchmark-secret", "ProdManager");
    benchmark::DoNotOptimize(fresh.authenticate(header, now));
  }
}
BENCHMARK(BM_VerifyTokenFirstTime);

/// Every later request with the same token: the verified-token cache.
void BM_VerifyTokenAgain(benchmark::State& state) {
  TokenService tokens("a-benchmark-secret", "ProdManager");
  std::int64_t now = std::time(nullptr);
  std::string header = benchmark_token(tokens, now);
  for (auto _ : state) benchmark::DoNotOptimize(tokens.authenticate(header, now));
}
BENCHMARK(BM_VerifyTokenAgain);

}  // namespace

BENCHMARK_MAIN();
