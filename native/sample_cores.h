// The CPU core of each of V8's samples. V8's sampler thread takes a sample by sending SIGPROF
// to the sampled thread, whose signal handler (V8's) walks the stack there. This module puts a
// handler in front of V8's that notes, on the sampled thread itself, the time and the core
// (sched_getcpu) of every SIGPROF, then hands the signal to V8's handler unchanged. V8's sample
// is timestamped inside its handler, a few µs later, so each sample is matched with the last
// note before it. Knows signals and the OS, nothing of V8's profiles or of report formats.
#ifndef VIZTRACER_SAMPLE_CORES_H_
#define VIZTRACER_SAMPLE_CORES_H_

#include <cstdint>
#include <vector>

namespace viztracer {

// What the handler noted at one SIGPROF.
struct SignalNote {
  int64_t nanos;  // CLOCK_MONOTONIC, to the µs (notes are kept in µs)
  int32_t cpu;    // -1 when sched_getcpu failed
};

// Starts noting the calling thread's SIGPROFs. Call on the sampled thread after V8's profiler
// has started (V8 installs its handler then; ours goes in front of it). Returns a handle for
// TakeSignalNotes, or -1 when no slot is left (then the thread's samples get no core).
int StartSignalNotes();

// Stops noting for `handle` and returns the notes, in time order. Call on the same thread,
// after V8's profiler has stopped sampling it.
std::vector<SignalNote> TakeSignalNotes(int handle);

// Returns the notes so far and goes on noting for `handle`, from an empty store. Call on the
// same thread.
std::vector<SignalNote> DrainSignalNotes(int handle);

// For each sample time (µs of CLOCK_MONOTONIC, as V8 gives them, in any order), the core of the
// last note at or before it, if that note is less than `windowMicros` older; else -1.
std::vector<int16_t> CoresOfSamples(const std::vector<SignalNote>& notes,
                                    const std::vector<double>& sampleMicros, double windowMicros);

}  // namespace viztracer

#endif  // VIZTRACER_SAMPLE_CORES_H_
