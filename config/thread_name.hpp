// Names the calling thread as `top -H`, `ps -L` and perf show it, so an
// operator (or a benchmark reading /proc/<pid>/task) can tell which part of
// the server spends the CPU.
#pragma once

namespace incident {

/// At most 15 characters are kept (the kernel's limit).
void name_this_thread(const char* name);

}  // namespace incident
