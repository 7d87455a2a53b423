// The recorder's clock: the CPU's own counter, read in a few cycles without a system call.
//
// x86_64: the TSC (rdtsc). With the `constant_tsc` and `nonstop_tsc` CPU flags it ticks at a
// fixed rate in every power state, on every core; the JavaScript side checks those flags and
// falls back to CLOCK_MONOTONIC without them. arm64: the virtual counter (cntvct_el0), fixed
// rate by the architecture. Elsewhere: CLOCK_MONOTONIC in ns. Ticks are turned into µs of
// CLOCK_MONOTONIC (os.h) by a linear fit of (ticks, µs) pairs, done in TypeScript.
#ifndef VIZTRACER_TICK_CLOCK_H_
#define VIZTRACER_TICK_CLOCK_H_

#include <stdint.h>

#include "os.h"

#if defined(__x86_64__)
#include <x86intrin.h>
#endif

namespace viztracer {

// What ReadTicks() reads: "tsc", "cntvct" or "monotonic" (ns).
#if defined(__x86_64__)
inline constexpr const char* kTickSource = "tsc";
inline uint64_t ReadTicks() { return __rdtsc(); }
#elif defined(__aarch64__)
inline constexpr const char* kTickSource = "cntvct";
inline uint64_t ReadTicks() {
  uint64_t v;
  asm volatile("mrs %0, cntvct_el0" : "=r"(v));
  return v;
}
#else
inline constexpr const char* kTickSource = "monotonic";
inline uint64_t ReadTicks() { return static_cast<uint64_t>(MonotonicNanos()); }
#endif

}  // namespace viztracer

#endif  // VIZTRACER_TICK_CLOCK_H_
