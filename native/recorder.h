// The clock and ring buffer of `--instrument`, as plain V8 functions (not node-addon-api's
// wrappers): instrumented code calls `put` twice per function call, so the cost of the call
// itself is most of what we pay.
#ifndef VIZTRACER_RECORDER_H_
#define VIZTRACER_RECORDER_H_

namespace viztracer {

// The global symbol (`Symbol.for(kRecorderKey)`) under which InstallRecorder leaves its object.
inline constexpr const char* kRecorderKey = "viztracer.addon.recorder";

// Makes `ticks`, `tickSource`, `clockPair` and `recorderRing` in the calling thread's isolate,
// as plain V8 functions, and leaves them on its global object under kRecorderKey. (N-API does
// not convert its values to V8 handles, so the N-API exports object cannot receive them.)
void InstallRecorder();

}  // namespace viztracer

#endif  // VIZTRACER_RECORDER_H_
