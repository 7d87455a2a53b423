// Source maps: samples of compiled or bundled JavaScript named from the sources people wrote.
// Applied when a report is built (sampling costs nothing more); each file's map is found and
// parsed once, lazily: the map Node holds for it, else the file's last `//# sourceMappingURL=`
// comment, a file beside it or an inline `data:` URL. Only a map's small members are parsed;
// its mappings are indexed by line in one pass, and the places of a file are looked up in one
// batch that decodes only their lines (both by the addon when it is loaded): a bundle's map
// holds millions of mappings, and decoding them all cost more than building the report
// (docs/benchmarks.md, sections 22 to 22.2). @jridgewell/trace-mapping resolves sources given as URLs and
// flattens sectioned maps.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { SampleNode, Samples } from '../trace/samples';
import { mapLocation, sourceMappingUrlOf } from '../trace/source-map-comment';
import { loadNative } from '../native';

/** The maps of the files one report's samples come from, each read at most once. */
export class SourceMaps {
  private readonly maps = new Map<string, LineMap | null>();
  /** Files whose map is the one Node holds: of the code that ran (`--instrument`'s, if so). */
  private readonly heldFiles = new Set<string>();
  /** TypeScript files a loader compiled in memory and whose maps it kept: told in one line. */
  private readonly unmappedTs: string[] = [];

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

