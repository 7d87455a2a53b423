#include "thread_monitor.h"

#include <fcntl.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <set>
#include <thread>
#include <unordered_map>
#include <utility>

#include "os.h"

namespace viztracer {

namespace {

// At most this many ticks are stored, all threads together (16 bytes each: 16 MB). Ticks are
// stored only on change, so an idle thread costs nothing; 20 busy threads at 10 ms fill it in
// about 8 minutes, after which ticks are counted in `droppedTicks` instead.
constexpr int64_t kMaxTicks = 1'000'000;

struct Reading {
  std::string name;
  double cpuMicros;
  int core;
};

// A thread's files stay open between ticks: opening them was 2/3 of the cost of a reading
// (docs/benchmarks.md, section 12).
struct TaskFiles {
  int stat = -1;
  int schedstat = -1;
  void Close() {
    if (stat >= 0) close(stat);
    if (schedstat >= 0) close(schedstat);
    stat = schedstat = -1;
  }
};

// /proc/self/task/<tid>/stat (proc(5)): "tid (comm) state ..." where comm may hold spaces and
// parentheses, so fields are counted from the last ')'. Field 2 is comm (what the `comm` file
// holds, so that file need not be read too), 14 utime, 15 stime (clock ticks), 39 processor.
// CPU time comes from schedstat (ns on the CPU) when the kernel has it: at a 10 ms period,
// utime+stime in 10 ms ticks would only ever say 0% or 100%.
bool ReadThread(const TaskFiles& f, double ticksPerSecond, Reading* out) {
  char buf[1024];
  if (f.stat < 0 || !Reread(f.stat, buf, sizeof buf)) return false;
  const char* p = StatFields(buf, &out->name);
  if (p == nullptr) return false;
  // p is field 3; walk to fields 14, 15 and 39.
  unsigned long long utime = 0, stime = 0;
  int core = -1;
  for (int field = 3; field <= 39 && p != nullptr && *p != '\0'; field++) {
    if (field == 14) utime = strtoull(p, nullptr, 10);
    if (field == 15) stime = strtoull(p, nullptr, 10);
    if (field == 39) core = static_cast<int>(strtol(p, nullptr, 10));
    p = strchr(p, ' ');
    if (p != nullptr) p++;
  }
  out->core = core;
  out->cpuMicros = static_cast<double>(utime + stime) * 1e6 / ticksPerSecond;
  if (f.schedstat >= 0 && Reread(f.schedstat, buf, sizeof buf)) {
    out->cpuMicros = static_cast<double>(strtoull(buf, nullptr, 10)) / 1e3;
  }
  return true;
}

struct Tracked {
  MonitoredThread thread;
  double lastCpuMicros = 0;
  double lastReadMicros = 0;
  float lastPercent = -1;
  int lastCore = -2;
  bool alive = true;
  TaskFiles files;
};

struct Monitor {
  std::mutex mutex;
  std::condition_variable wake;
  std::thread thread;
  bool running = false;
  bool stopping = false;
  double periodMillis = 0;
  int monitorTid = 0;
  double startMicros = 0;
  int64_t storedTicks = 0;
  int64_t droppedTicks = 0;
  std::unordered_map<int, Tracked> threads;
  std::vector<int> order;  // tids in the order first seen (and still tracked)
  std::unordered_map<int, std::string> jsThreads;  // tid -> label
};

Monitor& TheMonitor() {
  // Never destroyed: the monitor thread may still run while static destructors do at exit.
  static Monitor* monitor = new Monitor();
  return *monitor;
}

// Called with the mutex held.
void Store(Monitor& m, Tracked& t, double ts, float percent, int core) {
  if (m.storedTicks >= kMaxTicks) {
    m.droppedTicks++;
    return;
  }
  m.storedTicks++;
  t.thread.ts.push_back(ts);
  t.thread.cpuPercent.push_back(percent);
  t.thread.core.push_back(core);
  t.lastPercent = percent;
  t.lastCore = core;
}

// One pass over /proc/self/task. Called with the mutex held: reading ~20 threads takes well
// under a millisecond, and only StopMonitor and RegisterJsThread wait for it.
void Tick(Monitor& m, double ticksPerSecond, bool first) {
  const std::vector<int> tids = TaskIds();
  if (tids.empty()) return;  // cannot list: not "every thread ended"
  std::set<int> seen;
  for (int tid : tids) {
    auto [it, added] = m.threads.try_emplace(tid);
    Tracked& t = it->second;
    // A new thread, or an ended one's tid reused by another (then one track holds both).
    if (added || !t.alive) {
      t.alive = true;
      t.files.stat = OpenTaskFile(tid, "stat");
      // Missing when the kernel has no CONFIG_SCHED_INFO: stat's clock ticks are used then.
      t.files.schedstat = OpenTaskFile(tid, "schedstat");
    }
    double now = MonotonicMicros();
    Reading r;
    if (!ReadThread(t.files, ticksPerSecond, &r)) {
      if (added) {
        // Ended between the listing and the reading: never seen.
        t.files.Close();
        m.threads.erase(it);
      }
      continue;
    }
    seen.insert(tid);
    t.thread.name = r.name;
    if (added) {
      m.order.push_back(tid);
      t.thread.tid = tid;
      // A thread there at the start has a past that is not ours: it is the baseline. One
      // that appears later started within the last period, so all its CPU time is new.
      t.lastCpuMicros = first ? r.cpuMicros : 0;
      t.lastReadMicros = first ? now : now - m.periodMillis * 1e3;
      if (first) {
        t.lastCore = r.core;
        continue;
      }
    }
    double cpu = r.cpuMicros - t.lastCpuMicros;
    double wall = now - t.lastReadMicros;
    // One thread uses at most one core; a reading delayed by the scheduler after its
    // timestamp can make the quotient exceed 100 (seen up to 120% on a loaded 2-core VM).
    float percent = wall > 0 && cpu > 0 ? static_cast<float>(std::min(cpu * 100 / wall, 100.0)) : 0;
    t.thread.cpuMicros += cpu > 0 ? cpu : 0;
    t.lastCpuMicros = r.cpuMicros;
    t.lastReadMicros = now;
    // Every tick where CPU was used would be a new value anyway; an idle thread stores
    // nothing until it runs again.
    if (percent != t.lastPercent || r.core != t.lastCore) Store(m, t, now, percent, r.core);
  }
  double now = MonotonicMicros();
  for (auto& [tid, t] : m.threads) {
    if (t.alive && seen.count(tid) == 0) {
      t.alive = false;
      t.files.Close();
      if (t.lastPercent > 0) Store(m, t, now, 0, t.lastCore);
    }
  }
}

void Run(Monitor* m, double ticksPerSecond) {
  std::unique_lock<std::mutex> lock(m->mutex);
  m->monitorTid = Gettid();
  // Its comm, as `ps -T` and the report show it (15 bytes at most).
  pthread_setname_np(pthread_self(), "viztracer-mon");
  const auto period = std::chrono::microseconds(static_cast<int64_t>(m->periodMillis * 1e3));
  auto next = std::chrono::steady_clock::now();
  bool first = true;
  while (!m->stopping) {
    Tick(*m, ticksPerSecond, first);
    first = false;
    next += period;
    // A late tick is not made up for: skip to the next period boundary in the future.
    auto now = std::chrono::steady_clock::now();
    if (next < now) next = now + period;
    m->wake.wait_until(lock, next, [m] { return m->stopping; });
  }
  // The last reading, so every track reaches the stop.
  Tick(*m, ticksPerSecond, false);
}

}  // namespace

std::optional<std::string> StartMonitor(double periodMillis) {
  Monitor& m = TheMonitor();
  std::lock_guard<std::mutex> lock(m.mutex);
  if (m.running) return "The thread monitor is already running";
  long ticks = sysconf(_SC_CLK_TCK);
  m.running = true;
  m.stopping = false;
  m.periodMillis = periodMillis;
  m.startMicros = MonotonicMicros();
  m.storedTicks = 0;
  m.droppedTicks = 0;
  m.threads.clear();
  m.order.clear();
  m.thread = std::thread(Run, &m, ticks > 0 ? static_cast<double>(ticks) : 100.0);
  return std::nullopt;
}

std::optional<MonitorData> StopMonitor() {
  Monitor& m = TheMonitor();
  {
    std::lock_guard<std::mutex> lock(m.mutex);
    if (!m.running || m.stopping) return std::nullopt;
    m.stopping = true;
  }
  m.wake.notify_all();
  m.thread.join();
  std::lock_guard<std::mutex> lock(m.mutex);
  MonitorData data;
  data.periodMillis = m.periodMillis;
  data.monitorTid = m.monitorTid;
  data.startMicros = m.startMicros;
  data.endMicros = MonotonicMicros();
  data.droppedTicks = m.droppedTicks;
  for (int tid : m.order) {
    Tracked& t = m.threads[tid];
    t.files.Close();
    auto js = m.jsThreads.find(tid);
    t.thread.js = js != m.jsThreads.end();
    if (t.thread.js) t.thread.label = js->second;
    data.threads.push_back(std::move(t.thread));
  }
  m.threads.clear();
  m.order.clear();
  m.running = false;
  m.stopping = false;
  return data;
}

void RegisterJsThread(int tid, const std::string& label) {
  Monitor& m = TheMonitor();
  std::lock_guard<std::mutex> lock(m.mutex);
  m.jsThreads[tid] = label;
}

}  // namespace viztracer
