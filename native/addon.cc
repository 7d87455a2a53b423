// The JavaScript face of the addon: argument checks and conversions to plain data. Every
// function validates its arguments and delegates to cpu_profiler.cc; only this layer throws.
//
// State is per environment (main thread or worker), kept in N-API instance data: each
// worker loads its own instance of the addon, with its own isolate and its own profiler.
#include <napi.h>
#include <node.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <v8-isolate.h>
#include <v8-platform.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "clock.h"
#include "cpu_profiler.h"
#include "recorder.h"
#include "thread_monitor.h"

namespace viztracer {
namespace {

int GetTid() { return static_cast<int>(syscall(SYS_gettid)); }

struct EnvState {
  std::unique_ptr<ThreadProfiler> profiler;
  // Opaque to C++: the JavaScript side says who this thread is, for an orphaned profile.
  std::string label;
  int tid;
};

// Runs on the environment's own thread when it is torn down: a worker whose JavaScript ended,
// or that was terminate()d (then no 'exit' handler of the worker runs, so this is the only
// place left to save its samples), or the main thread at process exit. The isolate is still
// alive here (hooks run before it is disposed) but JavaScript can no longer run, so the profile
// is copied into plain C++ memory and kept for another thread to take.
void OnEnvCleanup(void* arg) {
  auto* state = static_cast<EnvState*>(arg);
  if (!state->profiler || !state->profiler->running()) return;
  ProfileData data = state->profiler->Stop();
  // The main thread's profile would only be read by itself, which is exiting.
  if (state->tid != getpid()) {
    StoreOrphan(Orphan{state->tid, std::move(state->label), std::move(data)});
  }
}

EnvState* State(Napi::Env env) {
  EnvState* state = env.GetInstanceData<EnvState>();
  if (state != nullptr) return state;
  state = new EnvState();
  state->tid = GetTid();
  RegisterJsThread(state->tid, "");
  // Teardown order: Node frees instance data (calling its finalizer, which deletes `state`)
  // from a cleanup hook of its own, added when the addon was loaded into this environment,
  // before this one. Cleanup hooks run in reverse order of addition, so OnEnvCleanup always
  // runs first and never sees freed state.
  env.SetInstanceData<EnvState>(state);
  napi_add_env_cleanup_hook(env, OnEnvCleanup, state);
  return state;
}

Napi::Value Throw(Napi::Error error) {
  error.ThrowAsJavaScriptException();
  return error.Env().Undefined();
}

template <typename T, typename A>
A ToTypedArray(Napi::Env env, const std::vector<T>& v) {
  A array = A::New(env, v.size());
  std::copy(v.begin(), v.end(), array.Data());
  return array;
}

Napi::Array ToStrings(Napi::Env env, const std::vector<std::string>& v) {
  Napi::Array array = Napi::Array::New(env, v.size());
  for (size_t i = 0; i < v.size(); i++) array.Set(i, Napi::String::New(env, v[i]));
  return array;
}

Napi::Object ToObject(Napi::Env env, const ProfileData& p) {
  Napi::Object nodes = Napi::Object::New(env);
  nodes.Set("id", ToTypedArray<int32_t, Napi::Int32Array>(env, p.ids));
  nodes.Set("parent", ToTypedArray<int32_t, Napi::Int32Array>(env, p.parents));
  nodes.Set("line", ToTypedArray<int32_t, Napi::Int32Array>(env, p.lines));
  nodes.Set("column", ToTypedArray<int32_t, Napi::Int32Array>(env, p.columns));
  nodes.Set("scriptId", ToTypedArray<int32_t, Napi::Int32Array>(env, p.scriptIds));
  nodes.Set("functionName", ToStrings(env, p.functionNames));
  nodes.Set("url", ToStrings(env, p.urls));
  Napi::Object out = Napi::Object::New(env);
  out.Set("nodes", nodes);
  out.Set("samples", ToTypedArray<int32_t, Napi::Int32Array>(env, p.samples));
  out.Set("timestamps", ToTypedArray<double, Napi::Float64Array>(env, p.timestamps));
  out.Set("startTime", p.startTime);
  out.Set("endTime", p.endTime);
  out.Set("sampler", p.sampler == SamplerKind::kViztracer ? "viztracer" : "v8");
  const size_t n = p.ticks.ticks.size();
  Napi::Float64Array tickMicros = Napi::Float64Array::New(env, n);
  Napi::Float32Array delay = Napi::Float32Array::New(env, n);
  Napi::Float32Array duration = Napi::Float32Array::New(env, n);
  Napi::Int16Array cpu = Napi::Int16Array::New(env, n);
  Napi::Uint8Array kind = Napi::Uint8Array::New(env, n);
  for (size_t i = 0; i < n; i++) {
    const Tick& t = p.ticks.ticks[i];
    tickMicros[i] = t.tickMicros;
    delay[i] = t.delayMicros;
    duration[i] = t.durationMicros;
    cpu[i] = t.cpu;
    kind[i] = static_cast<uint8_t>(t.kind);
  }
  Napi::Object ticks = Napi::Object::New(env);
  ticks.Set("tickMicros", tickMicros);
  ticks.Set("delayMicros", delay);
  ticks.Set("durationMicros", duration);
  ticks.Set("cpu", cpu);
  ticks.Set("kind", kind);
  ticks.Set("missed", static_cast<double>(p.ticks.missedTicks));
  out.Set("ticks", ticks);
  return out;
}

// start(intervalMicros, sampler = "viztracer"): starts sampling the calling thread, with our
// sampler or V8's.
Napi::Value Start(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* bad = "Expected \"intervalMicros\" to be a positive integer";
  if (info.Length() < 1 || !info[0].IsNumber()) return Throw(Napi::TypeError::New(env, bad));
  double interval = info[0].As<Napi::Number>().DoubleValue();
  if (!(interval >= 1 && interval <= INT_MAX) || interval != static_cast<int>(interval)) {
    return Throw(Napi::TypeError::New(env, bad));
  }
  SamplerKind sampler = SamplerKind::kViztracer;
  if (info.Length() >= 2 && !info[1].IsUndefined()) {
    std::string name = info[1].IsString() ? info[1].As<Napi::String>().Utf8Value() : "";
    if (name == "v8") {
      sampler = SamplerKind::kV8;
    } else if (name != "viztracer") {
      return Throw(Napi::TypeError::New(env, "Expected \"sampler\" to be \"viztracer\" or \"v8\""));
    }
  }
  EnvState* state = State(env);
  if (!state->profiler) {
    state->profiler = std::make_unique<ThreadProfiler>(v8::Isolate::GetCurrent());
  }
  if (auto error = state->profiler->Start(static_cast<int>(interval), sampler)) {
    return Throw(Napi::Error::New(env, *error));
  }
  return env.Undefined();
}

// stop(): stops sampling the calling thread and returns its profile.
Napi::Value Stop(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  EnvState* state = State(env);
  if (!state->profiler || !state->profiler->running()) {
    return Throw(Napi::Error::New(env, "The profiler is not running on this thread"));
  }
  return ToObject(env, state->profiler->Stop());
}

// setThreadLabel(label): what this thread's orphaned profile, if any, will carry.
Napi::Value SetThreadLabel(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) {
    return Throw(Napi::TypeError::New(env, "Expected \"label\" to be a string"));
  }
  EnvState* state = State(env);
  state->label = info[0].As<Napi::String>().Utf8Value();
  RegisterJsThread(state->tid, state->label);
  return env.Undefined();
}

// takeOrphans(): the profiles of threads that ended while sampling; the store is emptied.
Napi::Value TakeOrphansJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::vector<Orphan> orphans = TakeOrphans();
  Napi::Array out = Napi::Array::New(env, orphans.size());
  for (size_t i = 0; i < orphans.size(); i++) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("tid", orphans[i].tid);
    o.Set("label", orphans[i].label);
    o.Set("profile", ToObject(env, orphans[i].profile));
    out.Set(i, o);
  }
  return out;
}

