#!/usr/bin/env node
// A small server for developing and testing the viewer's page without the vizviewer CLI:
// loads a report with the built model (lib/viewer), serves the built page
// (lib/viewer/page, read on every request, so `node scripts/build-page.mjs` is enough after
// a change) at / and at /report/0/, and the data/* endpoints of the contract in
// src/viewer/wire.ts.
//
//   node scripts/viewer-dev.mjs REPORT [--port 9001] [--once] [--standalone OUT.html]
//
// --once exits after the page requests data/loaded; --standalone writes the page with the
// report inlined (the shape the real server's standalone output must have) and exits.
import { createServer } from 'node:http';
import { readFileSync, writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import { loadModel } from '../lib/viewer/load.js';
import { counterBinary, threadBinary, wireMeta } from '../lib/viewer/wire.js';

const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(name);
  if (i < 0) return null;
  const v = args[i + 1];
  args.splice(i, 2);
  return v;
};
const flag = (name) => {
  const i = args.indexOf(name);
  if (i >= 0) args.splice(i, 1);
  return i >= 0;
};
const port = Number(opt('--port') ?? 9001);
const host = opt('--host') ?? '127.0.0.1';
const standalone = opt('--standalone');
const once = flag('--once');
const file = args[0];
if (!file) {
  console.error('usage: node scripts/viewer-dev.mjs REPORT [--port N] [--once] [--standalone OUT]');
  process.exit(2);
}

const pageDir = new URL('../lib/viewer/page/', import.meta.url);
const page = (name) => readFileSync(new URL(name, pageDir));

let model = null;
let loadError = null;
try {
  const t = performance.now();
  model = await loadModel(file);
  const n = model.processes.reduce(
    (s, p) => s + p.threads.reduce((a, t) => a + t.slices.start.length, 0),
    0,
  );
  console.error(`loaded ${file}: ${n} slices in ${Math.round(performance.now() - t)} ms`);
} catch (err) {
  loadError = err instanceof Error ? err.message : String(err);
  console.error(`cannot load ${file}: ${loadError}`);
}
const threads = model ? model.processes.flatMap((p) => p.threads) : [];
const meta = model ? wireMeta(model, basename(file)) : null;

if (standalone) {
  if (!model) process.exit(1);
  const b64 = (buf) => buf.toString('base64');
  const data = { meta, threads: {}, counters: {}, args: {} };
  for (const t of threads) {
    data.threads[t.key] = b64(threadBinary(t));
    for (const [i, a] of t.slices.args) data.args[`${t.key}/${i}`] = a;
  }
  for (const p of meta.processes) {
    for (const c of p.counters) data.counters[c.key] = b64(counterBinary(model, c.key));
  }
  // `<` escaped: the JSON must not close its script element.
  const json = JSON.stringify(data).replace(/</g, '\\u003c');
  const html = page('index.html')
    .toString()
    .replace('<link rel="stylesheet" href="app.css">', () => `<style>${page('app.css')}</style>`)
    .replace(
      '<script src="app.js"></script>',
      () =>
        `<script type="application/json" id="viztracer-data">${json}</script>\n<script>${page('app.js')}</script>`,
    );
  writeFileSync(standalone, html);
  console.error(`wrote ${standalone} (${html.length} bytes)`);
  process.exit(0);
}

const types = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css' };
const send = (res, status, type, body) => {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(body);
};
const json = (res, status, v) => send(res, status, 'application/json', JSON.stringify(v));

const server = createServer((req, res) => {
  let path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
  if (path === '/report/0') {
    res.writeHead(301, { location: '/report/0/' });
    return res.end();
  }
  if (path.startsWith('/report/0/')) path = path.slice('/report/0'.length);
  if (path === '/' || path === '/index.html')
    return send(res, 200, types['.html'], page('index.html'));
  if (path === '/app.js' || path === '/app.css')
    return send(res, 200, types[path.slice(4)], page(path.slice(1)));
  if (!path.startsWith('/data/')) return json(res, 404, { error: 'not found' });
  const parts = path.slice('/data/'.length).split('/');
  if (parts[0] === 'loaded') {
    res.writeHead(204);
    res.end();
    if (once) setTimeout(() => process.exit(0), 50);
    return;
  }
  if (parts[0] === 'meta')
    return loadError ? json(res, 500, { error: loadError }) : json(res, 200, meta);
  if (!model) return json(res, 500, { error: loadError });
  if (parts[0] === 'thread') {
    const t = threads.find((x) => x.key === Number(parts[1]));
    return t
      ? send(res, 200, 'application/octet-stream', threadBinary(t))
      : json(res, 404, { error: 'no such thread' });
  }
  if (parts[0] === 'counter') {
    const b = counterBinary(model, Number(parts[1]));
    return b
      ? send(res, 200, 'application/octet-stream', b)
      : json(res, 404, { error: 'no such counter' });
  }
  if (parts[0] === 'args') {
    const t = threads.find((x) => x.key === Number(parts[1]));
    if (!t) return json(res, 404, { error: 'no such thread' });
    return json(res, 200, t.slices.args.get(Number(parts[2])) ?? {});
  }
  json(res, 404, { error: 'not found' });
});
server.listen(port, host, () => console.error(`viewer: http://${host}:${port}/`));
