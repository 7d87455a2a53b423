// Where a JavaScript file's source map is: its last `//# sourceMappingURL=` comment, a file
// beside it or an inline `data:` URL. Pure text; report/source-maps.ts reads maps with it, and
// the instrument hooks, which must hand Node a map of the code they changed.
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const URL_COMMENT = /\/[/*][#@]\s*sourceMappingURL=([^\s'"*]+)\s*(?:\*\/\s*)?$/;

/** The URL of a file's map and where it is in the text (start, end), or null: none named. */
export function sourceMappingUrlOf(
  text: string,
): { url: string; start: number; end: number } | null {
  // The comment is the file's last line (some tools leave blank lines after it).
  const lineStart = text.lastIndexOf('\n', text.trimEnd().length - 1) + 1;
  const lineEnd = text.trimEnd().length;
  const m = URL_COMMENT.exec(text.slice(lineStart, lineEnd));
  if (!m) return null;
  const start =
    lineStart + m.index + m[0].indexOf('sourceMappingURL=') + 'sourceMappingURL='.length;
  return { url: m[1], start, end: start + m[1].length };
}

/** The text of a `data:` URL (base64 or percent-encoded). */
export function dataUrlText(url: string): string {
  const comma = url.indexOf(',');
  const body = url.slice(comma + 1);
  return /;base64$/.test(url.slice(0, comma))
    ? Buffer.from(body, 'base64').toString('utf8')
    : decodeURIComponent(body);
}

/**
 * Where the map `url` (as `file` names it) is: its text when inline (`data:`), else its
 * absolute path (a `file:` URL, or a path relative to `file`'s folder).
 */
export function mapLocation(url: string, file: string): { text: string } | { path: string } {
  if (url.startsWith('data:')) return { text: dataUrlText(url) };
  const named = decodeURIComponent(url);
  return {
    path: named.startsWith('file:')
      ? fileURLToPath(named)
      : path.resolve(path.dirname(file), named),
  };
}

/** A map as an inline `data:` URL. */
export function dataUrlOf(json: string): string {
  return `data:application/json;charset=utf-8;base64,${Buffer.from(json, 'utf8').toString('base64')}`;
}
