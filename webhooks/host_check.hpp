// Where a webhook URL's host points, checked when an endpoint is created or
// moved: a name that resolves to a loopback, private, link-local or metadata
// address is refused then (and each delivery checks again, against DNS
// rebinding). Resolution blocks, so it runs on a thread of its own, never on
// a request's.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

namespace incident::webhooks {

class HostCheck {
 public:
  /// Why a host is refused ("resolves to a loopback address (127.0.0.1)",
  /// "does not resolve"), or nullopt when it may be delivered to.
  using Done = std::function<void(std::optional<std::string> refusal)>;

  HostCheck();
  /// Stops; checks still waiting complete with a refusal.
  ~HostCheck();
  HostCheck(const HostCheck&) = delete;
  HostCheck& operator=(const HostCheck&) = delete;

  /// Literals and "localhost" are judged at once, on the caller's thread;
  /// names are resolved on the checker's thread, which calls `done`.
  void check(const std::string& host, bool allow_private, Done done);

 private:
  struct Pending {
    std::string host;
    Done done;
  };
  void run();

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Pending> pending_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace incident::webhooks
