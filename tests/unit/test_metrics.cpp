// Metrics: histograms bucket by upper bound, requests land in bounded label
// slots whatever a client sends, and the exposition is what Prometheus reads.
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "metrics/exposition.hpp"
#include "metrics/metrics.hpp"

namespace incident::metrics {
namespace {

TEST(HistogramTest, CountsEachObservationInTheFirstBucketItFits) {
  Histogram histogram({10, 100}, 1.0);
  for (std::uint64_t value : {0, 10, 11, 100, 101, 5000}) histogram.observe(value);
  EXPECT_EQ(histogram.bucket(0), 2u);  // 0, 10
  EXPECT_EQ(histogram.bucket(1), 2u);  // 11, 100
  EXPECT_EQ(histogram.bucket(2), 2u);  // above every bound
  EXPECT_EQ(histogram.sum(), 0u + 10 + 11 + 100 + 101 + 5000);
}

TEST(RequestMetricsTest, UnknownMethodsStatusesAndRoutesShareBoundedSlots) {
  RequestMetrics requests({"/a", "/b/:id"});
  requests.record(0, "GET", 200, 50, 10);
  requests.record(0, "GET", 200, 70, 10);
  requests.record(1, "BREW", 418, 5, 1);
  requests.record(99, "POST", 404, 5, 1);     // no such route: unmatched
  EXPECT_EQ(requests.requests(0, 0, 1), 2u);  // GET, 200
  EXPECT_EQ(requests.requests(1, 3, 0), 1u);  // OTHER, other
  EXPECT_EQ(requests.bytes(0), 20u);
  EXPECT_EQ(requests.latency(requests.unmatched()).sum(), 5u);
  EXPECT_EQ(requests.patterns().back(), "unmatched");
}

TEST(RequestMetricsTest, RecordsFromManyThreadsAddUpExactly) {
  RequestMetrics requests({"/a"});
  std::vector<std::thread> threads;
  for (int t = 0; t < 9; ++t)  // more threads than shards
    threads.emplace_back([&requests] {
      for (int i = 0; i < 1000; ++i) requests.record(0, "GET", 200, 30, 2);
    });
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(requests.requests(0, 0, 1), 9000u);
  EXPECT_EQ(requests.bytes(0), 18000u);
  auto latency = requests.latency(0);
  EXPECT_EQ(latency.bucket(1), 9000u);  // 30 us: above 25, within 50
  EXPECT_EQ(latency.sum(), 9000u * 30);
}

TEST(ExpositionTest, RendersCountersGaugesAndCumulativeHistograms) {
  Metrics metrics({"/api/incident/:id"}, "1.2.3");
  metrics.requests.record(0, "GET", 200, 150, 300);
  metrics.requests.record(0, "GET", 200, 900, 300);
  metrics.requests.record(0, "HEAD", 503, 20000000, 100);
  metrics.cache.actors.set(20);
  metrics.sampled.push_back({"incident_api_test_value", "A sampled value.", [] { return 2.5; }});
  std::string text = render_text(metrics);
  for (const char* line : {
           "incident_api_build_info{version=\"1.2.3\"} 1\n",
           "incident_api_http_requests_total{route=\"/api/incident/:id\",method=\"GET\","
           "status=\"200\"} 2\n",
           "incident_api_http_requests_total{route=\"/api/incident/:id\",method=\"HEAD\","
           "status=\"503\"} 1\n",
           "incident_api_http_request_duration_seconds_bucket{route=\"/api/incident/:id\","
           "le=\"0.0001\"} 0\n",
           "incident_api_http_request_duration_seconds_bucket{route=\"/api/incident/:id\","
           "le=\"0.00025\"} 1\n",
           "incident_api_http_request_duration_seconds_bucket{route=\"/api/incident/:id\","
           "le=\"0.001\"} 2\n",
           "incident_api_http_request_duration_seconds_bucket{route=\"/api/incident/:id\","
           "le=\"10\"} 2\n",
           "incident_api_http_request_duration_seconds_bucket{route=\"/api/incident/:id\","
           "le=\"+Inf\"} 3\n",
           "incident_api_http_request_duration_seconds_sum{route=\"/api/incident/:id\"} 20.00105\n",
           "incident_api_http_request_duration_seconds_count{route=\"/api/incident/:id\"} 3\n",
           "# TYPE incident_api_http_requests_total counter\n",
           "# TYPE incident_api_http_request_duration_seconds histogram\n",
           "incident_api_incident_cache_actors 20\n",
           "# TYPE incident_api_test_value gauge\nincident_api_test_value 2.5\n",
           "# TYPE process_resident_memory_bytes gauge\n",
       })
    EXPECT_NE(text.find(line), std::string::npos) << "missing: " << line;
  // A route never requested has no latency series.
  EXPECT_EQ(text.find("route=\"unmatched\",le="), std::string::npos);
  // Every sample line is "name{labels} value" with one family declared before it.
  EXPECT_EQ(text.back(), '\n');
}

TEST(ExpositionTest, EscapesLabelValues) {
  Metrics metrics({"/a\"b\\c\nd"}, "v");
  metrics.requests.record(0, "GET", 200, 1, 1);
  EXPECT_NE(render_text(metrics).find("route=\"/a\\\"b\\\\c\\nd\""), std::string::npos);
}

}  // namespace
}  // namespace incident::metrics
