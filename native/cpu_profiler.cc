#include "cpu_profiler.h"

#include <sys/prctl.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <new>
#include <thread>
#include <utility>

#include "os.h"
#include "sample_cores.h"
#ifdef __GLIBC__  // defined by the libc headers above
#include <malloc.h>
#endif

namespace viztracer {

#ifdef __GLIBC__
// A profile of at least this many samples (about 100 s at 1000 µs, 14 bytes each in the
// store) gives its memory back to the OS when it stops.
constexpr size_t kTrimAfterSamples = 100000;
#endif

namespace {

// Code logging: with kLazyLogging V8 starts logging code events (and walks the heap once to
// log the code that already exists) when a profile starts, and stops when the last one
// stops; with kEagerLogging it does so from the CpuProfiler's creation for its lifetime.
// We create the profiler in Start() and dispose of it in Stop() (so repeated start/stop
// frees everything), so eager logging cannot save the heap walk: it only moves it into New().
// Lazy was never slower to start (docs/benchmarks.md, section 12), and it is what the
// inspector's Profiler domain uses, so the two backends see the same code map.
constexpr v8::CpuProfilingLoggingMode kLoggingMode = v8::kLazyLogging;

// How kViztracer tunes V8's sampler. V8's sampler thread loops: wait one interval (a relative
// wait, from after the previous signal), send SIGPROF, turn queued samples into the profile. Left
// as it ships it delivers about 85% of 1 kHz and under half of 10 kHz here (docs/benchmarks.md,
// section 13). Two causes are answered here:
//  - The wait is lengthened by the thread's timer slack (50 µs by default). A thread inherits
//    its creator's slack, and V8 creates its sampler thread inside CpuProfiler::Start on the
//    calling thread: that thread's slack is set to 1 ns around the call.
//  - Each round adds the loop's own time to the interval (about 30 µs here), and now and then
//    the woken thread waits for a core for a few ms (the sampled thread and V8's helpers keep
//    them busy): about 6% of the interval on average. V8 is asked for the interval minus both.
// Not done: a short scheduler slice for V8's thread (sched_setattr) would cut those waits, but
// its thread then preempts V8's GC helpers, and GC on the sampled thread took longer (its share
// of samples rose from 8.5% to 11.5% on the CPU-bound workload): the profile would no longer be
// the program's.
constexpr int kLoopOverheadMicros = 30;
constexpr double kLateWakeFraction = 0.06;

int AskedInterval(int intervalMicros, SamplerKind sampler) {
  if (sampler != SamplerKind::kViztracer) return intervalMicros;
  const int asked =
      intervalMicros - kLoopOverheadMicros - static_cast<int>(kLateWakeFraction * intervalMicros);
  return std::max(asked, (intervalMicros + 1) / 2);
}

// A sample's core is that of the last SIGPROF noted before it, at most this long before: V8
// timestamps the sample in its handler after walking the stack, a few µs after our note, but a
// thread preempted in between (a loaded machine) takes longer; every signal leaves a note, so a
// wide window cannot pair a sample with another signal's note.
constexpr double kNoteWindowMicros = 100'000;

void CopyTree(const v8::CpuProfileNode* root, ProfileData* out) {
  // Iterative, parents before children: a deep recursion in user code makes a deep tree,
  // and the C++ stack of a worker is small.
  std::vector<std::pair<const v8::CpuProfileNode*, int32_t>> stack{{root, -1}};
  while (!stack.empty()) {
    auto [node, parent] = stack.back();
    stack.pop_back();
    const auto id = static_cast<int32_t>(node->GetNodeId());
    out->ids.push_back(id);
    out->parents.push_back(parent);
    out->lines.push_back(node->GetLineNumber());
    out->columns.push_back(node->GetColumnNumber());
    out->scriptIds.push_back(node->GetScriptId());
    // The *Str accessors read V8's own string storage: no handles, so this also works in
    // an environment cleanup hook, where no JavaScript may run.
    out->functionNames.emplace_back(node->GetFunctionNameStr());
    out->urls.emplace_back(node->GetScriptResourceNameStr());
    for (int i = node->GetChildrenCount() - 1; i >= 0; i--) {
      stack.emplace_back(node->GetChild(i), id);
    }
  }
}

void CopyProfile(const v8::CpuProfile* profile, ProfileData* out) {
  CopyTree(profile->GetTopDownRoot(), out);
  const int n = profile->GetSamplesCount();
  out->samples.reserve(n);
  out->timestamps.reserve(n);
  for (int i = 0; i < n; i++) {
    out->samples.push_back(static_cast<int32_t>(profile->GetSample(i)->GetNodeId()));
    out->timestamps.push_back(static_cast<double>(profile->GetSampleTimestamp(i)));
  }
  out->startTime = static_cast<double>(profile->GetStartTime());
  out->endTime = static_cast<double>(profile->GetEndTime());
}

// kLeafNodeLineNumbers is what the inspector's Profiler.start uses: a node per function, its
// line the function's start. kNoSampleLimit records every sample, not only the tree.
v8::CpuProfilingOptions ProfileOptions() {
  return v8::CpuProfilingOptions(v8::kLeafNodeLineNumbers, v8::CpuProfilingOptions::kNoSampleLimit);
}

// How often what V8 sampled moves into compact memory. At 100 µs that is 50,000 samples, 1.6 MB
// of V8's, between two moves.
constexpr auto kCompactPeriod = std::chrono::seconds(5);

// The running profilers, by a token never reused, and the thread that asks their isolates, each
// period, to compact by interrupt. The token is what the interrupt carries: a profiler that
// stopped (or one made since at the same address, for another isolate) is not found by it.
struct Registry {
  std::mutex mutex;
  std::unordered_map<uint64_t, std::pair<ThreadProfiler*, v8::Isolate*>> running;
  uint64_t nextToken = 1;
  bool threadStarted = false;
};

Registry& Profilers() {
  // Never destroyed: the compacting thread outlives static destructors.
  static Registry* registry = new Registry();
  return *registry;
}

void OnCompactInterrupt(v8::Isolate* isolate, void* data) {
  const auto token = static_cast<uint64_t>(reinterpret_cast<uintptr_t>(data));
  ThreadProfiler* profiler = nullptr;
  {
    Registry& r = Profilers();
    std::lock_guard<std::mutex> lock(r.mutex);
    auto it = r.running.find(token);
    if (it != r.running.end() && it->second.second == isolate) profiler = it->second.first;
  }
  // On the isolate's thread, as its Stop(): it cannot stop meanwhile.
  if (profiler != nullptr) profiler->Compact();
}

void CompactLoop() {
  prctl(PR_SET_NAME, "viztracer-cmp", 0, 0, 0);
  Registry& r = Profilers();
  for (;;) {
    std::this_thread::sleep_for(kCompactPeriod);
    std::lock_guard<std::mutex> lock(r.mutex);
    // Registered means running, so the isolate is alive: its thread unregisters before it goes.
    for (const auto& [token, entry] : r.running) {
      entry.second->RequestInterrupt(OnCompactInterrupt,
                                     reinterpret_cast<void*>(static_cast<uintptr_t>(token)));
    }
  }
}

uint64_t Register(ThreadProfiler* profiler, v8::Isolate* isolate) {
  Registry& r = Profilers();
  std::lock_guard<std::mutex> lock(r.mutex);
  const uint64_t token = r.nextToken++;
  r.running.emplace(token, std::make_pair(profiler, isolate));
  if (!r.threadStarted) {
    r.threadStarted = true;
    std::thread(CompactLoop).detach();
  }
  return token;
}

void Unregister(uint64_t token) {
  Registry& r = Profilers();
  std::lock_guard<std::mutex> lock(r.mutex);
  r.running.erase(token);
}

// What makes two nodes of successive V8 profiles the same node of the merged tree: the merged
// caller, the script, the position and the name (a script's id names its URL).
std::string NodeKey(int32_t takenParent, const ProfileData& p, size_t i) {
  std::string key = std::to_string(takenParent);
  key += '\x1f';
  key += std::to_string(p.scriptIds[i]);
  key += ':';
  key += std::to_string(p.lines[i]);
  key += ':';
  key += std::to_string(p.columns[i]);
  key += '\x1f';
  key += p.functionNames[i];
  return key;
}

struct OrphanStore {
  std::mutex mutex;
  std::vector<Orphan> orphans;
};

OrphanStore& Store() {
  // Never destroyed: worker threads may still be tearing down (and storing) while the main
  // thread runs static destructors at exit.
  static OrphanStore* store = new OrphanStore();
  return *store;
}

}  // namespace

ThreadProfiler::~ThreadProfiler() {
  if (running()) Stop();
}

std::optional<std::string> ThreadProfiler::Start(int intervalMicros, SamplerKind sampler) {
  if (running()) return "The profiler is already running on this thread";
  const bool tune = sampler == SamplerKind::kViztracer;
  v8::CpuProfiler* profiler = v8::CpuProfiler::New(isolate_, v8::kDebugNaming, kLoggingMode);
  // Must be set before a profile starts; it sets the sampler thread's period.
  profiler->SetSamplingInterval(AskedInterval(intervalMicros, sampler));
  const int slack = prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0);
  if (tune && slack > 0) prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
  v8::CpuProfilingResult result = profiler->Start(ProfileOptions());
  if (tune && slack > 0) prctl(PR_SET_TIMERSLACK, static_cast<unsigned long>(slack), 0UL, 0UL, 0UL);
  if (result.status != v8::CpuProfilingStatus::kStarted) {
    profiler->Dispose();
    return "V8 could not start the CPU profiler";
  }
  // At once: V8's signal handler is installed and sampling has begun; ours goes in front.
  signalNotes_ = StartSignalNotes();
  profiler_ = profiler;
  id_ = result.id;
  sampler_ = sampler;
  token_ = Register(this, isolate_);
  return std::nullopt;
}

