// Who the current JS thread is: its OS thread id and the name its track gets.
import * as fs from 'node:fs';
import * as workerThreads from 'node:worker_threads';
import { NodeModule } from './node-module';

export interface ThreadIdentity {
  pid: number;
  /** OS thread id; the main thread's is the pid. */
  tid: number;
  name: string;
  /** Main thread 0, workers by their threadId. */
  sortIndex: number;
  isMain: boolean;
}

const NAME_KEY = 'viztracer:worker-name';

/** The calling thread's OS id, from /proc/thread-self on Linux; null elsewhere. */
export function osThreadId(): number | null {
  try {
    const link = fs.readlinkSync('/proc/thread-self'); // "<pid>/task/<tid>"
    const tid = Number(link.slice(link.lastIndexOf('/') + 1));
    return Number.isInteger(tid) && tid > 0 ? tid : null;
  } catch {
    return null;
  }
}

export function currentThread(): ThreadIdentity {
  const pid = process.pid;
  if (workerThreads.isMainThread)
    return { pid, tid: pid, name: 'main', sortIndex: 0, isMain: true };
  const id = workerThreads.threadId;
  const given = workerThreads.getEnvironmentData(NAME_KEY);
  const name =
    typeof given === 'string' && given !== '' ? `Worker ${id} (${given})` : `Worker ${id}`;
  // Off Linux there is no OS id to be had without the native addon: a number no pid will be.
  const tid = osThreadId() ?? 0x40000000 + id;
  return { pid, tid, name, sortIndex: id, isMain: false };
}

export interface WorkerHooks {
  /** Before a worker is created, in the creating thread. */
  beforeCreate(): void;
  /** Before a worker is terminated: the worker's data is saved when this settles. */
  beforeTerminate(threadId: number): Promise<void>;
  /**
   * A preload every worker gets in its `execArgv`: for a process that was not started with it
   * (the CLI, which runs the program in its own process), whose workers would not load it.
   */
  preload?: string;
}

/**
 * Patches `Worker` so that every worker created from this thread can be named and flushed:
 * its `name` option reaches the worker as environment data (Node 20 has no API for it
 * there; Node copies environment data into a worker when it is created), and terminate()
 * waits for the worker to save first.
 */
export function patchWorkers(hooks: WorkerHooks): void {
  // The module object itself: a namespace import is a copy that patching would not reach.
  const wt = require('node:worker_threads') as typeof workerThreads;
  const Original = wt.Worker;
  if ((Original as { viztracerPatched?: boolean }).viztracerPatched) return;
  class Worker extends Original {
    static viztracerPatched = true;
    constructor(filename: string | URL, options?: workerThreads.WorkerOptions) {
      wt.setEnvironmentData(NAME_KEY, options?.name ?? '');
      hooks.beforeCreate();
      const preload = hooks.preload;
      super(
        filename,
        preload
          ? {
              ...options,
              execArgv: [...(options?.execArgv ?? process.execArgv), '--require', preload],
            }
          : options,
      );
    }

    override terminate(): Promise<number> {
      const id = this.threadId;
      return hooks.beforeTerminate(id).then(() => super.terminate());
    }
  }
  (wt as { Worker: typeof Original }).Worker = Worker;
  // ESM `import { Worker } from 'node:worker_threads'` reads the synced copy.
  NodeModule.syncBuiltinESMExports();
}
