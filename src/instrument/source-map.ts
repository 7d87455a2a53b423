// The program's own source map kept true through the transform. The transform inserts code
// inside lines only, so lines stay, but what follows an insertion on its line moves right: a
// module whose code names a map (tsc's, a bundle's, a loader's such as tsx) gets that map with
// each mapping moved as the transform moved its code, inline in place of the URL it named. So
// `--enable-source-maps` stack traces, and the maps Node holds for our report, describe the
// code that ran. A map that cannot be read is left as it was named (the report warns).
import { dataUrlOf, mapLocation, sourceMappingUrlOf } from '../trace/source-map-comment';

/**
 * `code` (the instrumented `source` of `file`) with the map `source` names moved by `moved`
 * (0-based line and column in `source` → column in `code`), or `code` as it is.
 */
export function withMovedMap(
  code: string,
  source: string,
  file: string,
  moved: (line: number, column: number) => number,
): string {
  const named = sourceMappingUrlOf(source);
  const at = named && sourceMappingUrlOf(code);
  if (!named || !at || code === source) return code;
  let json: string;
  let mapUrl: string;
  try {
    const where = mapLocation(named.url, file);
    mapUrl = 'text' in where ? file : where.path;
    json =
      'text' in where
        ? where.text
        : (require('node:fs') as typeof import('node:fs')).readFileSync(where.path, 'utf8');
  } catch {
    return code;
  }
  const tm = require('@jridgewell/trace-mapping') as typeof import('@jridgewell/trace-mapping');
  try {
    const map = new tm.AnyMap(json, mapUrl);
    const mappings = tm.decodedMappings(map).map((line, l) =>
      line.map((seg) => {
        const out = [...seg] as typeof seg;
        out[0] = moved(l, seg[0]);
        return out;
      }),
    );
    const decoded = tm.decodedMap(map);
    // Sources made absolute: the map now lives in the file, not where it was.
    const moved_ = tm.presortedDecodedMap({
      ...decoded,
      sources: map.resolvedSources,
      sourceRoot: undefined,
      mappings,
    });
    const text = JSON.stringify(tm.encodedMap(moved_));
    return code.slice(0, at.start) + dataUrlOf(text) + code.slice(at.end);
  } catch {
    return code;
  }
}
