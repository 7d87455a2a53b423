// The process-wide monitor thread: reads /proc/self/task at a fixed period and records, for
// every OS thread of the process (libuv's pool, V8's platform threads, the inspector's, the
// JS threads), its name, CPU use and last CPU core. Knows the OS, nothing of V8 or reports.
#ifndef VIZTRACER_THREAD_MONITOR_H_
#define VIZTRACER_THREAD_MONITOR_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace viztracer {

// One OS thread as the monitor saw it. Ticks are stored only when a value changes (the
// counters are step functions, so nothing is lost), plus one at the thread's end or the stop.
struct MonitoredThread {
  int tid = 0;
  std::string name;               // the last comm seen
  double cpuMicros = 0;           // CPU time used while monitored
  bool js = false;                // a JS thread (main or worker) that loaded the addon
  std::string label;              // what that JS thread passed to setThreadLabel()
  std::vector<double> ts;         // µs of CLOCK_MONOTONIC, the profiler's clock
  std::vector<float> cpuPercent;  // CPU time over wall time since the previous read, in %
  std::vector<int32_t> core;      // the CPU it last ran on (field 39 of stat)
};

struct MonitorData {
  double periodMillis = 0;
  int monitorTid = 0;  // the monitor's own thread
  double startMicros = 0;
  double endMicros = 0;
  // Ticks not stored because the cap (kMaxTicks, all threads together) was reached.
  int64_t droppedTicks = 0;
  std::vector<MonitoredThread> threads;
};

// Starts the monitor thread; an error message if it is already running.
std::optional<std::string> StartMonitor(double periodMillis);
// Stops and joins the monitor thread; nullopt when it was not running.
std::optional<MonitorData> StopMonitor();
// Marks a thread as a JS thread (called by every environment that uses the addon), with the
// label it gave itself. Safe from any thread.
void RegisterJsThread(int tid, const std::string& label);

}  // namespace viztracer

#endif  // VIZTRACER_THREAD_MONITOR_H_
