// report/source-maps.ts decodes a map's mappings a line at a time: it must find what
// @jridgewell/trace-mapping finds, at every place of a real bundle's map, either bias, one
// place at a time or all in one batch. (Through the addon when it is built; the JavaScript
// lookup is held to the addon's in test/native/addon.test.ts.)
import {
  GREATEST_LOWER_BOUND,
  LEAST_UPPER_BOUND,
  TraceMap,
  originalPositionFor,
} from '@jridgewell/trace-mapping';
import { describe, expect, it } from 'vitest';
import {
  LineMap,
  indexMappings,
  lookupMappings,
  sourcesOf,
  topLevelMembers,
} from '../../src/report/source-maps';
import { bundleTsApp } from '../helpers/ts-app';

/** Every place of the code, both biases, as trace-mapping and as LineMap say. */
function compare(code: string, map: string, from: 'json' | 'bytes' = 'json'): number {
  const tm = new TraceMap(map, '/out/main.js.map');
  const ours =
    from === 'json'
      ? LineMap.of(JSON.parse(map), '/out/main.js.map')
      : LineMap.read(Buffer.from(map), '/out/main.js.map');
  const lines = code.split('\n');
  let checked = 0;
  const places: number[] = [];
  const each: ReturnType<LineMap['position']>[] = [];
  for (let l = 0; l < lines.length + 1; l++) {
    for (let c = 0; c <= (lines[l]?.length ?? 0) + 2; c++) {
      for (const lub of [false, true]) {
        const want = originalPositionFor(tm, {
          line: l + 1,
          column: c,
          bias: lub ? LEAST_UPPER_BOUND : GREATEST_LOWER_BOUND,
        });
        const got = ours.position(l + 1, c, lub);
        places.push(l + 1, c, lub ? 1 : 0);
        each.push(got);
        expect(got, `${l + 1}:${c} ${lub ? 'LUB' : 'GLB'}`).toEqual(
          want.source === null
            ? null
            : { source: want.source, line: want.line, column: want.column, name: want.name },
        );
        checked++;
      }
    }
  }
  // The same places in one batch, last first: the lookup takes them by line.
  const reversed: number[] = [];
  for (let at = places.length - 3; at >= 0; at -= 3) reversed.push(...places.slice(at, at + 3));
  expect(ours.positions(reversed)).toEqual(each.slice().reverse());
  return checked;
}

