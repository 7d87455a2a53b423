// Saving a report in the format its file name asks for: .json, .json.gz, pprof and .cpuprofile
// by report/, .html by the viewer, whose code is loaded only then (the preload saves from every
// traced process).
import {
  checkReportPath,
  saveEvents,
  saveEventsSync,
  saveProfileSync,
  type SaveResult,
} from './report/save';
import type { EventPiece } from './report/serialize';
import { isHtml, isProfileFormat } from './report/writer';
import type { ReportMetadata } from './trace/events';

const html = (): typeof import('./viewer/html') => require('./viewer/html');

export function saveReportSync(
  file: string,
  events: Iterable<EventPiece>,
  meta: () => ReportMetadata,
): SaveResult {
  checkReportPath(file);
  if (isProfileFormat(file)) return saveProfileSync(file, events, meta);
  return isHtml(file)
    ? html().saveHtmlSync(file, events, meta)
    : saveEventsSync(file, events, meta);
}

export function saveReport(
  file: string,
  events: Iterable<EventPiece>,
  meta: () => ReportMetadata,
): Promise<SaveResult> {
  checkReportPath(file);
  // Built in memory from the report's stacks, so there is nothing to stream.
  if (isProfileFormat(file))
    return Promise.resolve().then(() => saveProfileSync(file, events, meta));
  return isHtml(file) ? html().saveHtml(file, events, meta) : saveEvents(file, events, meta);
}
