#include "sample_cores.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>

#include <algorithm>
#include <atomic>
#include <mutex>

#include "os.h"

namespace viztracer {

namespace {

// Notes are kept in chunks of memory mapped by the handler itself when one fills up (mmap is a
// plain system call; malloc is not safe in a signal handler). A note is kept in 8 bytes: the µs
// since the thread's previous note and the core. 1 MB holds 131,070 notes, over two minutes at
// 1 kHz; the pages are only touched as notes are written.
constexpr size_t kChunkBytes = 1 << 20;

struct PackedNote {
  uint32_t deltaMicros;  // since the previous note (the first: 0), at most about 71 minutes
  int16_t cpu;
  uint16_t unused;
};

struct Chunk {
  Chunk* next;
  size_t count;
  PackedNote notes[1];  // as many as fit in kChunkBytes
};

constexpr size_t kChunkCapacity = (kChunkBytes - offsetof(Chunk, notes)) / sizeof(PackedNote);

Chunk* NewChunk() {
  void* p = MapPages(kChunkBytes);
  if (p == nullptr) return nullptr;
  auto* c = static_cast<Chunk*>(p);
  c->next = nullptr;
  c->count = 0;
  return c;
}

enum SlotState : int { kFree = 0, kClaimed = 1, kNoting = 2 };

// One per thread being noted. Only its own thread writes its notes (the handler runs on the
// thread the signal was sent to); other threads' handlers only read `state` and `thread`.
struct Slot {
  std::atomic<int> state{kFree};
  pthread_t thread{};
  Chunk* head = nullptr;
  Chunk* tail = nullptr;
  // µs of CLOCK_MONOTONIC of the first note and of the last; -1 before the first.
  int64_t firstMicros = -1;
  int64_t lastMicros = -1;
};

// A process may sample its main thread and hundreds of workers.
constexpr int kSlots = 1024;
Slot slots[kSlots];
std::atomic<int> slotsUsed{0};  // slots at or past this index were never claimed

// V8's handler (what was installed when ours went in front of it). Written under installMutex
// before ours is installed, read by the handler.
struct sigaction v8Handler {};
std::mutex installMutex;

void Note(Slot& s) {
  Chunk* c = s.tail;
  if (c->count == kChunkCapacity) {
    Chunk* fresh = NewChunk();
    if (fresh == nullptr) return;
    c->next = fresh;
    s.tail = c = fresh;
  }
  const int64_t now = MonotonicNanos() / 1000;
  if (s.firstMicros < 0) s.firstMicros = s.lastMicros = now;
  const int64_t delta = std::min<int64_t>(now - s.lastMicros, UINT32_MAX);
  s.lastMicros = now;
  c->notes[c->count] =
      PackedNote{static_cast<uint32_t>(delta), static_cast<int16_t>(sched_getcpu()), 0};
  // The count after the note: a reader on this thread that this signal interrupted sees either.
  std::atomic_signal_fence(std::memory_order_release);
  c->count++;
}

void OnSigprof(int signal, siginfo_t* info, void* context) {
  const int savedErrno = errno;
  const pthread_t self = pthread_self();
  const int used = slotsUsed.load(std::memory_order_acquire);
  for (int i = 0; i < used; i++) {
    Slot& s = slots[i];
    if (s.state.load(std::memory_order_acquire) == kNoting && pthread_equal(s.thread, self)) {
      Note(s);
      break;
    }
  }
  errno = savedErrno;
  if (v8Handler.sa_flags & SA_SIGINFO) {
    if (v8Handler.sa_sigaction != nullptr) v8Handler.sa_sigaction(signal, info, context);
  } else if (v8Handler.sa_handler != SIG_DFL && v8Handler.sa_handler != SIG_IGN) {
    v8Handler.sa_handler(signal);
  }
  // SIG_DFL would end the process: a stray SIGPROF after V8's handler is gone is dropped.
}

// Puts OnSigprof in front of whatever handles SIGPROF now (V8's handler, installed when its
// profiler started). V8 puts back what it found when its last profiler stops, which removes
// ours too; the next start installs it again.
void Install() {
  std::lock_guard<std::mutex> lock(installMutex);
  struct sigaction current {};
  sigaction(SIGPROF, nullptr, &current);
  if ((current.sa_flags & SA_SIGINFO) && current.sa_sigaction == OnSigprof) return;
  v8Handler = current;
  struct sigaction ours {};
  ours.sa_sigaction = OnSigprof;
  ours.sa_mask = current.sa_mask;
  // V8's own flags: SA_RESTART so that a system call it interrupts is restarted, SA_ONSTACK.
  ours.sa_flags = SA_SIGINFO | SA_RESTART | SA_ONSTACK;
  sigaction(SIGPROF, &ours, nullptr);
}

}  // namespace

int StartSignalNotes() {
  Chunk* first = NewChunk();
  if (first == nullptr) return -1;
  for (int i = 0; i < kSlots; i++) {
    int expected = kFree;
    if (!slots[i].state.compare_exchange_strong(expected, kClaimed)) continue;
    Slot& s = slots[i];
    s.thread = pthread_self();
    s.head = s.tail = first;
    s.firstMicros = s.lastMicros = -1;
    // Raise the high-water mark before the slot can be seen noting.
    int used = slotsUsed.load();
    while (used < i + 1 && !slotsUsed.compare_exchange_weak(used, i + 1)) {
    }
    s.state.store(kNoting, std::memory_order_release);
    Install();
    return i;
  }
  munmap(first, kChunkBytes);
  return -1;
}

namespace {

// Takes the notes of `handle`, in time order: the handler stops noting for it while they are
// read (a SIGPROF then gets no note: its sample no core), and `after` is the slot's state
// afterwards. Still noting (kNoting), the first chunk is kept, empty, to note into again; else
// every chunk is freed.
std::vector<SignalNote> TakeNotes(int handle, SlotState after) {
  if (handle < 0 || handle >= kSlots) return {};
  Slot& s = slots[handle];
  s.state.store(kClaimed, std::memory_order_release);
  std::atomic_signal_fence(std::memory_order_seq_cst);
  const bool keepOne = after == kNoting;
  std::vector<SignalNote> out;
  int64_t micros = s.firstMicros;
  for (Chunk* c = s.head; c != nullptr;) {
    for (size_t i = 0; i < c->count; i++) {
      micros += c->notes[i].deltaMicros;
      out.push_back(SignalNote{micros * 1000, c->notes[i].cpu});
    }
    Chunk* next = c->next;
    if (keepOne && c == s.head) {
      c->count = 0;
      c->next = nullptr;
    } else {
      munmap(c, kChunkBytes);
    }
    c = next;
  }
  s.tail = keepOne ? s.head : nullptr;
  if (!keepOne) s.head = nullptr;
  s.firstMicros = s.lastMicros = -1;
  std::atomic_signal_fence(std::memory_order_seq_cst);
  s.state.store(after, std::memory_order_release);
  return out;
}

}  // namespace

std::vector<SignalNote> TakeSignalNotes(int handle) { return TakeNotes(handle, kFree); }

std::vector<SignalNote> DrainSignalNotes(int handle) { return TakeNotes(handle, kNoting); }

std::vector<int16_t> CoresOfSamples(const std::vector<SignalNote>& notes,
                                    const std::vector<double>& sampleMicros, double windowMicros) {
  std::vector<int16_t> cores(sampleMicros.size(), -1);
  for (size_t i = 0; i < sampleMicros.size(); i++) {
    // V8 gives whole µs, rounded down: a note in the same µs is before the sample.
    const auto limit = static_cast<int64_t>(sampleMicros[i] * 1e3) + 999;
    auto it = std::upper_bound(notes.begin(), notes.end(), limit,
                               [](int64_t t, const SignalNote& n) { return t < n.nanos; });
    if (it == notes.begin()) continue;
    --it;
    if (static_cast<double>(limit - it->nanos) < windowMicros * 1e3) {
      cores[i] = static_cast<int16_t>(it->cpu);
    }
  }
  return cores;
}

}  // namespace viztracer
