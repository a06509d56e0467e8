// HostCheck: getaddrinfo on one thread, every address it answers judged by
// the address policy; one forbidden address refuses the host, as a client
// could not choose which of them a delivery would reach.
#include "webhooks/host_check.hpp"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>

#include "config/thread_name.hpp"
#include "webhooks/address_policy.hpp"

namespace incident::webhooks {
namespace {

std::string address_text(const sockaddr* address) {
  char text[INET6_ADDRSTRLEN] = "";
  if (address->sa_family == AF_INET)
    inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(address)->sin_addr, text, sizeof text);
  else if (address->sa_family == AF_INET6)
    inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(address)->sin6_addr, text,
              sizeof text);
  return text;
}

std::optional<std::string> resolve_and_judge(const std::string& host) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (getaddrinfo(host.c_str(), nullptr, &hints, &found) != 0 || !found)
    return std::string("does not resolve");
  std::optional<std::string> refusal;
  for (auto* entry = found; entry && !refusal; entry = entry->ai_next)
    if (auto reason = forbidden_address_reason(entry->ai_addr))
      refusal = "resolves to a " + *reason + " address (" + address_text(entry->ai_addr) + ")";
  freeaddrinfo(found);
  return refusal;
}

}  // namespace

HostCheck::HostCheck()
    : thread_([this] {
        name_this_thread("webhook.dns");
        run();
      }) {}

HostCheck::~HostCheck() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void HostCheck::check(const std::string& host, bool allow_private, Done done) {
  if (allow_private) return done(std::nullopt);
  if (auto reason = forbidden_literal_host_reason(host))
    return done("is a " + *reason + " address");
  {
    std::lock_guard<std::mutex> lock(mutex_);
    pending_.push_back({host, std::move(done)});
  }
  wake_.notify_one();
}

void HostCheck::run() {
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    wake_.wait(lock, [this] { return stopping_ || !pending_.empty(); });
    if (pending_.empty()) return;  // stopping, with nothing left
    Pending next = std::move(pending_.front());
    pending_.pop_front();
    bool stopping = stopping_;
    lock.unlock();
    next.done(stopping ? std::optional<std::string>("could not be checked: the server is stopping")
                       : resolve_and_judge(next.host));
    lock.lock();
  }
}

}  // namespace incident::webhooks
