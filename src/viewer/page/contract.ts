// The server contract: the JSON of `data/meta`, the binary layouts of `data/thread/<key>` and
// `data/counter/<key>`, and the standalone page's inlined data. The server (../wire.ts,
// ../html.ts) imports these types too, so this module must use neither the DOM nor Node.

export interface WireThread {
  key: number;
  tid: number;
  name: string;
  count: number;
  /** Number of depth levels (1 for a thread whose slices are all at depth 0). */
  maxDepth: number;
  /** A track of a thread's async spans (laid out in lanes), not a call stack. */
  async?: boolean;
  /**
   * An async track's runs: how many (span, slice) pairs tie its spans to the slices of the
   * thread track of the same pid and tid that ran for them (`SliceColumns.runs`).
   */
  runs?: number;
}

export interface WireCounter {
  key: number;
  /** The tid of its events (the OS thread of a `CPU %` or `CPU core` track). */
  tid: number;
  name: string;
  keys: string[];
  count: number;
}

export interface WireProcess {
  pid: number;
  /** The parent process, when the report says (children come right after their parent). */
  ppid?: number;
  name: string;
  threads: WireThread[];
  counters: WireCounter[];
}

export interface WireInstant {
  pid: number;
  tid: number;
  /** µs since `originMicros`. */
  ts: number;
  name: string;
  /** "g" global, "p" process, "t" thread. */
  scope: string;
}

export interface WireMeta {
  title: string;
  metadata: Record<string, unknown> | null;
  originMicros: number;
  durationMicros: number;
  strings: string[];
  processes: WireProcess[];
  instants: WireInstant[];
  skipped: number;
  unmatched: number;
}

/** The JSON of `<script type="application/json" id="viztracer-data">` in a standalone page. */
export interface StandaloneData {
  meta: WireMeta;
  /** Thread key → base64 of the thread binary. */
  threads: Record<string, string>;
  /** Counter key → base64 of the counter binary. */
  counters: Record<string, string>;
  /** "<threadKey>/<sliceIndex>" → args. */
  args: Record<string, Record<string, unknown>>;
}

/** One thread's slices as columns, viewed in place over the bytes the server sent. */
export interface SliceColumns {
  n: number;
  /** µs since the report's origin; sorted ascending. */
  start: Float64Array;
  dur: Float64Array;
  depth: Int32Array;
  /** Index into `WireMeta.strings`. */
  name: Int32Array;
  /** Index of the enclosing slice in the same thread, -1 for none. */
  parent: Int32Array;
  /** An async track's spans tied to the slices that ran for them (WireThread.runs). */
  runs?: RunColumns;
}

/** Pairs sorted by span, then slice: `slice[k]` ran for span `span[k]`. */
export interface RunColumns {
  /** Index of a span of the async track. */
  span: Int32Array;
  /** Index of a slice of the thread track of the same pid and tid. */
  slice: Int32Array;
}

export interface CounterColumns {
  n: number;
  ts: Float64Array;
  /** values[k * keys + j]: key j at sample k. */
  values: Float64Array;
}

/**
 * Views `start f64[n] | dur f64[n] | depth i32[n] | name i32[n] | parent i32[n]`, then for an
 * async track with `runs` pairs `span i32[runs] | slice i32[runs]`, without copying. The
 * offsets are multiples of 8 and 4, so typed arrays can alias the buffer as long as the bytes
 * start at an aligned offset; they are copied once when they do not.
 */
export function decodeThread(bytes: Uint8Array, n: number, runs = 0): SliceColumns {
  const expected = n * 28 + runs * 8;
  if (bytes.byteLength !== expected) {
    throw new Error(`thread data has ${bytes.byteLength} bytes, expected ${expected}`);
  }
  const buf = aligned(bytes);
  const o = bytes.byteOffset % 8 === 0 ? bytes.byteOffset : 0;
  return {
    n,
    start: new Float64Array(buf, o, n),
    dur: new Float64Array(buf, o + 8 * n, n),
    depth: new Int32Array(buf, o + 16 * n, n),
    name: new Int32Array(buf, o + 20 * n, n),
    parent: new Int32Array(buf, o + 24 * n, n),
    ...(runs > 0
      ? {
          runs: {
            span: new Int32Array(buf, o + 28 * n, runs),
            slice: new Int32Array(buf, o + 28 * n + 4 * runs, runs),
          },
        }
      : {}),
  };
}

/** Views `ts f64[n] | values f64[n * keys]`. */
export function decodeCounter(bytes: Uint8Array, n: number, keys: number): CounterColumns {
  const expected = n * 8 * (1 + keys);
  if (bytes.byteLength !== expected) {
    throw new Error(`counter data has ${bytes.byteLength} bytes, expected ${expected}`);
  }
  const buf = aligned(bytes);
  const o = bytes.byteOffset % 8 === 0 ? bytes.byteOffset : 0;
  return {
    n,
    ts: new Float64Array(buf, o, n),
    values: new Float64Array(buf, o + 8 * n, n * keys),
  };
}

function aligned(bytes: Uint8Array): ArrayBuffer {
  if (bytes.byteOffset % 8 === 0 && bytes.buffer instanceof ArrayBuffer) return bytes.buffer;
  return bytes.slice().buffer;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_VALUE = (() => {
  const t = new Int16Array(256).fill(-1);
  for (let i = 0; i < B64.length; i++) t[B64.charCodeAt(i)] = i;
  t['-'.charCodeAt(0)] = 62; // base64url too
  t['_'.charCodeAt(0)] = 63;
  return t;
})();

/**
 * Base64 to bytes. A loop over a lookup table: `atob` would build a binary string of the
 * whole (possibly tens of MB) block first. Whitespace is skipped, padding is optional.
 */
export function base64ToBytes(text: string): Uint8Array {
  const out = new Uint8Array(Math.floor((text.length * 3) / 4) + 3);
  let acc = 0;
  let bits = 0;
  let o = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const v = c < 256 ? B64_VALUE[c] : -1;
    if (v < 0) {
      if (c === 61 /* = */) break;
      if (c === 32 || c === 10 || c === 13 || c === 9) continue;
      throw new Error('invalid base64 data');
    }
    acc = ((acc << 6) | v) & 0xffffff;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  return out.subarray(0, o);
}
