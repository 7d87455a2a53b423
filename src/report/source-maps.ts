// Source maps: samples of compiled or bundled JavaScript named from the sources people wrote.
// Applied when a report is built (sampling costs nothing more); each file's map is found and
// parsed once, lazily: the file's last `//# sourceMappingURL=` comment, a file beside it or an
// inline `data:` URL, parsed by @jridgewell/trace-mapping.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { TraceMap } from '@jridgewell/trace-mapping';
import type { SampleNode, Samples } from '../trace/samples';

const URL_COMMENT = /\/[/*][#@]\s*sourceMappingURL=([^\s'"*]+)\s*(?:\*\/\s*)?$/;

/** The maps of the files one report's samples come from, each read at most once. */
export class SourceMaps {
  private readonly maps = new Map<string, TraceMap | null>();

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

  private load(file: string): TraceMap | null {
    if (!path.isAbsolute(file) || this.skip(file)) return null;
    const held = heldMap(file);
    if (held) return held;
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch {
      return null; // gone since it ran, or not a file (eval code): nothing to say
    }
    // The comment is the file's last line (some tools leave blank lines after it).
    const url = URL_COMMENT.exec(
      text.slice(text.lastIndexOf('\n', text.trimEnd().length - 1) + 1).trim(),
    )?.[1];
    if (!url) return null;
    const { TraceMap } =
      require('@jridgewell/trace-mapping') as typeof import('@jridgewell/trace-mapping');
    try {
      if (url.startsWith('data:')) {
        const comma = url.indexOf(',');
        const body = url.slice(comma + 1);
        const json = /;base64$/.test(url.slice(0, comma))
          ? Buffer.from(body, 'base64').toString('utf8')
          : decodeURIComponent(body);
        return new TraceMap(json, file);
      }
      const mapFile = path.resolve(path.dirname(file), decodeURIComponent(url));
      return new TraceMap(fs.readFileSync(mapFile, 'utf8'), mapFile);
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
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
 * `--instrument`'s functions named from their original sources: the file and line its map gives
 * for the start of the function's line. The transform records lines, not columns, so only a map
 * of one source file to one generated file (tsc's per-file output) is trusted to place a line;
 * in a bundle, where one generated line can hold code of several, functions keep their
 * generated names. Functions no map covers are kept.
 */
export function mapFunctions<F extends { file: string; line: number }>(
  functions: readonly F[],
  maps: SourceMaps,
): F[] {
  const { originalPositionFor, LEAST_UPPER_BOUND } =
    require('@jridgewell/trace-mapping') as typeof import('@jridgewell/trace-mapping');
  return functions.map((f) => {
    const map = f.line > 0 ? maps.mapOf(f.file) : null;
    if (!map || map.sources.length !== 1) return f;
    // The first mapping on the line, after its indentation.
    const pos = originalPositionFor(map, { line: f.line, column: 0, bias: LEAST_UPPER_BOUND });
    if (pos.source === null || pos.line === null) return f;
    const file = pos.source.startsWith('file://') ? fileURLToPath(pos.source) : pos.source;
    return { ...f, file, line: pos.line };
  });
}
