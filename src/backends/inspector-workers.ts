// Saving a worker's samples before it is terminated, with the inspector backend.
//
// A worker that is terminate()d, or still running when its process exits, never runs its
// 'exit' handlers. But the thread that created it can reach the worker's inspector through
// the NodeWorker domain, and V8 dispatches those messages in the worker by interrupt, even
// while its JavaScript is busy: a Runtime.evaluate there runs the worker's own save.
// Workers count their saves in a shared counter, so a thread that must stay synchronous (an
// 'exit' handler) can wait for them with Atomics.wait.
import { Session } from 'node:inspector';
import * as workerThreads from 'node:worker_threads';

const FLUSH = Symbol.for('viztracer.flush');
const COUNTER_KEY = 'viztracer:flush-counter';

/** In a worker: makes `save` callable from the thread that created it. */
export function exposeWorkerFlush(save: () => void): void {
  const counter = workerThreads.getEnvironmentData(COUNTER_KEY);
  (globalThis as Record<symbol, unknown>)[FLUSH] = (): void => {
    save();
    if (counter instanceof SharedArrayBuffer) {
      const c = new Int32Array(counter);
      Atomics.add(c, 0, 1);
      Atomics.notify(c, 0);
    }
  };
}

export class WorkerFlusher {
  private session: Session | null = null;
  /** threadId -> NodeWorker session id, for workers alive now. */
  private readonly workers = new Map<number, string>();
  private readonly replies = new Map<number, () => void>();
  private nextId = 1;
  private readonly counter = new Int32Array(new SharedArrayBuffer(4));

  /** Called before each worker is created: from then on new workers are reachable. */
  prepare(): void {
    workerThreads.setEnvironmentData(COUNTER_KEY, this.counter.buffer);
    if (this.session) return;
    const session = new Session();
    session.connect();
    session.on('NodeWorker.attachedToWorker', ({ params }) => {
      // Node's own threads (the module loader thread that runs ES module hooks) save nothing.
      if (params.workerInfo.url.startsWith('node:internal/')) return;
      this.workers.set(Number(params.workerInfo.workerId), params.sessionId);
    });
    session.on('NodeWorker.detachedFromWorker', ({ params }) => {
      for (const [id, sid] of this.workers) if (sid === params.sessionId) this.workers.delete(id);
    });
    session.on('NodeWorker.receivedMessageFromWorker', ({ params }) => {
      const id = (JSON.parse(params.message) as { id?: number }).id;
      if (id !== undefined) this.replies.get(id)?.();
    });
    session.post('NodeWorker.enable', { waitForDebuggerOnStart: false });
    this.session = session;
  }

  private send(sessionId: string): number {
    const id = this.nextId++;
    const message = JSON.stringify({
      id,
      method: 'Runtime.evaluate',
      params: { expression: `globalThis[Symbol.for('viztracer.flush')]?.()` },
    });
    this.session!.post('NodeWorker.sendMessageToWorker', { sessionId, message });
    return id;
  }

  /** Asks one worker to save; resolves when it has, or after `timeoutMillis`. */
  flush(threadId: number, timeoutMillis: number): Promise<void> {
    const sessionId = this.workers.get(threadId);
    if (!this.session || sessionId === undefined) return Promise.resolve();
    return new Promise((resolve) => {
      const id = this.send(sessionId);
      const done = (): void => {
        clearTimeout(timer);
        this.replies.delete(id);
        resolve();
      };
      const timer = setTimeout(done, timeoutMillis);
      this.replies.set(id, done);
    });
  }

  /** Asks every live worker to save and blocks until all have, or `timeoutMillis` passed. */
  flushAllSync(timeoutMillis: number): void {
    if (!this.session || this.workers.size === 0) return;
    const start = Atomics.load(this.counter, 0);
    const want = start + this.workers.size;
    for (const sessionId of this.workers.values()) this.send(sessionId);
    const until = Date.now() + timeoutMillis;
    let now = Atomics.load(this.counter, 0);
    while (now < want && Date.now() < until) {
      Atomics.wait(this.counter, 0, now, until - Date.now());
      now = Atomics.load(this.counter, 0);
    }
  }
}