ProfileData ThreadProfiler::Stop() {
  Unregister(std::exchange(token_, 0));
  v8::CpuProfile* profile = profiler_->Stop(id_);
  // After V8 has stopped sampling this thread.
  std::vector<SignalNote> notes = TakeSignalNotes(std::exchange(signalNotes_, -1));
  if (profile != nullptr) Take(profile, std::move(notes));
  FlattenSamples();
  ProfileData data = std::exchange(taken_, ProfileData{});
  lastTimestamp_ = -1;
  takenNodes_ = {};
  carry_ = {};
  data.sampler = sampler_;
  profiler_->Dispose();
  profiler_ = nullptr;
  id_ = 0;
#ifdef __GLIBC__
  // What the profile was made of (its blocks, V8's profiles and code map, the node index) is
  // free now, but glibc keeps freed memory of its arenas resident; the save that comes next
  // would add its own on top (issue #17, item 8: docs/benchmarks.md, section 21). Only after a
  // long profile: trimming walks every arena, and the flight recorder stops its profile every
  // few seconds on the program's own thread, with little to give back.
  if (data.samples.size() >= kTrimAfterSamples) malloc_trim(0);
#endif
  return data;
}

void ThreadProfiler::Compact() {
  if (!running()) return;
  // The next profile first: V8 samples into both until the old one stops.
  v8::CpuProfilingResult next = profiler_->Start(ProfileOptions());
  if (next.status != v8::CpuProfilingStatus::kStarted) return;
  v8::CpuProfile* old = profiler_->Stop(std::exchange(id_, next.id));
  std::vector<SignalNote> notes = DrainSignalNotes(signalNotes_);
  if (old != nullptr) {
    Take(old, std::move(notes));
  } else {
    carry_.insert(carry_.end(), notes.begin(), notes.end());
  }
}

