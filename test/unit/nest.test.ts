// Exact slices (instrumented calls, the program's logEvent slices) and sampled slices on one
// track: which of the program's slices nest, how sampled slices are cut around or into exact
// ones, and the profile without instrumented frames. Tables are written as indented text,
// `name start..end`, two spaces a level, and printed back the same way.
import { describe, expect, it } from 'vitest';
import { convertProfile, type SliceTable } from '../../src/trace/convert';
import {
  fitAroundExact,
  fitIntoExact,
  INSTRUMENTED_PLACEHOLDER,
  nestUserSlices,
  stripInstrumentedFrames,
  type Span,
} from '../../src/trace/nest';
import { fromInspectorProfile } from '../../src/trace/inspector-profile';
import type { Samples } from '../../src/trace/samples';
import { callFrame, checkNesting, printSlices } from './helpers';

/** A table from `name start..end` lines, indented two spaces a level. */
function table(text: string): SliceTable {
  const rows = text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      const m = /^( *)(.+) (\d+(?:\.\d+)?)\.\.(\d+(?:\.\d+)?)$/.exec(l)!;
      return { depth: m[1].length / 2 + 1, name: m[2], start: +m[3], end: +m[4] };
    });
  const minIndent = Math.min(...rows.map((r) => r.depth)) - 1;
  const names = [...new Set(rows.map((r) => r.name))];
  return {
    count: rows.length,
    names,
    nameIndex: Int32Array.from(rows, (r) => names.indexOf(r.name)),
    startMicros: Float64Array.from(rows, (r) => r.start),
    durationMicros: Float64Array.from(rows, (r) => r.end - r.start),
    depth: Int32Array.from(rows, (r) => r.depth - minIndent),
    sampleCount: 0,
  };
}

const span = (startMicros: number, endMicros: number, sync = true) => ({
  startMicros,
  durationMicros: endMicros - startMicros,
  sync,
});

/** Sampled and exact slices of one track, all together: every one nests. */
function checkTrack(t: SliceTable, exact: readonly Span[]): void {
  const all = [
    ...Array.from({ length: t.count }, (_, i) => [
      t.startMicros[i],
      t.startMicros[i] + t.durationMicros[i],
    ]),
    ...exact.map((e) => [e.startMicros, e.startMicros + e.durationMicros]),
  ].sort((a, b) => a[0] - b[0] || b[1] - a[1]);
  const stack: number[][] = [];
  for (const s of all) {
    while (stack.length && stack[stack.length - 1][1] <= s[0]) stack.pop();
    const p = stack[stack.length - 1];
    if (p && s[1] > p[1]) throw new Error(`${s} overlaps ${p} without nesting`);
    stack.push(s);
  }
}

describe('nestUserSlices', () => {
  it('keeps synchronous slices that nest, and sends the others to the async list', () => {
    const outer = span(10, 50);
    const inner = span(20, 30);
    const awaited = span(25, 80, false);
    const { nested, unnested } = nestUserSlices([outer, inner, awaited], null);
    expect(nested).toEqual([outer, inner]);
    expect(unnested).toEqual([awaited]);
  });

  it('of two slices of the program that overlap partly, the later one gives way', () => {
    const a = span(10, 50);
    const b = span(40, 60);
    expect(nestUserSlices([b, a], null)).toEqual({ nested: [a], unnested: [b] });
  });

  it('checks them against instrumented calls: inside or around a call is fine, across is not', () => {
    const calls = table(`
      main 0..100
        f 10..20
        g 30..40
    `);
    const inF = span(12, 18);
    const aroundG = span(25, 45);
    const fromFIntoG = span(15, 35);
    const sameAsF = span(10, 20);
    const r = nestUserSlices([inF, aroundG, fromFIntoG, sameAsF], calls);
    expect(r.nested).toEqual([inF, aroundG, sameAsF]);
    expect(r.unnested).toEqual([fromFIntoG]);
  });
});

