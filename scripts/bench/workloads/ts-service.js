// A long-running service with a big, warm heap for the attach benchmark: TypeScript's compiler
// type-checks src/tracer.ts once (about 120 MB of heap, its code optimized), then type-checks a
// small source every 20 ms, and a 1 ms timer measures how late the event loop runs. Prints
// `ready`; on each line of stdin it prints the longest delay since the last line (ms) and
// starts a new window.
'use strict';
const path = require('node:path');
const ts = require('typescript');
const root = path.resolve(__dirname, '..', '..', '..');
ts.getPreEmitDiagnostics(
  ts.createProgram([path.join(root, 'src', 'tracer.ts')], { noEmit: true, strict: true }),
);
const source = 'export function f(a: number, b: string): string { return b.repeat(a); }\n';
setInterval(() => {
  ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS } });
}, 20);
let last = performance.now();
let worst = 0;
setInterval(() => {
  const now = performance.now();
  worst = Math.max(worst, now - last);
  last = now;
}, 1);
process.stdin.setEncoding('utf8').on('data', () => {
  console.log(`worst ${worst.toFixed(1)}`);
  worst = 0;
});
console.log(`ready heap ${(process.memoryUsage().heapUsed / 1e6).toFixed(0)}`);
