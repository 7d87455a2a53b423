// A .cpuprofile we write, opened by speedscope's own importer (its release build, a dev
// dependency, served on 127.0.0.1 in headless Chromium): its Sandwich table gives each
// function the self time our report gives it, within 1%.
import { createReadStream, existsSync, readdirSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchChromium } from '../../scripts/chromium.mjs';
import { readReportSync } from '../../src/report/read';
import { threadStacks } from '../../src/report/stacks';
import { ROOT, tempDir, viztracer } from '../helpers/run';

const RELEASE = join(ROOT, 'node_modules', 'speedscope', 'dist', 'release');
const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.wasm': 'application/wasm',
};

let browser: Browser;
beforeAll(async () => {
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
});

/** Serves speedscope's files and `profile` at /profile; resolves with the base URL. */
async function serve(profile: string): Promise<{ url: string; close: () => void }> {
  const server = http.createServer((req, res) => {
    const p = decodeURIComponent((req.url ?? '/').split(/[?#]/)[0]);
    const file = p === '/profile' ? profile : join(RELEASE, p === '/' ? 'index.html' : p);
    if (!file.startsWith(RELEASE) && file !== profile) return res.writeHead(403).end();
    if (!existsSync(file)) return res.writeHead(404).end();
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/`, close: () => server.close() };
}

/** "19.27ms (31%)", "850.00µs (1%)", "1.25s (100%)" in ms. */
function millis(text: string): number {
  const m = /^([\d.]+)(ns|µs|ms|s)\b/.exec(text.trim());
  if (!m) throw new Error(`not a time: ${text}`);
  return Number(m[1]) * (m[2] === 'ns' ? 1e-6 : m[2] === 'µs' ? 1e-3 : m[2] === 's' ? 1e3 : 1);
}

describe("speedscope's importer", () => {
  it('reads our .cpuprofile with the same self time per function', async () => {
    const dir = tempDir();
    await viztracer(['--quiet', '-o', 'fib.json', join(ROOT, 'examples', 'fibonacci.js'), '30'], {
      cwd: dir,
    });
    const c = await viztracer(['--quiet', '--combine', 'fib.json', '-o', 'fib.cpuprofile'], {
      cwd: dir,
    });
    expect(c.status).toBe(0);
    expect(readdirSync(dir)).toContain('fib.cpuprofile');
    // Ours, per function name (speedscope's names have no file), in ms.
    const ours = new Map<string, number>();
    for (const t of threadStacks(readReportSync(join(dir, 'fib.json')).events)) {
      t.segments.node.forEach((n, i) => {
        if (n === 0) return;
        const f = t.nodes[n].func;
        ours.set(f, (ours.get(f) ?? 0) + t.segments.durationMicros[i] / 1000);
      });
    }
    const server = await serve(join(dir, 'fib.cpuprofile'));
    try {
      // Tall: the table draws only the rows in view.
      const page = await browser.newPage({ viewport: { width: 1400, height: 6000 } });
      const imported = new Promise<void>((resolve) =>
        page.on('console', (m) => {
          if (m.text().startsWith('import:')) resolve();
        }),
      );
      await page.goto(`${server.url}#profileURL=${encodeURIComponent(`${server.url}profile`)}`);
      await imported;
      await page.getByText('Sandwich').click();
      await page.getByText('Symbol Name').waitFor();
      const lines = (await page.evaluate(() => document.body.innerText)).split('\n');
      const theirs = new Map<string, number>();
      const head = lines.findIndex((l) => l.includes('Symbol Name'));
      // Rows: total, then a tab and self, then a tab and the name.
      for (
        let i = head + 1;
        i + 2 < lines.length && /^[\d.]+(ns|µs|ms|s) /.test(lines[i]);
        i += 3
      ) {
        // speedscope names an anonymous function by its place, `(anonymous fib.js:1)`; ours is
        // `(anonymous)` (its place is in the file part of the slice's name).
        const name = lines[i + 2].trim().replace(/^\(anonymous .*\)$/, '(anonymous)');
        theirs.set(name, (theirs.get(name) ?? 0) + millis(lines[i + 1]));
      }
      expect(theirs.has('fibonacci')).toBe(true);
      for (const [name, ms] of ours) {
        if (name === '(idle)') continue;
        // speedscope shows two decimals: 0.01 ms is its own rounding.
        expect(Math.abs((theirs.get(name) ?? 0) - ms), name).toBeLessThanOrEqual(
          Math.max(ms * 0.01, 0.01),
        );
      }
    } finally {
      server.close();
    }
  });
});
