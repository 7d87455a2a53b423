// Signals acted on even while the program's JavaScript is busy: those that end a program
// (SIGINT, SIGTERM, SIGHUP), or SIGUSR2 that toggles an armed one. Node runs signal listeners on
// the event loop, so a program inside a long synchronous computation would see Ctrl+C only when it
// returns. A handler of ours, in front of libuv's, wakes a thread that asks the isolate for an
// interrupt (v8::Isolate::RequestInterrupt), which the isolate services within its running
// JavaScript; the callback given here runs there, on the main thread, where it may call into
// JavaScript. libuv's handler still runs, so the event loop gets the signal as before. Knows
// signals, threads and the isolate; nothing of what the callback does.
#ifndef VIZTRACER_STOP_SIGNALS_H_
#define VIZTRACER_STOP_SIGNALS_H_

#include <v8-isolate.h>

#include <vector>

namespace viztracer {

// Called on the isolate's thread, in an interrupt, with the signal's number.
using StopCallback = void (*)(int signal);

// Watches `signals` for `isolate` (the main thread's). Call on that thread after libuv has
// installed its handlers (after process.on(signal)): ours goes in front of them. Calling it
// again changes the callback. False when the thread cannot be started.
bool WatchStopSignals(v8::Isolate* isolate, StopCallback callback, const std::vector<int>& signals);

// Stops asking `isolate` for interrupts (call before it is disposed).
void UnwatchStopSignals();

// The program is being stopped (its report is being saved): from now on a further watched
// signal ends the process at once, by the signal's default action.
void MarkStopping();

}  // namespace viztracer

#endif  // VIZTRACER_STOP_SIGNALS_H_
