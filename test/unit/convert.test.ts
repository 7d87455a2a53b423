// convertProfile: one thread's samples -> nested "X" slices. Each fixture in
// test/fixtures/profiles is one edge case; the expected slices were worked out by hand from
// the intended semantics (see each test's comment), not copied from the output.
import { describe, expect, it } from 'vitest';
import { convertProfile, type ConvertOptions } from '../../src/trace/convert';
import {
  fromInspectorProfile,
  type CallFrame,
  type InspectorProfile,
} from '../../src/trace/inspector-profile';
import { frameName, urlToFile } from '../../src/trace/samples';
import {
  callFrame,
  checkNesting,
  deepRecursionProfile,
  loadProfile,
  loadSamples,
  printSlices,
} from './helpers';

function convert(profile: InspectorProfile | string, options?: ConvertOptions): string {
  const p = typeof profile === 'string' ? loadProfile(profile) : profile;
  const table = convertProfile(fromInspectorProfile(p), options);
  checkNesting(table);
  return printSlices(table);
}

describe('convertProfile: sampling', () => {
  it('gives no slices for a profile without samples', () => {
    const table = convertProfile(loadSamples('empty.json'));
    expect(table.count).toBe(0);
    expect(table.sampleCount).toBe(0);
  });

  it('opens the stack of a single sample at its time and closes it at endTime', () => {
    // startTime 100 + delta 10 = 110; endTime 150.
    expect(convert('one-sample.json')).toMatchInlineSnapshot(`
      "
      main (/app/main.js:1) 110..150
        work (/app/main.js:10) 110..150
      "
    `);
    expect(convertProfile(loadSamples('one-sample.json')).sampleCount).toBe(1);
  });

  it('closes the last frames at the last sample when endTime is earlier', () => {
    const p = loadProfile('one-sample.json');
    p.endTime = 50;
    expect(convert(p)).toMatchInlineSnapshot(`
      "
      main (/app/main.js:1) 110..110
        work (/app/main.js:10) 110..110
      "
    `);
  });

  it('makes one slice of a frame seen in consecutive samples', () => {
    // samples a a a b b main a at 10..70, endTime 80.
    expect(convert('consecutive-samples.json')).toMatchInlineSnapshot(`
      "
      main (/app/main.js:1) 10..80
        a (/app/main.js:5) 10..40
        b (/app/main.js:9) 40..60
        a (/app/main.js:5) 70..80
      "
    `);
  });

  it('treats (idle) as a gap that closes everything', () => {
    // f f idle idle f idle at 10..60.
    expect(convert('idle-gaps.json')).toMatchInlineSnapshot(`
      "
      main (/app/main.js:1) 10..30
        f (/app/main.js:5) 10..30
      main (/app/main.js:1) 50..60
        f (/app/main.js:5) 50..60
      "
    `);
  });

  it('nests (garbage collector) on top of the running stack and gives (program) a slice', () => {
    // gc@10 (nothing running), alloc@20, gc@30, gc@40, alloc@50, program@60, program@70,
    // alloc@80; end 90. V8 hangs GC samples off the root; it runs inside the allocating JS.
    expect(convert('gc-and-program.json')).toMatchInlineSnapshot(`
      "
      (garbage collector) 10..20
      main (/app/main.js:1) 20..60
        alloc (/app/main.js:5) 20..60
          (garbage collector) 30..50
      (program) 60..80
      main (/app/main.js:1) 80..90
        alloc (/app/main.js:5) 80..90
      "
    `);
  });

  it('folds a GC sample into the frame at maxStackDepth', () => {
    expect(convert('gc-and-program.json', { maxStackDepth: 2 })).toMatchInlineSnapshot(`
      "
      (garbage collector) 10..20
      main (/app/main.js:1) 20..60
        alloc (/app/main.js:5) 20..60
      (program) 60..80
      main (/app/main.js:1) 80..90
        alloc (/app/main.js:5) 80..90
      "
    `);
    expect(convert('gc-and-program.json', { maxStackDepth: 1 })).toMatchInlineSnapshot(`
      "
      (garbage collector) 10..20
      main (/app/main.js:1) 20..60
      (program) 60..80
      main (/app/main.js:1) 80..90
      "
    `);
  });

  it('bridges a lone (program) sample between stacks with the same bottom frame', () => {
    // a@10, program@20 (main..main: bridged), b@30, program@40 (main..other: a slice),
    // c@50, program@60, program@70 (not lone: a slice), a@80; end 90.
    expect(convert('lone-program-sample.json')).toMatchInlineSnapshot(`
      "
      main (/app/main.js:1) 10..40
        a (/app/main.js:5) 10..30
        b (/app/main.js:9) 30..40
      (program) 40..50
      other (/app/main.js:21) 50..60
        c (/app/main.js:25) 50..60
      (program) 60..80
      main (/app/main.js:1) 80..90
        a (/app/main.js:5) 80..90
      "
    `);
  });

  it('keeps a (program) sample between two (idle) samples: idle is no JS stack to bridge', () => {
    // f@10, idle@20, program@30, idle@40, f@50; end 60.
    expect(convert('program-between-idle.json')).toMatchInlineSnapshot(`
      "
      main (/app/main.js:1) 10..20
        f (/app/main.js:5) 10..20
      (program) 30..40
      main (/app/main.js:1) 50..60
        f (/app/main.js:5) 50..60
      "
    `);
  });

  it('puts samples in time order when deltas are negative, keeping ties in sample order', () => {
    // deltas 10 20 -5 0 15 -> a@10 b@30 a@25 c@25 b@40; sorted: a@10 a@25 c@25 b@30 b@40.
    expect(convert('negative-deltas.json')).toMatchInlineSnapshot(`
      "
      main (/app/main.js:1) 10..50
        a (/app/main.js:5) 10..25
        c (/app/main.js:13) 25..30
        b (/app/main.js:9) 30..50
      "
    `);
    expect(convertProfile(loadSamples('negative-deltas.json')).sampleCount).toBe(5);
  });

  it('is deterministic', () => {
    const p = loadSamples('internals.json');
    expect(convertProfile(p)).toEqual(convertProfile(p));
  });

  it('does not depend on the order of the nodes array', () => {
    const p = loadProfile('filters.json');
    const reversed = { ...p, nodes: [...p.nodes].reverse() };
    expect(convert(reversed)).toBe(convert(p));
  });
});