  /**
   * Tells, in one warning, of the TypeScript files read so far that a loader compiled in memory
   * without handing Node their maps (a test runner's hundreds of files are one line), then
   * forgets them. Call when the report is built.
   */
  warnUnmapped(): void {
    const files = this.unmappedTs.splice(0);
    if (files.length === 0) return;
    const which =
      files.length === 1
        ? `no source map of ${files[0]}`
        : `no source maps of ${files.length} TypeScript files (${files.slice(0, 2).join(', ')}${files.length > 2 ? ` and ${files.length - 2} more` : ''})`;
    const theirs = files.length === 1 ? 'its' : 'their';
    // With source maps on, Node would hold a map the loader handed it: this loader keeps its
    // maps to itself (vitest's vite-node runs its output through vm), and no flag helps.
    this.warn(
      sourceMapsEnabled()
        ? `${which} (compiled in memory by a loader that keeps its maps to itself, as vitest's); ${theirs} frames keep the compiled lines`
        : `${which} (compiled in memory by a loader whose maps Node does not hold, as ts-node's); ${theirs} frames keep the compiled lines: run with NODE_OPTIONS=--enable-source-maps`,
    );
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
      if (/\.[cm]?tsx?$/.test(file) && !strips) this.unmappedTs.push(file);
      return null;
    }
    try {
      // An inline map is read as a file's is: its sourcesContent skipped, its mappings indexed.
      const at = mapLocation(url, file);
      if ('text' in at) return LineMap.read(Buffer.from(at.text), file);
      return LineMap.read(readBytes(at.path), at.path);
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

/** A map file's bytes: by the addon when it is loaded, else (or to say why not) by fs. */
function readBytes(file: string): Buffer {
  const native = loadNative();
  const bytes = 'addon' in native ? native.addon.readFile(file) : null;
  return typeof bytes === 'object' && bytes !== null ? bytes : fs.readFileSync(file);
}

/**
 * Whether Node's source maps are on (`--enable-source-maps`, or a loader turned them on);
 * undefined where Node does not say (before 20.7).
 */
function sourceMapsEnabled(): boolean | undefined {
  return (process as { sourceMapsEnabled?: boolean }).sourceMapsEnabled;
}

/**
 * The map Node holds for a module it loaded, when source maps are enabled (`--enable-source-maps`,
 * or a loader such as tsx turning them on): a loader's transformed code never touched the disk,
 * so only Node has its map. Looked up by path, then by file URL (ES modules are keyed by URL).
 */
function heldMap(file: string): LineMap | null {
  // Node keeps no maps while source maps are off (most runs): two lookups a file saved.
  if (sourceMapsEnabled() === false) return null;
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
    // Most last lines are short (a map comment naming a file); an inline map is read again,
    // longer, until the line is whole.
    let chunk = 1 << 12;
    for (;;) {
      const start = Math.max(0, size - chunk);
      const buf = Buffer.allocUnsafe(size - start);
      const text = buf.toString('utf8', 0, fs.readSync(fd, buf, 0, buf.length, start));
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
 * a lookup decodes the lines it asks about. Lookups are trace-mapping's `originalPositionFor`'s:
 * the mapping at or before the column (GREATEST_LOWER_BOUND), or at or after it.
 */
export class LineMap {
  /**
   * Per generated line: where its mappings start in `mappings`, then the running source,
   * original line, column and name there (INDEX_STRIDE values); then the end (indexMappings).
   */
  private readonly index: Int32Array;

  private constructor(
    /** The sources, resolved against the map's place (absolute paths or URLs). */
    readonly sources: readonly string[],
    private readonly names: readonly string[],
    /** The `mappings` string's characters (base64 digits, `,` and `;`), one byte each. */
    private readonly mappings: Uint8Array,
  ) {
    const native = loadNative();
    const index =
      'addon' in native ? native.addon.indexMappings(mappings) : indexMappings(mappings);
    if (typeof index === 'number') throw new Error(`invalid mappings (character ${index})`);
    this.index = index;
  }

  /** A map from its JSON, resolved against `mapUrl` (the map file, or the file that holds it). */
  static of(raw: RawMap, mapUrl: string): LineMap {
    if (Array.isArray(raw.sections)) {
      // Rare (index maps): trace-mapping flattens them.
      const tm = require('@jridgewell/trace-mapping') as typeof import('@jridgewell/trace-mapping');
      raw = tm.encodedMap(new tm.AnyMap(raw as never, mapUrl)) as RawMap;
    }
    if (typeof raw.mappings !== 'string') throw new Error('no mappings');
    return new LineMap(
      sourcesOf(raw, mapUrl),
      raw.names ?? [],
      Buffer.from(raw.mappings, 'latin1'),
    );
  }

  /**
   * A map from its file's bytes. Only its small members are parsed (`sources`, `names`, ...):
   * `sourcesContent` and `mappings` are most of a bundle's map, the report never reads the
   * first, and the second is indexed straight from the bytes. A map this cannot walk is
   * parsed whole, so JSON.parse says what is wrong with it.
   */
  static read(bytes: Buffer, mapUrl: string): LineMap {
    const members = topLevelMembers(bytes);
    const at = members?.get('mappings');
    if (!members || members.has('sections') || !at || bytes[at[0]] !== 0x22) {
      return LineMap.of(JSON.parse(bytes.toString('utf8')), mapUrl);
    }
    const value = (key: string): unknown => {
      const range = members.get(key);
      return range && JSON.parse(bytes.toString('utf8', range[0], range[1]));
    };
    const raw: RawMap = {
      version: value('version') as number,
      sources: value('sources') as RawMap['sources'],
      sourceRoot: value('sourceRoot') as string | undefined,
      names: value('names') as string[] | undefined,
      mappings: '',
    };
    // The string's characters where they are (a copy would only add to the peak), unless it
    // has escapes (no tool writes any there).
    const inner = bytes.subarray(at[0] + 1, at[1] - 1);
    const mappings =
      inner.indexOf(0x5c /* \ */) < 0 ? inner : Buffer.from(value('mappings') as string, 'latin1');
    return new LineMap(sourcesOf(raw, mapUrl), raw.names ?? [], mappings);
  }

  /** Where (1-based `line`, 0-based `column`) of the generated file comes from, or null. */
  position(line: number, column: number, leastUpperBound = false): OriginalPosition | null {
    return this.positions([line, column, leastUpperBound ? 1 : 0])[0];
  }

  /**
   * `position` of many places at once, each of their lines decoded once: `places` holds
   * (1-based line, 0-based column, 1 for the mapping at or after the column else 0) triples.
   */
  positions(places: readonly number[]): (OriginalPosition | null)[] {
    const queries = new Int32Array(places.length);
    for (let i = 0; i < places.length; i += LOOKUP_QUERY_STRIDE) {
      // Lines past 32 bits are no line: -1 is none too.
      queries[i] = places[i] >= 1 && places[i] <= 2 ** 31 ? places[i] - 1 : -1;
      queries[i + 1] = places[i + 1];
      queries[i + 2] = places[i + 2];
    }
    const native = loadNative();
    const found =
      'addon' in native
        ? native.addon.lookupMappings(this.mappings, this.index, queries)
        : lookupMappings(this.mappings, this.index, queries);
    const out: (OriginalPosition | null)[] = [];
    for (let at = 0; at < found.length; at += LOOKUP_RESULT_STRIDE) {
      out.push(
        // A source the map does not list (a broken map): no source, so the frame is kept.
        found[at] < 0 || found[at] >= this.sources.length
          ? null
          : {
              source: this.sources[found[at]],
              line: found[at + 1] + 1,
              column: found[at + 2],
              name: found[at + 3] >= 0 ? (this.names[found[at + 3]] ?? null) : null,
            },
      );
    }
    return out;
  }
}

/** Values per query of lookupMappings: generated line (0-based), column, bias (1: at or after). */
const LOOKUP_QUERY_STRIDE = 3;
/** Values per result: source (-1: none), original line (0-based), column, name (-1: none). */
const LOOKUP_RESULT_STRIDE = 4;

/**
 * The mapping of each query (LOOKUP_QUERY_STRIDE values: generated line, column, bias) in
 * `mappings`, whose index indexMappings made, as LOOKUP_RESULT_STRIDE values each (a source of
 * -1: none, or a mapping to no source). Queries are taken in order of line, each line decoded
 * once. The addon does the same (native/mappings_index.cc), cold, in a fraction of the time;
 * this is for when it is not built. A forged index gives no mappings, as the addon's does.
 */
export function lookupMappings(
  mappings: Uint8Array,
  index: Int32Array,
  queries: Int32Array,
): Int32Array {
  const count = Math.floor(queries.length / LOOKUP_QUERY_STRIDE);
  const out = new Int32Array(count * LOOKUP_RESULT_STRIDE);
  const lines = index.length === 0 ? 0 : Math.floor((index.length - 1) / INDEX_STRIDE);
  const order = Array.from({ length: count }, (_, q) => q).sort(
    (a, b) => queries[a * LOOKUP_QUERY_STRIDE] - queries[b * LOOKUP_QUERY_STRIDE] || a - b,
  );
  let segs: Int32Array = new Int32Array(0);
  let decoded = -1;
  for (const q of order) {
    const line = queries[q * LOOKUP_QUERY_STRIDE];
    const column = queries[q * LOOKUP_QUERY_STRIDE + 1];
    const leastUpperBound = queries[q * LOOKUP_QUERY_STRIDE + 2] !== 0;
    const r = q * LOOKUP_RESULT_STRIDE;
    out[r] = -1;
    out[r + 3] = -1;
    if (line < 0 || line >= lines) continue;
    if (decoded !== line) {
      segs = decodeLine(mappings, index, line);
      decoded = line;
    }
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
    if (k < 0 || k * 5 >= segs.length) continue;
    const at = k * 5;
    if (segs[at + 1] < 0) continue; // a mapping to no source
    out[r] = segs[at + 1];
    out[r + 1] = segs[at + 2];
    out[r + 2] = segs[at + 3];
    out[r + 3] = segs[at + 4];
  }
  return out;
}

/**
 * A generated line's mappings (0-based line): [column, source, line, column, name (-1: none)]
 * per mapping, by column. None when the index does not fit `mappings` or a value is malformed.
 */
function decodeLine(m: Uint8Array, index: Int32Array, line: number): Int32Array {
  const at = line * INDEX_STRIDE;
  const from = index[at];
  const to = index[at + INDEX_STRIDE] - 1;
  if (from < 0 || to > m.length || from > to) return new Int32Array(0);
  let count = 1;
  for (let i = from; i < to; i++) if (m[i] === 44 /* , */) count++;
  const out = new Int32Array(count * 5);
  let n = 0;
  let column = 0;
  let source = index[at + 1];
  let origLine = index[at + 2];
  let origColumn = index[at + 3];
  let name = index[at + 4];
  // The segment's fields so far (deltas), and how many.
  let fields = 0;
  let d0 = 0;
  let d1 = 0;
  let d2 = 0;
  let d3 = 0;
  let d4 = 0;
  for (let i = from; i <= to;) {
    const c = i < to ? m[i] : 44; // the line's end ends its last segment
    if (c !== 44 /* , */) {
      const delta = readVlq(m, i, to);
      if (vlqEnd < 0) return new Int32Array(0);
      i = vlqEnd;
      if (fields === 0) d0 = delta;
      else if (fields === 1) d1 = delta;
      else if (fields === 2) d2 = delta;
      else if (fields === 3) d3 = delta;
      else if (fields === 4) d4 = delta;
      fields++;
      continue;
    }
    i++;
    if (fields === 0) continue;
    column += d0;
    out[n] = column;
    if (fields >= 4) {
      source += d1;
      origLine += d2;
      origColumn += d3;
      if (fields >= 5) name += d4;
      out[n + 1] = source;
      out[n + 2] = origLine;
      out[n + 3] = origColumn;
      out[n + 4] = fields >= 5 ? name : -1;
    } else {
      out[n + 1] = -1; // a mapping to no source
      out[n + 4] = -1;
    }
    n += 5;
    fields = 0;
  }
  const segs = n === out.length ? out : out.slice(0, n);
  return isSorted(segs) ? segs : sortByColumn(segs);
}

/** Where the value readVlq read last ended; for a malformed one, -1 - the offset of its bad byte. */
let vlqEnd = 0;

/**
 * The signed base64 VLQ value at `m[i]`, which ends before `end`; where it ends in `vlqEnd`. A
 * byte that is not base64, a digit past 32 bits, or the end cutting the value sets `vlqEnd` to
 * -1 - its offset.
 */
function readVlq(m: Uint8Array, i: number, end: number): number {
  let value = 0;
  for (let shift = 0; ; shift += 5) {
    if (i === end) {
      vlqEnd = -1 - end;
      return 0;
    }
    const c = m[i++];
    const digit = c < 128 ? BASE64[c] : -1;
    if (digit < 0 || shift > 30) {
      vlqEnd = -i;
      return 0;
    }
    value |= (digit & 31) << shift;
    if (!(digit & 32)) break;
  }
  vlqEnd = i;
  return value & 1 ? -(value >>> 1) : value >>> 1;
}

/** Values per generated line in a LineMap's index. */
const INDEX_STRIDE = 5;

/**
 * A map's `mappings` indexed by generated line: where each line starts, then the running
 * source, original line, column and name there (INDEX_STRIDE values a line; the fields after a
 * segment's column are deltas across the whole map), then one more value, the length plus one.
 * Every VLQ value is read once and none kept. Instead, when there is one, the offset of the first
 * byte that is not base64, `,` or `;`, or that cuts a value (a separator, a digit past 32 bits;
 * the length when the end does). The addon does the same (native/mappings_index.cc) in
 * a fraction of the time; this is for when it is not built.
 */
export function indexMappings(mappings: Uint8Array): Int32Array | number {
  const n = mappings.length;
  let lines = 1;
  for (let i = 0; i < n; i++) if (mappings[i] === 59) lines++;
  const index = new Int32Array(lines * INDEX_STRIDE + 1);
  // Locals, not an array: this loop reads every byte of a map of megabytes. The column (field
  // 0) restarts each line and is not kept.
  let source = 0;
  let origLine = 0;
  let origColumn = 0;
  let name = 0;
  let at = 0;
  let field = 0;
  for (let i = 0; i < n;) {
    const c = mappings[i];
    if (c === 44 /* , */) {
      field = 0;
      i++;
    } else if (c === 59 /* ; */) {
      field = 0;
      i++;
      at += INDEX_STRIDE;
      index[at] = i;
      index[at + 1] = source;
      index[at + 2] = origLine;
      index[at + 3] = origColumn;
      index[at + 4] = name;
    } else {
      const delta = readVlq(mappings, i, n);
      if (vlqEnd < 0) return -vlqEnd - 1;
      i = vlqEnd;
      if (field === 1) source += delta;
      else if (field === 2) origLine += delta;
      else if (field === 3) origColumn += delta;
      else if (field === 4) name += delta;
      field++;
    }
  }
  index[lines * INDEX_STRIDE] = n + 1;
  return index;
}

/**
 * A path path.resolve() resolves as a URL resolver does: no scheme, query, hash or backslash,
 * and no trailing `/`, `.` or `..`.
 */
function isPlainPath(p: string): boolean {
  return p !== '' && !/[:?#\\]|^\/\/|\/$|(^|\/)\.\.?$/.test(p);
}

/**
 * A map's sources resolved against its place (sourceRoot, relative paths, URLs). Plain paths
 * beside a map file (what tsc, esbuild and tsx write) are joined here; anything else (URLs, a
 * query or hash, empty or null entries) is resolved by trace-mapping, given no mappings.
 * Loading it for a few hundred paths cost more than a tenth of a report build (section 22).
 */
export function sourcesOf(raw: RawMap, mapUrl: string): string[] {
  // As trace-mapping: each source after the root and a slash, against the map's folder.
  const prefix = raw.sourceRoot ? `${raw.sourceRoot}/` : '';
  const inputs = (raw.sources ?? []).map((source) => prefix + (source ?? ''));
  if (path.isAbsolute(mapUrl) && inputs.every(isPlainPath)) {
    const dir = path.dirname(mapUrl);
    return inputs.map((input) => path.resolve(dir, input));
  }
  const tm = require('@jridgewell/trace-mapping') as typeof import('@jridgewell/trace-mapping');
  return new tm.TraceMap({ ...raw, mappings: '' } as never, mapUrl).resolvedSources;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/**
 * The members of the JSON object in `bytes`, as the byte range of each value, found by walking
 * its structure without reading the values: strings are skipped from quote to quote with
 * `indexOf`, so a map's megabytes of `sourcesContent` cost a few jumps. Null when the text is
 * not an object this walk understands; values are not checked (whoever parses one does).
 */
export function topLevelMembers(bytes: Uint8Array): Map<string, [number, number]> | null {
  const n = bytes.length;
  let i = 0;
  // JSON's whitespace: space, \n, \r, \t.
  const isSpace = (b: number): boolean => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
  const space = (): void => {
    while (i < n && isSpace(bytes[i])) i++;
  };
  // The end of the string whose opening quote is at `at` (past its closing quote), or -1.
  const stringEnd = (at: number): number => {
    for (let from = at + 1; ;) {
      const q = bytes.indexOf(QUOTE, from);
      if (q < 0) return -1;
      let k = q - 1;
      while (bytes[k] === BACKSLASH) k--;
      if ((q - 1 - k) % 2 === 0) return q + 1;
      from = q + 1;
    }
  };
  // The end of the value at `at`, or -1.
  const valueEnd = (at: number): number => {
    let depth = 0;
    for (let j = at; j < n;) {
      const c = bytes[j];
      if (c === QUOTE) {
        j = stringEnd(j);
        if (j < 0) return -1;
      } else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
        depth++;
        j++;
      } else if (c === 0x5d /* ] */ || c === 0x7d /* } */) {
        if (depth === 0) return j; // the end of a number or literal: the object's own }
        depth--;
        j++;
      } else if (depth === 0 && c === 0x2c /* , */) {
        return j;
      } else {
        j++;
      }
      if (depth === 0 && (c === QUOTE || c === 0x5d || c === 0x7d)) return j;
    }
    return -1;
  };
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) i = 3; // a BOM
  space();
  if (bytes[i] !== 0x7b) return null;
  i++;
  const members = new Map<string, [number, number]>();
  for (;;) {
    space();
    if (bytes[i] === 0x7d && members.size === 0) return members;
    if (bytes[i] !== QUOTE) return null;
    const keyEnd = stringEnd(i);
    if (keyEnd < 0) return null;
    let key: unknown;
    try {
      key = JSON.parse(
        Buffer.from(bytes.buffer, bytes.byteOffset + i, keyEnd - i).toString('utf8'),
      );
    } catch {
      return null;
    }
    i = keyEnd;
    space();
    if (bytes[i] !== 0x3a /* : */) return null;
    i++;
    space();
    const end = valueEnd(i);
    if (end < 0 || end === i) return null;
    let last = end;
    while (last > i && isSpace(bytes[last - 1])) last--;
    members.set(key as string, [i, last]);
    i = end;
    space();
    if (bytes[i] === 0x2c) {
      i++;
      continue;
    }
    if (bytes[i] === 0x7d) return members;
    return null;
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
  // Each file's distinct places (a function is in many nodes), looked up in one batch a file.
  const files = new Map<string, FilePlaces>();
  const fileOf: (FilePlaces | undefined)[] = new Array(samples.nodes.length);
  const placeOf = new Int32Array(samples.nodes.length);
  samples.nodes.forEach((node, i) => {
    if (node.file === '' || node.line <= 0) return;
    let inFile = files.get(node.file);
    if (inFile === undefined) {
      inFile = { keys: new Map(), queries: [], columns: [], mapped: [] };
      files.set(node.file, inFile);
    }
    const key = node.line * 2 ** 26 + node.column;
    let place = inFile.keys.get(key);
    if (place === undefined) {
      place = inFile.keys.size;
      inFile.keys.set(key, place);
      // V8's columns are 1-based, the map's 0-based.
      inFile.queries.push(node.line, Math.max(0, node.column - 1), 0);
      inFile.columns.push(node.column);
    }
    fileOf[i] = inFile;
    placeOf[i] = place;
  });
  let changed = false;
  for (const [file, inFile] of files) {
    const map = maps.mapOf(file);
    if (!map) continue;
    const found = map.positions(inFile.queries);
    for (let k = 0; k < found.length; k++) {
      const pos = found[k];
      inFile.mapped.push(
        pos && {
          name: pos.name ?? '',
          file: sourcePath(pos.source),
          line: pos.line,
          column: pos.column + 1,
          generated: {
            file,
            line: inFile.queries[k * LOOKUP_QUERY_STRIDE],
            column: inFile.columns[k],
          },
        },
      );
      if (pos) changed = true;
    }
  }
  if (!changed) return samples;
  const nodes = samples.nodes.map((node, i): SampleNode => {
    const place = fileOf[i]?.mapped[placeOf[i]];
    if (!place) return node;
    return {
      parent: node.parent,
      functionName: node.functionName !== '' ? node.functionName : place.name,
      file: place.file,
      line: place.line,
      column: place.column,
      generated: place.generated,
    };
  });
  return { ...samples, nodes };
}

/** A resolved source as the report names files: a path (sources given as file URLs too). */
function sourcePath(source: string): string {
  return source.startsWith('file://') ? fileURLToPath(source) : source;
}

/** A file's distinct sampled places: their lookups (as LineMap.positions takes) and results. */
interface FilePlaces {
  /** Line and column (one number) to the place's number. */
  keys: Map<number, number>;
  queries: number[];
  /** The places' columns as V8 gave them (1-based). */
  columns: number[];
  /** By place number; empty when the file has no map. */
  mapped: (MappedPlace | null)[];
}

/** Where a sampled place comes from (1-based line and column), and where it ran. */
interface MappedPlace {
  name: string;
  file: string;
  line: number;
  column: number;
  generated: { file: string; line: number; column: number };
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
  // Each file's functions looked up in one batch (a minified bundle is one line, decoded once).
  const byFile = new Map<string, number[]>();
  functions.forEach((f, i) => {
    if (f.line <= 0) return;
    const inFile = byFile.get(f.file);
    if (inFile) inFile.push(i);
    else byFile.set(f.file, [i]);
  });
  const out = functions.slice();
  for (const [file, which] of byFile) {
    const map = maps.mapOf(file);
    if (!map) continue;
    // Two lookups a function: at or before its column, and the mapping after it, for code
    // before the first mapping of its line. Without a column, only a map of one source file
    // to one generated file places a line: the first mapping on it, after its indentation.
    const queries: number[] = [];
    for (const i of which) {
      const f = functions[i];
      if (f.column !== undefined) {
        const column = f.column - 1 + (maps.isHeld(file) ? (f.shift ?? 0) : 0);
        queries.push(f.line, column, 0, f.line, column, 1);
      } else {
        queries.push(-1, 0, 0, f.line, 0, 1);
      }
    }
    const found = map.positions(queries);
    which.forEach((i, k) => {
      const f = functions[i];
      if (f.column === undefined && map.sources.length !== 1) return;
      const pos = found[2 * k] ?? found[2 * k + 1];
      if (pos === null) return;
      const name = f.name === '(anonymous)' && pos.name ? pos.name : f.name;
      out[i] = { ...f, name, file: sourcePath(pos.source), line: pos.line };
    });
  }
  return out;
}
