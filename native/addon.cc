// The JavaScript face of the addon: argument checks and conversions to plain data. Every
// function validates its arguments and delegates to cpu_profiler.cc; only this layer throws.
//
// State is per environment (main thread or worker), kept in N-API instance data: each
// worker loads its own instance of the addon, with its own isolate and its own profiler.
#include <napi.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <v8-isolate.h>

#include <climits>
#include <memory>
#include <string>
#include <utility>

#include "clock.h"
#include "cpu_profiler.h"

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
  return out;
}

// start(intervalMicros): starts sampling the calling thread.
Napi::Value Start(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* bad = "Expected \"intervalMicros\" to be a positive integer";
  if (info.Length() < 1 || !info[0].IsNumber()) return Throw(Napi::TypeError::New(env, bad));
  double interval = info[0].As<Napi::Number>().DoubleValue();
  if (!(interval >= 1 && interval <= INT_MAX) || interval != static_cast<int>(interval)) {
    return Throw(Napi::TypeError::New(env, bad));
  }
  EnvState* state = State(env);
  if (!state->profiler) {
    state->profiler = std::make_unique<ThreadProfiler>(v8::Isolate::GetCurrent());
  }
  if (auto error = state->profiler->Start(static_cast<int>(interval))) {
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
  State(env)->label = info[0].As<Napi::String>().Utf8Value();
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
  exports.Set("currentCpu", Napi::Function::New(env, CurrentCpu, "currentCpu"));
  return exports;
}

}  // namespace
}  // namespace viztracer

static Napi::Object InitViztracer(Napi::Env env, Napi::Object exports) {
  return viztracer::Init(env, exports);
}

NODE_API_MODULE(NODE_GYP_MODULE_NAME, InitViztracer)
