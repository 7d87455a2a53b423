// A process's tracks from hand-made captures: no tracing, one fixture per case.
import { describe, expect, it } from 'vitest';
import {
  buildOrphanTrack,
  buildProcessTrack,
  type BuildOptions,
  type CaptureData,
  type ProcessCaptures,
} from '../../src/report/build';
import type { SliceTable } from '../../src/trace/convert';
import type { MonitorRecord } from '../../src/trace/os-threads';
import { fromInspectorProfile, type InspectorProfile } from '../../src/trace/inspector-profile';
import type { Samples } from '../../src/trace/samples';
import type { UserEvents, UserSlice } from '../../src/user-events';
import { callFrame, checkNesting, printSlices } from './helpers';

const APP = 'file:///app/main.js';
const OPTIONS: BuildOptions = {
  convert: {},
  libDir: '/lib/viztracer',
  jsCoreFromSamples: false,
  sourceMaps: null,
};

const noEvents = (): UserEvents => ({ slices: [], instants: [], counters: [], dropped: 0 });

function userSlice(name: string, start: number, end: number, sync = true): UserSlice {
  return { name, startMicros: start, durationMicros: end - start, args: null, sync };
}

/** One thread's captures in the main thread of pid 7, nothing else. */
function processOf(captures: CaptureData[], extra: Partial<ProcessCaptures> = {}) {
  return {
    pid: 7,
    ppid: 1,
    argv: ['/usr/bin/node', '/app/main.js', '--fast'],
    thread: { tid: 7, name: 'main', sortIndex: 0 },
    isMain: true,
    captures,
    monitors: [],
    pools: { libuv: [], v8: [] },
    ...extra,
  };
}

/**
 * main -> work sampled at 10, 20, 30 (µs), then idle at 40: `work` runs from 10 to 40.
 * With `lib`, `work` calls our own code (the recorder) at 30.
 */
function mainWorkProfile(): InspectorProfile {
  return {
    nodes: [
      { id: 1, callFrame: callFrame('(root)'), children: [2, 4] },
      { id: 2, callFrame: callFrame('main', APP, 0), children: [3] },
      { id: 3, callFrame: callFrame('work', APP, 4), children: [] },
      { id: 4, callFrame: callFrame('(idle)'), children: [] },
    ],
    startTime: 0,
    endTime: 50,
    samples: [3, 3, 3, 4],
    timeDeltas: [10, 10, 10, 10],
  };
}

/** `mainWorkProfile` as the inspector backend returns it. */
function mainWork(): Samples {
  return fromInspectorProfile(mainWorkProfile());
}

/** Slices as `recordingSlices` gives them: `main (/app/main.js:1)` from 5 to 45. */
function mainCall(): SliceTable {
  return {
    count: 1,
    names: ['main (/app/main.js:1)'],
    nameIndex: Int32Array.of(0),
    startMicros: Float64Array.of(5),
    durationMicros: Float64Array.of(40),
    depth: Int32Array.of(1),
    sampleCount: 0,
  };
}

