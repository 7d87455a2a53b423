#include "thread_probe.h"

#include <node.h>
#include <v8-platform.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <utility>

#include "os.h"

namespace viztracer {

namespace {

// Shared by the items and the caller; the last owner frees it.
struct PoolProbe {
  std::mutex mutex;
  std::condition_variable cv;
  int count = 0;
  std::vector<int> tids;
  std::chrono::steady_clock::time_point deadline;
};

// On a pool thread: says who it is, then holds the thread until all items have started.
void ProbeArrive(PoolProbe& p) {
  std::unique_lock<std::mutex> lock(p.mutex);
  p.tids.push_back(Gettid());
  p.cv.notify_all();
  // A busy pool, or fewer threads than asked for: give up at the deadline, never hang.
  p.cv.wait_until(lock, p.deadline, [&p] { return static_cast<int>(p.tids.size()) >= p.count; });
}

// On the caller's thread: the tids of the items that started before the deadline.
std::vector<int> ProbeWait(PoolProbe& p) {
  std::unique_lock<std::mutex> lock(p.mutex);
  p.cv.wait_until(lock, p.deadline, [&p] { return static_cast<int>(p.tids.size()) >= p.count; });
  return p.tids;
}

std::shared_ptr<PoolProbe> NewProbe(int count, int timeoutMillis) {
  auto probe = std::make_shared<PoolProbe>();
  probe->count = count;
  probe->deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMillis);
  return probe;
}

struct ProbeItem {
  std::shared_ptr<PoolProbe> probe;
  napi_async_work work = nullptr;
};

void ProbeExecute(napi_env, void* data) { ProbeArrive(*static_cast<ProbeItem*>(data)->probe); }

void ProbeComplete(napi_env env, napi_status, void* data) {
  auto* item = static_cast<ProbeItem*>(data);
  napi_delete_async_work(env, item->work);
  delete item;
}

class PlatformProbeTask : public v8::Task {
 public:
  explicit PlatformProbeTask(std::shared_ptr<PoolProbe> probe) : probe_(std::move(probe)) {}
  void Run() override { ProbeArrive(*probe_); }

 private:
  std::shared_ptr<PoolProbe> probe_;
};

}  // namespace

// The first use of the pool creates its threads (as the program's first fs or crypto call
// would), which is most of the time this takes.
std::vector<int> FindPoolThreads(napi_env env, int count, int timeoutMillis) {
  auto probe = NewProbe(count, timeoutMillis);
  napi_value name;
  napi_create_string_utf8(env, "viztracer:pool-probe", NAPI_AUTO_LENGTH, &name);
  for (int i = 0; i < count; i++) {
    auto* item = new ProbeItem{probe};
    if (napi_create_async_work(env, nullptr, name, ProbeExecute, ProbeComplete, item,
                               &item->work) != napi_ok ||
        napi_queue_async_work(env, item->work) != napi_ok) {
      if (item->work != nullptr) napi_delete_async_work(env, item->work);
      delete item;
      break;
    }
  }
  return ProbeWait(*probe);
}

// Holds those threads for the time it takes all of them to start a task (at most the timeout).
std::vector<int> FindPlatformThreads(v8::Isolate* isolate, int timeoutMillis) {
  node::Environment* nodeEnv = node::GetCurrentEnvironment(isolate->GetCurrentContext());
  node::MultiIsolatePlatform* platform =
      nodeEnv != nullptr ? node::GetMultiIsolatePlatform(nodeEnv) : nullptr;
  if (platform == nullptr) return {};
  // Node's runner counts its delayed-task scheduler thread among its workers
  // (WorkerThreadsTaskRunner in node_platform.cc), which never runs tasks: one fewer.
  auto probe = NewProbe(std::max(platform->NumberOfWorkerThreads() - 1, 0), timeoutMillis);
  for (int i = 0; i < probe->count; i++) {
    platform->CallOnWorkerThread(std::make_unique<PlatformProbeTask>(probe));
  }
  return ProbeWait(*probe);
}

}  // namespace viztracer
