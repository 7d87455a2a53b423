// Loads the `typescript` package (9 MB of JavaScript) and compiles a small program with it:
// the end-to-end workload of instrument-load.mjs. Prints {"ms": load+compile, "loadMs": …}.
'use strict';
const t0 = process.hrtime.bigint();
const ts = require('typescript');
const t1 = process.hrtime.bigint();
const source = `
interface Point { x: number; y: number }
export class Shape<T extends Point> {
  constructor(private readonly points: T[]) {}
  area(): number {
    let a = 0;
    for (let i = 0; i < this.points.length; i++) {
      const p = this.points[i], q = this.points[(i + 1) % this.points.length];
      a += p.x * q.y - q.x * p.y;
    }
    return Math.abs(a) / 2;
  }
}
export const square = new Shape([{ x: 0, y: 0 }, { x: 1, y: 0 }, { x: 1, y: 1 }, { x: 0, y: 1 }]);
`;
const out = ts.transpileModule(source, {
  compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2020 },
});
if (!out.outputText.includes('class Shape')) throw new Error('compile failed');
const t2 = process.hrtime.bigint();
console.log(JSON.stringify({ ms: Number(t2 - t0) / 1e6, loadMs: Number(t1 - t0) / 1e6 }));
