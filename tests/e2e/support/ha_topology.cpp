// HaTopology: the script runs in its own process group so that a test's end
// stops everything it started; what it wrote to topology.env is all a test
// needs to find the pieces.
#include "ha_topology.hpp"

#include <fcntl.h>
#include <hiredis/hiredis.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <random>
#include <sstream>
#include <thread>
#include <utility>

#include "server_process.hpp"

#ifndef INCIDENT_SOURCE_DIR
#define INCIDENT_SOURCE_DIR "."
#endif

namespace e2e {
namespace {

using Context = std::unique_ptr<redisContext, decltype(&redisFree)>;

Context connect_to(int port) {
  timeval timeout{1, 0};
  Context context(redisConnectWithTimeout("127.0.0.1", port, timeout), &redisFree);
  if (!context || context->err) return Context(nullptr, &redisFree);
  redisSetTimeout(context.get(), timeout);
  return context;
}

std::string reply_text(const redisReply* reply) {
  if (!reply) return "";
  switch (reply->type) {
    case REDIS_REPLY_INTEGER:
      return std::to_string(reply->integer);
    case REDIS_REPLY_ARRAY: {
      std::string text;
      for (std::size_t i = 0; i < reply->elements; ++i)
        text += (i ? " " : "") + reply_text(reply->element[i]);
      return text;
    }
    case REDIS_REPLY_NIL:
      return "";
    default:
      return std::string(reply->str, reply->len);
  }
}

std::map<std::string, std::string> read_env_file(const std::string& path) {
  std::map<std::string, std::string> values;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    auto eq = line.find('=');
    if (eq == std::string::npos) continue;
    std::string value = line.substr(eq + 1);
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
      value = value.substr(1, value.size() - 2);
    values[line.substr(0, eq)] = value;
  }
  return values;
}

template <class T>
std::vector<T> numbers(const std::string& text) {
  std::vector<T> out;
  std::istringstream words(text);
  long long value;
  while (words >> value) out.push_back(static_cast<T>(value));
  return out;
}

std::vector<std::string> words_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream words(text);
  std::string word;
  while (words >> word) out.push_back(word);
  return out;
}

std::string tail_of(const std::string& path, std::size_t bytes) {
  std::ifstream in(path, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return text.size() > bytes ? text.substr(text.size() - bytes) : text;
}

}  // namespace

std::string redis_text(int port, const std::vector<std::string>& argv) {
  Context context = connect_to(port);
  if (!context) return "";
  std::vector<const char*> pointers;
  std::vector<size_t> lengths;
  for (const auto& arg : argv) {
    pointers.push_back(arg.data());
    lengths.push_back(arg.size());
  }
  auto* reply = static_cast<redisReply*>(redisCommandArgv(
      context.get(), static_cast<int>(argv.size()), pointers.data(), lengths.data()));
  std::string text = reply_text(reply);
  if (reply) freeReplyObject(reply);
  return text;
}

std::vector<std::pair<std::string, std::string>> stream_entries(int port, const std::string& key) {
  std::vector<std::pair<std::string, std::string>> entries;
  Context context = connect_to(port);
  if (!context) return entries;
  std::string after = "-";
  for (;;) {
    auto* reply = static_cast<redisReply*>(
        redisCommand(context.get(), "XRANGE %s %s + COUNT 1000", key.c_str(), after.c_str()));
    if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements == 0) {
      if (reply) freeReplyObject(reply);
      return entries;
    }
    for (std::size_t i = 0; i < reply->elements; ++i) {
      const redisReply* entry = reply->element[i];
      std::string id(entry->element[0]->str, entry->element[0]->len);
      const redisReply* fields = entry->element[1];
      for (std::size_t f = 0; f + 1 < fields->elements; f += 2)
        if (std::string(fields->element[f]->str, fields->element[f]->len) == "data")
          entries.emplace_back(
              id, std::string(fields->element[f + 1]->str, fields->element[f + 1]->len));
      after = "(" + id;
    }
    freeReplyObject(reply);
  }
}