void ThreadProfiler::Take(v8::CpuProfile* profile, std::vector<SignalNote> notes) {
  ProfileData chunk;
  CopyProfile(profile, &chunk);
  // The profile belongs to the profiler until deleted.
  profile->Delete();
  if (!carry_.empty()) notes.insert(notes.begin(), carry_.begin(), carry_.end());
  const std::vector<int16_t> cores = CoresOfSamples(notes, chunk.timestamps, kNoteWindowMicros);
  // The notes the next profile's samples may pair with: from the last one at or before this
  // profile's last sample.
  carry_.clear();
  if (!chunk.timestamps.empty()) {
    const auto last = static_cast<int64_t>(chunk.timestamps.back() * 1e3) + 999;
    auto it = std::upper_bound(notes.begin(), notes.end(), last,
                               [](int64_t t, const SignalNote& n) { return t < n.nanos; });
    if (it != notes.begin()) --it;
    carry_.assign(it, notes.end());
  } else {
    carry_ = std::move(notes);
  }

  // The tree, merged: parents come before children in both.
  std::unordered_map<int32_t, int32_t> merged;
  merged.reserve(chunk.ids.size());
  for (size_t i = 0; i < chunk.ids.size(); i++) {
    const int32_t parent = chunk.parents[i] < 0 ? -1 : merged.at(chunk.parents[i]);
    const auto nextId = static_cast<int32_t>(taken_.ids.size() + 1);
    auto [it, added] = takenNodes_.try_emplace(NodeKey(parent, chunk, i), nextId);
    if (added) {
      taken_.ids.push_back(nextId);
      taken_.parents.push_back(parent);
      taken_.lines.push_back(chunk.lines[i]);
      taken_.columns.push_back(chunk.columns[i]);
      taken_.scriptIds.push_back(chunk.scriptIds[i]);
      taken_.functionNames.push_back(std::move(chunk.functionNames[i]));
      taken_.urls.push_back(std::move(chunk.urls[i]));
    }
    merged.emplace(chunk.ids[i], it->second);
  }
  // The samples after those taken already (the two profiles overlap by a few).
  if (taken_.endTime == 0) taken_.startTime = chunk.startTime;
  for (size_t i = 0; i < chunk.samples.size(); i++) {
    if (chunk.timestamps[i] <= lastTimestamp_) continue;
    AddSample(merged.at(chunk.samples[i]), chunk.timestamps[i], cores[i]);
  }
  taken_.endTime = chunk.endTime;
}

