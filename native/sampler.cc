#include "sampler.h"

#include "os.h"

#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <v8-profiler.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <climits>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <mutex>
#include <thread>
#include <utility>

namespace viztracer {

namespace {

// Why not V8's own sampler: its thread sleeps a whole interval *after* each sample (a relative
// wait, plus the time it spends symbolizing), so it delivers well under the requested rate,
// the less so the shorter the interval (docs/benchmarks.md, sections 2 and 9). Here deadlines are absolute (no drift: a
// late wake-up delays one tick, not all the following ones), and the sample is taken by the
// isolate's own thread at its next interrupt check, through V8's own stack walk and
// symbolization (CollectSample), so nodes, names and lines are those of V8's profiles.

enum class State {
  kNone,        // no interrupt outstanding: the next tick requests one
  kRequested,   // requested, not yet serviced: ticks are labelled instead
  kInCallback,  // the isolate's thread is taking the sample now
};

struct Entry {
  uint64_t id = 0;
  v8::Isolate* isolate = nullptr;
  int64_t intervalNanos = 0;
  int64_t nextNanos = 0;  // the next deadline
  clockid_t cpuClock{};   // the isolate thread's CPU-time clock
  int statFd = -1;        // its /proc/self/task/<tid>/stat
  int64_t lastTickNanos = 0;
  int64_t lastCpuNanos = -1;
  int64_t requestNanos = 0;
  State state = State::kNone;
  TickKind lastLabel = TickKind::kSample;  // the last label given, while a request is pending
  // Written by the isolate's thread (GC prologue/epilogue), read by the sampler thread.
  std::atomic<int> gcDepth{0};
  TickLog log;
};

struct Sampler {
  std::mutex mutex;
  std::condition_variable cv;
  // Guarded by mutex. Owned: an entry is deleted by UnregisterIsolate, on its isolate's thread.
  std::vector<Entry*> entries;
  std::thread thread;
  bool running = false;
  uint64_t nextId = 1;
};

Sampler& TheSampler() {
  // Never destroyed: isolates may still unregister while the main thread runs static
  // destructors at exit.
  static Sampler* sampler = new Sampler();
  return *sampler;
}

Entry* Find(Sampler& s, uint64_t id) {
  for (Entry* e : s.entries) {
    if (e->id == id) return e;
  }
  return nullptr;
}

// While an isolate's thread sleeps (its interrupt pending, its last tick labelled idle), the
// sampler thread wakes for it at most every kIdleWakeNanos instead of at every deadline, and
// labels the deadlines in between afterwards (TickEntry, or OnInterrupt when the thread wakes
// into JavaScript and services the pending interrupt, which also wakes the sampler so ticks
// resume at the interval). At 100 µs an idle thread then costs a tenth of the wake-ups.
constexpr int64_t kIdleWakeNanos = 1'000'000;

bool Asleep(const Entry* e) {
  return e->state == State::kRequested && e->lastLabel == TickKind::kIdle;
}

// When the sampler thread must next tick this entry.
int64_t DueNanos(const Entry* e) {
  return Asleep(e) ? std::max(e->nextNanos, e->lastTickNanos + kIdleWakeNanos) : e->nextNanos;
}

// The deadlines of `e` before `now` that were not ticked, labelled idle: the thread was asleep
// at the last tick, and `cpuNanos` says it stayed mostly off the CPU since (what it did run
// was not JavaScript, which would have serviced the pending interrupt). Advances the grid.
// Returns false, labelling nothing, when it was mostly on the CPU.
bool LabelSkippedIdle(Entry* e, int64_t now, int64_t cpuNanos) {
  if (cpuNanos < 0 || e->lastCpuNanos < 0 ||
      2 * (cpuNanos - e->lastCpuNanos) >= now - e->lastTickNanos)
    return false;
  for (; e->nextNanos < now; e->nextNanos += e->intervalNanos)
    e->log.ticks.push_back(
        Tick{static_cast<double>(e->nextNanos) / 1e3, 0, 0, -1, TickKind::kIdle});
  return true;
}

// On the isolate's thread, at its next interrupt check (function entry or loop back edge in
// JavaScript, or between tasks): the JS stack is intact, so V8 walks it as its signal handler
// would. The registration may be gone (stopped while the interrupt was pending): then nothing.
void OnInterrupt(v8::Isolate* isolate, void* data) {
  const auto id = static_cast<uint64_t>(reinterpret_cast<uintptr_t>(data));
  Sampler& s = TheSampler();
  Entry* e;
  {
    std::lock_guard<std::mutex> lock(s.mutex);
    e = Find(s, id);
    if (e == nullptr || e->isolate != isolate) return;
    e->state = State::kInCallback;
  }
  // Only this thread unregisters `e`, so it stays valid outside the lock.
  const int64_t start = MonotonicNanos();
  const int cpu = sched_getcpu();
  // Records the current stack into every CpuProfiler of this isolate (ours, and any other
  // profile running, such as the inspector's), timestamped with V8's clock inside this call.
  v8::CpuProfiler::CollectSample(isolate);
  const int64_t end = MonotonicNanos();
  std::lock_guard<std::mutex> lock(s.mutex);
  if (e->lastLabel == TickKind::kIdle) {
    // Woken from sleep into JavaScript while the sampler thread backed off: the deadlines
    // passed while asleep are idle, and the sampler goes back to the interval at once.
    const int64_t cpuNanos = ClockNanos(e->cpuClock);
    LabelSkippedIdle(e, start, cpuNanos - (end - start));
    e->lastTickNanos = start;
    e->lastCpuNanos = cpuNanos;
    e->lastLabel = TickKind::kSample;
    s.cv.notify_all();
  }
  e->log.ticks.push_back(Tick{static_cast<double>(e->requestNanos) / 1e3,
                              static_cast<float>(start - e->requestNanos) / 1e3f,
                              static_cast<float>(end - start) / 1e3f, static_cast<int16_t>(cpu),
                              TickKind::kSample});
  e->state = State::kNone;
}

void OnGcStart(v8::Isolate*, v8::GCType, v8::GCCallbackFlags, void* data) {
  static_cast<Entry*>(data)->gcDepth.fetch_add(1, std::memory_order_relaxed);
}

void OnGcEnd(v8::Isolate*, v8::GCType, v8::GCCallbackFlags, void* data) {
  static_cast<Entry*>(data)->gcDepth.fetch_sub(1, std::memory_order_relaxed);
}

// The scheduler state of the thread (proc(5), field 3 of stat): 'R' running or runnable, 'S'
// sleeping, 'D' in uninterruptible I/O, ...; '?' when it cannot be read.
char ThreadState(int fd) {
  char buf[256];
  if (!Reread(fd, buf, sizeof buf)) return '?';
  const char* fields = StatFields(buf);
  return fields != nullptr ? fields[0] : '?';
}

// One deadline of one isolate has passed. Called with the mutex held.
void TickEntry(Entry* e, int64_t now) {
  // Deadlines stay on the grid of multiples of the interval: when this thread woke up late by
  // more than an interval, the deadlines skipped are not made up for, only counted (or labelled
  // idle, below, when the sampled thread was asleep throughout).
  const int64_t cpuNanos = ClockNanos(e->cpuClock);
  // Asleep at the last tick and (mostly) off the CPU since: the deadlines skipped, by backing
  // off or by waking late, are idle ticks as surely as if this thread had woken for each.
  // The last one passed is this tick, labelled below.
  if (Asleep(e) && now - e->nextNanos >= e->intervalNanos)
    LabelSkippedIdle(e, now - e->intervalNanos + 1, cpuNanos);
  const int64_t skipped = (now - e->nextNanos) / e->intervalNanos;
  e->nextNanos += (skipped + 1) * e->intervalNanos;
  e->log.missedTicks += skipped;
  switch (e->state) {
    case State::kNone:
      // A new request only once the previous one was serviced: an isolate that waits for a
      // second would otherwise queue thousands of interrupts that all run when it wakes.
      // RequestInterrupt may be called from any thread; the mutex keeps the isolate alive
      // (UnregisterIsolate takes it before the isolate can go away).
      e->state = State::kRequested;
      e->requestNanos = now;
      e->lastLabel = TickKind::kSample;
      e->isolate->RequestInterrupt(OnInterrupt, reinterpret_cast<void*>(e->id));
      break;
    case State::kRequested: {
      TickKind kind = TickKind::kIdle;
      if (e->gcDepth.load(std::memory_order_relaxed) > 0) {
        kind = TickKind::kGc;
      } else if (cpuNanos >= 0 && e->lastCpuNanos >= 0 &&
                 2 * (cpuNanos - e->lastCpuNanos) >= now - e->lastTickNanos) {
        kind = TickKind::kBusy;
      } else if (cpuNanos == e->lastCpuNanos && e->lastLabel == TickKind::kIdle) {
        // Asleep at the last tick and not on a CPU since: still asleep (or woken just now,
        // which the next tick sees), no need to read its state.
      } else if (ThreadState(e->statFd) == 'R') {
        // Read only here (a pread, a few µs): when the thread was mostly off the CPU.
        kind = TickKind::kRunnable;
      }
      e->log.ticks.push_back(Tick{static_cast<double>(now) / 1e3, 0, 0, -1, kind});
      e->lastLabel = kind;
      break;
    }
    case State::kInCallback:
      // The sample being taken now stands for this tick.
      break;
  }
  e->lastTickNanos = now;
  e->lastCpuNanos = cpuNanos;
}

// struct sched_attr of sched_setattr(2); glibc 2.36 has no wrapper.
struct SchedAttr {
  uint32_t size;
  uint32_t sched_policy;
  uint64_t sched_flags;
  int32_t sched_nice;
  uint32_t sched_priority;
  uint64_t sched_runtime;
  uint64_t sched_deadline;
  uint64_t sched_period;
};

void Run() {
  // The default timer slack (50 µs) is added to every wake-up: half the interval at 100 µs.
  prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
  // Ask the scheduler for the shortest slice (100 µs; Linux 6.12+ EEVDF, where a shorter
  // slice means an earlier deadline, so the woken thread preempts a busy one sooner; older
  // kernels ignore it). No privilege needed, unlike a real-time policy. It halved the missed
  // deadlines at 100 µs on a CPU-bound program (docs/benchmarks.md, section 12).
  SchedAttr attr{};
  attr.size = sizeof attr;
  attr.sched_policy = SCHED_OTHER;
  // sched_setattr sets the nice value too: keep the one this thread inherited.
  attr.sched_nice = getpriority(PRIO_PROCESS, static_cast<id_t>(Gettid()));
  attr.sched_runtime = 100'000;
  syscall(SYS_sched_setattr, 0, &attr, 0);
  pthread_setname_np(pthread_self(), "vz-sampler");
  Sampler& s = TheSampler();
  std::unique_lock<std::mutex> lock(s.mutex);
  while (!s.entries.empty()) {
    const int64_t now = MonotonicNanos();
    int64_t next = INT64_MAX;
    for (Entry* e : s.entries) {
      if (DueNanos(e) <= now) TickEntry(e, now);
      next = std::min(next, DueNanos(e));
    }
    // An absolute deadline on CLOCK_MONOTONIC (libstdc++ waits with pthread_cond_clockwait on
    // steady_clock, which is CLOCK_MONOTONIC): the same as clock_nanosleep(TIMER_ABSTIME), but
    // a registration or the last unregistration wakes it at once.
    s.cv.wait_until(lock, std::chrono::steady_clock::time_point(std::chrono::nanoseconds(next)));
  }
  // Exits by itself when the last isolate leaves; the next registration joins it.
  s.running = false;
}

}  // namespace

uint64_t RegisterIsolate(v8::Isolate* isolate, int intervalMicros) {
  auto* e = new Entry();
  e->isolate = isolate;
  e->intervalNanos = static_cast<int64_t>(intervalMicros) * 1000;
  if (pthread_getcpuclockid(pthread_self(), &e->cpuClock) != 0)
    e->cpuClock = CLOCK_THREAD_CPUTIME_ID;
  e->lastCpuNanos = ClockNanos(e->cpuClock);
  e->statFd = OpenTaskFile(Gettid(), "stat");
  isolate->AddGCPrologueCallback(OnGcStart, e);
  isolate->AddGCEpilogueCallback(OnGcEnd, e);
  Sampler& s = TheSampler();
  std::lock_guard<std::mutex> lock(s.mutex);
  e->id = s.nextId++;
  const int64_t now = MonotonicNanos();
  e->lastTickNanos = now;
  // On the grid of multiples of the interval of CLOCK_MONOTONIC, not from now: isolates with
  // the same interval (a main thread and its workers) then share each wake-up of the sampler
  // thread, instead of one wake-up per isolate (9 isolates at 100 µs: 90,000 a second).
  e->nextNanos = (now / e->intervalNanos + 1) * e->intervalNanos;
  s.entries.push_back(e);
  if (!s.running) {
    // A previous thread that saw no entries left has set running = false under the mutex and
    // released it for good, so joining it here cannot wait on us.
    if (s.thread.joinable()) s.thread.join();
    s.thread = std::thread(Run);
    s.running = true;
  } else {
    s.cv.notify_all();
  }
  return e->id;
}

TickLog UnregisterIsolate(uint64_t id) {
  Sampler& s = TheSampler();
  Entry* e;
  {
    std::lock_guard<std::mutex> lock(s.mutex);
    e = Find(s, id);
    if (e == nullptr) return {};
    s.entries.erase(std::find(s.entries.begin(), s.entries.end(), e));
    if (s.entries.empty()) s.cv.notify_all();
  }
  e->isolate->RemoveGCPrologueCallback(OnGcStart, e);
  e->isolate->RemoveGCEpilogueCallback(OnGcEnd, e);
  if (e->statFd >= 0) close(e->statFd);
  TickLog log = std::move(e->log);
  delete e;
  return log;
}

}  // namespace viztracer
