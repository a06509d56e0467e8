// Launching and stopping the embedded redis-server. It listens on a unix
// socket in the data directory (or a free loopback port when the path is too
// long for a socket), in its own process group so a terminal's Ctrl-C reaches
// only us, and dies with us (PR_SET_PDEATHSIG) if we are killed. A supervisor
// thread waits on it and starts it again if it ever exits on its own.
#include "config/embedded_redis.hpp"

#include <fcntl.h>
#include <hiredis/hiredis.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <thread>
#include <vector>

#include "config/log.hpp"
#include "config/thread_name.hpp"
#include "storage/redis_value.hpp"

namespace incident {
namespace {

constexpr std::size_t kMaxSocketPath = 100;

Error launch_error(const std::string& why) {
  return field_error(ErrorKind::unavailable, "Cannot start the embedded redis-server", "redis",
                     why);
}

int free_loopback_port() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0)
    port = ntohs(address.sin_port);
  ::close(fd);
  return port;
}

std::vector<std::string> server_arguments(const Settings& settings, const std::string& dir,
                                          const RedisEndpoint& endpoint) {
  std::vector<std::string> args{settings.redis_server,
                                "--dir",
                                dir,
                                "--appendonly",
                                "yes",
                                "--appendfsync",
                                settings.fsync,
                                "--save",
                                "",
                                "--daemonize",
                                "no",
                                "--logfile",
                                dir + "/redis.log",
                                "--protected-mode",
                                "yes"};
  // An incident whose description is over the default 64 bytes would
  // otherwise be a hashtable: 1,152 bytes instead of 386
  // (benchmarks/memory_footprint.sh).
  // (7.0's hash-max-listpack-value, by the name 6.2 knows too.)
  args.insert(args.end(), {"--hash-max-ziplist-value", "1024"});
  if (endpoint.is_unix()) {
    for (std::string a : {"--port", "0", "--unixsocket"}) args.push_back(a);
    args.push_back(endpoint.socket_path);
    args.insert(args.end(), {"--unixsocketperm", "700"});
  } else {
    args.insert(args.end(), {"--bind", "127.0.0.1", "--port", std::to_string(endpoint.port)});
  }
  return args;
}

pid_t spawn(const std::vector<std::string>& args) {
  pid_t pid = ::fork();
  if (pid != 0) return pid;
  // The server blocks SIGTERM/SIGINT for its own sigwait; the mask survives
  // exec, so unblock them or redis-server could never be told to stop.
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  ::setpgid(0, 0);
  ::prctl(PR_SET_PDEATHSIG, SIGTERM);
  int null_fd = ::open("/dev/null", O_RDWR);
  if (null_fd >= 0) {
    ::dup2(null_fd, STDIN_FILENO);
    ::dup2(null_fd, STDOUT_FILENO);
  }
  std::vector<char*> argv;
  for (const auto& arg : args) argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  ::execvp(argv[0], argv.data());
  std::_Exit(127);
}

bool answers_ping(const RedisEndpoint& endpoint) {
  std::string error;
  redisContext* context = connect_redis(endpoint, std::chrono::milliseconds(200), error);
  if (!context) return false;
  bool ok = run_command(context, {"PING"}).type == RedisValue::Type::status;
  redisFree(context);
  return ok;
}

/// Spawns redis-server and waits until it answers; -1 (and `why`) if not.
pid_t launch(const std::vector<std::string>& arguments, const RedisEndpoint& endpoint,
             std::string& why) {
  pid_t pid = spawn(arguments);
  if (pid < 0) return why = "fork failed", -1;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  while (!answers_ping(endpoint)) {
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) return why = "redis-server exited", -1;
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      return why = "redis-server did not answer within 15 s", -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
  return pid;
}

std::string describe_exit(int status) {
  if (WIFSIGNALED(status)) return "killed by signal " + std::to_string(WTERMSIG(status));
  return "exit status " + std::to_string(WEXITSTATUS(status));
}

}  // namespace

Result<std::unique_ptr<EmbeddedRedis>> EmbeddedRedis::start(const Settings& settings) {
  std::error_code ec;
  std::filesystem::create_directories(settings.data_dir, ec);
  if (ec) return launch_error("cannot create " + settings.data_dir + ": " + ec.message());
  std::string dir = std::filesystem::canonical(settings.data_dir, ec).string();
  if (ec) return launch_error("cannot resolve " + settings.data_dir + ": " + ec.message());
  ::chmod(dir.c_str(), 0700);
  RedisEndpoint endpoint;
  std::string socket = dir + "/redis.sock";
  if (socket.size() <= kMaxSocketPath) {
    endpoint.socket_path = socket;
  } else {
    endpoint.host = "127.0.0.1";
    endpoint.port = free_loopback_port();
  }
  std::vector<std::string> arguments = server_arguments(settings, dir, endpoint);
  std::string why;
  pid_t pid = launch(arguments, endpoint, why);
  if (pid < 0) return launch_error(why + "; see " + dir + "/redis.log");
  log_info("embedded redis-server " + std::to_string(pid) + " on " + endpoint.describe());
  return std::unique_ptr<EmbeddedRedis>(new EmbeddedRedis(std::move(arguments), endpoint, pid));
}

EmbeddedRedis::EmbeddedRedis(std::vector<std::string> arguments, RedisEndpoint endpoint, pid_t pid)
    : arguments_(std::move(arguments)),
      endpoint_(std::move(endpoint)),
      pid_(pid),
      supervisor_([this] {
        name_this_thread("redis.embedded");
        supervise();
      }) {}

void EmbeddedRedis::supervise() {
  for (;;) {
    int status = 0;
    pid_t pid = pid_;
    if (::waitpid(pid, &status, 0) != pid && errno == EINTR) continue;
    if (stopping_) break;
    log_warning("embedded redis-server " + std::to_string(pid) + " stopped (" +
                describe_exit(status) + "); restarting it");
    pid_t next = -1;
    while (!stopping_ && next < 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
      std::string why;
      next = launch(arguments_, endpoint_, why);
      if (next < 0) log_error("restarting the embedded redis-server failed: " + why);
    }
    if (next < 0) break;
    pid_ = next;
    log_info("embedded redis-server restarted as " + std::to_string(next));
    if (stopping_) ::kill(next, SIGTERM);  // stopping began while it started
  }
  exited_ = true;
}

EmbeddedRedis::~EmbeddedRedis() {
  stopping_ = true;
  // SIGTERM makes redis-server fsync its append-only file and exit cleanly.
  ::kill(pid_, SIGTERM);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(1500);
  while (!exited_ && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  if (!exited_) {
    log_warning("embedded redis-server did not stop in 1.5 s; killing it");
    ::kill(pid_, SIGKILL);
  }
  supervisor_.join();
  log_info("embedded redis-server stopped");
}

}  // namespace incident
