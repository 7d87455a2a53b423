// The clock and ring buffer of `--instrument`, as plain V8 functions (not node-addon-api's
// wrappers): instrumented code calls `put` twice per function call, so the cost of the call
// itself is most of what we pay.
#ifndef VIZTRACER_RECORDER_H_
#define VIZTRACER_RECORDER_H_

#include <node_api.h>

namespace viztracer {

// Adds `ticks`, `tickSource`, `clockPair` and `recorderRing` to the addon's exports.
void AddRecorderExports(napi_env env, napi_value exports);

}  // namespace viztracer

#endif  // VIZTRACER_RECORDER_H_
