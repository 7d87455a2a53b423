// The JavaScript face of the addon: argument checks and conversions to plain data. Every
// function validates its arguments and delegates to cpu_profiler.cc; only this layer throws.
//
// State is per environment (main thread or worker), kept in N-API instance data: each
// worker loads its own instance of the addon, with its own isolate and its own profiler.
#include <dlfcn.h>
#include <napi.h>
#include <node.h>
#include <signal.h>
#include <unistd.h>
#include <v8-isolate.h>

#include <algorithm>
#include <climits>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "cpu_profiler.h"
#include "mappings_index.h"
#include "os.h"
#include "recorder.h"
#include "stop_signals.h"
#include "thread_monitor.h"
#include "thread_probe.h"

namespace viztracer {
namespace {

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
// watchStopSignals' callback, on the main thread only.
napi_env stopEnv = nullptr;
Napi::FunctionReference* stopCallback = nullptr;

void OnEnvCleanup(void* arg) {
  auto* state = static_cast<EnvState*>(arg);
  if (state->tid == getpid() && stopCallback != nullptr) {
    UnwatchStopSignals();
    delete stopCallback;
    stopCallback = nullptr;
  }
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
  state->tid = Gettid();
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

// The one check of an integer argument: info[i] is a number, an integer from `min` to `max`.
// Otherwise throws a TypeError, `Expected "<name>" to be <what>` (by default "an integer from
// <min> to <max>"), and returns nothing. With `fallback`, a missing or undefined argument is it.
std::optional<int> IntArg(const Napi::CallbackInfo& info, size_t i, const char* name, int min,
                          int max, const char* what = nullptr,
                          std::optional<int> fallback = std::nullopt) {
  if (fallback && (info.Length() <= i || info[i].IsUndefined())) return fallback;
  if (info.Length() > i && info[i].IsNumber()) {
    double x = info[i].As<Napi::Number>().DoubleValue();
    if (x >= min && x <= max && x == static_cast<int>(x)) return static_cast<int>(x);
  }
  std::string range = what != nullptr
                          ? what
                          : "an integer from " + std::to_string(min) + " to " + std::to_string(max);
  Throw(Napi::TypeError::New(info.Env(), "Expected \"" + std::string(name) + "\" to be " + range));
  return std::nullopt;
}

template <typename T, typename A>
A ToTypedArray(Napi::Env env, const std::vector<T>& v) {
  A array = A::New(env, v.size());
  std::copy(v.begin(), v.end(), array.Data());
  return array;
}

// The same without a copy: the array's memory is the vector's, freed with the array. For the
// per-sample columns, the biggest thing a save holds.
template <typename T, typename A>
A MoveToTypedArray(Napi::Env env, std::vector<T>&& v) {
  if (v.empty()) return A::New(env, 0);
  auto* owned = new std::vector<T>(std::move(v));
  Napi::ArrayBuffer buffer = Napi::ArrayBuffer::New(
      env, owned->data(), owned->size() * sizeof(T),
      [](Napi::Env, void*, std::vector<T>* data) { delete data; }, owned);
  return A::New(env, owned->size(), buffer, 0);
}

Napi::Array ToStrings(Napi::Env env, const std::vector<std::string>& v) {
  Napi::Array array = Napi::Array::New(env, v.size());
  for (size_t i = 0; i < v.size(); i++) array.Set(i, Napi::String::New(env, v[i]));
  return array;
}

Napi::Object ToObject(Napi::Env env, ProfileData&& p) {
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
  out.Set("samples", MoveToTypedArray<int32_t, Napi::Int32Array>(env, std::move(p.samples)));
  out.Set("timestamps", MoveToTypedArray<double, Napi::Float64Array>(env, std::move(p.timestamps)));
  out.Set("startTime", p.startTime);
  out.Set("endTime", p.endTime);
  out.Set("sampler", p.sampler == SamplerKind::kViztracer ? "viztracer" : "v8");
  out.Set("cpus", MoveToTypedArray<int16_t, Napi::Int16Array>(env, std::move(p.cpus)));
  return out;
}

// start(intervalMicros, sampler = "viztracer"): starts sampling the calling thread, with V8's
// sampler tuned to the asked rate, or as it ships ("v8").
Napi::Value Start(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::optional<int> interval = IntArg(info, 0, "intervalMicros", 1, INT_MAX, "a positive integer");
  if (!interval) return env.Undefined();
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
  if (auto error = state->profiler->Start(*interval, sampler)) {
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

// compact(): moves what V8 has sampled on the calling thread so far into compact memory. The
// addon does it by itself every few seconds; this is for tests.
Napi::Value Compact(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  EnvState* state = State(env);
  if (!state->profiler || !state->profiler->running()) {
    return Throw(Napi::Error::New(env, "The profiler is not running on this thread"));
  }
  state->profiler->Compact();
  return env.Undefined();
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
    o.Set("profile", ToObject(env, std::move(orphans[i].profile)));
    out.Set(i, o);
  }
  return out;
}

// The ticks' columns are moved, not copied: a long run's are MB, allocated by the monitor's own
// thread, whose malloc arena would keep the freed copies resident through the save.
Napi::Object ToObject(Napi::Env env, MonitorData&& d) {
  Napi::Array threads = Napi::Array::New(env, d.threads.size());
  for (size_t i = 0; i < d.threads.size(); i++) {
    MonitoredThread& t = d.threads[i];
    Napi::Object o = Napi::Object::New(env);
    o.Set("tid", t.tid);
    o.Set("name", t.name);
    o.Set("js", t.js);
    o.Set("label", t.label);
    o.Set("cpuMicros", t.cpuMicros);
    o.Set("ts", MoveToTypedArray<double, Napi::Float64Array>(env, std::move(t.ts)));
    o.Set("cpuPercent", MoveToTypedArray<float, Napi::Float32Array>(env, std::move(t.cpuPercent)));
    o.Set("core", MoveToTypedArray<int32_t, Napi::Int32Array>(env, std::move(t.core)));
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
  std::optional<int> period = IntArg(info, 0, "periodMillis", 1, 60000, nullptr, 10);
  if (!period) return env.Undefined();
  if (auto error = StartMonitor(*period)) return Throw(Napi::Error::New(env, *error));
  return env.Undefined();
}

// stopMonitor(): stops the monitor thread, joins it, and returns what it saw.
Napi::Value StopMonitorJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::optional<MonitorData> data = StopMonitor();
  if (!data) return Throw(Napi::Error::New(env, "The thread monitor is not running"));
  return ToObject(env, std::move(*data));
}

Napi::Array ToTids(Napi::Env env, const std::vector<int>& tids) {
  Napi::Array out = Napi::Array::New(env, tids.size());
  for (size_t i = 0; i < tids.size(); i++) out.Set(i, tids[i]);
  return out;
}

// findPoolThreads(count, timeoutMillis): the OS ids of up to `count` libuv pool threads
// (thread_probe.h).
Napi::Value FindPoolThreadsJs(const Napi::CallbackInfo& info) {
  std::optional<int> count = IntArg(info, 0, "count", 1, 1024);
  if (!count) return info.Env().Undefined();
  std::optional<int> timeout = IntArg(info, 1, "timeoutMillis", 1, 60000);
  if (!timeout) return info.Env().Undefined();
  return ToTids(info.Env(), FindPoolThreads(info.Env(), *count, *timeout));
}

// findPlatformThreads(timeoutMillis): the OS ids of the V8 platform's worker threads.
Napi::Value FindPlatformThreadsJs(const Napi::CallbackInfo& info) {
  std::optional<int> timeout = IntArg(info, 0, "timeoutMillis", 1, 60000);
  if (!timeout) return info.Env().Undefined();
  return ToTids(info.Env(), FindPlatformThreads(v8::Isolate::GetCurrent(), *timeout));
}

// The signals watchStopSignals takes, by the names JavaScript gives them.
constexpr struct {
  const char* name;
  int number;
} kWatchable[] = {
    {"SIGINT", SIGINT}, {"SIGTERM", SIGTERM}, {"SIGHUP", SIGHUP}, {"SIGUSR2", SIGUSR2}};

// In an interrupt on the main thread (stop_signals.h): calls the JavaScript callback with the
// signal's name. What it throws is dropped: the program's own code is what was interrupted.
void CallStopCallback(int signal) {
  if (stopCallback == nullptr) return;
  Napi::Env env(stopEnv);
  Napi::HandleScope scope(env);
  const char* name = "";
  for (const auto& w : kWatchable) {
    if (w.number == signal) name = w.name;
  }
  stopCallback->Call({Napi::String::New(env, name)});
  if (env.IsExceptionPending()) env.GetAndClearPendingException();
}

// watchStopSignals(callback, signals = ["SIGINT", "SIGTERM", "SIGHUP"]): on one of `signals`
// (those, or "SIGUSR2"), callback(name) runs on the main thread as soon as its JavaScript can be
// interrupted, even inside a synchronous loop (and the event loop gets the signal as before).
// Main thread only, after process.on(signal).
Napi::Value WatchStopSignalsJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsFunction()) {
    return Throw(Napi::TypeError::New(env, "Expected \"callback\" to be a function"));
  }
  if (Gettid() != getpid()) {
    return Throw(Napi::Error::New(env, "Signals can only be watched on the main thread"));
  }
  std::vector<int> signals{SIGINT, SIGTERM, SIGHUP};
  if (info.Length() >= 2 && !info[1].IsUndefined()) {
    signals.clear();
    const bool isArray = info[1].IsArray();
    const uint32_t n = isArray ? info[1].As<Napi::Array>().Length() : 0;
    for (uint32_t i = 0; i < n; i++) {
      Napi::Value v = info[1].As<Napi::Array>().Get(i);
      const std::string name = v.IsString() ? v.As<Napi::String>().Utf8Value() : "";
      int signal = 0;
      for (const auto& w : kWatchable) {
        if (name == w.name) signal = w.number;
      }
      if (signal == 0) break;
      signals.push_back(signal);
    }
    if (!isArray || signals.size() != n || n == 0) {
      return Throw(Napi::TypeError::New(env,
                                        "Expected \"signals\" to be an array of \"SIGINT\", "
                                        "\"SIGTERM\", \"SIGHUP\", \"SIGUSR2\""));
    }
  }
  State(env);  // its cleanup hook forgets the callback before the isolate goes
  delete stopCallback;
  stopCallback = new Napi::FunctionReference(Napi::Persistent(info[0].As<Napi::Function>()));
  stopEnv = env;
  if (!WatchStopSignals(v8::Isolate::GetCurrent(), CallStopCallback, signals)) {
    return Throw(Napi::Error::New(env, "Cannot start the signal watcher thread"));
  }
  return env.Undefined();
}

// markStopping(): the program is being stopped; a further signal ends it at once.
Napi::Value MarkStoppingJs(const Napi::CallbackInfo& info) {
  MarkStopping();
  return info.Env().Undefined();
}

Napi::Value ThreadId(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), Gettid());
}

