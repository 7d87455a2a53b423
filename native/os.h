// What the addon asks of the OS, in one place: the clocks, the calling thread's id, the
// process's threads and their /proc/self/task/<tid>/ files, and a thread's scheduler slice.
//
// CLOCK_MONOTONIC is the addon's one clock: V8's base::TimeTicks::Now() reads it on Linux, so
// the sample timestamps of v8::CpuProfile, the inspector's profiles and process.hrtime() are
// all on it, and it is the same clock in every process of the host: no alignment needed.
#ifndef VIZTRACER_OS_H_
#define VIZTRACER_OS_H_

#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <errno.h>
#include <sys/resource.h>
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

// A thread's comm (15 bytes at most), without the newline; empty when it is gone.
inline std::string TaskName(int tid) {
  char buf[64];
  const int fd = OpenTaskFile(tid, "comm");
  const bool ok = Reread(fd, buf, sizeof buf);
  if (fd >= 0) close(fd);
  if (!ok) return "";
  std::string name(buf);
  if (!name.empty() && name.back() == '\n') name.pop_back();
  return name;
}

// Asks the scheduler for a slice of `nanos` for thread `tid` of this process (sched_setattr(2)
// with SCHED_OTHER: on Linux 6.12+ (EEVDF) a shorter slice is an earlier deadline, so the
// thread preempts a busy one sooner when it wakes; older kernels ignore it). Needs no
// privilege, unlike a real-time policy. Keeps the thread's nice value. False on failure.
inline bool SetSchedSlice(int tid, uint64_t nanos) {
  // struct sched_attr of sched_setattr(2); glibc 2.36 has no wrapper.
  struct {
    uint32_t size;
    uint32_t sched_policy;
    uint64_t sched_flags;
    int32_t sched_nice;
    uint32_t sched_priority;
    uint64_t sched_runtime;
    uint64_t sched_deadline;
    uint64_t sched_period;
  } attr{};
  attr.size = sizeof attr;
  attr.sched_policy = 0;  // SCHED_OTHER
  errno = 0;
  const int nice = getpriority(PRIO_PROCESS, static_cast<id_t>(tid));
  if (nice == -1 && errno != 0) return false;
  attr.sched_nice = nice;
  attr.sched_runtime = nanos;
  return syscall(SYS_sched_setattr, tid, &attr, 0) == 0;
}

}  // namespace viztracer

#endif  // VIZTRACER_OS_H_