describe('convertProfile: deep recursion', () => {
  it('walks a 10,000-frame recursion without overflowing the stack', () => {
    const table = convertProfile(fromInspectorProfile(deepRecursionProfile(10_000)));
    checkNesting(table);
    expect(table.count).toBe(10_001);
    expect(table.depth[0]).toBe(1);
    expect(table.names[table.nameIndex[0]]).toBe('main (/app/rec.js:1)');
    expect([table.startMicros[0], table.durationMicros[0]]).toEqual([10, 20]);
    const last = table.count - 1;
    expect(table.depth[last]).toBe(10_001);
    expect(table.names[table.nameIndex[last]]).toBe('rec (/app/rec.js:5)');
    expect([table.startMicros[last], table.durationMicros[last]]).toEqual([10, 10]);
    for (let i = 1; i < table.count; i++) {
      if (table.depth[i] !== i + 1 || table.durationMicros[i] !== 10) {
        throw new Error(`slice ${i}: depth ${table.depth[i]}, duration ${table.durationMicros[i]}`);
      }
    }
  });

  it('folds a 10,000-frame recursion at maxStackDepth', () => {
    expect(convert(deepRecursionProfile(10_000), { maxStackDepth: 3 })).toMatchInlineSnapshot(`
      "
      main (/app/rec.js:1) 10..30
        rec (/app/rec.js:5) 10..20
          rec (/app/rec.js:5) 10..20
      "
    `);
  });
});

