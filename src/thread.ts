// Who the current JS thread is: its OS thread id and the name its track gets.
import * as fs from 'node:fs';
import * as workerThreads from 'node:worker_threads';

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

/**
 * Makes the `name` option of every Worker created from this thread visible inside the
 * worker (Node 20 has no API for it there): each new worker receives it as environment
 * data, which Node copies into a worker when it is created.
 */
export function shareWorkerNames(): void {
  // The module object itself: a namespace import is a copy that patching would not reach.
  const wt = require('node:worker_threads') as typeof workerThreads;
  const Original = wt.Worker;
  if ((Original as { viztracerNamed?: boolean }).viztracerNamed) return;
  class Worker extends Original {
    static viztracerNamed = true;
    constructor(filename: string | URL, options?: workerThreads.WorkerOptions) {
      wt.setEnvironmentData(NAME_KEY, options?.name ?? '');
      super(filename, options);
    }
  }
  (wt as { Worker: typeof Original }).Worker = Worker;
  // ESM `import { Worker } from 'node:worker_threads'` reads the synced copy.
  (require('node:module') as typeof import('node:module')).syncBuiltinESMExports();
}