Napi::Object ToObject(Napi::Env env, const MonitorData& d) {
  Napi::Array threads = Napi::Array::New(env, d.threads.size());
  for (size_t i = 0; i < d.threads.size(); i++) {
    const MonitoredThread& t = d.threads[i];
    Napi::Object o = Napi::Object::New(env);
    o.Set("tid", t.tid);
    o.Set("name", t.name);
    o.Set("js", t.js);
    o.Set("label", t.label);
    o.Set("cpuMicros", t.cpuMicros);
    o.Set("ts", ToTypedArray<double, Napi::Float64Array>(env, t.ts));
    o.Set("cpuPercent", ToTypedArray<float, Napi::Float32Array>(env, t.cpuPercent));
    o.Set("core", ToTypedArray<int32_t, Napi::Int32Array>(env, t.core));
    threads.Set(i, o);
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("periodMillis", d.periodMillis);
  out.Set("monitorTid", d.monitorTid);
  out.Set("startTime", d.startMicros);
  out.Set("endTime", d.endMicros);
  out.Set("droppedTicks", static_cast<double>(d.droppedTicks));
  out.Set("threads", threads);
  return out;
}

// startMonitor(periodMillis = 10): starts the process-wide thread monitor.
Napi::Value StartMonitorJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  double period = 10;
  if (info.Length() >= 1 && !info[0].IsUndefined()) {
    double p = info[0].IsNumber() ? info[0].As<Napi::Number>().DoubleValue() : 0;
    if (!(p >= 1 && p <= 60000) || p != static_cast<int>(p)) {
      return Throw(
          Napi::TypeError::New(env, "Expected \"periodMillis\" to be an integer from 1 to 60000"));
    }
    period = p;
  }
  if (auto error = StartMonitor(period)) return Throw(Napi::Error::New(env, *error));
  return env.Undefined();
}

