// Source maps: samples of compiled or bundled JavaScript named from the sources people wrote.
// Applied when a report is built (sampling costs nothing more); each file's map is found and
// parsed once, lazily: the file's last `//# sourceMappingURL=` comment, a file beside it or an
// inline `data:` URL, parsed by @jridgewell/trace-mapping.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { TraceMap } from '@jridgewell/trace-mapping';
import type { SampleNode, Samples } from '../trace/samples';
import { dataUrlText, sourceMappingUrlOf } from '../trace/source-map-comment';

/** The maps of the files one report's samples come from, each read at most once. */
export class SourceMaps {
  private readonly maps = new Map<string, TraceMap | null>();
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
  mapOf(file: string): TraceMap | null {
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

  private load(file: string): TraceMap | null {
    if (!path.isAbsolute(file) || this.skip(file)) return null;
    const held = heldMap(file);
    if (held) {
      this.heldFiles.add(file);
      return held;
    }
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      return null; // gone since it ran, or not a file (eval code): nothing to say
    }
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
    const { TraceMap } =
      require('@jridgewell/trace-mapping') as typeof import('@jridgewell/trace-mapping');
    try {
      if (url.startsWith('data:')) return new TraceMap(dataUrlText(url), file);
      const mapFile = path.resolve(path.dirname(file), decodeURIComponent(url));
      return new TraceMap(fs.readFileSync(mapFile, 'utf8'), mapFile);
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
function heldMap(file: string): TraceMap | null {
  const { findSourceMap } = require('node:module') as typeof import('node:module');
  if (typeof findSourceMap !== 'function') return null;
  let held: import('node:module').SourceMap | undefined;
  try {
    held = findSourceMap(file) ?? findSourceMap(pathToFileURL(file).href);
  } catch {
    return null;
  }
  if (!held?.payload) return null;
  const { TraceMap } =
    require('@jridgewell/trace-mapping') as typeof import('@jridgewell/trace-mapping');
  try {
    return new TraceMap(held.payload as never, file);
  } catch {
    return null;
  }
}

/**
 * The samples with each node that a map covers named from its original source: file, line and
 * column there, and the original name where V8 gave none; the generated place kept in
 * `generated`. Nodes no map covers are kept as they are. Pure but for reading maps.
 */
export function mapSamples(samples: Samples, maps: SourceMaps): Samples {
  const { originalPositionFor } =
    require('@jridgewell/trace-mapping') as typeof import('@jridgewell/trace-mapping');
  let changed = false;
  const nodes = samples.nodes.map((node): SampleNode => {
    if (node.file === '' || node.line <= 0) return node;
    const map = maps.mapOf(node.file);
    if (!map) return node;
    // V8's columns are 1-based, the map's 0-based.
    const pos = originalPositionFor(map, { line: node.line, column: Math.max(0, node.column - 1) });
    if (pos.source === null || pos.line === null) return node;
    changed = true;
    return {
      parent: node.parent,
      functionName: node.functionName !== '' ? node.functionName : (pos.name ?? ''),
      file: pos.source.startsWith('file://') ? fileURLToPath(pos.source) : pos.source,
      line: pos.line,
      column: (pos.column ?? 0) + 1,
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
  const { originalPositionFor, LEAST_UPPER_BOUND } =
    require('@jridgewell/trace-mapping') as typeof import('@jridgewell/trace-mapping');
  return functions.map((f) => {
    const map = f.line > 0 ? maps.mapOf(f.file) : null;
    if (!map) return f;
    let pos: ReturnType<typeof originalPositionFor>;
    if (f.column !== undefined) {
      const column = f.column - 1 + (maps.isHeld(f.file) ? (f.shift ?? 0) : 0);
      pos = originalPositionFor(map, { line: f.line, column });
      // Code before the first mapping of its line: the mapping after it.
      if (pos.source === null) {
        pos = originalPositionFor(map, { line: f.line, column, bias: LEAST_UPPER_BOUND });
      }
    } else {
      if (map.sources.length !== 1) return f;
      // The first mapping on the line, after its indentation.
      pos = originalPositionFor(map, { line: f.line, column: 0, bias: LEAST_UPPER_BOUND });
    }
    if (pos.source === null || pos.line === null) return f;
    const file = pos.source.startsWith('file://') ? fileURLToPath(pos.source) : pos.source;
    const name = f.name === '(anonymous)' && pos.name ? pos.name : f.name;
    return { ...f, name, file, line: pos.line };
  });
}
