// Our own sampler: one process-wide thread that asks each registered isolate, at a fixed
// period on absolute deadlines, to take a sample of itself (v8::Isolate::RequestInterrupt,
// then v8::CpuProfiler::CollectSample on the isolate's own thread), and labels the ticks the
// isolate could not answer (idle, busy outside JavaScript, in GC). Knows V8 and the OS,
// nothing of report formats: the tick log is handed to TypeScript as it is.
#ifndef VIZTRACER_SAMPLER_H_
#define VIZTRACER_SAMPLER_H_

#include <v8-isolate.h>

#include <cstdint>
#include <deque>

namespace viztracer {

// What a tick of the sampler thread found for one isolate.
enum class TickKind : uint8_t {
  // The isolate answered: CollectSample() ran on its thread between `startMicros` and
  // `endMicros` (V8's sample of it carries a timestamp in that window).
  kSample = 0,
  // The interrupt asked for at an earlier tick was still pending, and the thread used less than
  // half of the time since the previous tick on a CPU: waiting (the event loop, a lock, I/O).
  kIdle = 1,
  // Still pending, and the thread was mostly on a CPU: running code that does not check for
  // interrupts (a builtin or runtime function such as JSON.parse, native addon code).
  kBusy = 2,
  // Still pending, and V8 was collecting garbage on this thread at the tick.
  kGc = 3,
  // Still pending, mostly off the CPU, but runnable at the tick (state R in /proc): the thread
  // wants to run and waits for a CPU (a busy machine), so it is neither idle nor busy itself.
  kRunnable = 4,
};

struct Tick {
  // The tick's time, µs of CLOCK_MONOTONIC: when the sample was asked for (kSample), or when
  // the label was decided.
  double tickMicros;
  // kSample only: how long after tickMicros the sample started, and how long it took.
  float delayMicros;
  float durationMicros;
  // kSample only: sched_getcpu() in the interrupt; -1 otherwise.
  int16_t cpu;
  TickKind kind;
};

struct TickLog {
  // A deque: it grows without copying what it holds (a vector's reallocation would copy
  // megabytes under the sampler's mutex, holding up the sampled thread).
  std::deque<Tick> ticks;
  // Deadlines that passed while the sampler thread was not running (the machine was busy), so
  // no tick was taken for them.
  int64_t missedTicks = 0;
};

// Adds the calling thread's isolate to the sampler (starting its thread if needed); ticks
// fall on the multiples of the interval of CLOCK_MONOTONIC, the first within one interval.
// Call on the isolate's own thread. Returns the registration id.
uint64_t RegisterIsolate(v8::Isolate* isolate, int intervalMicros);
// Removes the registration (call on the isolate's own thread, before the isolate is disposed):
// after this returns no interrupt is requested for it, and a pending one does nothing.
TickLog UnregisterIsolate(uint64_t id);

}  // namespace viztracer

#endif  // VIZTRACER_SAMPLER_H_