describe('buildProcessTrack', () => {
  it('names the main thread’s process from its command line, with its parent and argv', () => {
    const track = buildProcessTrack(
      processOf([{ samples: mainWork(), calls: null, events: noEvents() }]),
      OPTIONS,
    );
    expect(track.name).toBe('node main.js --fast (pid 7)');
    expect(track.args).toEqual({ ppid: 1, argv: ['/usr/bin/node', '/app/main.js', '--fast'] });
    expect(track.osThreads).toEqual([]);
    expect(track.threads.map((t) => [t.tid, t.name, t.sortIndex])).toEqual([[7, 'main', 0]]);
    expect(printSlices(track.threads[0].slices)).toMatchInlineSnapshot(`
      "
      main (/app/main.js:1) 10..40
        work (/app/main.js:5) 10..40
      "
    `);
  });

  it('leaves a worker’s process unnamed: its main thread names it', () => {
    const track = buildProcessTrack(
      processOf([{ samples: mainWork(), calls: null, events: noEvents() }], {
        thread: { tid: 8, name: 'Worker 1', sortIndex: 1 },
        isMain: false,
      }),
      OPTIONS,
    );
    expect(track.name).toBeNull();
    expect(track.threads[0]).toMatchObject({ tid: 8, name: 'Worker 1', sortIndex: 1 });
  });

  it('makes one track a capture, in capture order', () => {
    const capture = (): CaptureData => ({
      samples: mainWork(),
      calls: null,
      events: noEvents(),
    });
    const track = buildProcessTrack(processOf([capture(), capture()]), OPTIONS);
    expect(track.threads).toHaveLength(2);
  });

  it('cuts the samples around the program’s own slices, and puts one that awaited apart', () => {
    const events: UserEvents = {
      slices: [userSlice('step', 15, 25), userSlice('request', 12, 48, false)],
      instants: [{ name: 'mark', tsMicros: 20, scope: 't', args: null }],
      counters: [],
      dropped: 0,
    };
    const track = buildProcessTrack(
      processOf([{ samples: mainWork(), calls: null, events }]),
      OPTIONS,
    );
    const t = track.threads[0];
    expect(t.user?.slices.map((s) => s.name)).toEqual(['step']);
    expect(t.user?.asyncSlices.map((s) => s.name)).toEqual(['request']);
    expect(t.user?.instants.map((s) => s.name)).toEqual(['mark']);
    checkNesting(t.slices);
    // `step` (15..25) is exact: the sampled frames do not cross its edges.
    for (let i = 0; i < t.slices.count; i++) {
      const [s, e] = [
        t.slices.startMicros[i],
        t.slices.startMicros[i] + t.slices.durationMicros[i],
      ];
      expect(s < 15 && e > 15 && e < 25).toBe(false);
      expect(s > 15 && s < 25 && e > 25).toBe(false);
    }
  });

  it('takes instrumented calls as they are, with the program’s slices split around them', () => {
    const events: UserEvents = {
      slices: [userSlice('inside', 10, 20), userSlice('across', 40, 60)],
      instants: [],
      counters: [],
      dropped: 0,
    };
    const calls = { slices: mainCall(), files: new Set(['/app/main.js']) };
    const track = buildProcessTrack(processOf([{ samples: null, calls, events }]), OPTIONS);
    expect(track.threads).toHaveLength(1);
    expect(track.threads[0].slices).toBe(calls.slices);
    expect(track.threads[0].user?.slices.map((s) => s.name)).toEqual(['inside']);
    expect(track.threads[0].user?.asyncSlices.map((s) => s.name)).toEqual(['across']);
  });

  it('instrumented and sampled: a second track of what the calls do not show, inside them', () => {
    // Sampled under `main` (instrumented): `work` (instrumented too) and, on top of it, a
    // frame of our own code (the recorder), which stands for the tracer's cost.
    const profile = mainWorkProfile();
    profile.nodes[2].children = [5];
    profile.nodes.push({ id: 5, callFrame: callFrame('put', 'file:///lib/viztracer/x.js', 2) });
    profile.samples = [3, 5, 3, 4];
    const calls = { slices: mainCall(), files: new Set(['/app/main.js']) };
    const track = buildProcessTrack(
      processOf([{ samples: fromInspectorProfile(profile), calls, events: noEvents() }]),
      OPTIONS,
    );
    expect(track.threads.map((t) => t.name)).toEqual(['main', 'main']);
    expect(track.threads[0].slices).toBe(calls.slices);
    expect(printSlices(track.threads[1].slices)).toMatchInlineSnapshot(`
      "
      (viztracer) 20..30
      "
    `);
  });

  it('names the OS threads, and leaves a JS thread’s core counter to its samples', () => {
    const monitor: MonitorRecord = {
      periodMillis: 10,
      monitorTid: 99,
      startTime: 0,
      endTime: 50,
      droppedTicks: 0,
      threads: [
        {
          tid: 7,
          name: 'node',
          js: true,
          label: { name: 'main', sortIndex: 0 },
          cpuMicros: 40,
          ts: Float64Array.of(0, 25),
          cpuPercent: Float32Array.of(100, 100),
          core: Int32Array.of(2, 3),
        },
        {
          tid: 12,
          name: 'node',
          js: false,
          label: null,
          cpuMicros: 5,
          ts: Float64Array.of(0),
          cpuPercent: Float32Array.of(10),
          core: Int32Array.of(1),
        },
      ],
    };
    const track = buildProcessTrack(
      processOf(
        [
          {
            samples: { ...mainWork(), cpus: Int16Array.of(1, 1, 0, 0) },
            calls: null,
            events: noEvents(),
          },
        ],
        { monitors: [monitor], pools: { libuv: [12], v8: [] } },
      ),
      { ...OPTIONS, jsCoreFromSamples: true },
    );
    expect(Array.from(track.threads[0].slices.cpu!)).toEqual([1, 1]);
    expect(track.threads[0].counters!.map((c) => c.name)).toEqual(['CPU core (main)']);
    expect(track.osThreads!.map((t) => [t.tid, t.name, t.counters.map((c) => c.name)])).toEqual([
      [7, 'main', ['CPU % (main)']],
      [12, 'libuv-worker 1', ['CPU % (libuv-worker 1)', 'CPU core (libuv-worker 1)']],
    ]);
  });

  it('takes the cores from the samples and makes them a counter', () => {
    const track = buildProcessTrack(
      processOf([
        {
          samples: { ...mainWork(), cpus: Int16Array.of(1, 1, 0, 0) },
          calls: null,
          events: noEvents(),
        },
      ]),
      { ...OPTIONS, jsCoreFromSamples: true },
    );
    const t = track.threads[0];
    expect(Array.from(t.slices.cpu!)).toEqual([1, 1]);
    expect(t.counters!.map((c) => [c.name, Array.from(c.ts), Array.from(c.values)])).toEqual([
      ['CPU core (main)', [10, 30], [1, 0]],
    ]);
  });
});

describe('buildOrphanTrack', () => {
  it('is the one thread’s report, as it would have written it', () => {
    const track = buildOrphanTrack(
      mainWork(),
      { tid: 9, name: 'Worker 2 (w)', sortIndex: 2 },
      { pid: 7, ppid: 1, argv: ['node', 'a.js'] },
      {},
    );
    expect(track).toMatchObject({ pid: 7, name: null, args: { ppid: 1, argv: ['node', 'a.js'] } });
    expect(track.threads.map((t) => [t.tid, t.name, t.sortIndex])).toEqual([
      [9, 'Worker 2 (w)', 2],
    ]);
    expect(track.threads[0].slices.sampleCount).toBe(4);
  });
});