// stopMonitor(): stops the monitor thread, joins it, and returns what it saw.
Napi::Value StopMonitorJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::optional<MonitorData> data = StopMonitor();
  if (!data) return Throw(Napi::Error::New(env, "The thread monitor is not running"));
  return ToObject(env, *data);
}

// Finding libuv's pool threads: one work item per pool thread, each recording its gettid()
// and then waiting until all have started, so that no thread takes two. Shared by the items
// and the caller; the last owner frees it.
struct PoolProbe {
  std::mutex mutex;
  std::condition_variable cv;
  int count = 0;
  std::vector<int> tids;
  std::chrono::steady_clock::time_point deadline;
};

struct ProbeItem {
  std::shared_ptr<PoolProbe> probe;
  napi_async_work work = nullptr;
};

// On a pool thread: says who it is, then holds the thread until all items have started.
void ProbeArrive(PoolProbe& p) {
  std::unique_lock<std::mutex> lock(p.mutex);
  p.tids.push_back(GetTid());
  p.cv.notify_all();
  // A busy pool, or fewer threads than asked for: give up at the deadline, never hang.
  p.cv.wait_until(lock, p.deadline, [&p] { return static_cast<int>(p.tids.size()) >= p.count; });
}

// On the caller's thread: the tids of the items that started before the deadline.
std::vector<int> ProbeWait(PoolProbe& p) {
  std::unique_lock<std::mutex> lock(p.mutex);
  p.cv.wait_until(lock, p.deadline, [&p] { return static_cast<int>(p.tids.size()) >= p.count; });
  return p.tids;
}

Napi::Array ToTids(Napi::Env env, const std::vector<int>& tids) {
  Napi::Array out = Napi::Array::New(env, tids.size());
  for (size_t i = 0; i < tids.size(); i++) out.Set(i, tids[i]);
  return out;
}

void ProbeExecute(napi_env, void* data) { ProbeArrive(*static_cast<ProbeItem*>(data)->probe); }

void ProbeComplete(napi_env env, napi_status, void* data) {
  auto* item = static_cast<ProbeItem*>(data);
  napi_delete_async_work(env, item->work);
  delete item;
}

// findPoolThreads(count, timeoutMillis): the OS ids of up to `count` distinct libuv pool
// threads, in the order they started their item. Blocks the caller until all `count` items
// run or the timeout passes. Measured (Node 20.20, 2-core VM, 4 threads): about 3 ms when it
// is the first use of the pool (the pool's threads are created then, as they would be at the
// program's first fs or crypto call), 0.6 ms after.
Napi::Value FindPoolThreads(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto positiveInt = [](const Napi::Value& v, double max) {
    if (!v.IsNumber()) return false;
    double x = v.As<Napi::Number>().DoubleValue();
    return x >= 1 && x <= max && x == static_cast<int>(x);
  };
  if (info.Length() < 1 || !positiveInt(info[0], 1024)) {
    return Throw(Napi::TypeError::New(env, "Expected \"count\" to be an integer from 1 to 1024"));
  }
  if (info.Length() < 2 || !positiveInt(info[1], 60000)) {
    return Throw(
        Napi::TypeError::New(env, "Expected \"timeoutMillis\" to be an integer from 1 to 60000"));
  }
  const int count = info[0].As<Napi::Number>().Int32Value();
  const int timeout = info[1].As<Napi::Number>().Int32Value();
  auto probe = std::make_shared<PoolProbe>();
  probe->count = count;
  probe->deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout);
  napi_value name = Napi::String::New(env, "viztracer:pool-probe");
  for (int i = 0; i < count; i++) {
    auto* item = new ProbeItem{probe};
    if (napi_create_async_work(env, nullptr, name, ProbeExecute, ProbeComplete, item,
                               &item->work) != napi_ok ||
        napi_queue_async_work(env, item->work) != napi_ok) {
      if (item->work != nullptr) napi_delete_async_work(env, item->work);
      delete item;
      break;
    }
  }
  return ToTids(env, ProbeWait(*probe));
}

