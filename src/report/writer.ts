// Writes report text to disk atomically: a temp file beside the target, renamed into place
// once complete, so a crash mid-write never leaves a half report at the target.
import * as fs from 'node:fs';
import * as path from 'node:path';
// zlib, streams and fflate load on first use: the preload runs before every traced program
// and only needs them when it saves.

/** What a report can be written as, chosen by its file name's extension. */
export type ReportFormat = 'json' | 'json.gz' | 'html' | 'pprof' | 'cpuprofile';

/** Each format's extensions, the first its usual one; longer ones before their suffixes. */
export const EXTENSIONS: readonly (readonly [ReportFormat, readonly string[]])[] = [
  ['json.gz', ['.json.gz']],
  ['json', ['.json']],
  ['html', ['.html']],
  ['pprof', ['.pb.gz', '.pprof']],
  ['cpuprofile', ['.cpuprofile']],
];

/**
 * node:zlib's level for reports: the last of zlib's fast levels, before lazy matching. On
 * reports it compresses about as well as level 6 in less than half the time (docs/benchmarks.md,
 * section 3).
 */
const GZIP_LEVEL = 3;

/** The format a report name asks for, null for none. */
export function formatOf(file: string): ReportFormat | null {
  for (const [format, exts] of EXTENSIONS) if (exts.some((e) => file.endsWith(e))) return format;
  return null;
}

/** The extension that names the format (`.json.gz`, `.pb.gz`), or the last one (`.txt`). */
export function extensionOf(file: string): string {
  for (const [, exts] of EXTENSIONS) for (const e of exts) if (file.endsWith(e)) return e;
  return path.extname(file);
}

/** A report written as one self-contained HTML page (viewer and data inlined; viewer/html.ts). */
export const isHtml = (file: string): boolean => file.endsWith('.html');

/** A profile in a sample-based format (pprof, `.cpuprofile`), written from the report's stacks. */
export const isProfileFormat = (file: string): boolean => {
  const f = formatOf(file);
  return f === 'pprof' || f === 'cpuprofile';
};

/** A name a report can be written to. */
export const isReportName = (file: string): boolean => formatOf(file) !== null;

let tempCounter = 0;
/** `<target>.<pid>.<n>.tmp`: its presence also tells a reader the report is still being written. */
export function tempPathFor(target: string): string {
  return `${target}.${process.pid}.${tempCounter++}.tmp`;
}

/** Writes the chunks to `target` (gzipped when it ends in `.json.gz`); returns bytes written. */
export function writeChunksSync(target: string, chunks: Iterable<Uint8Array | string>): number {
  const tmp = tempPathFor(target);
  const fd = fs.openSync(tmp, 'w');
  let bytes = 0;
  try {
    const put = (data: Uint8Array): void => {
      let off = 0;
      while (off < data.length) off += fs.writeSync(fd, data, off, data.length - off);
      bytes += data.length;
    };
    if (formatOf(target) === 'json.gz') {
      // node:zlib has no synchronous streaming API; exit handlers must stay synchronous.
      const { Gzip } = require('fflate') as typeof import('fflate');
      const gz = new Gzip({ level: 6 }, (data) => put(data));
      for (const c of chunks) gz.push(typeof c === 'string' ? Buffer.from(c, 'utf8') : c);
      gz.push(new Uint8Array(0), true);
    } else {
      for (const c of chunks) put(typeof c === 'string' ? Buffer.from(c, 'utf8') : c);
    }
    fs.closeSync(fd);
    fs.renameSync(tmp, target);
    return bytes;
  } catch (err) {
    try {
      fs.closeSync(fd);
    } catch {
      // already closed
    }
    removeFile(tmp);
    throw err;
  }
}

/**
 * Removes a file, if it is there. Not `fs.rmSync`, which loads Node's recursive remover (half a
 * millisecond) even for one file, and is called at every exit.
 */
export function removeFile(file: string): void {
  try {
    fs.unlinkSync(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

/** The same, without blocking the event loop (for services saving while they run). */
export async function writeChunks(
  target: string,
  chunks: Iterable<Uint8Array | string>,
): Promise<number> {
  const { pipeline } = require('node:stream/promises') as typeof import('node:stream/promises');
  const { Readable } = require('node:stream') as typeof import('node:stream');
  const { createGzip } = require('node:zlib') as typeof import('node:zlib');
  const tmp = tempPathFor(target);
  const out = fs.createWriteStream(tmp);
  try {
    const source = Readable.from(chunks, { objectMode: false });
    if (formatOf(target) === 'json.gz')
      await pipeline(source, createGzip({ level: GZIP_LEVEL }), out);
    else await pipeline(source, out);
    await fs.promises.rename(tmp, target);
    return out.bytesWritten;
  } catch (err) {
    // The stream opens its file asynchronously: removed before that open ends, the file would
    // be made after. Destroyed by the pipeline, the stream closes once it has opened.
    if (!out.closed) await new Promise<void>((resolve) => out.once('close', () => resolve()));
    await fs.promises.rm(tmp, { force: true });
    throw err;
  }
}

/** Whether a report can be created at `target`: its folder exists and is writable. */
export function checkWritable(target: string): string | null {
  const dir = path.dirname(path.resolve(target));
  try {
    if (fs.statSync(target, { throwIfNoEntry: false })?.isDirectory()) {
      return `output path ${target} is a directory`;
    }
    if (!fs.statSync(dir).isDirectory()) return `output folder ${dir} is not a directory`;
    fs.accessSync(dir, fs.constants.W_OK);
    return null;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return `output folder ${dir} does not exist`;
    if (code === 'ENOTDIR') return `output folder ${dir} is not a directory`;
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') {
      return `cannot write to output folder ${dir} (${code})`;
    }
    return `cannot write to ${target} (${code ?? String(err)})`;
  }
}