namespace {

/// Ports below the kernel's ephemeral range (ip_local_port_range), which
/// every outgoing connection and every server bound to port 0 (other tests
/// running beside this one) draws from: a block of 31 there can be taken
/// between the script's check and Redis' bind.
std::pair<int, int> base_port_range() {
  int low = 32768, high = 60999;
  std::ifstream range("/proc/sys/net/ipv4/ip_local_port_range");
  range >> low >> high;
  if (low - 31 > 10000) return {10000, low - 31};
  if (high < 65505) return {std::max(high + 1, 1024), 65505};  // above it, then
  return {20000, 60000};  // it spans nearly everything: a retry has to do
}

}  // namespace

HaTopology::HaTopology(std::vector<std::string> api_args) {
  char pattern[] = "/tmp/incident-ha-XXXXXX";
  if (!::mkdtemp(pattern)) {
    failure_ = "mkdtemp failed";
    return;
  }
  dir_ = pattern;
  std::mt19937 random(std::random_device{}());
  // A base port whose block of 31 is unlikely to be taken; the script
  // refuses a taken one, and then another is tried.
  const auto [lowest, highest] = base_port_range();
  for (int attempt = 0; attempt < 3 && !ready_; ++attempt) {
    int base = std::uniform_int_distribution<int>(lowest, std::max(lowest, highest))(random);
    std::vector<std::string> args{
        "bash",        std::string(INCIDENT_SOURCE_DIR) + "/scripts/ha-local.sh",
        "--dir",       dir_,
        "--base-port", std::to_string(base),
        "--"};
    args.insert(args.end(), api_args.begin(), api_args.end());
    std::string output = dir_ + "/script.out";
    std::filesystem::remove(dir_ + "/ready");
    script_pid_ = ::fork();
    if (script_pid_ == 0) {
      ::setpgid(0, 0);
      ::prctl(PR_SET_PDEATHSIG, SIGTERM);  // a test that dies takes the topology down
      int fd = ::open(output.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      ::setenv("HA_BINARY", incident_api_binary().c_str(), 1);
      std::vector<char*> argv;
      for (auto& arg : args) argv.push_back(arg.data());
      argv.push_back(nullptr);
      ::execvp("bash", argv.data());
      ::_exit(127);
    }
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    while (std::chrono::steady_clock::now() < deadline) {
      if (std::filesystem::exists(dir_ + "/ready")) {
        ready_ = true;
        break;
      }
      int status = 0;
      if (::waitpid(script_pid_, &status, WNOHANG) == script_pid_) {
        script_pid_ = -1;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (!ready_) failure_ = "ha-local.sh did not become ready:\n" + tail_of(output, 4000);
    if (!ready_ && script_pid_ > 0) {
      ::kill(script_pid_, SIGTERM);
      ::waitpid(script_pid_, nullptr, 0);
      script_pid_ = -1;
    }
  }
  if (!ready_) return;
  auto env = read_env_file(dir_ + "/topology.env");
  proxy_port_ = std::atoi(env["HA_HAPROXY_PORT"].c_str());
  proxy_socket_ = env["HA_HAPROXY_SOCKET"];
  api_ports_ = numbers<int>(env["HA_API_PORTS"]);
  api_pids_ = numbers<pid_t>(env["HA_API_PIDS"]);
  redis_ports_ = numbers<int>(env["HA_REDIS_PORTS"]);
  sentinel_ports_ = numbers<int>(env["HA_SENTINEL_PORTS"]);
  redis_confs_ = words_of(env["HA_REDIS_CONFS"]);
  std::ifstream secret(env["HA_SECRET_KEY_FILE"]);
  std::getline(secret, secret_);
  if (proxy_port_ == 0 || api_ports_.empty() || redis_ports_.size() != 3 ||
      redis_confs_.size() != 3 || sentinel_ports_.size() != 3 || secret_.empty()) {
    ready_ = false;
    failure_ = "topology.env is incomplete";
  }
}

HaTopology::~HaTopology() {
  for (pid_t pid : restarted_) {
    ::kill(pid, SIGCONT);
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
  }
  if (script_pid_ > 0) {
    ::kill(script_pid_, SIGTERM);
    ::waitpid(script_pid_, nullptr, 0);
    // The script leads its own process group: whatever it failed to stop
    // is still in it.
    ::kill(-script_pid_, SIGKILL);
  }
  if (!dir_.empty() && !std::getenv("E2E_KEEP_HA_DIR")) std::filesystem::remove_all(dir_);
}

int HaTopology::primary_port() const {
  for (int sentinel : sentinel_ports_) {
    std::string named = redis_text(sentinel, {"SENTINEL", "get-master-addr-by-name", "mymaster"});
    auto space = named.find(' ');
    if (space != std::string::npos) return std::atoi(named.c_str() + space + 1);
  }
  return 0;
}

int HaTopology::wait_for_new_primary(int old_port, std::chrono::milliseconds limit) const {
  auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    int port = primary_port();
    if (port != 0 && port != old_port && role_of(port) == "master") return port;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return 0;
}

std::string HaTopology::role_of(int redis_port) const {
  std::string role = redis_text(redis_port, {"ROLE"});
  return role.substr(0, role.find(' '));
}

bool HaTopology::replica_linked(int redis_port) const {
  std::string info = redis_text(redis_port, {"INFO", "replication"});
  return info.find("role:slave") != std::string::npos &&
         info.find("master_link_status:up") != std::string::npos;
}

pid_t HaTopology::redis_pid(int redis_port) const {
  std::ifstream in(dir_ + "/redis-" + std::to_string(redis_port) + "/redis.pid");
  pid_t pid = -1;
  in >> pid;
  // A pid file outlives its server: signal only a redis-server of that port.
  std::ifstream cmdline("/proc/" + std::to_string(pid) + "/cmdline");
  std::string command((std::istreambuf_iterator<char>(cmdline)), std::istreambuf_iterator<char>());
  if (command.find("redis-server") == std::string::npos ||
      command.find(std::to_string(redis_port)) == std::string::npos)
    return -1;
  return pid;
}

void HaTopology::kill_redis(int redis_port) {
  pid_t pid = redis_pid(redis_port);
  if (pid > 0) ::kill(pid, SIGKILL);
  for (pid_t restarted : restarted_)
    if (restarted == pid) ::waitpid(pid, nullptr, 0);
  // Gone once the port refuses connections.
  for (int i = 0; i < 100 && !redis_text(redis_port, {"PING"}).empty(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
}

bool HaTopology::restart_redis(int redis_port) {
  std::string conf;
  for (std::size_t i = 0; i < redis_ports_.size(); ++i)
    if (redis_ports_[i] == redis_port) conf = redis_confs_[i];
  if (conf.empty()) return false;
  pid_t pid = ::fork();
  if (pid == 0) {
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    ::execlp("redis-server", "redis-server", conf.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  restarted_.push_back(pid);
  for (int i = 0; i < 250; ++i) {
    if (redis_text(redis_port, {"PING"}) == "PONG") return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

void HaTopology::pause_redis(int redis_port, bool paused) {
  pid_t pid = redis_pid(redis_port);
  if (pid > 0) ::kill(pid, paused ? SIGSTOP : SIGCONT);
}

std::map<int, bool> HaTopology::proxy_servers_up() const {
  std::map<int, bool> up;
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::snprintf(address.sun_path, sizeof address.sun_path, "%s", proxy_socket_.c_str());
  if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    ::close(fd);
    return up;
  }
  std::string command = "show servers state incident_apis\n";
  (void)!::write(fd, command.data(), command.size());
  std::string text;
  char buffer[4096];
  for (ssize_t got; (got = ::read(fd, buffer, sizeof buffer)) > 0;) text.append(buffer, got);
  ::close(fd);
  // Columns: be_id be_name srv_id srv_name srv_addr srv_op_state ... srv_port ...
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    auto fields = words_of(line);
    if (fields.size() < 19 || fields[0] == "#") continue;
    int port = std::atoi(fields[18].c_str());
    up[port] = fields[5] == "2";  // SRV_ST_RUNNING
  }
  return up;
}

std::string HaTopology::logs() const {
  std::string text;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(dir_)) {
    std::string name = entry.path().filename();
    if (name.size() < 4 || name.substr(name.size() - 4) != ".log") continue;
    text += "--- " + entry.path().string() + "\n" + tail_of(entry.path(), 3000) + "\n";
  }
  return text;
}

}  // namespace e2e
