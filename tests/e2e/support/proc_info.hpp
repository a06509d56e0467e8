// What /proc says about processes: children of a process and whether one is
// still alive, so tests can check (and clean up) the Redis the server starts.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace e2e {

/// Direct children of parent whose command name contains name_part ("" for all).
std::vector<pid_t> children_of(pid_t parent, const std::string& name_part = "");

/// True while pid is a live (not zombie) process whose name contains name_part.
bool alive_as(pid_t pid, const std::string& name_part);

/// How many descriptors pid has open (sockets included); -1 if unreadable.
int open_descriptors(pid_t pid);

/// Resident memory of pid in KiB (VmRSS); -1 if unreadable.
long resident_kib(pid_t pid);

/// ASAN_OPTIONS for a server whose resident memory a test measures: ASan keeps
/// freed memory in quarantine, a small one shows what the server holds rather
/// than what it freed.
std::string small_asan_quarantine();
/// Live processes whose name contains name_part and whose command line
/// mentions text (e.g. a private data dir: then only processes the test's
/// own server started), wherever they were reparented.
std::vector<pid_t> processes_mentioning(const std::string& text, const std::string& name_part);

/// True once pid is stopped (SIGSTOP took effect), false if it runs or is gone.
bool stopped(pid_t pid);

}  // namespace e2e
