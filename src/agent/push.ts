// Sending each period's pprof to a Pyroscope-compatible ingest (`POST {URL}/ingest?name=...`,
// multipart field `profile`, github.com/grafana/pyroscope: the HTTP ingest API). A traced
// service must never wait for it or fail by it: a bounded queue, one request at a time on an
// unreferenced socket, retries with backoff, the oldest dropped when the backend is down; what
// is still queued at exit is sent by a short-lived child process (exit handlers cannot wait for
// sockets), and what could not be sent is named in one warning.
import { spawnSync } from 'node:child_process';
import * as http from 'node:http';
import * as https from 'node:https';
import * as path from 'node:path';
import { LIB_DIR } from '../version';

export interface PushTarget {
  /** The ingest's base URL, without `/ingest`. */
  url: string;
  appName: string;
  /** `key=value` labels added to the name. */
  tags: readonly string[];
  /** Samples per second (1e6 / the interval). */
  sampleRate: number;
}

export interface PushItem {
  /** Gzipped pprof. */
  pprof: Uint8Array;
  /** The period, seconds since the epoch. */
  fromSeconds: number;
  untilSeconds: number;
}

/** The ingest URL of one period: the name carries the labels, `app{k=v,...}`. */
export function ingestUrl(t: PushTarget, item: PushItem): string {
  const name = t.tags.length > 0 ? `${t.appName}{${t.tags.join(',')}}` : t.appName;
  const q = new URLSearchParams({
    name,
    // Whole seconds, rounded alike, so that periods back to back do not overlap.
    from: String(Math.round(item.fromSeconds)),
    until: String(Math.max(Math.round(item.untilSeconds), Math.round(item.fromSeconds) + 1)),
    spyName: 'viztracer',
    sampleRate: String(Math.round(t.sampleRate)),
    format: 'pprof',
  });
  return `${t.url}/ingest?${q.toString()}`;
}

/** A multipart/form-data body with the profile in the field `profile`. */
export function multipartBody(pprof: Uint8Array): { body: Buffer; contentType: string } {
  const boundary = `viztracer${Date.now().toString(16)}${Math.random().toString(16).slice(2)}`;
  const head =
    `--${boundary}\r\n` +
    'Content-Disposition: form-data; name="profile"; filename="profile.pprof"\r\n' +
    'Content-Type: application/octet-stream\r\n\r\n';
  return {
    body: Buffer.concat([Buffer.from(head), pprof, Buffer.from(`\r\n--${boundary}--\r\n`)]),
    contentType: `multipart/form-data; boundary=${boundary}`,
  };
}

/**
 * One POST; resolves on a 2xx answer, rejects with a one-line Error otherwise. `unref`: the
 * request must not keep the process alive (in the traced program; an unsent profile stays
 * queued for the exit).
 */
export function send(
  t: PushTarget,
  item: PushItem,
  timeoutMillis: number,
  unref: boolean,
): Promise<void> {
  const url = new URL(ingestUrl(t, item));
  const { body, contentType } = multipartBody(item.pprof);
  const lib = url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = lib.request(url, {
      method: 'POST',
      headers: { 'content-type': contentType, 'content-length': body.length },
      timeout: timeoutMillis,
    });
    if (unref) req.on('socket', (s) => s.unref());
    req.on('timeout', () => req.destroy(new Error(`no answer in ${timeoutMillis} ms`)));
    req.on('error', (e) => reject(new Error(e.message)));
    req.on('response', (res) => {
      res.resume();
      const status = res.statusCode ?? 0;
      if (status >= 200 && status < 300) resolve();
      else reject(new Error(`HTTP ${status}`));
    });
    req.end(body);
  });
}

export interface PushOptions {
  /** Profiles waiting at most; the oldest is dropped for a new one. */
  maxQueued?: number;
  /** The first retry's delay; each next one doubles, up to `maxRetryMillis`. */
  retryMillis?: number;
  maxRetryMillis?: number;
  timeoutMillis?: number;
}

/** Profiles on their way to one ingest. */
export class PushQueue {
  private readonly queue: PushItem[] = [];
  private sending = false;
  private delay: number;
  /** Profiles given up on: dropped for newer ones, or not sent by exit. */
  readonly dropped: PushItem[] = [];
  lastError: string | null = null;
  sent = 0;
  private readonly opts: Required<PushOptions>;