describe('fitAroundExact (sampled slices around the program logEvent slices)', () => {
  // Samples every 10 µs.
  const samples = Float64Array.from({ length: 21 }, (_, i) => i * 10);

  it('leaves a sampled caller that encloses the exact slice, and a callee inside it', () => {
    const sampled = table(`
      main 0..100
        work 30..50
    `);
    const out = fitAroundExact(sampled, [span(25, 55)], samples);
    checkNesting(out);
    expect(printSlices(out)).toBe(printSlices(sampled));
  });

  it('ends a frame that began before the exact slice and was gone at a sample inside it', () => {
    const sampled = table(`
      main 0..100
        before 10..30
    `);
    const exact = [span(25, 60)];
    const out = fitAroundExact(sampled, exact, samples);
    checkTrack(out, exact);
    expect(printSlices(out)).toMatchInlineSnapshot(`
      "
      main 0..100
        before 10..25
      "
    `);
  });

  it('ends with the exact slice a frame seen leaving at the first sample after it (a callee)', () => {
    // The exact slice ends at 42; the first sample after it (50) no longer sees `callee`.
    const sampled = table(`
      main 0..100
        callee 30..50
          leaf 40..50
    `);
    const exact = [span(25, 42)];
    const out = fitAroundExact(sampled, exact, samples);
    checkTrack(out, exact);
    expect(printSlices(out)).toMatchInlineSnapshot(`
      "
      main 0..100
        callee 30..42
          leaf 40..42
      "
    `);
  });

  it('starts with the exact slice a frame seen late that outlives it (its caller)', () => {
    // No sample between 21 and 30 (a busy machine); `caller` is still there at 50, after the
    // exact slice ended at 42: it called it.
    const sampled = table(`
      main 0..100
        caller 30..80
          inner 30..40
          after 50..60
    `);
    const exact = [span(21, 42)];
    const out = fitAroundExact(sampled, exact, samples);
    checkTrack(out, exact);
    expect(printSlices(out)).toMatchInlineSnapshot(`
      "
      main 0..100
        caller 21..80
          inner 30..40
          after 50..60
      "
    `);
  });

  it('keeps a caller seen late inside its own parent', () => {
    // Both frames appear late; both outlive the exact slice.
    const sampled = table(`
      main 30..100
        caller 30..80
    `);
    const exact = [span(21, 42)];
    const out = fitAroundExact(sampled, exact, samples);
    checkNesting(out);
    checkTrack(out, exact);
    expect(printSlices(out)).toMatchInlineSnapshot(`
      "
      main 21..100
        caller 21..80
      "
    `);
  });

  it('fits around nested exact slices, dropping what is then shorter than the minimum', () => {
    const sampled = table(`
      main 0..200
        a 10..100
          b 45..100
          d 96..99
        c 120..190
          e 125..135
    `);
    const exact = [span(40, 95), span(50, 60), span(130, 140)];
    const out = fitAroundExact(sampled, exact, samples, 6);
    checkNesting(out);
    checkTrack(out, exact);
    // b began inside [40, 95] and was gone at the first sample after it (100): it ends at 95;
    // a was still there at 100: it encloses. d is too short; e, cut at 130, is too.
    expect(printSlices(out)).toMatchInlineSnapshot(`
      "
      main 0..200
        a 10..100
          b 45..95
        c 120..190
      "
    `);
  });

  it('reads sample times from a profile in time order', () => {
    const p = {
      nodes: [],
      startTime: 100,
      endTime: 120,
      timeDeltas: [5, 10, -3],
      samples: [1, 1, 1],
    };
    expect(Array.from(fromInspectorProfile(p).timesMicros)).toEqual([105, 112, 115]);
  });
});

