// What the addon asks of the OS, in one place: the clocks, the calling thread's id, the
// process's threads and their /proc/self/task/<tid>/ files.
//
// CLOCK_MONOTONIC is the addon's one clock: V8's base::TimeTicks::Now() reads it on Linux, so
// the sample timestamps of v8::CpuProfile, the inspector's profiles and process.hrtime() are
// all on it, and it is the same clock in every process of the host: no alignment needed.
#ifndef VIZTRACER_OS_H_
#define VIZTRACER_OS_H_

#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <string>
#include <vector>

namespace viztracer {

// A clock's reading in ns; -1 when it cannot be read (a thread's CPU clock after it ended).
inline int64_t ClockNanos(clockid_t clock) {
  timespec ts;
  if (clock_gettime(clock, &ts) != 0) return -1;
  return static_cast<int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

inline int64_t MonotonicNanos() { return ClockNanos(CLOCK_MONOTONIC); }

inline double MonotonicMicros() { return static_cast<double>(MonotonicNanos()) / 1e3; }

// The calling thread's OS id (the main thread's is the pid).
inline int Gettid() { return static_cast<int>(syscall(SYS_gettid)); }

// A file of /proc/self/task/<tid>/, opened to be read again with Reread; -1 when it is not there.
inline int OpenTaskFile(int tid, const char* file) {
  char path[64];
  snprintf(path, sizeof path, "/proc/self/task/%d/%s", tid, file);
  return open(path, O_RDONLY | O_CLOEXEC);
}

// Reads a /proc file again from its start, NUL-terminated; false when it is gone (the thread
// ended). pread on a descriptor kept open: opening was most of the cost of a reading.
inline bool Reread(int fd, char* buf, size_t size) {
  if (fd < 0) return false;
  ssize_t n = pread(fd, buf, size - 1, 0);
  if (n <= 0) return false;
  buf[n] = '\0';
  return true;
}

// A stat line (proc(5)): "tid (comm) state ...". comm may hold spaces and parentheses, so the
// fields are found from the last ')'. Returns where field 3 (the state letter) starts, and sets
// `comm` when given; null when the line is not one.
inline const char* StatFields(const char* line, std::string* comm = nullptr) {
  const char* open = strchr(line, '(');
  const char* close = strrchr(line, ')');
  if (open == nullptr || close == nullptr || close < open || close[1] != ' ') return nullptr;
  if (comm != nullptr) comm->assign(open + 1, close - open - 1);
  return close + 2;
}

// The ids of the process's threads, from /proc/self/task.
inline std::vector<int> TaskIds() {
  std::vector<int> tids;
  DIR* dir = opendir("/proc/self/task");
  if (dir == nullptr) return tids;
  while (dirent* e = readdir(dir)) {
    if (e->d_name[0] >= '0' && e->d_name[0] <= '9') tids.push_back(atoi(e->d_name));
  }
  closedir(dir);
  return tids;
}

}  // namespace viztracer

#endif  // VIZTRACER_OS_H_
