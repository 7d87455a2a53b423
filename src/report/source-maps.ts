// Source maps: samples of compiled or bundled JavaScript named from the sources people wrote.
// Applied when a report is built (sampling costs nothing more); each file's map is found and
// parsed once, lazily: the map Node holds for it, else the file's last `//# sourceMappingURL=`
// comment, a file beside it or an inline `data:` URL. @jridgewell/trace-mapping reads a map's
// sources (and flattens sectioned maps); its mappings are decoded here a line at a time, when
// a frame on that line is first asked for: a bundle's map holds millions of mappings, and
// decoding them all cost more than building the report (docs/benchmarks.md, section 22).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { SampleNode, Samples } from '../trace/samples';
import { mapLocation, sourceMappingUrlOf } from '../trace/source-map-comment';

/** The maps of the files one report's samples come from, each read at most once. */
export class SourceMaps {
  private readonly maps = new Map<string, LineMap | null>();
  /** Files whose map is the one Node holds: of the code that ran (`--instrument`'s, if so). */
  private readonly heldFiles = new Set<string>();

  /**
   * `skip`: files never mapped (our own code, whose frames must keep their generated paths).
   * `warn`: called once per file whose map is named but cannot be used.
   */
  constructor(
    private readonly skip: (file: string) => boolean,
    private readonly warn: (message: string) => void,
  ) {}

  /** The map of a JavaScript file, or null: none named, or one that could not be read. */
  mapOf(file: string): LineMap | null {
    let map = this.maps.get(file);
    if (map === undefined) {
      map = this.load(file);
      this.maps.set(file, map);
    }
    return map;
  }

  /** Whether the map of a file (read with mapOf) is the one Node holds. */
  isHeld(file: string): boolean {
    return this.heldFiles.has(file);
  }

  private load(file: string): LineMap | null {
    if (!path.isAbsolute(file) || this.skip(file)) return null;
    const held = heldMap(file);
    if (held) {
      this.heldFiles.add(file);
      return held;
    }
    const text = lastLine(file);
    if (text === null) return null; // gone since it ran, or not a file (eval code): nothing to say
    const url = sourceMappingUrlOf(text)?.url;
    if (!url) {
      // TypeScript that ran: a loader compiled it in memory, and its map is where only that
      // loader sees it (ts-node's own cache, on the loader thread for ts-node/esm). Not where
      // Node strips types itself: that keeps every position, and needs no map.
      const strips = (process.features as { typescript?: unknown }).typescript;
      if (/\.[cm]?tsx?$/.test(file) && !strips) {
        this.warn(
          `no source map of ${file} (compiled in memory by a loader whose map Node does not hold, as ts-node's); its frames keep the compiled lines: run with NODE_OPTIONS=--enable-source-maps`,
        );
      }
      return null;
    }
    try {
      const at = mapLocation(url, file);
      if ('text' in at) return LineMap.of(JSON.parse(at.text), file);
      return LineMap.of(JSON.parse(fs.readFileSync(at.path, 'utf8')), at.path);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      // Packages often name a map they do not ship (typescript's own lib does): not worth a word.
      if (e.code === 'ENOENT' && file.includes(`${path.sep}node_modules${path.sep}`)) return null;
      this.warn(
        `cannot use the source map of ${file} (${e.code ?? e.message}); its frames keep their generated names`,
      );
      return null;
    }
  }
}

/**
 * The map Node holds for a module it loaded, when source maps are enabled (`--enable-source-maps`,
 * or a loader such as tsx turning them on): a loader's transformed code never touched the disk,
 * so only Node has its map. Looked up by path, then by file URL (ES modules are keyed by URL).
 */
function heldMap(file: string): LineMap | null {
  const { findSourceMap } = require('node:module') as typeof import('node:module');
  if (typeof findSourceMap !== 'function') return null;
  let held: import('node:module').SourceMap | undefined;
  try {
    held = findSourceMap(file) ?? findSourceMap(pathToFileURL(file).href);
  } catch {
    return null;
  }
  if (!held?.payload) return null;
  try {
    return LineMap.of(held.payload as unknown as RawMap, file);
  } catch {
    return null;
  }
}

/**
 * The last line of a file, read from its end (the map comment is there; a bundle is megabytes
 * before it). Null when the file cannot be read.
 */
function lastLine(file: string): string | null {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch {
    return null;
  }
  try {
    const size = fs.fstatSync(fd).size;
    let chunk = 1 << 16;
    for (;;) {
      const start = Math.max(0, size - chunk);
      const buf = Buffer.alloc(size - start);
      fs.readSync(fd, buf, 0, buf.length, start);
      const text = buf.toString('utf8');
      const end = text.trimEnd().length;
      const nl = text.lastIndexOf('\n', end - 1);
      // A whole line, or the whole file (a line cut at the chunk's start is read again, longer).
      if (nl >= 0 || start === 0) return text.slice(nl + 1);
      chunk *= 4;
    }
  } catch {
    return null;
  } finally {
    fs.closeSync(fd);
  }
}

