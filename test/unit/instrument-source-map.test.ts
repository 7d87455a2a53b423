// instrument/source-map.ts: the map a module names, moved as the transform moved its code.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TraceMap, eachMapping, originalPositionFor } from '@jridgewell/trace-mapping';
import { describe, expect, it } from 'vitest';
import { withMovedMap } from '../../src/instrument/source-map';
import { instrument } from '../../src/instrument/transform';
import { dataUrlText, sourceMappingUrlOf } from '../../src/trace/source-map-comment';
import { tempDir } from './helpers';

const TS = [
  'export async function load(n: number): Promise<number> { const x: number = await Promise.resolve(n); return x * 2; }',
  'export const twice = (k: number): number => k + k;',
  'class Box { constructor(private v: number) {} get(): number { return this.v; } }',
  'load(twice(new Box(1).get())).then((v) => console.log(v));',
  '',
].join('\n');

function compiled(sourcemap: 'inline' | 'external'): { code: string; map: string } {
  const r = (require('esbuild') as typeof import('esbuild')).transformSync(TS, {
    loader: 'ts',
    format: 'cjs',
    sourcemap,
    sourcefile: '/src/app.ts',
  });
  return { code: r.code, map: r.map };
}

/** Every mapping of `before` is found, moved, in the map of `after`. */
function expectMoved(before: TraceMap, after: TraceMap, moved: (l: number, c: number) => number) {
  let n = 0;
  eachMapping(before, (m) => {
    if (m.source === null) return;
    const at = { line: m.generatedLine, column: moved(m.generatedLine - 1, m.generatedColumn) };
    const pos = originalPositionFor(after, at);
    expect(pos, `${m.generatedLine}:${m.generatedColumn}`).toMatchObject({
      source: m.source,
      line: m.originalLine,
      column: m.originalColumn,
    });
    n++;
  });
  expect(n).toBeGreaterThan(20);
}

describe('withMovedMap', () => {
  it('an inline map: replaced by the moved one, every mapping where its code went', () => {
    const { code } = compiled('inline');
    const done = instrument(code, '/dist/app.js');
    const out = withMovedMap(done.code, code, '/dist/app.js', done.moved);
    expect(out.split('\n').length).toBe(code.split('\n').length);
    const url = sourceMappingUrlOf(out)!.url;
    expect(url).not.toBe(sourceMappingUrlOf(code)!.url);
    const before = new TraceMap(dataUrlText(sourceMappingUrlOf(code)!.url), '/dist/app.js');
    expectMoved(before, new TraceMap(dataUrlText(url), '/dist/app.js'), done.moved);
  });

  it('a map file beside the module: inlined, its sources made absolute', () => {
    const dir = tempDir();
    const { code: raw, map } = compiled('external');
    const code = `${raw}//# sourceMappingURL=app.js.map\n`;
    writeFileSync(join(dir, 'app.js.map'), map);
    const file = join(dir, 'app.js');
    const done = instrument(code, file);
    const out = withMovedMap(done.code, code, file, done.moved);
    const json = JSON.parse(dataUrlText(sourceMappingUrlOf(out)!.url));
    expect(json.sources).toEqual(['/src/app.ts']);
    expectMoved(new TraceMap(map, join(dir, 'app.js.map')), new TraceMap(json, file), done.moved);
  });

  it('a map that cannot be read: the code as the transform made it', () => {
    const code = `${compiled('external').code}//# sourceMappingURL=missing.js.map\n`;
    const done = instrument(code, '/nowhere/app.js');
    expect(withMovedMap(done.code, code, '/nowhere/app.js', done.moved)).toBe(done.code);
  });
});