class PlatformProbeTask : public v8::Task {
 public:
  explicit PlatformProbeTask(std::shared_ptr<PoolProbe> probe) : probe_(std::move(probe)) {}
  void Run() override { ProbeArrive(*probe_); }

 private:
  std::shared_ptr<PoolProbe> probe_;
};

// findPlatformThreads(timeoutMillis): the OS ids of the V8 platform's worker threads (Node's
// pool for V8's background tasks: concurrent compilation and GC; --v8-pool-size, 4 by
// default), found as the libuv pool's are, with one v8::Task each. Their comm is `node` too.
// Holds those threads for the time it takes all of them to start a task (well under 1 ms when
// V8 is not busy; at most the timeout).
Napi::Value FindPlatformThreads(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber() ||
      !(info[0].As<Napi::Number>().DoubleValue() >= 1 &&
        info[0].As<Napi::Number>().DoubleValue() <= 60000) ||
      info[0].As<Napi::Number>().DoubleValue() != info[0].As<Napi::Number>().Int32Value()) {
    return Throw(
        Napi::TypeError::New(env, "Expected \"timeoutMillis\" to be an integer from 1 to 60000"));
  }
  v8::Isolate* isolate = v8::Isolate::GetCurrent();
  node::Environment* nodeEnv = node::GetCurrentEnvironment(isolate->GetCurrentContext());
  node::MultiIsolatePlatform* platform =
      nodeEnv != nullptr ? node::GetMultiIsolatePlatform(nodeEnv) : nullptr;
  if (platform == nullptr) return Napi::Array::New(env, 0);
  auto probe = std::make_shared<PoolProbe>();
  // Node's runner counts its delayed-task scheduler thread among its workers
  // (WorkerThreadsTaskRunner in node_platform.cc), which never runs tasks: one fewer.
  probe->count = std::max(platform->NumberOfWorkerThreads() - 1, 0);
  probe->deadline = std::chrono::steady_clock::now() +
                    std::chrono::milliseconds(info[0].As<Napi::Number>().Int32Value());
  for (int i = 0; i < probe->count; i++) {
    platform->CallOnWorkerThread(std::make_unique<PlatformProbeTask>(probe));
  }
  return ToTids(env, ProbeWait(*probe));
}

Napi::Value ThreadId(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), GetTid());
}

Napi::Value Now(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), MonotonicMicros());
}

Napi::Value CurrentCpu(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), sched_getcpu());
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("start", Napi::Function::New(env, Start, "start"));
  exports.Set("stop", Napi::Function::New(env, Stop, "stop"));
  exports.Set("setThreadLabel", Napi::Function::New(env, SetThreadLabel, "setThreadLabel"));
  exports.Set("takeOrphans", Napi::Function::New(env, TakeOrphansJs, "takeOrphans"));
  exports.Set("threadId", Napi::Function::New(env, ThreadId, "threadId"));
  exports.Set("now", Napi::Function::New(env, Now, "now"));
  exports.Set("startMonitor", Napi::Function::New(env, StartMonitorJs, "startMonitor"));
  exports.Set("stopMonitor", Napi::Function::New(env, StopMonitorJs, "stopMonitor"));
  exports.Set("findPoolThreads", Napi::Function::New(env, FindPoolThreads, "findPoolThreads"));
  exports.Set("findPlatformThreads",
              Napi::Function::New(env, FindPlatformThreads, "findPlatformThreads"));
  exports.Set("currentCpu", Napi::Function::New(env, CurrentCpu, "currentCpu"));
  AddRecorderExports(env, exports);
  return exports;
}

}  // namespace
}  // namespace viztracer

static Napi::Object InitViztracer(Napi::Env env, Napi::Object exports) {
  return viztracer::Init(env, exports);
}

NODE_API_MODULE(NODE_GYP_MODULE_NAME, InitViztracer)
