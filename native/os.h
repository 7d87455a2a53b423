// What the addon asks of the OS, in one place: the clocks, the calling thread's id, the
// process's threads and their /proc/self/task/<tid>/ files, memory in huge pages, a file read
// into it.
//
// CLOCK_MONOTONIC is the addon's one clock: V8's base::TimeTicks::Now() reads it on Linux, so
// the sample timestamps of v8::CpuProfile, the inspector's profiles and process.hrtime() are
// all on it, and it is the same clock in every process of the host: no alignment needed.
#ifndef VIZTRACER_OS_H_
#define VIZTRACER_OS_H_

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
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

// Wall-clock (CLOCK_REALTIME) ns minus CLOCK_MONOTONIC ns: the wall clock read between two
// readings of the monotonic one, the closest pair of a few tries.
inline int64_t WallMinusMonotonicNanos() {
  int64_t best = INT64_MAX;
  int64_t offset = 0;
  for (int i = 0; i < 3; i++) {
    const int64_t before = MonotonicNanos();
    const int64_t wall = ClockNanos(CLOCK_REALTIME);
    const int64_t after = MonotonicNanos();
    if (after - before < best) {
      best = after - before;
      offset = wall - (before + (after - before) / 2);
    }
  }
  return offset;
}

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

// `bytes` of fresh zeroed memory, a mapping of its own, or nullptr. Free with munmap(p, bytes).
// What is big and comes and goes with a profile is mapped, not malloc'ed: when malloc frees a
// block it had mapped, glibc raises its mmap threshold to that size, so blocks as big then come
// from its heap, where the small blocks around them keep the freed space from going back: a
// 900 KiB block a start/stop cycle grew RSS by 60-400 KiB a cycle, without bound.
inline void* MapPages(size_t bytes) {
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  return p == MAP_FAILED ? nullptr : p;
}

constexpr size_t kHugePage = 2u << 20;
// The smallest file ReadFileToHugePages reads into huge pages: at most a third of what it maps
// is then unused.
constexpr size_t kHugeFileMin = 2 * kHugePage;

// `bytes` (a multiple of kHugePage) of fresh memory aligned to a huge page, advised to be backed
// by huge pages (advice only: without transparent huge pages, 4 KiB pages), or nullptr. On a
// VM each first write to a 4 KiB page costs a fault, more than the write: a huge page takes
// one fault for 512 of them. Free with munmap(p, bytes).
inline void* MapHugePages(size_t bytes) {
  // Map one more huge page than needed and give back what sticks out on either side.
  void* raw = mmap(nullptr, bytes + kHugePage, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (raw == MAP_FAILED) return nullptr;
  const auto start = reinterpret_cast<uintptr_t>(raw);
  const uintptr_t aligned = (start + kHugePage - 1) & ~(kHugePage - 1);
  if (aligned > start) munmap(raw, aligned - start);
  const uintptr_t end = start + bytes + kHugePage;
  if (end > aligned + bytes)
    munmap(reinterpret_cast<void*>(aligned + bytes), end - aligned - bytes);
#ifdef MADV_HUGEPAGE
  madvise(reinterpret_cast<void*>(aligned), bytes, MADV_HUGEPAGE);
#endif
  return reinterpret_cast<void*>(aligned);
}

// A regular file's bytes, read into fresh memory (`mapped` bytes of it, `length` read: up to
// the size the file had when opened), of huge pages when the file is big (kHugeFileMin). 0, or
// an errno (EINVAL: not a regular file). Free with munmap(data, mapped).
inline int ReadFileToHugePages(const char* path, void** data, size_t* length, size_t* mapped) {
  const int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  struct stat st;
  int error = 0;
  if (fstat(fd, &st) != 0) {
    error = errno;
  } else if (!S_ISREG(st.st_mode)) {
    error = EINVAL;
  } else {
    const size_t size = static_cast<size_t>(st.st_size);
    // Huge pages for big files only: a huge page is resident once touched, so a 4 KiB map in
    // one would take 2 MiB (a thousand small maps, 2 GB). Below kHugeFileMin, 4 KiB pages.
    const bool huge = size >= kHugeFileMin;
    const size_t page = huge ? kHugePage : 4096;
    const size_t bytes = (size + page) / page * page;  // never 0
    char* p = static_cast<char*>(huge ? MapHugePages(bytes) : MapPages(bytes));
    size_t got = 0;
    if (p == nullptr) {
      error = ENOMEM;
    } else {
      while (got < size) {
        const ssize_t n = read(fd, p + got, size - got);
        if (n == 0) break;  // shorter than it was
        if (n < 0) {
          if (errno == EINTR) continue;
          error = errno;
          break;
        }
        got += static_cast<size_t>(n);
      }
      if (error != 0) {
        munmap(p, bytes);
      } else {
        *data = p;
        *length = got;
        *mapped = bytes;
      }
    }
  }
  close(fd);
  return error;
}

}  // namespace viztracer

#endif  // VIZTRACER_OS_H_
