// Reads /proc (Linux only, as is the server) without keeping anything open.
#include "proc_info.hpp"

#include <dirent.h>

#include <cstdlib>
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

pid_t parent_of(pid_t pid) {
  std::string status = proc_file(pid, "status");
  auto at = status.find("PPid:\t");
  return at == std::string::npos ? -1 : std::atoi(status.c_str() + at + 6);
}

}  // namespace

std::vector<pid_t> children_of(pid_t parent, const std::string& name_part) {
  std::vector<pid_t> found;
  DIR* proc = ::opendir("/proc");
  if (proc == nullptr) return found;
  while (dirent* entry = ::readdir(proc)) {
    pid_t pid = std::atoi(entry->d_name);
    if (pid > 0 && parent_of(pid) == parent &&
        proc_file(pid, "comm").find(name_part) != std::string::npos)
      found.push_back(pid);
  }
  ::closedir(proc);
  return found;
}

bool alive_as(pid_t pid, const std::string& name_part) {
  std::string stat = proc_file(pid, "stat");
  auto close_paren = stat.rfind(')');
  if (stat.empty() || close_paren == std::string::npos || stat.size() < close_paren + 3)
    return false;
  bool zombie = stat[close_paren + 2] == 'Z';
  return !zombie && proc_file(pid, "comm").find(name_part) != std::string::npos;
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

}  // namespace e2e