// wallMinusMonotonic(): the wall clock's epoch ns minus CLOCK_MONOTONIC's, as a BigInt.
Napi::Value WallMinusMonotonicJs(const Napi::CallbackInfo& info) {
  return Napi::BigInt::New(info.Env(), WallMinusMonotonicNanos());
}

// indexMappings(mappings): the Int32Array index of mappings_index.h, or the offset of a bad byte.
Napi::Value IndexMappingsJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsTypedArray() ||
      info[0].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    return Throw(Napi::TypeError::New(env, "Expected \"mappings\" to be a Uint8Array"));
  }
  auto mappings = info[0].As<Napi::Uint8Array>();
  std::vector<int32_t> index;
  const ptrdiff_t bad = IndexMappings(mappings.Data(), mappings.ElementLength(), index);
  if (bad >= 0) return Napi::Number::New(env, static_cast<double>(bad));
  return MoveToTypedArray<int32_t, Napi::Int32Array>(env, std::move(index));
}

// readFile(path): the bytes of a regular file, a Buffer over memory of huge pages (a 10 MB
// source map read by fs.readFileSync spent most of its time in the first writes to the fresh
// buffer's 4 KiB pages); the errno when it cannot (EINVAL: not a regular file).
Napi::Value ReadFileJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) {
    return Throw(Napi::TypeError::New(env, "Expected \"path\" to be a string"));
  }
  const std::string path = info[0].As<Napi::String>().Utf8Value();
  if (path.find('\0') != std::string::npos) return Napi::Number::New(env, EINVAL);
  void* data = nullptr;
  size_t length = 0;
  size_t mapped = 0;
  const int error = ReadFileToHugePages(path.c_str(), &data, &length, &mapped);
  if (error != 0) return Napi::Number::New(env, error);
  // Not told to V8 as external memory: past a limit, that starts a garbage collection at once,
  // of a heap that holds the profile at the end of a run; the buffer is freed with its map.
  return Napi::Buffer<uint8_t>::New(env, static_cast<uint8_t*>(data), length,
                                    [mapped](Napi::Env, uint8_t* p) { munmap(p, mapped); });
}

