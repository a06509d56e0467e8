// One thread beside Pistache's reactors: it waits for sockets whose output
// is backed up to become writable, and once a second closes connections
// that stalled (a request never finished, an idle keep-alive, a peer that
// never closes after our last answer).
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "http/connection.hpp"

namespace incident {

class ConnectionMonitor {
 public:
  explicit ConnectionMonitor(ConnectionTimeouts timeouts);
  ~ConnectionMonitor();
  ConnectionMonitor(const ConnectionMonitor&) = delete;
  ConnectionMonitor& operator=(const ConnectionMonitor&) = delete;

  void track(const std::shared_ptr<Connection>& connection);
  /// Wakes `connection` (once) when `fd` can take more output; false when
  /// the descriptor cannot be watched (the connection must then be closed).
  bool watch_writable(int fd, std::weak_ptr<Connection> connection);
  /// Must be called before `fd` is closed.
  void forget(int fd);
  /// At shutdown, before the listener closes every descriptor: no connection
  /// may write to a descriptor number that could be reused.
  void disconnect_all();

 private:
  void run();
  void sweep();

  ConnectionTimeouts timeouts_;
  int epoll_fd_ = -1;
  int wake_fd_ = -1;
  std::mutex mutex_;
  std::map<int, std::weak_ptr<Connection>> watched_;  // armed with epoll, not fired yet
  std::vector<std::weak_ptr<Connection>> tracked_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace incident