describe('convertProfile: filters', () => {
  // Samples: main>dep>cb @10, main>util @20, (gc) @30, (program) @40, main>dep @50; end 60.
  it('keeps every frame without filters', () => {
    expect(convert('filters.json')).toMatchInlineSnapshot(`
      "
      main (/app/main.js:1) 10..40
        dep (/app/vendor/dep.js:5) 10..20
          cb (/app/main.js:20) 10..20
        util (/app/lib/util.js:3) 20..40
          (garbage collector) 30..40
      (program) 40..50
      main (/app/main.js:1) 50..60
        dep (/app/vendor/dep.js:5) 50..60
      "
    `);
  });

  it('keeps only included files, plus (program) and (garbage collector)', () => {
    expect(convert('filters.json', { includeFiles: ['/app/main.js'] })).toMatchInlineSnapshot(`
      "
      main (/app/main.js:1) 10..40
        cb (/app/main.js:20) 10..20
        (garbage collector) 30..40
      (program) 40..50
      main (/app/main.js:1) 50..60
      "
    `);
  });

  it('drops excluded files, their callees moving up to the nearest visible caller', () => {
    expect(convert('filters.json', { excludeFiles: ['/app/vendor/'] })).toMatchInlineSnapshot(`
      "
      main (/app/main.js:1) 10..40
        cb (/app/main.js:20) 10..20
        util (/app/lib/util.js:3) 20..40
          (garbage collector) 30..40
      (program) 40..50
      main (/app/main.js:1) 50..60
      "
    `);
  });

  it('applies exclude within include', () => {
    expect(convert('filters.json', { includeFiles: ['/app/'], excludeFiles: ['/app/lib/'] }))
      .toMatchInlineSnapshot(`
      "
      main (/app/main.js:1) 10..40
        dep (/app/vendor/dep.js:5) 10..20
          cb (/app/main.js:20) 10..20
        (garbage collector) 30..40
      (program) 40..50
      main (/app/main.js:1) 50..60
        dep (/app/vendor/dep.js:5) 50..60
      "
    `);
  });

  it('treats an empty includeFiles list as no include filter', () => {
    expect(convert('filters.json', { includeFiles: [] })).toBe(convert('filters.json'));
  });

  it('never splits a visible slice in two because of a hidden frame', () => {
    // main>handler @10, main>dep>handler @20, main>handler @30, main>dep>handler @40; end 50.
    expect(convert('hidden-frame-no-split.json')).toMatchInlineSnapshot(`
      "
      main (/app/main.js:1) 10..50
        handler (/app/main.js:10) 10..20
        dep (/app/vendor/dep.js:1) 20..30
          handler (/app/main.js:10) 20..30
        handler (/app/main.js:10) 30..40
        dep (/app/vendor/dep.js:1) 40..50
          handler (/app/main.js:10) 40..50
      "
    `);
    expect(convert('hidden-frame-no-split.json', { excludeFiles: ['/app/vendor'] }))
      .toMatchInlineSnapshot(`
      "
      main (/app/main.js:1) 10..50
        handler (/app/main.js:10) 10..50
      "
    `);
    expect(convert('hidden-frame-no-split.json', { includeFiles: ['/app/main.js'] })).toBe(
      convert('hidden-frame-no-split.json', { excludeFiles: ['/app/vendor'] }),
    );
  });
});

describe('convertProfile: maxStackDepth', () => {
  // Samples: a>b>c>d @10, a>b>c @20, a>b @30, a>b>c>d @40, a @50; end 60.
  it('keeps the whole stack without a limit', () => {
    expect(convert('max-depth.json')).toMatchInlineSnapshot(`
      "
      a (/app/main.js:1) 10..60
        b (/app/main.js:2) 10..50
          c (/app/main.js:3) 10..30
            d (/app/main.js:4) 10..20
          c (/app/main.js:3) 40..50
            d (/app/main.js:4) 40..50
      "
    `);
  });

  it('folds deeper frames into their ancestor at the limit', () => {
    expect(convert('max-depth.json', { maxStackDepth: 3 })).toMatchInlineSnapshot(`
      "
      a (/app/main.js:1) 10..60
        b (/app/main.js:2) 10..50
          c (/app/main.js:3) 10..30
          c (/app/main.js:3) 40..50
      "
    `);
    expect(convert('max-depth.json', { maxStackDepth: 2 })).toMatchInlineSnapshot(`
      "
      a (/app/main.js:1) 10..60
        b (/app/main.js:2) 10..50
      "
    `);
    expect(convert('max-depth.json', { maxStackDepth: 1 })).toMatchInlineSnapshot(`
      "
      a (/app/main.js:1) 10..60
      "
    `);
  });
});

describe('convertProfile: minDurationMicros', () => {
  // main 10..60 (50), short 10..20 (10), long 20..50 (30).
  it('drops slices shorter than the minimum and keeps ones exactly as long', () => {
    expect(convert('min-duration.json')).toMatchInlineSnapshot(`
      "
      main (/app/main.js:1) 10..60
        short (/app/main.js:5) 10..20
        long (/app/main.js:9) 20..50
      "
    `);
    expect(convert('min-duration.json', { minDurationMicros: 30 })).toMatchInlineSnapshot(`
      "
      main (/app/main.js:1) 10..60
        long (/app/main.js:9) 20..50
      "
    `);
    expect(convert('min-duration.json', { minDurationMicros: 31 })).toMatchInlineSnapshot(`
      "
      main (/app/main.js:1) 10..60
      "
    `);
    const none = convertProfile(loadSamples('min-duration.json'), { minDurationMicros: 51 });
    expect(none.count).toBe(0);
    expect(none.sampleCount).toBe(5);
  });
});