// Node's node_api_create_external_string_latin1 (Node 20.4 and later), found at run time so the
// addon still loads on an older Node.
using CreateLatin1 = napi_status (*)(napi_env, char*, size_t, napi_finalize, void*, napi_value*,
                                     bool*);

// readAsciiFile(path): the file as a string V8 neither copies nor decodes (an external one-byte
// string over the memory it was read into, freed with the string), or null when the file is not
// all ASCII, cannot be read, or this Node cannot make such strings.
Napi::Value ReadAsciiFileJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) {
    return Throw(Napi::TypeError::New(env, "Expected \"path\" to be a string"));
  }
  static const auto create =
      reinterpret_cast<CreateLatin1>(dlsym(RTLD_DEFAULT, "node_api_create_external_string_latin1"));
  const std::string path = info[0].As<Napi::String>().Utf8Value();
  if (create == nullptr || path.find('\0') != std::string::npos) return env.Null();
  void* data = nullptr;
  size_t length = 0;
  size_t mapped = 0;
  if (ReadFileToHugePages(path.c_str(), &data, &length, &mapped) != 0) return env.Null();
  const auto* bytes = static_cast<const unsigned char*>(data);
  unsigned char any = 0;
  for (size_t i = 0; i < length; i++) any |= bytes[i];
  auto release = [](napi_env, void* p, void* hint) { munmap(p, reinterpret_cast<size_t>(hint)); };
  napi_value out = nullptr;
  bool copied = false;
  // Not ASCII: as Latin-1 its UTF-8 would read as other characters.
  if ((any & 0x80) != 0 || create(env, static_cast<char*>(data), length, release,
                                  reinterpret_cast<void*>(mapped), &out, &copied) != napi_ok) {
    munmap(data, mapped);
    return env.Null();
  }
  return Napi::Value(env, out);
}