/** A source map as its JSON says (version 3), sectioned or not. */
interface RawMap {
  version: number;
  sources?: (string | null)[];
  sourceRoot?: string;
  names?: string[];
  mappings?: string;
  sections?: unknown[];
}

/** Where a generated place comes from: 1-based line, 0-based column, as trace-mapping says. */
export interface OriginalPosition {
  source: string;
  line: number;
  column: number;
  name: string | null;
}

const BASE64 = new Int8Array(128).fill(-1);
for (let i = 0; i < 64; i++) {
  BASE64['ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/'.charCodeAt(i)] = i;
}

/**
 * One map's mappings, decoded a line at a time. Building it reads every VLQ value once,
 * without keeping them, to note where each generated line starts in `mappings` and the
 * running source, line, column and name there (the four are deltas across the whole map);
 * a line is decoded when first asked for. Lookups are trace-mapping's `originalPositionFor`'s:
 * the mapping at or before the column (GREATEST_LOWER_BOUND), or at or after it.
 */
export class LineMap {
  /** Where each generated line's mappings start in `mappings`, and (last) the end. */
  private readonly starts: Int32Array;
  /** The running source, original line, column and name at each line's start. */
  private readonly state: Int32Array;
  /** Decoded lines: [column, source, line, column, name (-1: none)] per mapping, by column. */
  private readonly lines = new Map<number, Int32Array>();

  private constructor(
    /** The sources, resolved against the map's place (absolute paths or URLs). */
    readonly sources: readonly string[],
    private readonly names: readonly string[],
    private readonly mappings: string,
  ) {
    const n = mappings.length;
    let count = 1;
    for (let i = mappings.indexOf(';'); i >= 0; i = mappings.indexOf(';', i + 1)) count++;
    this.starts = new Int32Array(count + 1);
    this.state = new Int32Array(count * 4);
    // Locals, not an array: this loop reads every character of a map of megabytes.
    let source = 0;
    let origLine = 0;
    let origColumn = 0;
    let name = 0;
    let line = 0;
    let field = 0;
    let value = 0;
    let shift = 0;
    const state = this.state;
    for (let i = 0; i < n; i++) {
      const c = mappings.charCodeAt(i);
      if (c === 59 /* ; */) {
        field = 0;
        line++;
        this.starts[line] = i + 1;
        const at = line * 4;
        state[at] = source;
        state[at + 1] = origLine;
        state[at + 2] = origColumn;
        state[at + 3] = name;
        continue;
      }
      if (c === 44 /* , */) {
        field = 0;
        continue;
      }
      const digit = c < 128 ? BASE64[c] : -1;
      if (digit < 0 || shift > 30) throw new Error(`invalid mappings (character ${i})`);
      value |= (digit & 31) << shift;
      if (digit & 32) {
        shift += 5;
        continue;
      }
      const delta = value & 1 ? -(value >>> 1) : value >>> 1;
      if (field === 1) source += delta;
      else if (field === 2) origLine += delta;
      else if (field === 3) origColumn += delta;
      else if (field === 4) name += delta;
      field++;
      value = 0;
      shift = 0;
    }
    this.starts[count] = n + 1;
  }

  /** A map from its JSON, resolved against `mapUrl` (the map file, or the file that holds it). */
  static of(raw: RawMap, mapUrl: string): LineMap {
    const tm = require('@jridgewell/trace-mapping') as typeof import('@jridgewell/trace-mapping');
    if (Array.isArray(raw.sections)) {
      // Rare (index maps): trace-mapping flattens them.
      raw = tm.encodedMap(new tm.AnyMap(raw as never, mapUrl)) as RawMap;
    }
    if (typeof raw.mappings !== 'string') throw new Error('no mappings');
    // trace-mapping resolves the sources (sourceRoot, relative paths, URLs) without the mappings.
    const sources = new tm.TraceMap({ ...raw, mappings: '' } as never, mapUrl).resolvedSources;
    return new LineMap(sources, raw.names ?? [], raw.mappings);
  }