  constructor(
    readonly target: PushTarget,
    opts: PushOptions = {},
  ) {
    this.opts = {
      maxQueued: opts.maxQueued ?? 16,
      retryMillis: opts.retryMillis ?? 1000,
      maxRetryMillis: opts.maxRetryMillis ?? 60_000,
      timeoutMillis: opts.timeoutMillis ?? 10_000,
    };
    this.delay = this.opts.retryMillis;
  }

  add(item: PushItem): void {
    this.queue.push(item);
    while (this.queue.length > this.opts.maxQueued) this.dropped.push(this.queue.shift()!);
    this.pump();
  }

  /** Sends the queue's head, then the next; on failure waits, doubling the wait each time. */
  private pump(): void {
    if (this.sending || this.queue.length === 0) return;
    this.sending = true;
    const item = this.queue[0];
    send(this.target, item, this.opts.timeoutMillis, true).then(
      () => {
        // Dropped meanwhile (the queue overflowed): it was sent after all.
        const at = this.queue.indexOf(item);
        if (at >= 0) this.queue.splice(at, 1);
        else this.dropped.splice(this.dropped.indexOf(item), 1);
        this.sent++;
        this.sending = false;
        this.delay = this.opts.retryMillis;
        this.pump();
      },
      (err: Error) => {
        this.lastError = err.message;
        const timer = setTimeout(() => {
          this.sending = false;
          this.pump();
        }, this.delay);
        timer.unref();
        this.delay = Math.min(this.delay * 2, this.opts.maxRetryMillis);
      },
    );
  }

  /**
   * At exit: what is queued, and `last` (the period that ends now), sent by a child process
   * within `timeoutMillis`; what it could not send joins `dropped`.
   */
  flushSync(last: PushItem | null, timeoutMillis = 5000): void {
    const items = [...this.queue, ...(last ? [last] : [])];
    this.queue.length = 0;
    if (items.length === 0) return;
    const env: NodeJS.ProcessEnv = {};
    // The child is ours, not the program's: no preload, no session.
    for (const [k, v] of Object.entries(process.env)) {
      if (!k.startsWith('VIZTRACER_') && k !== 'NODE_OPTIONS') env[k] = v;
    }
    const input = JSON.stringify({
      target: this.target,
      timeoutMillis: Math.max(1000, timeoutMillis - 500),
      items: items.map((i) => ({ ...i, pprof: Buffer.from(i.pprof).toString('base64') })),
    });
    // This file by its place in lib/, not __filename: it may run from a bundle (bundled.ts).
    const r = spawnSync(process.execPath, [path.join(LIB_DIR, 'agent', 'push.js')], {
      input,
      env,
      timeout: timeoutMillis,
      encoding: 'utf8',
    });
    let result: { failed: number[]; error: string | null } | null = null;
    try {
      result = JSON.parse(r.stdout) as { failed: number[]; error: string | null };
    } catch {
      // killed by the timeout, or no node: nothing is known to have been sent
    }
    if (!result) {
      this.dropped.push(...items);
      this.lastError = r.error
        ? r.error.message
        : r.signal
          ? `not sent in ${timeoutMillis} ms`
          : `the sender failed: ${r.stderr.trim().split('\n').pop() ?? r.status}`;
      return;
    }
    for (const i of result.failed) this.dropped.push(items[i]);
    this.sent += items.length - result.failed.length;
    if (result.error) this.lastError = result.error;
  }
}

/** The exit-time sender: a JSON request on stdin, `{failed, error}` on stdout. */
async function sendFromStdin(): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  const req = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
    target: PushTarget;
    timeoutMillis: number;
    items: (Omit<PushItem, 'pprof'> & { pprof: string })[];
  };
  const failed: number[] = [];
  let error: string | null = null;
  for (let i = 0; i < req.items.length; i++) {
    const item = { ...req.items[i], pprof: Buffer.from(req.items[i].pprof, 'base64') };
    try {
      await send(req.target, item, req.timeoutMillis, false);
    } catch (err) {
      failed.push(i);
      error = (err as Error).message;
    }
  }
  process.stdout.write(JSON.stringify({ failed, error }));
}

if (require.main === module) void sendFromStdin();
