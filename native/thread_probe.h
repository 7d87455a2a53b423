// Naming the threads of Node's pools, which all carry the comm `node`: libuv's (fs, dns,
// crypto, zlib work) and the V8 platform's (concurrent compilation and GC). Each is found by
// giving every thread of the pool one item that records its gettid() and then waits until all
// items have started, so that no thread takes two.
#ifndef VIZTRACER_THREAD_PROBE_H_
#define VIZTRACER_THREAD_PROBE_H_

#include <node_api.h>
#include <v8-isolate.h>

#include <vector>

namespace viztracer {

// The OS ids of up to `count` distinct libuv pool threads, in the order they started their
// item. Blocks the caller until all `count` items run or `timeoutMillis` passes.
std::vector<int> FindPoolThreads(napi_env env, int count, int timeoutMillis);

// The OS ids of the V8 platform's worker threads (Node's pool for V8's background tasks;
// --v8-pool-size, 4 by default), found the same way with one v8::Task each.
std::vector<int> FindPlatformThreads(v8::Isolate* isolate, int timeoutMillis);

}  // namespace viztracer

#endif  // VIZTRACER_THREAD_PROBE_H_