// lookupMappings(mappings, index, queries): LookupMappings' results, an Int32Array.
Napi::Value LookupMappingsJs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto is = [&](size_t i, napi_typedarray_type type) {
    return info.Length() > i && info[i].IsTypedArray() &&
           info[i].As<Napi::TypedArray>().TypedArrayType() == type;
  };
  if (!is(0, napi_uint8_array)) {
    return Throw(Napi::TypeError::New(env, "Expected \"mappings\" to be a Uint8Array"));
  }
  if (!is(1, napi_int32_array)) {
    return Throw(Napi::TypeError::New(env, "Expected \"index\" to be an Int32Array"));
  }
  if (!is(2, napi_int32_array)) {
    return Throw(Napi::TypeError::New(env, "Expected \"queries\" to be an Int32Array"));
  }
  auto mappings = info[0].As<Napi::Uint8Array>();
  auto index = info[1].As<Napi::Int32Array>();
  auto queries = info[2].As<Napi::Int32Array>();
  const size_t count = queries.ElementLength() / kLookupQueryStride;
  auto results = Napi::Int32Array::New(env, count * kLookupResultStride);
  LookupMappings(mappings.Data(), mappings.ElementLength(), index.Data(), index.ElementLength(),
                 queries.Data(), count, results.Data());
  return results;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("start", Napi::Function::New(env, Start, "start"));
  exports.Set("stop", Napi::Function::New(env, Stop, "stop"));
  exports.Set("compact", Napi::Function::New(env, Compact, "compact"));
  exports.Set("setThreadLabel", Napi::Function::New(env, SetThreadLabel, "setThreadLabel"));
  exports.Set("takeOrphans", Napi::Function::New(env, TakeOrphansJs, "takeOrphans"));
  exports.Set("threadId", Napi::Function::New(env, ThreadId, "threadId"));
  exports.Set("wallMinusMonotonic",
              Napi::Function::New(env, WallMinusMonotonicJs, "wallMinusMonotonic"));
  exports.Set("watchStopSignals", Napi::Function::New(env, WatchStopSignalsJs, "watchStopSignals"));
  exports.Set("markStopping", Napi::Function::New(env, MarkStoppingJs, "markStopping"));
  exports.Set("startMonitor", Napi::Function::New(env, StartMonitorJs, "startMonitor"));
  exports.Set("stopMonitor", Napi::Function::New(env, StopMonitorJs, "stopMonitor"));
  exports.Set("findPoolThreads", Napi::Function::New(env, FindPoolThreadsJs, "findPoolThreads"));
  exports.Set("findPlatformThreads",
              Napi::Function::New(env, FindPlatformThreadsJs, "findPlatformThreads"));
  exports.Set("indexMappings", Napi::Function::New(env, IndexMappingsJs, "indexMappings"));
  exports.Set("readFile", Napi::Function::New(env, ReadFileJs, "readFile"));
  exports.Set("readAsciiFile", Napi::Function::New(env, ReadAsciiFileJs, "readAsciiFile"));
  exports.Set("lookupMappings", Napi::Function::New(env, LookupMappingsJs, "lookupMappings"));
  InstallRecorder();
  return exports;
}

}  // namespace
}  // namespace viztracer

static Napi::Object InitViztracer(Napi::Env env, Napi::Object exports) {
  return viztracer::Init(env, exports);
}

NODE_API_MODULE(NODE_GYP_MODULE_NAME, InitViztracer)
