// Loading a report file into the viewer's model. A report of ours is read line by line (one
// event a line), so its events are never all in memory as objects at once; any other report
// is parsed whole.
import {
  checkReportFile,
  metadataOfLine,
  streamReportSync,
  REPORT_FOOT,
  REPORT_HEAD,
  ReportReadError,
  reportLines,
  reportLinesSync,
} from '../report/read';
import { ModelBuilder, type Model } from './model';

/**
 * Feeds the lines of a report to a model builder. A report that starts as ours does but is not
 * laid out as ours (a trace written by another tool with the same first line, its last lines
 * `]}`) is read again whole, as any other report is; only when that fails too is it refused,
 * with the line where our layout broke.
 */
class LineFeeder {
  builder = new ModelBuilder();
  /** null until the first line is seen. */
  ours: boolean | null = null;
  complete = false;
  lineNo = 0;
  /** Where our layout broke, if it did. */
  private badLine: ReportReadError | null = null;

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
        this.builder.metadata = metadataOfLine(line);
        this.complete = true;
        return false;
      }
      const text = line.endsWith(',') ? line.slice(0, -1) : line;
      if (text !== '') this.builder.add(JSON.parse(text));
      return true;
    } catch {
      this.badLine = new ReportReadError(
        this.file,
        `not a trace report (invalid JSON at line ${this.lineNo})`,
      );
      return false;
    }
  }

  finish(): Model {
    if (this.ours && this.complete) return this.builder.build();
    if (this.ours) {
      // Our first line, not our layout (or cut short): the whole file, as any report.
      this.builder = new ModelBuilder();
      try {
        return this.readWhole();
      } catch (err) {
        if (!(err instanceof ReportReadError)) throw err;
        throw this.badLine ?? new ReportReadError(this.file, 'not a trace report (truncated JSON)');
      }
    }
    return this.readWhole();
  }

  private readWhole(): Model {
    const parsed = streamReportSync(this.file);
    for (const e of parsed.events) this.builder.add(e as never);
    this.builder.metadata = parsed.metadata();
    return this.builder.build();
  }
}

/** Streams the file: memory holds one chunk of text and the model. */
export async function loadModel(file: string): Promise<Model> {
  checkReportFile(file);
  const feeder = new LineFeeder(file);
  outer: for await (const lines of reportLines(file)) {
    for (const line of lines) if (!feeder.feed(line)) break outer;
  }
  return feeder.finish();
}

/** The same, synchronously, for exit handlers. */
export function loadModelSync(file: string): Model {
  checkReportFile(file);
  const feeder = new LineFeeder(file);
  for (const line of reportLinesSync(file)) if (!feeder.feed(line)) break;
  return feeder.finish();
}
