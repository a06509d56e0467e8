// Reads /proc (Linux only, as is the server) without keeping anything open.
#include "proc_info.hpp"

#include <dirent.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>

namespace e2e {

namespace {

std::string proc_file(pid_t pid, const std::string& file) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/" + file);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

/// The state letter of /proc/<pid>/stat (R, S, T, Z, ...), or '\0' when gone.
char state_of(pid_t pid) {
  std::string stat = proc_file(pid, "stat");
  auto close_paren = stat.rfind(')');
  if (close_paren == std::string::npos || stat.size() < close_paren + 3) return '\0';
  return stat[close_paren + 2];
}

/// Every numeric entry of /proc.
std::vector<pid_t> all_pids() {
  std::vector<pid_t> pids;
  DIR* proc = ::opendir("/proc");
  if (proc == nullptr) return pids;
  while (dirent* entry = ::readdir(proc)) {
    pid_t pid = std::atoi(entry->d_name);
    if (pid > 0) pids.push_back(pid);
  }
  ::closedir(proc);
  return pids;
}

pid_t parent_of(pid_t pid) {
  std::string status = proc_file(pid, "status");
  auto at = status.find("PPid:\t");
  return at == std::string::npos ? -1 : std::atoi(status.c_str() + at + 6);
}

}  // namespace

std::vector<pid_t> children_of(pid_t parent, const std::string& name_part) {
  std::vector<pid_t> found;
  for (pid_t pid : all_pids()) {
    if (parent_of(pid) == parent && proc_file(pid, "comm").find(name_part) != std::string::npos)
      found.push_back(pid);
  }
  return found;
}

bool alive_as(pid_t pid, const std::string& name_part) {
  char state = state_of(pid);
  return state != '\0' && state != 'Z' &&
         proc_file(pid, "comm").find(name_part) != std::string::npos;
}

int open_descriptors(pid_t pid) {
  DIR* fds = ::opendir(("/proc/" + std::to_string(pid) + "/fd").c_str());
  if (fds == nullptr) return -1;
  int count = 0;
  while (dirent* entry = ::readdir(fds)) {
    if (entry->d_name[0] != '.') ++count;
  }
  ::closedir(fds);
  return count;
}

std::vector<pid_t> processes_mentioning(const std::string& text, const std::string& name_part) {
  std::vector<pid_t> found;
  for (pid_t pid : all_pids()) {
    if (!alive_as(pid, name_part)) continue;
    // redis-server rewrites its command line (proc title) and chdirs to its
    // --dir, so look at both; cmdline's NUL separators do not hurt a find.
    std::error_code ignored;
    std::string cwd =
        std::filesystem::read_symlink("/proc/" + std::to_string(pid) + "/cwd", ignored).string();
    if (proc_file(pid, "cmdline").find(text) != std::string::npos ||
        cwd.find(text) != std::string::npos)
      found.push_back(pid);
  }
  return found;
}

bool stopped(pid_t pid) { return state_of(pid) == 'T'; }

}  // namespace e2e

namespace e2e {

long resident_kib(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return -1;
}

std::string small_asan_quarantine() {
  const char* inherited = std::getenv("ASAN_OPTIONS");
  return std::string(inherited ? inherited : "") + ":quarantine_size_mb=16";
}

}  // namespace e2e
