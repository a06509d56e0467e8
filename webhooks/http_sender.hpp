// Delivers webhook requests over HTTP(S) from one thread of its own running
// libcurl's multi interface: every request waits on the network at once, so a
// slow or hanging endpoint never delays another, and no caller ever waits on it.
// Past the limit of transfers at once, requests wait taking turns by key (the
// endpoint), so one endpoint's backlog never waits in front of another's.
#pragma once

#include <curl/curl.h>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "webhooks/fair_queue.hpp"

namespace incident::webhooks {

struct OutboundRequest {
  std::int64_t key = 0;  // whose request (the endpoint id): waiting takes turns by key
  std::string url;
  std::vector<std::string> headers;          // "Name: value"
  std::string body;                          // sent as POST with Content-Type: application/json
  std::chrono::milliseconds timeout{10000};  // connect + answer; at least 1 ms
  bool allow_private = false;  // false: refuse loopback/private/link-local/metadata peers
};

struct OutboundResult {
  int status = 0;     // the HTTP status, 0 when no answer came
  std::string error;  // "" when an answer came; else e.g. "timed out", "stopped"
  std::chrono::microseconds duration{0};  // from the start of the transfer (queueing excluded)
};

class HttpSender {
 public:
  /// Starts the thread. At most `max_in_flight` (at least 1) transfers run at
  /// once; more wait, one line per key in the order sent, the lines taking
  /// turns (round-robin) for each slot that frees.
  explicit HttpSender(std::string user_agent, std::size_t max_in_flight = 512);
  /// Stops: every request not yet completed, queued or on the wire, completes
  /// with error "stopped" on the sender's thread before this returns.
  ~HttpSender();
  HttpSender(const HttpSender&) = delete;
  HttpSender& operator=(const HttpSender&) = delete;

  /// Runs on the sender's thread, once per request; must not throw. It may
  /// call send(), never destroy the sender.
  using Done = std::function<void(OutboundResult)>;

  /// Queues `request` as a POST; from any thread, never waits on the network.
  /// A redirect is not followed (a 3xx is only a status), TLS is verified, and
  /// the response body is read (up to 1 MiB) and dropped.
  void send(OutboundRequest request, Done done);

  /// Requests sent and not yet completed (queued or on the wire); one leaves
  /// the count just before its Done is called.
  std::size_t in_flight() const { return outstanding_.load(); }

 private:
  struct Queued {
    OutboundRequest request;
    Done done;
  };
  struct Transfer;  // a request on the wire (http_sender.cpp)

  void run();
  bool start_queued();
  void start(Queued queued);
  std::size_t complete_finished();
  void complete(Done& done, OutboundResult result);
  void stop_all();

  const std::string user_agent_;
  const std::size_t max_in_flight_;
  CURLM* const multi_;  // curl_multi_wakeup from any thread; the rest on the sender's
  std::mutex mutex_;
  FairQueue<Queued> queue_;
  bool stopping_ = false;  // under mutex_: set by the destructor
  std::atomic<std::size_t> outstanding_{0};
  std::unordered_map<CURL*, std::unique_ptr<Transfer>> running_;  // the sender's thread only
  std::thread thread_;
};

}  // namespace incident::webhooks
