// Saving a report in the format its file name asks for: .json and .json.gz by report/, .html
// by the viewer, whose code is loaded only then (the preload saves from every traced process).
import { checkReportPath, saveEvents, saveEventsSync, type SaveResult } from './report/save';
import type { EventPiece } from './report/serialize';
import { isHtml } from './report/writer';
import type { ReportMetadata } from './trace/events';

const html = (): typeof import('./viewer/html') => require('./viewer/html');

export function saveReportSync(
  file: string,
  events: Iterable<EventPiece>,
  meta: () => ReportMetadata,
): SaveResult {
  checkReportPath(file);
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
  return isHtml(file) ? html().saveHtml(file, events, meta) : saveEvents(file, events, meta);
}
