// Loading a report file into the viewer's model. A report of ours is read line by line (one
// event a line), so its events are never all in memory as objects at once; any other report
// is parsed whole.
import * as fs from 'node:fs';
import { createGunzip, gunzipSync } from 'node:zlib';
import { ReportReadError, readReportSync } from '../report/read';
import { REPORT_FOOT, REPORT_HEAD } from '../report/serialize';
import { ModelBuilder, type Model } from './model';

/** Feeds the lines of a report to a model builder; says when the report is not ours. */
class LineFeeder {
  readonly builder = new ModelBuilder();
  /** null until the first line is seen. */
  ours: boolean | null = null;
  complete = false;
  lineNo = 0;

  constructor(private readonly file: string) {}

  /** Returns false when no more lines are wanted. */
  feed(line: string): boolean {
    this.lineNo++;
    if (this.ours === null) {
      this.ours = line === REPORT_HEAD;
      return this.ours;
    }
    try {
      if (line.startsWith(REPORT_FOOT)) {
        const doc = JSON.parse(`{${line.slice(2)}`) as { viztracer_metadata?: unknown };
        const m = doc.viztracer_metadata;
        this.builder.metadata = m && typeof m === 'object' ? (m as Record<string, unknown>) : null;
        this.complete = true;
        return false;
      }
      const text = line.endsWith(',') ? line.slice(0, -1) : line;
      if (text !== '') this.builder.add(JSON.parse(text));
      return true;
    } catch {
      throw new ReportReadError(
        this.file,
        `not a trace report (invalid JSON at line ${this.lineNo})`,
      );
    }
  }

  finish(): Model {
    if (this.ours && !this.complete) {
      throw new ReportReadError(this.file, 'not a trace report (truncated JSON)');
    }
    if (!this.ours) {
      const parsed = readReportSync(this.file);
      for (const e of parsed.events) this.builder.add(e as never);
      this.builder.metadata = parsed.metadata;
    }
    return this.builder.build();
  }
}

function checkFile(file: string): void {
  const st = fs.statSync(file, { throwIfNoEntry: false });
  if (!st) throw new ReportReadError(file, 'no such file');
  if (!st.isFile()) throw new ReportReadError(file, 'not a file');
}

function isGzip(file: string): boolean {
  const fd = fs.openSync(file, 'r');
  try {
    const magic = Buffer.alloc(2);
    return fs.readSync(fd, magic, 0, 2, 0) === 2 && magic[0] === 0x1f && magic[1] === 0x8b;
  } finally {
    fs.closeSync(fd);
  }
}

const gzipProblem = (file: string): ReportReadError =>
  new ReportReadError(file, 'corrupt or truncated gzip data');

/** Streams the file: memory holds one chunk of text and the model. */
export async function loadModel(file: string): Promise<Model> {
  checkFile(file);
  const feeder = new LineFeeder(file);
  const raw = fs.createReadStream(file);
  const stream = isGzip(file) ? raw.pipe(createGunzip()) : raw;
  raw.on('error', (e) => stream.destroy(e));
  stream.setEncoding('utf8');
  let rest = '';
  try {
    outer: for await (const chunk of stream as AsyncIterable<string>) {
      const parts = (rest + chunk).split('\n');
      rest = parts.pop()!;
      for (const line of parts) if (!feeder.feed(line)) break outer;
    }
    if (rest !== '' && feeder.ours !== false && !feeder.complete) feeder.feed(rest);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'Z_BUF_ERROR' || code === 'Z_DATA_ERROR') throw gzipProblem(file);
    throw err;
  } finally {
    stream.destroy();
  }
  return feeder.finish();
}

/** The same, synchronously, for exit handlers (the whole text is in memory once). */
export function loadModelSync(file: string): Model {
  checkFile(file);
  let buf = fs.readFileSync(file);
  if (isGzip(file)) {
    try {
      buf = gunzipSync(buf);
    } catch {
      throw gzipProblem(file);
    }
  }
  const feeder = new LineFeeder(file);
  const text = buf.toString('utf8');
  let at = 0;
  while (at < text.length) {
    let nl = text.indexOf('\n', at);
    if (nl < 0) nl = text.length;
    if (!feeder.feed(text.slice(at, nl))) break;
    at = nl + 1;
  }
  return feeder.finish();
}
