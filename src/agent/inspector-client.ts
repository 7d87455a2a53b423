// A small client of a Node process's inspector (the Chrome DevTools Protocol over a WebSocket
// on 127.0.0.1), for `viztracer --attach`: find the target on /json/list, send commands to its
// main thread and, through the NodeWorker domain, to its workers.
import * as http from 'node:http';
import WebSocket = require('ws');

/** A protocol error or a lost connection, said in one line. */
export class InspectorError extends Error {}

/** One entry of `/json/list`. */
export interface InspectorTarget {
  id: string;
  webSocketDebuggerUrl: string;
  url?: string;
  title?: string;
}

/**
 * What answers on 127.0.0.1:`port`: `closed` (nothing listens), the inspector's targets, or
 * `other` when something that is not a Node inspector has the port.
 */
export function listTargets(
  port: number,
  timeoutMillis = 2000,
): Promise<{ closed: true } | { targets: InspectorTarget[] } | { other: string }> {
  return new Promise((resolve) => {
    const req = http.get(
      { host: '127.0.0.1', port, path: '/json/list', timeout: timeoutMillis },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c.length < 1 << 20 ? c : ''));
        res.on('end', () => {
          try {
            const list = JSON.parse(body) as unknown;
            if (
              Array.isArray(list) &&
              list.every((t) => typeof (t as InspectorTarget)?.webSocketDebuggerUrl === 'string')
            ) {
              resolve({ targets: list as InspectorTarget[] });
              return;
            }
          } catch {
            // not JSON: not an inspector
          }
          resolve({
            other: `an HTTP server that is not a Node inspector (status ${res.statusCode})`,
          });
        });
        res.on('error', () => resolve({ other: 'a server that broke the connection' }));
      },
    );
    req.on('timeout', () => {
      req.destroy();
      resolve({ other: 'a server that does not answer' });
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ECONNREFUSED') resolve({ closed: true });
      else resolve({ other: `a server that fails (${err.code ?? err.message})` });
    });
  });
}

/** Whether anything accepts a TCP connection on 127.0.0.1:`port`. */
export function portListening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const net = require('node:net') as typeof import('node:net');
    const s = net.connect({ host: '127.0.0.1', port });
    s.on('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}

interface Pending {
  resolve: (result: unknown) => void;
  reject: (err: Error) => void;
}

type EventHandler = (params: Record<string, unknown>) => void;

/** Something a thread's Runtime.evaluate gave back, or the exception it threw, as one line. */
export function evaluateResult(reply: unknown): unknown {
  const r = reply as {
    result?: { value?: unknown };
    exceptionDetails?: { exception?: { description?: string }; text?: string };
  };
  if (r.exceptionDetails) {
    const d = r.exceptionDetails;
    const text = d.exception?.description ?? d.text ?? 'an exception';
    // The first line: `Error: message`, without the target's stack.
    throw new InspectorError(text.split('\n')[0].replace(/^\w*Error: /, ''));
  }
  return r.result?.value;
}

export class InspectorClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly handlers = new Map<string, EventHandler[]>();
  /** Replies from workers, by the id we gave their message. */
  private readonly workerPending = new Map<number, Pending>();
  private closedWith: Error | null = null;
  readonly closed: Promise<void>;

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data) => this.receive(String(data)));
    this.closed = new Promise((resolve) => {
      ws.on('close', () => {
        this.closedWith = new InspectorError('the connection to the target closed');
        for (const p of [...this.pending.values(), ...this.workerPending.values()]) {
          p.reject(this.closedWith);
        }
        this.pending.clear();
        this.workerPending.clear();
        resolve();
      });
    });
    this.on('NodeWorker.receivedMessageFromWorker', (params) => {
      const reply = JSON.parse(String(params.message)) as {
        id?: number;
        result?: unknown;
        error?: { message: string };
      };
      const p = reply.id !== undefined ? this.workerPending.get(reply.id) : undefined;
      if (!p) return;
      this.workerPending.delete(reply.id!);
      if (reply.error) p.reject(new InspectorError(reply.error.message));
      else p.resolve(reply.result);
    });
  }

  /** Connects to a target's WebSocket URL (always on 127.0.0.1: it came from /json/list there). */
  static connect(url: string): Promise<InspectorClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { perMessageDeflate: false, maxPayload: 256 << 20 });
      ws.once('open', () => resolve(new InspectorClient(ws)));
      ws.once('error', (err) =>
        reject(new InspectorError(`cannot connect to ${url}: ${err.message}`)),
      );
    });
  }

  private receive(text: string): void {
    let msg: { id?: number; method?: string; params?: Record<string, unknown>; result?: unknown };
    try {
      msg = JSON.parse(text) as typeof msg;
    } catch {
      return;
    }
    if (msg.id !== undefined) {
      const p = this.pending.get(msg.id);
      if (!p) return;
      this.pending.delete(msg.id);
      const err = (msg as { error?: { message: string } }).error;
      if (err) p.reject(new InspectorError(err.message));
      else p.resolve(msg.result);
    } else if (msg.method) {
      for (const h of this.handlers.get(msg.method) ?? []) h(msg.params ?? {});
    }
  }

  on(method: string, handler: EventHandler): void {
    const list = this.handlers.get(method) ?? [];
    list.push(handler);
    this.handlers.set(method, list);
  }

  /** Sends a command to the main thread; resolves with its result. */
  send(method: string, params: object = {}): Promise<unknown> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.ws.send(JSON.stringify({ id, method, params }));
    });
  }

  /** Sends a command to a worker attached through the NodeWorker domain. */
  sendToWorker(sessionId: string, method: string, params: object = {}): Promise<unknown> {
    if (this.closedWith) return Promise.reject(this.closedWith);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.workerPending.set(id, { resolve, reject });
      const message = JSON.stringify({ id, method, params });
      this.send('NodeWorker.sendMessageToWorker', { sessionId, message }).catch(reject);
    });
  }

  get isClosed(): boolean {
    return this.closedWith !== null;
  }

  close(): void {
    this.ws.close();
  }
}
