// Spawns and supervises the server under test. The child gets a hermetic
// environment (no inherited PM_* settings, so no external Redis) and dies
// with the test process, so a crashed test never leaves a server behind.
#include "server_process.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "proc_info.hpp"

extern char** environ;

namespace e2e {

namespace {

using Clock = std::chrono::steady_clock;

std::vector<std::string> child_environment(const ServerOptions& options) {
  std::vector<std::string> env;
  auto overridden = [&](const char* entry) {
    for (const auto& [name, value] : options.env)
      if (std::strncmp(entry, (name + "=").c_str(), name.size() + 1) == 0) return true;
    return false;
  };
  for (char** entry = environ; *entry != nullptr; ++entry) {
    if (std::strncmp(*entry, "PM_", 3) != 0 && !overridden(*entry)) env.emplace_back(*entry);
  }
  env.push_back("PM_SECRET_KEY=" + options.secret);
  for (const auto& [name, value] : options.env) env.push_back(name + "=" + value);
  return env;
}

std::vector<char*> as_argv(std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  for (auto& s : strings) pointers.push_back(s.data());
  pointers.push_back(nullptr);
  return pointers;
}

/// Reaps the child if it has exited; returns its wait status or -1.
int reap_if_exited(pid_t pid) {
  int status = 0;
  return ::waitpid(pid, &status, WNOHANG) == pid ? status : -1;
}

int exit_code_of(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

}  // namespace

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

std::string incident_api_binary() {
  if (const char* override_path = std::getenv("E2E_INCIDENT_API_BINARY")) return override_path;
#ifdef INCIDENT_API_BINARY
  return INCIDENT_API_BINARY;
#else
  return "incident-api";
#endif
}

ServerProcess::ServerProcess(ServerOptions options) : options_(std::move(options)) {
  char pattern[] = "/tmp/incident-e2e-XXXXXX";
  root_ = ::mkdtemp(pattern) ? pattern : "";
  data_dir_ = root_ + "/data";
  log_path_ = root_ + "/server.log";
  std::filesystem::create_directories(data_dir_);
}

ServerProcess::~ServerProcess() {
  if (running()) stop();
  std::error_code ignored;
  if (!root_.empty()) std::filesystem::remove_all(root_, ignored);
}

bool ServerProcess::start() {
  failure_.clear();
  exit_code_ = -1;
  if (root_.empty()) {
    failure_ = "could not create a temp dir under /tmp";
    return false;
  }
  port_ = free_port();
  pid_ = spawn();
  if (pid_ < 0) {
    failure_ = std::string("fork failed: ") + std::strerror(errno);
    return false;
  }
  if (wait_until_healthy()) return true;
  if (running()) stop();
  failure_ += "\n--- server log (" + log_path_ + ") ---\n" + log();
  return false;
}

pid_t ServerProcess::spawn() {
  std::vector<std::string> args = {options_.binary,       "--bind",     "127.0.0.1", "--port",
                                   std::to_string(port_), "--data-dir", data_dir_};
  args.insert(args.end(), options_.extra_args.begin(), options_.extra_args.end());
  std::vector<std::string> env = child_environment(options_);
  auto argv = as_argv(args);
  auto envp = as_argv(env);
  pid_t pid = ::fork();
  if (pid != 0) return pid;
  // Child: die with the test process, send all output to the log, exec.
  ::prctl(PR_SET_PDEATHSIG, SIGTERM);
  int log_fd = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  ::dup2(log_fd, STDOUT_FILENO);
  ::dup2(log_fd, STDERR_FILENO);
  ::execve(argv[0], argv.data(), envp.data());
  std::fprintf(stderr, "exec %s failed: %s\n", argv[0], std::strerror(errno));
  ::_exit(127);
}

bool ServerProcess::wait_until_healthy() {
  auto deadline = Clock::now() + std::chrono::seconds(options_.startup_timeout_seconds);
  while (Clock::now() < deadline) {
    int status = reap_if_exited(pid_);
    if (status != -1) {
      pid_ = -1;
      exit_code_ = exit_code_of(status);
      failure_ = "server exited during startup with code " + std::to_string(exit_code_);
      return false;
    }
    // A short timeout: a server that accepts but never answers must not eat the budget.
    if (client().with_timeout(2).request("GET", "/health").status == 200) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  failure_ = "GET /health did not answer 200 within " +
             std::to_string(options_.startup_timeout_seconds) + " s";
  return false;
}

int ServerProcess::stop() {
  if (!running()) return -1;
  ::kill(pid_, SIGTERM);
  auto deadline = Clock::now() + std::chrono::seconds(10);
  while (Clock::now() < deadline) {
    int status = reap_if_exited(pid_);
    if (status != -1) {
      pid_ = -1;
      exit_code_ = exit_code_of(status);
      return exit_code_;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  // A server stuck in shutdown would orphan its redis-server: take it down too.
  std::vector<pid_t> children = children_of(pid_);
  ::kill(pid_, SIGKILL);
  ::waitpid(pid_, nullptr, 0);
  for (pid_t child : children) ::kill(child, SIGKILL);
  pid_ = -1;
  exit_code_ = -1;
  return -1;
}

void ServerProcess::signal(int sig) const {
  if (running()) ::kill(pid_, sig);
}

std::optional<int> ServerProcess::wait_for_exit(std::chrono::milliseconds limit) {
  if (!running()) return exit_code_;
  auto deadline = Clock::now() + limit;
  for (;;) {
    int status = reap_if_exited(pid_);
    if (status != -1) {
      pid_ = -1;
      exit_code_ = exit_code_of(status);
      return exit_code_;
    }
    if (Clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

std::vector<pid_t> ServerProcess::crash() {
  if (!running()) return {};
  ::kill(pid_, SIGSTOP);
  // kill() returns before the stop takes effect; the supervisor thread must
  // be frozen before its Redis dies, or it would start another one.
  for (int i = 0; i < 400 && !stopped(pid_); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  std::vector<pid_t> redis = children_of(pid_, "redis");
  for (pid_t child : redis) ::kill(child, SIGKILL);
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  exit_code_ = exit_code_of(status);
  // The killed Redis was reparented; wait until it is really gone so a
  // restart never finds it still holding the data dir.
  for (int i = 0; i < 400 && !redis_in_data_dir().empty(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  return redis;
}

std::vector<pid_t> ServerProcess::redis_in_data_dir() const {
  std::error_code ignored;
  std::string canonical = std::filesystem::canonical(data_dir_, ignored).string();
  return processes_mentioning(canonical.empty() ? data_dir_ : canonical, "redis");
}

std::string ServerProcess::log() const {
  std::ifstream in(log_path_);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace e2e
