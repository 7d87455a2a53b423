// pprof (gzipped `profile.proto`, github.com/google/pprof/blob/main/proto/profile.proto) out of a
// report, and a pprof profile back in as stacks: what continuous-profiling backends ingest
// (Pyroscope, Parca, Datadog, Cloud Profiler) and `go tool pprof` reads. Encoding by the
// `pprof-format` package. Pure but for gzip.
import { gunzipSync, gzipSync } from 'node:zlib';
import {
  Function as PprofFunction,
  Label,
  Line,
  Location,
  Profile,
  Sample,
  StringTable,
  ValueType,
} from 'pprof-format';
import { sliceName } from '../trace/frame-name';
import { PSEUDO } from '../trace/samples';
import { stackOf, type ThreadStacks } from './stacks';

/** What the pprof writer takes from a report's metadata. */
export interface PprofMeta {
  /** The sampling interval; 0 when the report was not sampled (`--instrument` alone). */
  intervalMicros: number;
  /** Wall-clock epoch ns minus the monotonic clock's ns (`baseTimeNanoseconds`). */
  baseTimeNanoseconds: number | bigint;
  /** A line for the profile's comments: who wrote it. */
  comment: string;
}

/**
 * A report's threads as one pprof profile, gzipped. Sample types `samples/count` and
 * `wall/nanoseconds`; each sample is a stack of one thread with the labels `pid`, `thread_id`,
 * `thread` (its track's name), `process` where named, `cpu` where the core is known, and the
 * program's own (`withLabels`, from the slices' `args.labels`). Time a
 * thread spent with no slice open is the `(idle)` frame. Counts are the wall time over the
 * interval (the report keeps slices, not samples); without sampling, a count is one segment of
 * a stack's time. No `cpu/nanoseconds` type: neither sampler tells CPU time from wall time per
 * sample.
 */
export function toPprof(threads: readonly ThreadStacks[], meta: PprofMeta): Uint8Array {
  const strings = new StringTable();
  const s = (text: string): number => strings.dedup(text);
  const functions: PprofFunction[] = [];
  const locations: Location[] = [];
  const locationOf = new Map<string, number>();
  const location = (func: string, file: string, line: number): number => {
    const k = `${func}\n${file}\n${line}`;
    let id = locationOf.get(k);
    if (id === undefined) {
      id = functions.length + 1;
      functions.push(
        new PprofFunction({
          id,
          name: s(func),
          systemName: s(func),
          filename: s(file),
          startLine: line,
        }),
      );
      locations.push(new Location({ id, line: [new Line({ functionId: id, line })] }));
      locationOf.set(k, id);
    }
    return id;
  };
  const interval = meta.intervalMicros;
  const samples: Sample[] = [];
  let first = Infinity;
  let last = -Infinity;
  for (const t of threads) {
    const seg = t.segments;
    if (seg.node.length === 0) continue;
    first = Math.min(first, seg.startMicros[0]);
    const n = seg.node.length - 1;
    last = Math.max(last, seg.startMicros[n] + seg.durationMicros[n]);
    // One sample per stack and core: wall µs and segments summed.
    const sums = new Map<
      string,
      { node: number; cpu: number; labels: string; micros: number; segments: number }
    >();
    for (let i = 0; i < seg.node.length; i++) {
      const k = `${seg.node[i]}:${seg.cpu[i]}:${seg.labels[i]}`;
      const sum = sums.get(k);
      if (sum) {
        sum.micros += seg.durationMicros[i];
        sum.segments++;
      } else {
        sums.set(k, {
          node: seg.node[i],
          cpu: seg.cpu[i],
          labels: seg.labels[i],
          micros: seg.durationMicros[i],
          segments: 1,
        });
      }
    }
    const idle = location(PSEUDO.idle, '', 0);
    const common = [
      new Label({ key: s('pid'), num: t.pid }),
      new Label({ key: s('thread_id'), num: t.tid }),
      new Label({ key: s('thread'), str: s(t.threadName) }),
      ...(t.processName !== null ? [new Label({ key: s('process'), str: s(t.processName) })] : []),
    ];
    for (const sum of sums.values()) {
      const stack = stackOf(t.nodes, sum.node).map((id) => {
        const nd = t.nodes[id];
        return location(nd.func, nd.file, nd.line);
      });
      const count = interval > 0 ? Math.round(sum.micros / interval) : sum.segments;
      samples.push(
        new Sample({
          locationId: stack.length > 0 ? stack : [idle],
          value: [count, Math.round(sum.micros * 1000)],
          label: [
            ...common,
            ...(sum.cpu >= 0 ? [new Label({ key: s('cpu'), num: sum.cpu })] : []),
            // The program's own labels (`withLabels`), as strings.
            ...Object.entries(
              sum.labels === '' ? {} : (JSON.parse(sum.labels) as Record<string, unknown>),
            ).map(([k, v]) => new Label({ key: s(k), str: s(String(v)) })),
          ],
        }),
      );
    }
  }
  const base = BigInt(meta.baseTimeNanoseconds);
  const profile = new Profile({
    sampleType: [
      new ValueType({ type: s('samples'), unit: s('count') }),
      new ValueType({ type: s('wall'), unit: s('nanoseconds') }),
    ],
    sample: samples,
    location: locations,
    function: functions,
    stringTable: strings,
    timeNanos: Number.isFinite(first) ? base + BigInt(Math.round(first * 1000)) : base,
    durationNanos: Number.isFinite(first) ? Math.round((last - first) * 1000) : 0,
    periodType: new ValueType({ type: s('wall'), unit: s('nanoseconds') }),
    period: Math.round(interval * 1000),
    comment: [s(meta.comment)],
    defaultSampleType: s('wall'),
  });
  return gzipSync(profile.encode());
}

