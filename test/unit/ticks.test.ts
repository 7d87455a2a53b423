// Our sampler's tick log merged into V8's profile, and the CPU core per sample and as a counter.
import { describe, expect, it } from 'vitest';
import type { ProcessTrack } from '../../src/report/model';
import { processEventTexts, reportChunks } from '../../src/report/serialize';
import type { ReportMetadata } from '../../src/trace/events';
import { convertProfile, type SliceTable } from '../../src/trace/convert';
import { TICK_KIND, type NativeTicks } from '../../src/native';
import { coresFromMonitor, sampleCoreCounter } from '../../src/trace/cpu-core';
import { fromInspectorProfile, type ProfileNode } from '../../src/trace/inspector-profile';
import { osThreadTracks } from '../../src/trace/os-threads';
import type { Samples } from '../../src/trace/samples';
import { mergeTicks, sumTicks } from '../../src/trace/ticks';

function node(id: number, functionName: string, url: string, children: number[] = []): ProfileNode {
  return {
    id,
    callFrame: { functionName, scriptId: '1', url, lineNumber: 0, columnNumber: 0 },
    children,
  };
}

// (root) > main > {f, g};  (root) > processTimers > h
const NODES = [
  node(1, '(root)', '', [2, 6]),
  node(2, 'main', 'file:///a.js', [3, 4]),
  node(3, 'f', 'file:///a.js'),
  node(4, 'g', 'file:///a.js'),
  node(6, 'processTimers', 'node:internal/timers', [7]),
  node(7, 'h', 'file:///a.js'),
];

/** V8's samples at absolute times, on the nodes of the given ids. */
function profile(samples: [number, number][]): Samples {
  let last = 0;
  return fromInspectorProfile({
    nodes: NODES,
    startTime: 0,
    endTime: 12_000,
    samples: samples.map(([, id]) => id),
    timeDeltas: samples.map(([t]) => {
      const d = t - last;
      last = t;
      return d;
    }),
  });
}

type Row = [kind: keyof typeof TICK_KIND, tick: number, delay?: number, dur?: number, cpu?: number];

/** Ticks in the order the addon logs them (a sample at its end). */
function ticks(rows: Row[], missed = 0): NativeTicks {
  return {
    tickMicros: Float64Array.from(rows, (r) => r[1]),
    delayMicros: Float32Array.from(rows, (r) => r[2] ?? 0),
    durationMicros: Float32Array.from(rows, (r) => r[3] ?? 0),
    cpu: Int16Array.from(rows, (r) => r[4] ?? -1),
    kind: Uint8Array.from(rows, (r) => TICK_KIND[r[0]]),
    missed,
  };
}

/** `time stack cpu` per sample, readable by eye. */
function listing(s: Samples): string[] {
  return Array.from(s.nodeIds, (id, i) => {
    const names: string[] = [];
    for (let x = id; x >= 0; x = s.nodes[x].parent) names.unshift(s.nodes[x].functionName);
    return `${s.timesMicros[i]} ${names.slice(1).join(';')} ${s.cpus![i]}`;
  });
}

describe('mergeTicks', () => {
  // V8: f at 1000, its own timer's sample at 1500, g at 5000, h at 9000 and 11000.
  const raw = profile([
    [1000, 3],
    [1500, 4],
    [5000, 4],
    [9000, 7],
    [11000, 7],
  ]);
  const log = ticks(
    [
      ['sample', 990, 10, 1, 1], // answered at 1000
      ['busy', 2900], // the request of 1900 still pending: in a native call
      ['runnable', 3900], // waiting for a CPU
      ['sample', 1900, 3100, 0.5, 0], // the request of 1900, answered at 5000
      ['idle', 6000],
      ['gc', 7000],
      ['idle', 8000],
      ['sample', 5900, 3100, 1, 1], // at 9000, after going back to the event loop
      ['idle', 10000], // a synchronous wait inside h
      ['sample', 9900, 1100, 1, 0], // at 11000
    ],
    2,
  );
  const merged = mergeTicks(raw, log);

  it("keeps V8's samples that answer a tick, with its core, and labels the gaps", () => {
    expect(listing(merged)).toEqual([
      '1000 main;f 1',
      '2900 main;(program) -1', // under the frame common to f and g: main called the native code
      '3900 main -1', // preempted: the common frame goes on
      '5000 main;g 0',
      '6000 (idle) -1', // g and h share no frame: the thread went back to the event loop
      '7000 (garbage collector) -1',
      '8000 (idle) -1',
      '9000 processTimers;h 1',
      '10000 processTimers;h -1', // h waited: its slice goes on
      '11000 processTimers;h 0',
    ]);
  });

  it("drops V8's own timer samples and counts everything", () => {
    expect(merged.ticks).toEqual({
      samples: 4,
      idle: 3,
      busy: 1,
      gc: 1,
      runnable: 1,
      missed: 2,
      droppedV8Samples: 1,
    });
    expect(sumTicks([merged.ticks, null, merged.ticks])).toMatchObject({ samples: 8, idle: 6 });
    expect(sumTicks([null, undefined])).toBeNull();
  });

  it('adds the synthetic nodes once, and leaves the input alone', () => {
    const names = merged.nodes.map((n) => n.functionName);
    expect(names.filter((n) => n === '(idle)')).toHaveLength(1);
    expect(names.filter((n) => n === '(program)')).toHaveLength(1);
    expect(raw.nodes).toHaveLength(NODES.length);
    expect(raw.nodes).toEqual(profile([]).nodes);
  });

  it('gives the converter slices with the core they started on, and (idle) ends them', () => {
    const s = convertProfile(merged, {}, merged.cpus);
    const rows = Array.from({ length: s.count }, (_, i) => [
      s.names[s.nameIndex[i]].replace(' (/a.js:1)', ''),
      s.startMicros[i],
      s.durationMicros[i],
      s.cpu![i],
    ]);
    expect(rows).toEqual([
      ['main', 1000, 5000, 1],
      // A lone (program) between two stacks of main is not shown (the converter's rule).
      ['f', 1000, 2900, 1],
      ['g', 5000, 1000, 0],
      ['(garbage collector)', 7000, 1000, -1],
      ['h', 9000, 3000, 1],
    ]);
  });

  it('matches a V8 timestamp truncated to the µs, and a sample with no V8 sample is skipped', () => {
    const r = profile([[2000, 3]]);
    const m = mergeTicks(
      r,
      ticks([
        ['sample', 1999.2, 0.5, 0.2, 1], // window 1999.7-1999.9: V8 wrote 1999 or 2000
        ['sample', 3000, 1, 1, 0], // V8 lost it
      ]),
    );
    expect(listing(m)).toEqual(['2000 main;f 1']);
    expect(m.ticks!.samples).toBe(1);
  });

  it('labels ticks before the first sample at the root', () => {
    const m = mergeTicks(
      profile([[3000, 3]]),
      ticks([
        ['busy', 1000],
        ['runnable', 2000],
        ['sample', 2500, 500, 1, 0],
      ]),
    );
    expect(listing(m)).toEqual(['1000 (program) -1', '2000 (program) -1', '3000 main;f 0']);
  });
});

