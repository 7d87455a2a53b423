// A node:http server on 127.0.0.1 for the HTTP benchmarks: each request does about 100 µs of
// JSON work across one await; with LABELS=1 each is handled inside withLabels({ route }).
// Prints its port, then serves until SIGTERM.
'use strict';
const http = require('node:http');
// LABELS=als: an AsyncLocalStorage alone, what withLabels costs before its own hook.
const als =
  process.env.LABELS === 'als' ? new (require('node:async_hooks').AsyncLocalStorage)() : null;
const labels =
  process.env.LABELS === '1'
    ? require('viztracer').withLabels
    : als
      ? (l, fn) => als.run(l, fn)
      : null;

const payload = { items: Array.from({ length: 50 }, (_, i) => ({ id: i, name: `item ${i}` })) };
async function handle(req, res) {
  const text = JSON.stringify(payload);
  await null;
  const back = JSON.parse(text);
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify({ n: back.items.length, path: req.url }));
}
const routes = ['/users/:id', '/orders', '/cart', '/search'];
const server = http.createServer((req, res) => {
  if (labels) labels({ route: routes[req.url.length % routes.length] }, () => handle(req, res));
  else handle(req, res);
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => console.log(`port ${server.address().port}`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
