// Joins reports into one stream of event texts, one input in memory at a time.
import { readReportSync, ReportReadError } from './read';

export interface MergeStats {
  /** Inputs merged. */
  merged: string[];
  /** Inputs that could not be read, with the one-line reason. */
  lost: { file: string; reason: string }[];
  /** Sum of the inputs' `viztracer_metadata.sampleCount`. */
  sampleCount: number;
}

export function newMergeStats(): MergeStats {
  return { merged: [], lost: [], sampleCount: 0 };
}

/**
 * Every event of every input, in input order. An input that cannot be read is skipped and
 * recorded in `stats.lost` when `tolerant` (a partial report of a killed process), and
 * thrown as ReportReadError otherwise.
 */
export function* mergedEventTexts(
  files: readonly string[],
  stats: MergeStats,
  tolerant: boolean,
): Generator<string> {
  for (const file of files) {
    let parsed;
    try {
      parsed = readReportSync(file);
    } catch (err) {
      if (!tolerant || !(err instanceof ReportReadError)) throw err;
      stats.lost.push({ file, reason: err.message });
      continue;
    }
    stats.merged.push(file);
    const n = parsed.metadata?.sampleCount;
    if (typeof n === 'number') stats.sampleCount += n;
    const events = parsed.events;
    for (let i = 0; i < events.length; i++) yield JSON.stringify(events[i]);
    parsed = null;
  }
}
