#include "stop_signals.h"

#include <errno.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

namespace viztracer {

namespace {

constexpr int kMaxSignal = 65;

// What was installed before ours (libuv's handler), per signal. Written before ours is
// installed, read by the handler.
struct sigaction previous[kMaxSignal];

// The handler posts, the watcher thread waits: sem_post is safe in a signal handler.
sem_t wake;
std::atomic<int> pendingSignal{0};
std::atomic<bool> stopping{false};

// Guards the isolate and callback against the isolate going away. Never destroyed: the
// watcher thread may still take it while static destructors run at exit.
std::mutex& Mutex() {
  static auto* mutex = new std::mutex();
  return *mutex;
}
v8::Isolate* watched = nullptr;
StopCallback onStop = nullptr;
bool started = false;

void Chain(int signal, siginfo_t* info, void* context) {
  const struct sigaction& p = previous[signal];
  if (p.sa_flags & SA_SIGINFO) {
    if (p.sa_sigaction != nullptr) p.sa_sigaction(signal, info, context);
  } else if (p.sa_handler != SIG_DFL && p.sa_handler != SIG_IGN) {
    p.sa_handler(signal);
  }
}

void OnSignal(int signal, siginfo_t* info, void* context) {
  const int savedErrno = errno;
  if (stopping.load(std::memory_order_relaxed)) {
    // A second Ctrl+C while the report is saved: now. The signal is blocked while this
    // handler runs, so it is delivered, by its default action, as soon as the handler returns.
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    sigaction(signal, &dfl, nullptr);
    raise(signal);
    errno = savedErrno;
    return;
  }
  pendingSignal.store(signal, std::memory_order_relaxed);
  sem_post(&wake);
  errno = savedErrno;
  Chain(signal, info, context);
}

bool IsOurs(const struct sigaction& a) {
  return (a.sa_flags & SA_SIGINFO) && a.sa_sigaction == OnSignal;
}

// On the isolate's thread: between two steps of its JavaScript, or when it next runs some.
void OnInterrupt(v8::Isolate* isolate, void* data) {
  StopCallback callback;
  {
    std::lock_guard<std::mutex> lock(Mutex());
    if (watched != isolate || onStop == nullptr) return;
    callback = onStop;
  }
  callback(static_cast<int>(reinterpret_cast<intptr_t>(data)));
}

void Watch() {
  // Signals are for the program's threads to take, not this one.
  sigset_t all;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, nullptr);
  pthread_setname_np(pthread_self(), "vz-signals");
  for (;;) {
    if (sem_wait(&wake) != 0) continue;  // EINTR
    const int signal = pendingSignal.load(std::memory_order_relaxed);
    std::lock_guard<std::mutex> lock(Mutex());
    if (watched != nullptr) {
      watched->RequestInterrupt(OnInterrupt,
                                reinterpret_cast<void*>(static_cast<intptr_t>(signal)));
    }
  }
}

}  // namespace

bool WatchStopSignals(v8::Isolate* isolate, StopCallback callback,
                      const std::vector<int>& signals) {
  std::lock_guard<std::mutex> lock(Mutex());
  watched = isolate;
  onStop = callback;
  if (!started) {
    if (sem_init(&wake, 0, 0) != 0) return false;
    // Lives as long as the process, blocked in sem_wait; nothing to join at exit.
    std::thread(Watch).detach();
    started = true;
  }
  for (int signal : signals) {
    if (signal <= 0 || signal >= kMaxSignal) continue;
    struct sigaction current {};
    sigaction(signal, nullptr, &current);
    if (IsOurs(current)) continue;
    previous[signal] = current;
    struct sigaction ours {};
    ours.sa_sigaction = OnSignal;
    sigemptyset(&ours.sa_mask);
    ours.sa_flags = SA_SIGINFO | SA_RESTART | SA_ONSTACK;
    sigaction(signal, &ours, nullptr);
  }
  return true;
}

void UnwatchStopSignals() {
  std::lock_guard<std::mutex> lock(Mutex());
  watched = nullptr;
  onStop = nullptr;
}

void MarkStopping() { stopping.store(true, std::memory_order_relaxed); }

}  // namespace viztracer
