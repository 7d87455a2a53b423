// One self-contained HTML file: the page, its script and styles, and the report's data
// inlined, so it opens from a file:// URL with no server and no network.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { saveEvents, saveEventsSync, type SaveResult } from '../report/save';
import type { EventPiece } from '../report/serialize';
import { removeFile, writeChunks, writeChunksSync } from '../report/writer';
import type { ReportMetadata } from '../trace/events';
import { loadModel, loadModelSync } from './load';
import type { Model } from './model';
import type { StandaloneData } from './page/contract';
import { PAGE_DIR } from './server';
import { counterBinary, threadBinary, wireMeta } from './wire';

/** Text that can stand inside a <script> element without ending it. */
function scriptSafe(text: string): string {
  return text.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}

export function standaloneHtml(model: Model, title: string): string {
  const html = fs.readFileSync(path.join(PAGE_DIR, 'index.html'), 'utf8');
  const js = fs.readFileSync(path.join(PAGE_DIR, 'app.js'), 'utf8');
  const css = fs.readFileSync(path.join(PAGE_DIR, 'app.css'), 'utf8');
  const threads: Record<string, string> = {};
  const args: Record<string, Record<string, unknown>> = {};
  for (const p of model.processes) {
    for (const t of p.threads) {
      threads[t.key] = threadBinary(t).toString('base64');
      for (const [i, a] of t.slices.args) args[`${t.key}/${i}`] = a;
    }
  }
  const counters: Record<string, string> = {};
  const nCounters = model.processes.reduce((n, p) => n + p.counters.length, 0);
  for (let k = 0; k < nCounters; k++) counters[k] = counterBinary(model, k)!.toString('base64');
  // JSON with "<" escaped cannot close the script element it stands in.
  const standalone: StandaloneData = { meta: wireMeta(model, title), threads, counters, args };
  const data = JSON.stringify(standalone).replace(/</g, '\\u003c');
  const out = html
    .replace(
      '<link rel="stylesheet" href="app.css">',
      () => `<style>${css.replace(/<\/style/gi, '<\\/style')}</style>`,
    )
    .replace(
      '<script src="app.js"></script>',
      () =>
        `<script type="application/json" id="viztracer-data">${data}</script>\n<script>${scriptSafe(js)}</script>`,
    );
  if (out === html) throw new Error('the viewer page has no app.js/app.css to inline');
  return out;
}

/** The report is written as JSON first, beside the page, then loaded as the viewer loads it. */
const jsonFirst = (file: string): string => `${file}.${process.pid}.tmp.json`;

/** Writes an .html report (exit handlers: synchronously). */
export function saveHtmlSync(
  file: string,
  events: Iterable<EventPiece>,
  meta: () => ReportMetadata,
): SaveResult {
  const abs = path.resolve(file);
  const json = jsonFirst(abs);
  try {
    const saved = saveEventsSync(json, events, meta);
    const bytes = writeChunksSync(abs, [standaloneHtml(loadModelSync(json), path.basename(abs))]);
    return { file: abs, events: saved.events, bytes };
  } finally {
    removeFile(json);
  }
}

/** Writes an .html report without blocking. */
export async function saveHtml(
  file: string,
  events: Iterable<EventPiece>,
  meta: () => ReportMetadata,
): Promise<SaveResult> {
  const abs = path.resolve(file);
  const json = jsonFirst(abs);
  try {
    const saved = await saveEvents(json, events, meta);
    const html = standaloneHtml(await loadModel(json), path.basename(abs));
    return { file: abs, events: saved.events, bytes: await writeChunks(abs, [html]) };
  } finally {
    removeFile(json);
  }
}
