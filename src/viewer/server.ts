// The viewer's HTTP server: the page, its assets and the report data, nothing else. Routes are
// matched exactly (no file is served by a path taken from the request), so nothing outside
// can be reached, however the path is spelled.
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { ReportReadError } from '../report/read';
import { LIB_DIR } from '../version';
import { loadModel } from './load';
import type { Model } from './model';
import { counterBinary, threadBinary, wireMeta } from './wire';

export const PAGE_DIR = path.join(LIB_DIR, 'viewer', 'page');

export interface ReportEntry {
  file: string;
  /** Shown in the page's header and the directory listing. */
  title: string;
}

export interface ViewerOptions {
  host: string;
  port: number;
  /** Stop serving once a page has loaded its report. */
  once: boolean;
}

export interface RunningViewer {
  url: string;
  server: http.Server;
  /** Resolves when the server has closed (after `--once`, or close()). */
  closed: Promise<void>;
  close(): void;
}

/** A report that could not be loaded, for the page to show. */
class LoadFailure {
  constructor(readonly message: string) {}
}

const SECURITY_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Content-Security-Policy':
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; connect-src 'self'",
};

const ASSETS: Record<string, string> = {
  'app.js': 'text/javascript; charset=utf-8',
  'app.css': 'text/css; charset=utf-8',
};

function escapeHtml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

/** Reports in a folder: its .json and .json.gz files, by name. */
export function reportsInFolder(dir: string): ReportEntry[] {
  return fs
    .readdirSync(dir)
    .filter((n) => n.endsWith('.json') || n.endsWith('.json.gz'))
    .sort()
    .map((n) => ({ file: path.join(dir, n), title: n }));
}

export async function startViewer(
  reports: ReportEntry[],
  options: ViewerOptions,
  preloaded: Map<number, Model> = new Map(),
  listing: string | null = null,
): Promise<RunningViewer> {
  const models = new Map<number, Promise<Model | LoadFailure>>();
  for (const [i, m] of preloaded) models.set(i, Promise.resolve(m));
  const model = (i: number): Promise<Model | LoadFailure> => {
    let p = models.get(i);
    if (!p) {
      p = loadModel(reports[i].file).catch((err: unknown) => {
        if (err instanceof ReportReadError) return new LoadFailure(err.message);
        throw err;
      });
      models.set(i, p);
    }
    return p;
  };

  let onLoaded: () => void = () => {};
  const loaded = new Promise<void>((r) => (onLoaded = r));

  const send = (
    res: http.ServerResponse,
    status: number,
    type: string,
    body: string | Buffer,
  ): void => {
    res.writeHead(status, {
      'Content-Type': type,
      'Content-Length': Buffer.byteLength(body),
      'Cache-Control': 'no-store',
      ...SECURITY_HEADERS,
    });
    res.end(body);
  };
  const notFound = (res: http.ServerResponse): void =>
    send(res, 404, 'text/plain; charset=utf-8', 'not found\n');

  const page = (): string => fs.readFileSync(path.join(PAGE_DIR, 'index.html'), 'utf8');

  const handleReport = async (i: number, rest: string, res: http.ServerResponse): Promise<void> => {
    if (rest === '') return send(res, 200, 'text/html; charset=utf-8', page());
    if (ASSETS[rest]) {
      return send(res, 200, ASSETS[rest], fs.readFileSync(path.join(PAGE_DIR, rest)));
    }
    if (rest === 'data/loaded') {
      send(res, 204, 'text/plain', '');
      onLoaded();
      return;
    }
    if (!rest.startsWith('data/')) return notFound(res);
    const m = await model(i);
    if (m instanceof LoadFailure) {
      return send(res, 500, 'application/json', JSON.stringify({ error: m.message }));
    }
    const parts = rest.split('/');
    if (rest === 'data/meta') {
      return send(res, 200, 'application/json', JSON.stringify(wireMeta(m, reports[i].title)));
    }
    const key = Number(parts[2]);
    if (!/^\d+$/.test(parts[2] ?? '')) return notFound(res);
    const thread = m.processes.flatMap((p) => p.threads).find((t) => t.key === key);
    if (parts[1] === 'thread' && parts.length === 3 && thread) {
      return send(res, 200, 'application/octet-stream', threadBinary(thread));
    }
    if (parts[1] === 'counter' && parts.length === 3) {
      const bin = counterBinary(m, key);
      return bin ? send(res, 200, 'application/octet-stream', bin) : notFound(res);
    }
    if (parts[1] === 'args' && parts.length === 4 && thread && /^\d+$/.test(parts[3])) {
      const args = thread.slices.args.get(Number(parts[3])) ?? {};
      return send(res, 200, 'application/json', JSON.stringify(args));
    }
    notFound(res);
  };

  const loopback = ['127.0.0.1', 'localhost', '::1'].includes(options.host);
  const server = http.createServer((req, res) => {
    // Bound to loopback, answer only requests addressed to loopback: a web page elsewhere
    // cannot reach the report by pointing a DNS name at 127.0.0.1 (DNS rebinding).
    const hostName = (req.headers.host ?? '').replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
    if (loopback && !['127.0.0.1', 'localhost', '::1'].includes(hostName)) {
      return send(res, 403, 'text/plain; charset=utf-8', 'forbidden\n');
    }
    const url = new URL(req.url ?? '/', 'http://viewer');
    const p = url.pathname;
    if (req.method !== 'GET' && req.method !== 'HEAD') return notFound(res);
    let handled: Promise<void> | void;
    if (listing !== null && p === '/') {
      handled = send(res, 200, 'text/html; charset=utf-8', listingPage(listing, reports));
    } else if (listing === null && !p.startsWith('/report/')) {
      handled = handleReport(0, p.slice(1), res);
    } else {
      const m = /^\/report\/(\d+)\/(.*)$/.exec(p);
      if (m && Number(m[1]) < reports.length) handled = handleReport(Number(m[1]), m[2], res);
      else handled = notFound(res);
    }
    Promise.resolve(handled).catch((err: Error) => {
      if (!res.headersSent)
        send(res, 500, 'application/json', JSON.stringify({ error: err.message }));
      else res.destroy();
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as { port: number };
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  const closed = new Promise<void>((r) => server.once('close', () => r()));
  const close = (): void => {
    server.close();
    server.closeAllConnections();
  };
  if (options.once) void loaded.then(() => setTimeout(close, 100));
  return { url: `http://${host}:${address.port}/`, server, closed, close };
}

function listingPage(folder: string, reports: ReportEntry[]): string {
  const items = reports
    .map((r, i) => `<li><a href="report/${i}/">${escapeHtml(r.title)}</a></li>`)
    .join('\n');
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>vizviewer</title>
<style>body{font:14px system-ui,sans-serif;margin:2em;color:#222}li{margin:.3em 0}</style></head>
<body><h1>Reports in ${escapeHtml(folder)}</h1>
${reports.length ? `<ul>\n${items}\n</ul>` : '<p>No .json or .json.gz reports here.</p>'}
</body></html>
`;
}
