// One V8 CpuProfiler for one isolate, and the process-wide store of profiles that outlived
// their thread. Knows V8 and the OS, nothing of report formats.
#ifndef VIZTRACER_CPU_PROFILER_H_
#define VIZTRACER_CPU_PROFILER_H_

#include <v8-isolate.h>
#include <v8-profiler.h>

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "sample_cores.h"

namespace viztracer {

// Who takes the samples. Both are V8's own sampler: a thread of V8's sends SIGPROF to the
// sampled thread, whose handler walks the stack where the signal found it (no safepoint bias).
// kV8 runs it as it ships, at the asked interval; kViztracer tunes it to deliver the asked rate
// (cpu_profiler.cc).
enum class SamplerKind { kV8, kViztracer };

// A v8::CpuProfile copied into plain memory, so it can outlive the profile, the profiler and
// even the isolate (a terminated worker's profile is read later by another thread).
struct ProfileData {
  // The call tree, one entry per node, parents before children.
  std::vector<int32_t> ids;
  std::vector<int32_t> parents;  // -1 for the root
  std::vector<int32_t> lines;    // 1-based, 0 when unknown (V8's kNoLineNumberInfo)
  std::vector<int32_t> columns;  // 1-based, 0 when unknown
  std::vector<int32_t> scriptIds;
  std::vector<std::string> functionNames;
  std::vector<std::string> urls;  // the script's resource name, as the script was compiled
  // One entry per sample: the top node's id and the time in µs of CLOCK_MONOTONIC.
  std::vector<int32_t> samples;
  std::vector<double> timestamps;
  double startTime = 0;
  double endTime = 0;
  SamplerKind sampler = SamplerKind::kV8;
  // Each sample's CPU core (sample_cores.h); -1 when unknown.
  std::vector<int16_t> cpus;
};

// A profile whose thread ended while it was sampling (a worker that finished or was
// terminated), kept until some thread asks for it.
struct Orphan {
  int tid;
  std::string label;
  ProfileData profile;
};

// Drives one v8::CpuProfiler. Every method must be called on the isolate's own thread: V8's
// profiler keeps per-isolate state (the code map, the sampler bound to that thread) that
// is not safe to touch from another one.
//
// V8 keeps about 32 bytes a sample in its profile, and our note of its core 8 more. So that a
// long run keeps less, what V8 sampled is moved every few seconds (kCompactSeconds, by an
// interrupt, so also while the thread is busy in synchronous code) into `taken_`: a call tree
// merged across the moves and 14 bytes a sample. A new V8 profile starts before the old one
// stops, so no sample is missed (the few in both are kept once) and V8 does not log its code
// again.
class ThreadProfiler {
 public:
  explicit ThreadProfiler(v8::Isolate* isolate) : isolate_(isolate) {}
  ~ThreadProfiler();
  ThreadProfiler(const ThreadProfiler&) = delete;
  ThreadProfiler& operator=(const ThreadProfiler&) = delete;

  bool running() const { return profiler_ != nullptr; }
  // Starts sampling this thread; an error message on failure.
  std::optional<std::string> Start(int intervalMicros, SamplerKind sampler);
  // Stops sampling and frees V8's profile and profiler. Call only when running().
  ProfileData Stop();
  // Moves what V8 has sampled so far into compact memory. Call only when running().
  void Compact();

 private:
  // Moves V8's profile `profile` (then deleted) and the notes of its samples' cores into taken_.
  void Take(v8::CpuProfile* profile, std::vector<SignalNote> notes);

  // The samples taken, in blocks of kBlockSamples: growing never copies them, and at the stop
  // each block is freed as soon as it is copied into the profile's columns. A block (900 KiB)
  // is mapped, not malloc'ed: see MapPages in os.h.
  static constexpr size_t kBlockSamples = 1 << 16;
  struct SampleBlock {
    size_t count = 0;
    int32_t nodes[kBlockSamples];
    double timestamps[kBlockSamples];
    int16_t cpus[kBlockSamples];
  };
  struct UnmapBlock {
    void operator()(SampleBlock* b) const;
  };
  void AddSample(int32_t node, double timestamp, int16_t cpu);
  // Moves the blocks into taken_'s columns (sized once), freeing them one by one.
  void FlattenSamples();

  v8::Isolate* isolate_;
  v8::CpuProfiler* profiler_ = nullptr;
  v8::ProfilerId id_ = 0;
  SamplerKind sampler_ = SamplerKind::kV8;
  int signalNotes_ = -1;  // the handle of sample_cores.h
  // The compact registry's token for this profiler while it runs (0: none).
  uint64_t token_ = 0;
  ProfileData taken_;  // the merged tree and the times; the samples are in blocks_ until Stop
  std::deque<std::unique_ptr<SampleBlock, UnmapBlock>> blocks_;
  size_t blockedSamples_ = 0;
  double lastTimestamp_ = -1;
  // taken_'s nodes by their caller's index and what names them (NodeKey in cpu_profiler.cc).
  std::unordered_map<std::string, int32_t> takenNodes_;
  // Notes not yet paired with a sample: the next profile's first samples may need them.
  std::vector<SignalNote> carry_;
};

// The process-wide store of orphans. Safe from any thread.
void StoreOrphan(Orphan orphan);
std::vector<Orphan> TakeOrphans();

}  // namespace viztracer

#endif  // VIZTRACER_CPU_PROFILER_H_
