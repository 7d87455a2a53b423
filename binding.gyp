# One target. It uses V8's C++ API (CpuProfiler, the recorder's FunctionTemplates) beside
# N-API, so a build is tied to one Node ABI: prebuilds are made per Node version (--napi=false).
{
  "targets": [
    {
      "target_name": "viztracer",
      "sources": ["native/addon.cc", "native/cpu_profiler.cc", "native/sample_cores.cc", "native/stop_signals.cc", "native/thread_monitor.cc", "native/recorder.cc", "native/thread_probe.cc", "native/mappings_index.cc"],
      "include_dirs": ["<!@(node -p \"require('node-addon-api').include\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS"],
      "cflags_cc!": ["-std=gnu++17", "-fno-exceptions"],
      "cflags_cc": ["-std=c++20", "-fno-exceptions", "-Wall", "-Wextra", "-Wno-unused-parameter"]
    }
  ]
}
