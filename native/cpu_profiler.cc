#include "cpu_profiler.h"

#include <climits>
#include <mutex>
#include <utility>

namespace viztracer {

namespace {

// Code logging: with kLazyLogging V8 starts logging code events (and walks the heap once to
// log the code that already exists) when a profile starts, and stops when the last one
// stops; with kEagerLogging it does so from the CpuProfiler's creation for its lifetime.
// We create the profiler in Start() and dispose of it in Stop() (so repeated start/stop
// frees everything), so eager logging cannot save the heap walk: it only moves it into New().
// Lazy was never slower to start (docs/benchmarks.md, section 12), and it is what the
// inspector's Profiler domain uses, so the two backends see the same code map.
constexpr v8::CpuProfilingLoggingMode kLoggingMode = v8::kLazyLogging;

// Under our sampler, V8's own sampler thread still runs, at this period: its thread is also
// what turns queued samples into the profile (symbolization), and it does so only once per
// period, so the period bounds the memory held by samples waiting there (V8 copies a stack
// of up to 255 frames per sample, about 2 KB). Peak RSS did not tell periods of 20 to 200 ms
// apart (docs/benchmarks.md, section 12); 100 ms wakes its thread least among those.
constexpr int kV8PeriodMicrosUnderOurs = 100'000;
// And the profile's own interval: V8 adds a sample of its timer to a profile only when this
// much time has passed since the last one it added (CpuProfile::CheckSubsample), while samples
// from CollectSample() are always added. About 35 minutes: V8's timer then adds only a few
// (docs/benchmarks.md, section 12), which src/trace/ticks.ts drops as matching no tick.
constexpr int kProfileIntervalMicrosUnderOurs = INT_MAX;

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

// Into `out`, which already holds the tick log.
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
  const bool ours = sampler == SamplerKind::kViztracer;
  v8::CpuProfiler* profiler = v8::CpuProfiler::New(isolate_, v8::kDebugNaming, kLoggingMode);
  // Must be set before a profile starts; it sets the sampler thread's period.
  profiler->SetSamplingInterval(ours ? kV8PeriodMicrosUnderOurs : intervalMicros);
  // kLeafNodeLineNumbers is what the inspector's Profiler.start uses: a node per function,
  // its line the function's start. kNoSampleLimit records every sample, not only the tree.
  v8::CpuProfilingResult result = profiler->Start(
      v8::CpuProfilingOptions(v8::kLeafNodeLineNumbers, v8::CpuProfilingOptions::kNoSampleLimit,
                              ours ? kProfileIntervalMicrosUnderOurs : 0));
  if (result.status != v8::CpuProfilingStatus::kStarted) {
    profiler->Dispose();
    return "V8 could not start the CPU profiler";
  }
  profiler_ = profiler;
  id_ = result.id;
  sampler_ = sampler;
  // After the profile has started, so that the first sample has somewhere to go.
  if (ours) registration_ = RegisterIsolate(isolate_, intervalMicros);
  return std::nullopt;
}

ProfileData ThreadProfiler::Stop() {
  ProfileData data;
  // Before the profile stops: no sample is asked for after this, and one pending does nothing.
  if (registration_ != 0) data.ticks = UnregisterIsolate(std::exchange(registration_, 0));
  data.sampler = sampler_;
  v8::CpuProfile* profile = profiler_->Stop(id_);
  if (profile != nullptr) {
    CopyProfile(profile, &data);
    // The profile belongs to the profiler until deleted; Dispose() would free it too, but
    // deleting it first keeps the two lifetimes obvious.
    profile->Delete();
  }
  profiler_->Dispose();
  profiler_ = nullptr;
  id_ = 0;
  return data;
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
