// RedisServer: fork/exec of redis-server with persistence off, readiness by PING.
#include "redis_server.hpp"

#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <thread>

namespace incident::testing {
namespace {

int free_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  ::close(fd);
  return ntohs(address.sin_port);
}

}  // namespace

RedisServer::RedisServer() {
  char pattern[] = "/tmp/incident-redis-XXXXXX";
  dir_ = ::mkdtemp(pattern);
  endpoint_.host = "127.0.0.1";
  endpoint_.port = free_port();
  pid_ = ::fork();
  if (pid_ == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    std::string port = std::to_string(endpoint_.port);
    ::execlp("redis-server", "redis-server", "--port", port.c_str(), "--bind", "127.0.0.1", "--dir",
             dir_.c_str(), "--save", "", "--appendonly", "no", "--logfile",
             (dir_ + "/redis.log").c_str(), static_cast<char*>(nullptr));
    std::_Exit(127);
  }
  for (int attempt = 0; attempt < 200; ++attempt) {
    if (command({"PING"}).type == RedisValue::Type::status) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  throw std::runtime_error("redis-server did not start on port " + std::to_string(endpoint_.port));
}

RedisServer::~RedisServer() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

RedisValue RedisServer::command(const std::vector<std::string>& argv) const {
  redisContext* context = redisConnect(endpoint_.host.c_str(), endpoint_.port);
  if (!context || context->err) {
    if (context) redisFree(context);
    return RedisValue::failure("cannot connect");
  }
  RedisValue value = run_command(context, argv);
  redisFree(context);
  return value;
}

void RedisServer::stall() const { ::kill(pid_, SIGSTOP); }

void RedisServer::resume() const { ::kill(pid_, SIGCONT); }

}  // namespace incident::testing