describe('CPU core', () => {
  const raw = profile([
    [100, 3],
    [200, 3],
    [300, 4],
    [400, 4],
    [500, 3],
    [600, 3],
  ]);

  it('a counter from the samples: the first known core and each change', () => {
    const c = sampleCoreCounter({ ...raw, cpus: Int16Array.of(-1, 1, 1, -1, 0, 1) }, 'main');
    expect(c).toEqual({
      name: 'CPU core (main)',
      key: 'core',
      ts: [200, 500, 600],
      values: [1, 0, 1],
    });
    expect(sampleCoreCounter({ ...raw, cpus: new Int16Array(6).fill(-1) }, 'main')).toBeNull();
    expect(sampleCoreCounter(raw, 'main')).toBeNull();
  });

  it("under V8's sampler, each sample's core from the monitor's readings", () => {
    const cores = coresFromMonitor(raw, { ts: [150, 300, 550], core: [0, 1, 0] });
    expect(Array.from(cores)).toEqual([-1, 0, 1, 1, 1, 0]);
  });

  it('leaves out the monitor core counter of JS threads when the samples give it', () => {
    const t = (tid: number, js: boolean) => ({
      tid,
      name: 'node',
      js,
      label: js ? { name: 'main', sortIndex: 0 } : null,
      cpuMicros: 1,
      ts: Float64Array.of(1),
      cpuPercent: Float32Array.of(1),
      core: Int32Array.of(0),
    });
    const data = {
      periodMillis: 10,
      monitorTid: 9,
      startTime: 0,
      endTime: 1,
      droppedTicks: 0,
      threads: [t(1, true), t(2, false)],
    };
    const names = (o: { jsCoreFromSamples?: boolean }) =>
      osThreadTracks(data, { libuv: [], v8: [] }, o).flatMap((x) => x.counters.map((c) => c.name));
    expect(names({ jsCoreFromSamples: true })).toEqual([
      'CPU % (main)',
      'CPU % (thread 2)',
      'CPU core (thread 2)',
    ]);
    expect(names({})).toContain('CPU core (main)');
  });

  it('writes args.cpu on slices that know it, and the thread counter on its own track', () => {
    const slices: SliceTable = {
      count: 2,
      names: ['f', 'g'],
      nameIndex: Int32Array.of(0, 1),
      startMicros: Float64Array.of(0, 5),
      durationMicros: Float64Array.of(10, 2),
      depth: Int32Array.of(1, 2),
      sampleCount: 3,
      threw: Uint8Array.of(0, 1),
      cpu: Int16Array.of(1, -1),
    };
    const track: ProcessTrack = {
      pid: 5,
      name: null,
      args: {},
      threads: [
        {
          tid: 6,
          name: 'w',
          sortIndex: 1,
          slices,
          counters: [{ name: 'CPU core (w)', key: 'core', ts: [0], values: [1] }],
        },
      ],
    };
    const report = Buffer.concat([
      ...reportChunks(
        processEventTexts(track),
        () => ({ tool: 'viztracer', baseTimeNanoseconds: 0n }) as unknown as ReportMetadata,
      ),
    ]);
    const texts = (JSON.parse(report.toString()) as { traceEvents: Record<string, unknown>[] })
      .traceEvents;
    expect(texts.filter((e) => e.ph === 'X').map((e) => e.args)).toEqual([
      { cpu: 1 },
      { exception: true },
    ]);
    expect(texts.filter((e) => e.ph === 'C')).toEqual([
      { ph: 'C', name: 'CPU core (w)', pid: 5, tid: 6, ts: 0, args: { core: 1 } },
    ]);
  });
});