describe('convertProfile: Node internals', () => {
  // Samples (end 70):
  //   @10 runMain > Module._load > (anonymous main.js) > fib
  //   @20 ... > fib > readFileSync (node:fs)
  //   @30 runMain > Module._load                        (only internals)
  //   @40 processTicksAndRejections > flush (tracer's own lib)
  //   @50 listOnTimeout > cb (main.js)
  //   @60 wrap (tracer's own lib) > start (main.js)
  const tracerLib = { internalPathPrefixes: ['/opt/viztracer/lib/'] };

  it('hides internals above user code, keeps internals below it, shows all-internal stacks whole', () => {
    expect(convert('internals.json', tracerLib)).toMatchInlineSnapshot(`
      "
      (anonymous) (/app/main.js:1) 10..30
        fib (/app/main.js:3) 10..30
          readFileSync (node:fs:441) 20..30
      runMain (node:internal/modules/run_main:135) 30..40
        Module._load (node:internal/modules/cjs/loader:1000) 30..40
      processTicksAndRejections (node:internal/process/task_queues:77) 40..50
        flush (/opt/viztracer/lib/tracer.js:51) 40..50
      cb (/app/main.js:11) 50..60
      start (/app/main.js:31) 60..70
      "
    `);
  });

  it('treats files under internalPathPrefixes as user code when no prefix names them', () => {
    expect(convert('internals.json')).toMatchInlineSnapshot(`
      "
      (anonymous) (/app/main.js:1) 10..30
        fib (/app/main.js:3) 10..30
          readFileSync (node:fs:441) 20..30
      runMain (node:internal/modules/run_main:135) 30..40
        Module._load (node:internal/modules/cjs/loader:1000) 30..40
      flush (/opt/viztracer/lib/tracer.js:51) 40..50
      cb (/app/main.js:11) 50..60
      wrap (/opt/viztracer/lib/register.js:5) 60..70
        start (/app/main.js:31) 60..70
      "
    `);
  });

  it("shows the tracer's own work as one (viztracer) frame; user code it calls stays the user's", () => {
    const own = { ...tracerLib, ownPathPrefixes: ['/opt/viztracer/lib/'] };
    expect(convert('internals.json', own)).toMatchInlineSnapshot(`
      "
      (anonymous) (/app/main.js:1) 10..30
        fib (/app/main.js:3) 10..30
          readFileSync (node:fs:441) 20..30
      runMain (node:internal/modules/run_main:135) 30..40
        Module._load (node:internal/modules/cjs/loader:1000) 30..40
      (viztracer) 40..50
      cb (/app/main.js:11) 50..60
      start (/app/main.js:31) 60..70
      "
    `);
    // keepInternals shows the tracer's frames as they are.
    expect(convert('internals.json', { ...own, keepInternals: true })).toContain(
      'flush (/opt/viztracer/lib/tracer.js:51)',
    );
  });

  it('folds the packages the tracer calls into its frame, not when the program calls them', () => {
    // @10 listOnTimeout > endPeriod (tracer's lib) > encode (pprof-format); @20 main.js > encode.
    const own = {
      internalPathPrefixes: ['/opt/viztracer/lib/'],
      ownPathPrefixes: ['/opt/viztracer/lib/'],
      ownCalleePrefixes: ['/app/node_modules/pprof-format'],
    };
    expect(convert('own-callees.json', own)).toMatchInlineSnapshot(`
      "
      (viztracer) 10..20
      (anonymous) (/app/main.js:1) 20..30
        encode (/app/node_modules/pprof-format/dist/index.js:5) 20..30
      "
    `);
    // Without knowing the package, its frames under ours read as the program's.
    expect(convert('own-callees.json', { ...own, ownCalleePrefixes: [] })).toContain(
      'encode (/app/node_modules/pprof-format/dist/index.js:5) 10..20',
    );
  });

  it('shows every frame with keepInternals', () => {
    expect(convert('internals.json', { ...tracerLib, keepInternals: true })).toMatchInlineSnapshot(`
      "
      runMain (node:internal/modules/run_main:135) 10..40
        Module._load (node:internal/modules/cjs/loader:1000) 10..40
          (anonymous) (/app/main.js:1) 10..30
            fib (/app/main.js:3) 10..30
              readFileSync (node:fs:441) 20..30
      processTicksAndRejections (node:internal/process/task_queues:77) 40..50
        flush (/opt/viztracer/lib/tracer.js:51) 40..50
      listOnTimeout (node:internal/timers:581) 50..60
        cb (/app/main.js:11) 50..60
      wrap (/opt/viztracer/lib/register.js:5) 60..70
        start (/app/main.js:31) 60..70
      "
    `);
  });

  it('treats V8 natives with no url like Node internals', () => {
    // evaluate > (anonymous main.mjs) > sort @10, evaluate alone @20; end 30.
    expect(convert('empty-url-natives.json')).toMatchInlineSnapshot(`
      "
      (anonymous) (/app/main.mjs:1) 10..20
        sort 10..20
      evaluate 20..30
      "
    `);
    expect(convert('empty-url-natives.json', { keepInternals: true })).toMatchInlineSnapshot(`
      "
      evaluate 10..30
        (anonymous) (/app/main.mjs:1) 10..20
          sort 10..20
      "
    `);
  });

  it('keeps one user slice when the hidden internals under it change', () => {
    // The same user function entered from two different internal callers, in consecutive samples.
    const profile: InspectorProfile = {
      nodes: [
        { id: 1, callFrame: callFrame('(root)'), children: [2, 4] },
        {
          id: 2,
          callFrame: callFrame('listOnTimeout', 'node:internal/timers', 580),
          children: [3],
        },
        { id: 3, callFrame: callFrame('tick', 'file:///app/main.js', 9) },
        {
          id: 4,
          callFrame: callFrame('processImmediate', 'node:internal/timers', 470),
          children: [5],
        },
        { id: 5, callFrame: callFrame('tick', 'file:///app/main.js', 9) },
      ],
      startTime: 0,
      endTime: 30,
      samples: [3, 5],
      timeDeltas: [10, 10],
    };
    expect(convert(profile)).toMatchInlineSnapshot(`
      "
      tick (/app/main.js:10) 10..30
      "
    `);
  });
});

