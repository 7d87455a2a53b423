// Issue #15, item 5: what the arrows from an async span to its runs cost a timeline frame.
// workloads/async-many.js traced with --instrument (10,021 async spans, 52,021 runs; one span
// with 2,001 runs), then in headless Chromium: 40 zoom frames (wheel events around the
// middle) and 20 pan frames (D key), each timed by the page (window.__viztracerDrawFrame),
// 3 rounds, with nothing selected, a span of 4 runs selected, and the span of 2,001 runs.
// `node scripts/bench/viewer-arrows.mjs [OTHER_ROOT]`: the viewer of another build (its
// lib/), e.g. the commit before the arrows, for the frames with nothing selected.
import { spawn, spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { CLI, NODE, ROOT, WORKLOADS, fmt, median, tempDir } from './common.mjs';
import { launchChromium } from '../chromium.mjs';

const viewerRoot = path.resolve(process.argv[2] ?? ROOT);
const dir = tempDir('viewer-arrows');
const report = path.join(dir, 'async.json');
const traced = spawnSync(
  NODE,
  [CLI, '--instrument', '--quiet', '-o', report, path.join(WORKLOADS, 'async-many.js')],
  { stdio: 'inherit' },
);
if (traced.status !== 0) throw new Error('tracing failed');

const server = spawn(NODE, [
  path.join(viewerRoot, 'lib', 'cli', 'vizviewer.js'),
  '--server_only',
  '--port',
  '0',
  report,
]);
const url = await new Promise((resolve) => {
  let out = '';
  server.stdout.setEncoding('utf8').on('data', (d) => {
    out += d;
    const m = /at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
    if (m) resolve(m[1]);
  });
});
const browser = await launchChromium();
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await page.goto(url);
  await page.waitForFunction(() => window.__viztracer?.ready === true, null, { timeout: 60000 });
  const frames = () =>
    page.evaluate(() => {
      const c = document.querySelector('[data-testid="timeline"]');
      const b = c.getBoundingClientRect();
      const zoom = [];
      const pan = [];
      for (let i = 0; i < 40; i++) {
        const deltaY = i < 20 ? -200 : 200;
        const at = { clientX: b.left + b.width / 2, clientY: b.top + 50 };
        c.dispatchEvent(
          new WheelEvent('wheel', { deltaY, ...at, bubbles: true, cancelable: true }),
        );
        zoom.push(window.__viztracerDrawFrame());
      }
      for (let i = 0; i < 20; i++) {
        document.dispatchEvent(new KeyboardEvent('keydown', { key: 'd', bubbles: true }));
        pan.push(window.__viztracerDrawFrame());
        document.dispatchEvent(new KeyboardEvent('keyup', { key: 'd', bubbles: true }));
      }
      return { zoom, pan };
    });
  const measure = async (label) => {
    const zoom = [];
    const pan = [];
    for (let r = 0; r < 3; r++) {
      const f = await frames();
      zoom.push(...f.zoom);
      pan.push(...f.pan);
    }
    const arrows = await page.evaluate(() => window.__viztracer.flows?.().length ?? 0);
    console.log(
      `${label}: zoom frame ${fmt(median(zoom), 2)} ms (max ${fmt(Math.max(...zoom))}), ` +
        `pan frame ${fmt(median(pan), 2)} ms (max ${fmt(Math.max(...pan))}), ` +
        `arrows in the last frame ${arrows}`,
    );
  };
  await measure('nothing selected');
  const click = async (name) => {
    const at = await page.evaluate((n) => window.__viztracer.hitTest(n, 'async'), name);
    if (!at) throw new Error(`no span ${name} on screen`);
    await page.mouse.click(at.x, at.y);
  };
  if (await page.evaluate(() => typeof window.__viztracer.flows === 'function')) {
    await click('job');
    await measure('a span of 4 runs selected');
    await click('long');
    await measure('the span of 2,001 runs selected');
  }
} finally {
  await browser.close();
  server.kill();
}
