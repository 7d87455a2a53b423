// The clock and ring buffer of `--instrument`. See src/instrument/recorder.ts for the side that
// calls them, and src/native.ts for their contract.
//
// Why raw V8 functions: a call through node-addon-api (or N-API) costs a few tens of ns more
// than a v8::FunctionTemplate callback, and instrumented code records two entries per call.
// Why the ring is written here rather than in JavaScript: a JavaScript put would need the time
// as a return value, and a 64-bit tick count is not a small integer, so each read would
// allocate a heap number; written here, an entry costs one call with a small-integer argument.
// Why our own mmap: the ring is written once front to back, and on a VM each first write to
// a 4 KiB page costs more than the rest of the work of hundreds of calls; transparent huge
// pages (MADV_HUGEPAGE) make the first pass over the ring several times cheaper
// (docs/benchmarks.md, section 8).
#include "recorder.h"

#include <node.h>
#include <sys/mman.h>
#include <v8.h>

#include <cstdint>
#include <memory>
#include <mutex>

#include "os.h"
#include "tick_clock.h"

namespace viztracer {
namespace {

// The ring's layout, in doubles, shared with src/instrument/recorder.ts (RING_*):
// a header, then two doubles per entry: the code, then the time (ticks, or ns of
// CLOCK_MONOTONIC when the ring was made without ticks).
constexpr int kNext = 0;      // where the next entry goes (an entry index)
constexpr int kTotal = 1;     // entries ever written
constexpr int kTicks = 2;     // 1: times are ReadTicks(); 0: MonotonicNanos()
constexpr int kCapacity = 3;  // entries the ring holds
constexpr int kHeader = 8;    // doubles before the first entry (one cache line)
// 2^28 entries: 4 GiB of address space; the pages are touched only as entries are written.
constexpr double kMaxEntries = 268435456;

// Times are ticks since this process loaded the addon, so they stay exact as doubles (a TSC
// counts from the host's boot, and can pass 2^53 after 49 days at 2 GHz). Set once, before
// any function below can run; the same for every thread.
uint64_t tickBase = 0;
uint64_t nanosBase = 0;

inline double TicksNow(bool useTicks) {
  return useTicks ? static_cast<double>(ReadTicks() - tickBase)
                  : static_cast<double>(MonotonicNanos() - nanosBase);
}

// put(code): one entry, its time read here. Data(): an object whose internal field 0 is the
// ring and field 1 the ArrayBuffer over it (which keeps the memory alive as long as `put`).
void Put(const v8::FunctionCallbackInfo<v8::Value>& info) {
  auto* ring =
      static_cast<double*>(info.Data().As<v8::Object>()->GetAlignedPointerFromInternalField(0));
  v8::Local<v8::Value> arg = info[0];
  if (!arg->IsNumber()) return;
  const double code = arg.As<v8::Number>()->Value();
  const double t = TicksNow(ring[kTicks] != 0);
  const auto i = static_cast<uint32_t>(ring[kNext]);
  double* e = ring + kHeader + 2 * static_cast<size_t>(i);
  e[0] = code;
  e[1] = t;
  const uint32_t n = i + 1;
  ring[kNext] = n == static_cast<uint32_t>(ring[kCapacity]) ? 0 : n;
  ring[kTotal] += 1;
}

// ticks(useTicks): the time as put() records it (ticks since the addon was loaded, or ns of
// CLOCK_MONOTONIC since then when useTicks is false).
void Ticks(const v8::FunctionCallbackInfo<v8::Value>& info) {
  info.GetReturnValue().Set(TicksNow(info[0]->IsTrue()));
}

// clockPair(useTicks): [ticks, µs of CLOCK_MONOTONIC, uncertainty in ticks] read as close
// together as we can: the best of a few (ticks, clock, ticks) triples, the ticks' midpoint.
// With useTicks false the "ticks" are ns of CLOCK_MONOTONIC, so the pair is exact.
void ClockPair(const v8::FunctionCallbackInfo<v8::Value>& info) {
  v8::Isolate* isolate = info.GetIsolate();
  const bool useTicks = info[0]->BooleanValue(isolate);
  double bestTicks = 0;
  double bestMicros = 0;
  double bestSpread = -1;
  for (int k = 0; k < 7; k++) {
    if (!useTicks) {
      const uint64_t ns = MonotonicNanos();
      bestTicks = static_cast<double>(ns - nanosBase);
      bestMicros = static_cast<double>(ns) / 1e3;
      bestSpread = 0;
      break;
    }
    const uint64_t a = ReadTicks();
    const uint64_t ns = MonotonicNanos();
    const uint64_t b = ReadTicks();
    const double spread = static_cast<double>(b - a);
    if (bestSpread < 0 || spread < bestSpread) {
      bestSpread = spread;
      bestTicks = static_cast<double>(a - tickBase) + spread / 2;
      bestMicros = static_cast<double>(ns) / 1e3;
    }
  }
  v8::Local<v8::Value> out[] = {v8::Number::New(isolate, bestTicks),
                                v8::Number::New(isolate, bestMicros),
                                v8::Number::New(isolate, bestSpread)};
  info.GetReturnValue().Set(v8::Array::New(isolate, out, 3));
}

void Unmap(void* data, size_t length, void*) { munmap(data, length); }

// recorderRing(entries, useTicks): {ring: Float64Array, put: Function}, a new ring of its own.
void RecorderRing(const v8::FunctionCallbackInfo<v8::Value>& info) {
  v8::Isolate* isolate = info.GetIsolate();
  v8::Local<v8::Context> context = isolate->GetCurrentContext();
  const double entries = info[0]->IsNumber() ? info[0].As<v8::Number>()->Value() : 0;
  if (!(entries >= 1 && entries <= kMaxEntries) || entries != static_cast<uint32_t>(entries)) {
    isolate->ThrowException(v8::Exception::TypeError(v8::String::NewFromUtf8Literal(
        isolate, "Expected \"entries\" to be an integer from 1 to 268435456")));
    return;
  }
  const bool useTicks = info[1]->BooleanValue(isolate);
  const size_t bytes =
      ((kHeader + 2 * static_cast<size_t>(entries)) * sizeof(double) + kHugePage - 1) / kHugePage *
      kHugePage;
  auto* ring = static_cast<double*>(MapHugePages(bytes));
  if (ring == nullptr) {
    isolate->ThrowException(v8::Exception::RangeError(
        v8::String::NewFromUtf8Literal(isolate, "Cannot map memory for the recorder's ring")));
    return;
  }
  ring[kNext] = 0;
  ring[kTotal] = 0;
  ring[kTicks] = useTicks ? 1 : 0;
  ring[kCapacity] = entries;

  std::unique_ptr<v8::BackingStore> store =
      v8::ArrayBuffer::NewBackingStore(ring, bytes, Unmap, nullptr);
  v8::Local<v8::ArrayBuffer> buffer = v8::ArrayBuffer::New(isolate, std::move(store));
  v8::Local<v8::Float64Array> view =
      v8::Float64Array::New(buffer, 0, kHeader + 2 * static_cast<size_t>(entries));

  v8::Local<v8::ObjectTemplate> dataTemplate = v8::ObjectTemplate::New(isolate);
  dataTemplate->SetInternalFieldCount(2);
  v8::Local<v8::Object> data;
  if (!dataTemplate->NewInstance(context).ToLocal(&data)) return;
  data->SetAlignedPointerInInternalField(0, ring);
  data->SetInternalField(1, buffer);
  // Function::New, not a FunctionTemplate: a template's function is cached by the context for
  // good, and would keep every ring ever made alive with it.
  v8::Local<v8::Function> put;
  if (!v8::Function::New(context, Put, data, 1, v8::ConstructorBehavior::kThrow).ToLocal(&put)) {
    return;
  }
  put->SetName(v8::String::NewFromUtf8Literal(isolate, "put"));
  v8::Local<v8::Object> out = v8::Object::New(isolate);
  if (out->Set(context, v8::String::NewFromUtf8Literal(isolate, "ring"), view).IsNothing() ||
      out->Set(context, v8::String::NewFromUtf8Literal(isolate, "put"), put).IsNothing()) {
    return;
  }
  info.GetReturnValue().Set(out);
}

void SetFunction(v8::Isolate* isolate, v8::Local<v8::Context> context, v8::Local<v8::Object> target,
                 const char* name, v8::FunctionCallback callback, int length,
                 v8::SideEffectType effect) {
  v8::Local<v8::String> key = v8::String::NewFromUtf8(isolate, name).ToLocalChecked();
  v8::Local<v8::Function> fn = v8::FunctionTemplate::New(isolate, callback, v8::Local<v8::Value>(),
                                                         v8::Local<v8::Signature>(), length,
                                                         v8::ConstructorBehavior::kThrow, effect)
                                   ->GetFunction(context)
                                   .ToLocalChecked();
  fn->SetName(key);
  target->Set(context, key, fn).Check();
}

}  // namespace

void InstallRecorder() {
  static std::once_flag once;
  std::call_once(once, [] {
    tickBase = ReadTicks();
    nanosBase = MonotonicNanos();
  });
  v8::Isolate* isolate = v8::Isolate::GetCurrent();
  v8::HandleScope scope(isolate);
  v8::Local<v8::Context> context = isolate->GetCurrentContext();
  v8::Local<v8::Object> target = v8::Object::New(isolate);
  SetFunction(isolate, context, target, "ticks", Ticks, 1, v8::SideEffectType::kHasNoSideEffect);
  SetFunction(isolate, context, target, "clockPair", ClockPair, 1,
              v8::SideEffectType::kHasNoSideEffect);
  SetFunction(isolate, context, target, "recorderRing", RecorderRing, 2,
              v8::SideEffectType::kHasSideEffect);
  target
      ->Set(context, v8::String::NewFromUtf8Literal(isolate, "tickSource"),
            v8::String::NewFromUtf8(isolate, kTickSource).ToLocalChecked())
      .Check();
  // Handed over through the global object, public API on both sides (N-API gives no V8 handle
  // of its values); src/native.ts takes it and deletes the property at once.
  v8::Local<v8::Symbol> key =
      v8::Symbol::For(isolate, v8::String::NewFromUtf8(isolate, kRecorderKey).ToLocalChecked());
  context->Global()->Set(context, key, target).Check();
}

}  // namespace viztracer
