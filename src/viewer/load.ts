// Loading a report file into the viewer's model. A report of ours is read line by line (one
// event a line), so its events are never all in memory as objects at once; any other report
// is parsed whole.
import {
  checkReportFile,
  metadataOfLine,
  readReportSync,
  REPORT_FOOT,
  REPORT_HEAD,
  ReportReadError,
  reportLines,
  reportLinesSync,
} from '../report/read';
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
        this.builder.metadata = metadataOfLine(line);
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