describe('fitIntoExact (sampled leaves among instrumented calls)', () => {
  it('cuts a sampled frame around the exact calls of its context', () => {
    // JSON.parse under f, then f calls g (exact), then more parse.
    const sampled = table(`
      parse 12..48
        (garbage collector) 20..24
    `);
    const exact = [span(10, 50), span(30, 40)];
    const out = fitIntoExact(sampled, exact);
    checkNesting(out);
    checkTrack(out, exact);
    expect(printSlices(out)).toMatchInlineSnapshot(`
      "
      parse 12..30
        (garbage collector) 20..24
      parse 40..48
      "
    `);
  });

  it('ends a sampled frame with the exact call it began in', () => {
    const sampled = table(`
      readFileSync 15..70
        openSync 15..35
    `);
    const exact = [span(10, 30), span(50, 60)];
    const out = fitIntoExact(sampled, exact);
    checkTrack(out, exact);
    expect(printSlices(out)).toMatchInlineSnapshot(`
      "
      readFileSync 15..30
        openSync 15..30
      "
    `);
  });

  it('puts stacks without instrumented frames between the top-level calls', () => {
    const sampled = table(`
      processTicksAndRejections 0..100
        (program) 0..100
    `);
    const exact = [span(20, 30), span(25, 28), span(60, 70)];
    const out = fitIntoExact(sampled, exact);
    checkNesting(out);
    checkTrack(out, exact);
    expect(printSlices(out)).toMatchInlineSnapshot(`
      "
      processTicksAndRejections 0..20
        (program) 0..20
      processTicksAndRejections 30..60
        (program) 30..60
      processTicksAndRejections 70..100
        (program) 70..100
      "
    `);
  });

  it('skips the placeholder of instrumented frames and drops pieces under the minimum', () => {
    const sampled = table(`
      ${INSTRUMENTED_PLACEHOLDER} 0..100
        parse 10..45
          (garbage collector) 20..21
        stat 60..62
    `);
    const exact = [span(5, 50), span(55, 90)];
    const out = fitIntoExact(sampled, exact, 3, sampled.names.indexOf(INSTRUMENTED_PLACEHOLDER));
    checkNesting(out);
    checkTrack(out, exact);
    expect(printSlices(out)).toMatchInlineSnapshot(`
      "
      parse 10..45
      "
    `);
  });
});

describe('stripInstrumentedFrames', () => {
  // root > main (instrumented) > parse (internal) > reviver (instrumented) > (builtin) stat,
  // and root > (program); the recorder (own) called from main.
  const APP = '/app/main.js';
  const profile = (): Samples =>
    fromInspectorProfile({
      nodes: [
        { id: 1, callFrame: callFrame('(root)'), children: [2, 7] },
        { id: 2, callFrame: callFrame('main', APP, 0), children: [3, 6] },
        { id: 3, callFrame: callFrame('parse', 'node:internal/json', 1), children: [4] },
        { id: 4, callFrame: callFrame('reviver', APP, 5), children: [5] },
        { id: 5, callFrame: callFrame('statSync', 'node:fs', 9), children: [] },
        { id: 6, callFrame: callFrame('e', '/lib/recorder.js', 3), children: [8] },
        { id: 7, callFrame: callFrame('(program)'), children: [] },
        { id: 8, callFrame: callFrame('now', 'node:perf', 1), children: [] },
      ],
      startTime: 0,
      endTime: 60,
      // main, main>parse, main>parse>reviver>statSync, recorder, (program)
      samples: [2, 3, 5, 8, 7],
      timeDeltas: [0, 10, 10, 10, 10],
    });

  it('keeps what is above the deepest instrumented frame, and the tracer as one frame', () => {
    const stripped = stripInstrumentedFrames(
      profile(),
      (f) => f.file === APP,
      (f) => f.file.startsWith('/lib/'),
    );
    const out = convertProfile(stripped);
    checkNesting(out);
    expect(printSlices(out)).toMatchInlineSnapshot(`
      "
      ${INSTRUMENTED_PLACEHOLDER} 0..40
        parse (node:internal/json:2) 10..20
        statSync (node:fs:10) 20..30
        (viztracer) 30..40
      (program) 40..60
      "
    `);
  });
});