  /** Where (1-based `line`, 0-based `column`) of the generated file comes from, or null. */
  position(line: number, column: number, leastUpperBound = false): OriginalPosition | null {
    const segs = this.line(line - 1);
    if (segs === null || segs.length === 0) return null;
    // The last mapping at or before the column (its first, when several share it)...
    let lo = 0;
    let hi = segs.length / 5;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (segs[mid * 5] <= column) lo = mid + 1;
      else hi = mid;
    }
    // ...or the last of those at the column, else the first after it.
    let k = lo - 1;
    if (k >= 0 && segs[k * 5] === column) {
      if (!leastUpperBound) while (k > 0 && segs[(k - 1) * 5] === column) k--;
    } else if (leastUpperBound) {
      k++;
    }
    if (k < 0 || k * 5 >= segs.length) return null;
    const at = k * 5;
    if (segs[at + 1] < 0) return null; // a mapping to no source
    return {
      source: this.sources[segs[at + 1]],
      line: segs[at + 2] + 1,
      column: segs[at + 3],
      name: segs[at + 4] >= 0 ? (this.names[segs[at + 4]] ?? null) : null,
    };
  }

  /** A generated line's mappings (0-based), decoded once. */
  private line(index: number): Int32Array | null {
    if (index < 0 || index >= this.starts.length - 1) return null;
    let segs = this.lines.get(index);
    if (segs) return segs;
    const from = this.starts[index];
    const to = this.starts[index + 1] - 1;
    const run = Array.from(this.state.subarray(index * 4, index * 4 + 4));
    const out: number[] = [];
    let column = 0;
    let fields: number[] = [];
    let value = 0;
    let shift = 0;
    const flush = (): void => {
      if (fields.length === 0) return;
      column += fields[0];
      if (fields.length >= 4) {
        for (let f = 1; f < fields.length; f++) run[f - 1] += fields[f];
        out.push(column, run[0], run[1], run[2], fields.length >= 5 ? run[3] : -1);
      } else {
        out.push(column, -1, 0, 0, -1);
      }
      fields = [];
    };
    for (let i = from; i < to; i++) {
      const c = this.mappings.charCodeAt(i);
      if (c === 44 /* , */) {
        flush();
        continue;
      }
      const digit = BASE64[c];
      value |= (digit & 31) << shift;
      if (digit & 32) {
        shift += 5;
        continue;
      }
      fields.push(value & 1 ? -(value >>> 1) : value >>> 1);
      value = 0;
      shift = 0;
    }
    flush();
    segs = Int32Array.from(out);
    if (!isSorted(segs)) segs = sortByColumn(segs);
    this.lines.set(index, segs);
    return segs;
  }
}

function isSorted(segs: Int32Array): boolean {
  for (let i = 5; i < segs.length; i += 5) if (segs[i] < segs[i - 5]) return false;
  return true;
}

function sortByColumn(segs: Int32Array): Int32Array {
  const order = Array.from({ length: segs.length / 5 }, (_, i) => i).sort(
    (a, b) => segs[a * 5] - segs[b * 5] || a - b,
  );
  const out = new Int32Array(segs.length);
  order.forEach((from, to) => out.set(segs.subarray(from * 5, from * 5 + 5), to * 5));
  return out;
}

/**
 * The samples with each node that a map covers named from its original source: file, line and
 * column there, and the original name where V8 gave none; the generated place kept in
 * `generated`. Nodes no map covers are kept as they are. Pure but for reading maps.
 */
export function mapSamples(samples: Samples, maps: SourceMaps): Samples {
  let changed = false;
  const nodes = samples.nodes.map((node): SampleNode => {
    if (node.file === '' || node.line <= 0) return node;
    const map = maps.mapOf(node.file);
    if (!map) return node;
    // V8's columns are 1-based, the map's 0-based.
    const pos = map.position(node.line, Math.max(0, node.column - 1));
    if (pos === null) return node;
    changed = true;
    return {
      parent: node.parent,
      functionName: node.functionName !== '' ? node.functionName : (pos.name ?? ''),
      file: pos.source.startsWith('file://') ? fileURLToPath(pos.source) : pos.source,
      line: pos.line,
      column: pos.column + 1,
      generated: { file: node.file, line: node.line, column: node.column },
    };
  });
  return changed ? { ...samples, nodes } : samples;
}

/**
 * `--instrument`'s functions named from their original sources. The transform records each
 * function's line and, in a module that names a map, its column (in the code it was given,
 * and how far its own insertions moved it in the code that ran, whose map Node holds when it
 * holds one: the hooks hand Node a map of the instrumented code). With a column, a function
 * is placed as a sampled frame is, bundles too. Without one, only a map of one source file to
 * one generated file (tsc's per-file output) is trusted to place a line: the first mapping on
 * it. Functions no map covers are kept.
 */
export function mapFunctions<
  F extends { name: string; file: string; line: number; column?: number; shift?: number },
>(functions: readonly F[], maps: SourceMaps): F[] {
  return functions.map((f) => {
    const map = f.line > 0 ? maps.mapOf(f.file) : null;
    if (!map) return f;
    let pos: OriginalPosition | null;
    if (f.column !== undefined) {
      const column = f.column - 1 + (maps.isHeld(f.file) ? (f.shift ?? 0) : 0);
      // Code before the first mapping of its line: the mapping after it.
      pos = map.position(f.line, column) ?? map.position(f.line, column, true);
    } else {
      if (map.sources.length !== 1) return f;
      // The first mapping on the line, after its indentation.
      pos = map.position(f.line, 0, true);
    }
    if (pos === null) return f;
    const file = pos.source.startsWith('file://') ? fileURLToPath(pos.source) : pos.source;
    const name = f.name === '(anonymous)' && pos.name ? pos.name : f.name;
    return { ...f, name, file, line: pos.line };
  });
}