/** A call frame's slice name, through the inspector's conversion. */
function nameOf(frame: CallFrame): string {
  const p = fromInspectorProfile({
    nodes: [{ id: 1, callFrame: frame }],
    startTime: 0,
    endTime: 0,
  });
  return frameName(p.nodes[0]);
}

describe('frame names', () => {
  it('names frames "fn (file:line)" with 1-based lines, paths for file: URLs, node: kept', () => {
    // (anonymous main) > load (node:, internal below user code) > anonymous native > parse > reviver
    expect(convert('names.json')).toMatchInlineSnapshot(`
      "
      (anonymous) (/app/a b/main.js:1) 10..20
        load (node:internal/modules/cjs/loader:100) 10..20
          (anonymous) 10..20
            parse 10..20
              reviver (/app/main.js) 10..20
      "
    `);
  });

  it('frameName covers each url kind', () => {
    expect(nameOf(callFrame('f', 'file:///app/x.js', 0))).toBe('f (/app/x.js:1)');
    expect(nameOf(callFrame('', 'file:///app/x.js', 41))).toBe('(anonymous) (/app/x.js:42)');
    expect(nameOf(callFrame('g', 'node:internal/timers', 9))).toBe('g (node:internal/timers:10)');
    expect(nameOf(callFrame('h', 'https://example.com/a.js', 2))).toBe(
      'h (https://example.com/a.js:3)',
    );
    expect(nameOf(callFrame('JSON.parse'))).toBe('JSON.parse');
    expect(nameOf(callFrame(''))).toBe('(anonymous)');
    expect(nameOf(callFrame('k', 'file:///app/x.js', -1))).toBe('k (/app/x.js)');
  });

  it('urlToFile turns file: URLs into paths and leaves other URLs alone', () => {
    expect(urlToFile('file:///app/a%20b/c.js')).toBe('/app/a b/c.js');
    expect(urlToFile('node:fs')).toBe('node:fs');
    expect(urlToFile('evalmachine.<anonymous>')).toBe('evalmachine.<anonymous>');
    // Not a valid file URL on POSIX (has a host): kept as it is rather than throwing.
    expect(urlToFile('file://host/a.js')).toBe('file://host/a.js');
  });
});
