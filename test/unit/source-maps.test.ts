// report/source-maps.ts decodes a map's mappings a line at a time: it must find what
// @jridgewell/trace-mapping finds, at every place of a real bundle's map, either bias.
import { join } from 'node:path';
import {
  GREATEST_LOWER_BOUND,
  LEAST_UPPER_BOUND,
  TraceMap,
  originalPositionFor,
} from '@jridgewell/trace-mapping';
import { describe, expect, it } from 'vitest';
import { LineMap } from '../../src/report/source-maps';

const APP = join(__dirname, '..', 'fixtures', 'ts-app', 'src');

function bundle(minify: boolean): { code: string; map: string } {
  const r = (require('esbuild') as typeof import('esbuild')).buildSync({
    entryPoints: [join(APP, 'main.ts')],
    bundle: true,
    platform: 'node',
    sourcemap: 'external',
    write: false,
    outfile: '/out/main.js',
    minify,
  });
  const text = (suffix: string) => r.outputFiles.find((f) => f.path.endsWith(suffix))!.text;
  return { code: text('.js'), map: text('.js.map') };
}

/** Every place of the code, both biases, as trace-mapping and as LineMap say. */
function compare(code: string, map: string): number {
  const tm = new TraceMap(map, '/out/main.js.map');
  const ours = LineMap.of(JSON.parse(map), '/out/main.js.map');
  const lines = code.split('\n');
  let checked = 0;
  for (let l = 0; l < lines.length + 1; l++) {
    for (let c = 0; c <= (lines[l]?.length ?? 0) + 2; c++) {
      for (const lub of [false, true]) {
        const want = originalPositionFor(tm, {
          line: l + 1,
          column: c,
          bias: lub ? LEAST_UPPER_BOUND : GREATEST_LOWER_BOUND,
        });
        const got = ours.position(l + 1, c, lub);
        expect(got, `${l + 1}:${c} ${lub ? 'LUB' : 'GLB'}`).toEqual(
          want.source === null
            ? null
            : { source: want.source, line: want.line, column: want.column, name: want.name },
        );
        checked++;
      }
    }
  }
  return checked;
}

describe('LineMap', () => {
  it('finds what trace-mapping finds in a bundle', () => {
    const { code, map } = bundle(false);
    expect(compare(code, map)).toBeGreaterThan(1000);
  });

  it('and in a minified bundle (one long line, names)', () => {
    const { code, map } = bundle(true);
    expect(JSON.parse(map).names.length).toBeGreaterThan(0);
    expect(compare(code, map)).toBeGreaterThan(500);
  });

  it('resolves its sources against the map, and reads sectioned maps', () => {
    const { map } = bundle(false);
    const sectioned = {
      version: 3,
      sections: [{ offset: { line: 2, column: 0 }, map: JSON.parse(map) }],
    };
    const ours = LineMap.of(sectioned as never, '/out/main.js.map');
    expect(ours.sources.every((s) => s.startsWith('/'))).toBe(true);
    const tm = new TraceMap(map, '/out/main.js.map');
    const want = originalPositionFor(tm, { line: 5, column: 2 });
    expect(ours.position(7, 2)?.line).toBe(want.line);
  });

  it('a corrupt mappings string throws (the caller warns)', () => {
    expect(() => LineMap.of({ version: 3, sources: ['a'], mappings: 'AA!A' }, '/x.map')).toThrow();
  });
});
