#include "http/connection_monitor.hpp"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <stdexcept>

#include "config/thread_name.hpp"

namespace incident {
namespace {

constexpr int kSweepIntervalMs = 1000;

}  // namespace

ConnectionMonitor::ConnectionMonitor(ConnectionTimeouts timeouts) : timeouts_(timeouts) {
  epoll_fd_ = ::epoll_create1(EPOLL_CLOEXEC);
  wake_fd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (epoll_fd_ < 0 || wake_fd_ < 0)
    throw std::runtime_error("cannot create the connection monitor");
  epoll_event event{};
  event.events = EPOLLIN;
  event.data.fd = wake_fd_;
  ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &event);
  thread_ = std::thread([this] {
    name_this_thread("http.monitor");
    run();
  });
}

ConnectionMonitor::~ConnectionMonitor() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  std::uint64_t one = 1;
  [[maybe_unused]] auto written = ::write(wake_fd_, &one, sizeof one);
  thread_.join();
  ::close(wake_fd_);
  ::close(epoll_fd_);
}

void ConnectionMonitor::track(const std::shared_ptr<Connection>& connection) {
  std::lock_guard<std::mutex> lock(mutex_);
  tracked_.push_back(connection);
}

bool ConnectionMonitor::watch_writable(int fd, std::weak_ptr<Connection> connection) {
  std::lock_guard<std::mutex> lock(mutex_);
  epoll_event event{};
  event.events = EPOLLOUT | EPOLLONESHOT;
  event.data.fd = fd;
  // Every entry of watched_ is armed: a fired one is removed (see run), and a
  // closed descriptor is forgotten first, so a reused number starts afresh.
  // The kernel is still asked, not trusted to agree: ADD, else MOD.
  bool armed = ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &event) == 0 ||
               (errno == EEXIST && ::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, fd, &event) == 0);
  if (armed) watched_[fd] = std::move(connection);
  return armed;
}

void ConnectionMonitor::forget(int fd) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (watched_.erase(fd) > 0) ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr);
}

void ConnectionMonitor::disconnect_all() {
  std::vector<std::shared_ptr<Connection>> alive;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    for (const auto& weak : tracked_)
      if (auto connection = weak.lock()) alive.push_back(std::move(connection));
  }
  for (auto& connection : alive) connection->on_disconnected();
}

void ConnectionMonitor::run() {
  std::int64_t next_sweep = steady_now_ms() + kSweepIntervalMs;
  epoll_event events[64];
  for (;;) {
    int wait_ms = static_cast<int>(std::max<std::int64_t>(0, next_sweep - steady_now_ms()));
    int count = ::epoll_wait(epoll_fd_, events, 64, wait_ms);
    std::vector<std::shared_ptr<Connection>> writable;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (stopping_) return;
      for (int i = 0; i < count; ++i) {
        auto it = watched_.find(events[i].data.fd);
        if (it == watched_.end()) continue;
        // Fired, hence disarmed: drop the registration now, while the
        // descriptor is surely open, so no entry outlives its connection.
        ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, it->first, nullptr);
        if (auto connection = it->second.lock()) writable.push_back(std::move(connection));
        watched_.erase(it);
      }
    }
    // Connections are called without our lock: they call back into it.
    for (auto& connection : writable) connection->on_writable();
    if (steady_now_ms() >= next_sweep) {
      sweep();
      next_sweep = steady_now_ms() + kSweepIntervalMs;
    }
  }
}

void ConnectionMonitor::sweep() {
  std::vector<std::shared_ptr<Connection>> alive;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto ended = std::remove_if(tracked_.begin(), tracked_.end(),
                                [](const std::weak_ptr<Connection>& c) { return c.expired(); });
    tracked_.erase(ended, tracked_.end());
    alive.reserve(tracked_.size());
    for (const auto& weak : tracked_)
      if (auto connection = weak.lock()) alive.push_back(std::move(connection));
  }
  std::int64_t now = steady_now_ms();
  for (auto& connection : alive) connection->enforce_timeouts(now, timeouts_);
}

}  // namespace incident
