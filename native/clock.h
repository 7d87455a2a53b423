// The one clock of the addon: CLOCK_MONOTONIC in microseconds.
//
// V8's base::TimeTicks::Now() reads CLOCK_MONOTONIC on Linux, so the sample timestamps of
// v8::CpuProfile, the inspector's profiles and process.hrtime() are all on this clock, and
// it is the same clock in every process of the host: no alignment between processes needed.
#ifndef VIZTRACER_CLOCK_H_
#define VIZTRACER_CLOCK_H_

#include <time.h>

namespace viztracer {

inline double MonotonicMicros() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
}

}  // namespace viztracer

#endif  // VIZTRACER_CLOCK_H_