/** A pprof profile's samples as stacks: what a flame graph and a function table need. */
export interface PprofStacks {
  /** Sample types as `type/unit`, in the order of each sample's values. */
  sampleTypes: string[];
  /** The index of the type shown (the profile's default, else the last, as `go tool pprof`). */
  shown: number;
  samples: {
    /** Frame names (`fn (file:line)`), outermost first. */
    stack: string[];
    values: number[];
    labels: Record<string, string | number>;
  }[];
  /** ns since the epoch, 0 when not set. */
  timeNanos: number;
  durationNanos: number;
}

/** Reads a pprof profile, gzipped or not. Throws an Error with a one-line message. */
export function fromPprof(bytes: Uint8Array): PprofStacks {
  let raw = bytes;
  if (raw.length >= 2 && raw[0] === 0x1f && raw[1] === 0x8b) {
    try {
      raw = gunzipSync(raw);
    } catch {
      throw new Error('corrupt or truncated gzip data');
    }
  }
  let p: Profile;
  try {
    p = Profile.decode(raw);
  } catch {
    throw new Error('not a pprof profile (its protocol buffer does not decode)');
  }
  const str = (i: number | bigint): string => p.stringTable.strings[Number(i)] ?? '';
  const functions = new Map(p.function.map((f) => [Number(f.id), f]));
  const frames = new Map<number, string[]>();
  for (const loc of p.location) {
    // A location's lines: innermost (inlined) first, as profile.proto orders them.
    const names = loc.line.map((l) => {
      const f = functions.get(Number(l.functionId));
      const name = f ? str(f.name) || str(f.systemName) : '';
      return sliceName(name, f ? str(f.filename) : '', Number(l.line) || Number(f?.startLine ?? 0));
    });
    frames.set(Number(loc.id), names.length > 0 ? names : [`0x${loc.address.toString(16)}`]);
  }
  const sampleTypes = p.sampleType.map((t) => `${str(t.type)}/${str(t.unit)}`);
  // The decoder takes most bytes; a profile also has to hang together.
  if (sampleTypes.length === 0 || p.sampleType.some((t) => str(t.type) === '')) {
    throw new Error('not a pprof profile (no sample types)');
  }
  for (const smp of p.sample) {
    if (smp.value.length !== sampleTypes.length) {
      throw new Error('not a pprof profile (a sample without a value of each type)');
    }
    if (smp.locationId.some((id) => !frames.has(Number(id)))) {
      throw new Error('not a pprof profile (a sample names a location it does not have)');
    }
  }
  const def = str(p.defaultSampleType);
  const byDefault = def === '' ? -1 : p.sampleType.findIndex((t) => str(t.type) === def);
  return {
    sampleTypes,
    shown: byDefault >= 0 ? byDefault : sampleTypes.length - 1,
    samples: p.sample.map((smp) => {
      const stack: string[] = [];
      // location_id: the leaf first.
      for (let i = smp.locationId.length - 1; i >= 0; i--) {
        const names = frames.get(Number(smp.locationId[i])) ?? ['(unknown)'];
        for (let j = names.length - 1; j >= 0; j--) stack.push(names[j]);
      }
      const labels: Record<string, string | number> = {};
      for (const l of smp.label)
        labels[str(l.key)] = Number(l.str) !== 0 ? str(l.str) : Number(l.num);
      return { stack, values: smp.value.map(Number), labels };
    }),
    timeNanos: Number(p.timeNanos),
    durationNanos: Number(p.durationNanos),
  };
}