void ThreadProfiler::AddSample(int32_t node, double timestamp, int16_t cpu) {
  if (blocks_.empty() || blocks_.back()->count == kBlockSamples) {
    // A block's pages become resident as samples are written.
    void* p = MapPages(sizeof(SampleBlock));
    if (p == nullptr) return;  // out of memory: the sample is dropped, the program goes on
    blocks_.emplace_back(new (p) SampleBlock);
  }
  SampleBlock& b = *blocks_.back();
  b.nodes[b.count] = node;
  b.timestamps[b.count] = timestamp;
  b.cpus[b.count] = cpu;
  b.count++;
  blockedSamples_++;
  lastTimestamp_ = timestamp;
}

void ThreadProfiler::UnmapBlock::operator()(SampleBlock* b) const {
  munmap(b, sizeof(SampleBlock));
}

void ThreadProfiler::FlattenSamples() {
  taken_.samples.reserve(blockedSamples_);
  taken_.timestamps.reserve(blockedSamples_);
  taken_.cpus.reserve(blockedSamples_);
  while (!blocks_.empty()) {
    const SampleBlock& b = *blocks_.front();
    taken_.samples.insert(taken_.samples.end(), b.nodes, b.nodes + b.count);
    taken_.timestamps.insert(taken_.timestamps.end(), b.timestamps, b.timestamps + b.count);
    taken_.cpus.insert(taken_.cpus.end(), b.cpus, b.cpus + b.count);
    blocks_.pop_front();
  }
  blockedSamples_ = 0;
}

void StoreOrphan(Orphan orphan) {
  OrphanStore& s = Store();
  std::lock_guard<std::mutex> lock(s.mutex);
  s.orphans.push_back(std::move(orphan));
}

std::vector<Orphan> TakeOrphans() {
  OrphanStore& s = Store();
  std::lock_guard<std::mutex> lock(s.mutex);
  return std::exchange(s.orphans, {});
}

}  // namespace viztracer