describe('LineMap', () => {
  it('finds what trace-mapping finds in a bundle', () => {
    const { code, map } = bundleTsApp(false);
    expect(compare(code, map)).toBeGreaterThan(1000);
  });

  it('and in a minified bundle (one long line, names)', () => {
    const { code, map } = bundleTsApp(true);
    expect(JSON.parse(map).names.length).toBeGreaterThan(0);
    expect(compare(code, map)).toBeGreaterThan(500);
  });

  it("read from the file's bytes, finds the same", () => {
    for (const minify of [false, true]) {
      const { code, map } = bundleTsApp(minify);
      expect(compare(code, map, 'bytes')).toBeGreaterThan(500);
    }
  });

  it('reads a map whose mappings are escaped as JSON allows, and one it cannot walk', () => {
    const { code, map } = bundleTsApp(false);
    const raw = JSON.parse(map) as { mappings: string };
    const escaped = map.replace(
      JSON.stringify(raw.mappings),
      `"${raw.mappings.replace(/A/g, '\\u0041')}"`,
    );
    expect(escaped).not.toBe(map);
    expect(compare(code, escaped, 'bytes')).toBeGreaterThan(500);
    // A map with a comment in it is no JSON: JSON.parse says so.
    expect(() => LineMap.read(Buffer.from(`// x\n${map}`), '/out/main.js.map')).toThrow(
      SyntaxError,
    );
  });

  it('resolves its sources against the map, and reads sectioned maps', () => {
    const { map } = bundleTsApp(false);
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

  it('a mapping to a source the map does not list is no mapping', () => {
    const map = LineMap.of({ version: 3, sources: ['a.ts'], mappings: ';AEAA,EFAA' }, '/x.map');
    expect(map.position(2, 0)).toBeNull();
    expect(map.position(2, 2)).toEqual({ source: '/a.ts', line: 1, column: 0, name: null });
  });

  it('a corrupt mappings string throws (the caller warns)', () => {
    expect(() => LineMap.of({ version: 3, sources: ['a'], mappings: 'AA!A' }, '/x.map')).toThrow(
      'invalid mappings (character 2)',
    );
    expect(() =>
      LineMap.read(
        Buffer.from('{"version":3,"sources":["a"],"mappings":"AAAA;gggggggA"}'),
        '/x.map',
      ),
    ).toThrow('invalid mappings (character 12)');
  });
});

describe('indexMappings', () => {
  it('notes where each line starts and the running source, line, column and name there', () => {
    // Line 0: [0,0,0,0] then [4,0,1,2,1]; line 1 empty; line 2: [0,1,-1,3,0].
    const index = indexMappings(Buffer.from('AAAA,IACEC;;ACDGD'));
    expect(Array.from(index as Int32Array)).toEqual([
      ...[0, 0, 0, 0, 0],
      ...[11, 0, 1, 2, 1],
      ...[12, 0, 1, 2, 1],
      18,
    ]);
  });

  it('gives the offset of the first byte that is no VLQ digit', () => {
    expect(indexMappings(Buffer.from('AAAA;AA A'))).toBe(7);
    expect(indexMappings(Buffer.from('AAAA;\u00e9'))).toBe(5);
    expect(indexMappings(Buffer.from('gggggggA'))).toBe(7); // a value of more than 32 bits
    expect(indexMappings(Buffer.from('Ag,A'))).toBe(2); // a value cut by a separator
    expect(indexMappings(Buffer.from('AAg'))).toBe(3); // and by the end
  });
});

describe('lookupMappings', () => {
  it("finds each query's mapping in its decoded line, either bias, null where none", () => {
    // Line 0: columns 0 and 4 (source 0, line 1, column 2, name 1); line 1 empty; line 2:
    // column 0 maps to no source; column 2, source 1, line 0, column 5, name 0.
    const mappings = Buffer.from('AAAA,IACEC;;A,ECDGD');
    const index = indexMappings(mappings) as Int32Array;
    const queries = Int32Array.from([
      ...[0, 5, 0], // after the last: the last
      ...[0, 4, 0],
      ...[0, 3, 1], // at or after: the one at 4
      ...[0, 5, 1], // none after
      ...[1, 0, 0], // an empty line
      ...[2, 1, 0], // a mapping to no source
      ...[2, 2, 0],
      ...[3, 0, 0], // past the last line
      ...[-1, 0, 0],
    ]);
    expect(Array.from(lookupMappings(mappings, index, queries))).toEqual([
      ...[0, 1, 2, 1],
      ...[0, 1, 2, 1],
      ...[0, 1, 2, 1],
      ...[-1, 0, 0, -1],
      ...[-1, 0, 0, -1],
      ...[-1, 0, 0, -1],
      ...[1, 0, 5, 0],
      ...[-1, 0, 0, -1],
      ...[-1, 0, 0, -1],
    ]);
  });

  it('gives no mappings on a line its index does not fit, or that holds a bad value', () => {
    const mappings = Buffer.from('AAAA;AAAA');
    const forged = Int32Array.from([0, 0, 0, 0, 0, 7, 0, 0, 0, 0, 99]);
    expect(Array.from(lookupMappings(mappings, forged, Int32Array.from([1, 0, 0])))).toEqual([
      -1, 0, 0, -1,
    ]);
    const bad = Buffer.from('AA!A');
    const index = Int32Array.from([0, 0, 0, 0, 0, 5]);
    expect(Array.from(lookupMappings(bad, index, Int32Array.from([0, 0, 0])))).toEqual([
      -1, 0, 0, -1,
    ]);
  });
});

describe('topLevelMembers', () => {
  const members = (text: string) => {
    const bytes = Buffer.from(text);
    const m = topLevelMembers(bytes);
    return (
      m &&
      Object.fromEntries(
        [...m].map(([k, [a, b]]) => [k, JSON.parse(bytes.toString('utf8', a, b)) as unknown]),
      )
    );
  };

  it('finds each member as JSON.parse does, whatever the strings hold', () => {
    const map = {
      version: 3,
      file: 'a \\" b',
      sourcesContent: ['const s = "\\"mappings\\": \\"x\\"";\n', null, '\\\\', '"}],{['],
      names: ['mappings', 'é', '\u2028'],
      x_google_ignoreList: [0, 1],
      nested: { a: [1, { b: '}' }], c: null },
      mappings: 'AAAA;AACA',
      empty: {},
      n: -1.5e3,
      t: true,
    };
    expect(members(JSON.stringify(map))).toEqual(map);
    expect(members(JSON.stringify(map, null, 2))).toEqual(map);
    expect(members(`\ufeff ${JSON.stringify(map)}\n`)).toEqual(map);
    expect(members('{}')).toEqual({});
  });

  it('is null for what is not an object it can walk', () => {
    for (const bad of [
      '',
      '[1]',
      '{"a":1',
      '{"a":"x}',
      '{"a" 1}',
      '{"a":1,}x',
      '{a:1}',
      '{"a":1 "b":2}',
    ]) {
      expect(members(bad), bad).toBeNull();
    }
  });
});

describe('sourcesOf', () => {
  it('resolves sources as trace-mapping does, plain paths and the rest', () => {
    const sources = [
      'a.ts',
      './src/b.ts',
      '../../lib/c.ts',
      '../../../../../../d.ts',
      '/abs/e.ts',
      'dir/./f.ts',
      'with space/g.ts',
      'é/h.ts',
      'webpack://app/./src/i.ts',
      'file:///x/j.ts',
      'k.ts?v=1',
      'l.ts#m',
      '//cdn/n.ts',
      '',
      '.',
      '..',
      'o/..',
      'p//q.ts',
      'r\\s.ts',
    ];
    for (const sourceRoot of [undefined, '', 'src', 'src/', '../root/', '/r', 'https://h/r/']) {
      for (const mapUrl of ['/out/dist/main.js.map', '/main.js.map']) {
        // One by one (each a plain path or not), then all together (not all plain).
        for (const list of [...sources.map((x) => [x]), sources]) {
          const raw = { version: 3, sources: list, sourceRoot, mappings: '' };
          const want = new TraceMap(raw as never, mapUrl).resolvedSources;
          expect(sourcesOf(raw, mapUrl), `${JSON.stringify(list)} ${sourceRoot} ${mapUrl}`).toEqual(
            want,
          );
        }
      }
    }
  });
});
