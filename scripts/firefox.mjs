// Driving Debian's Firefox ESR headless for the viewer's browser tests. playwright-core cannot:
// its Firefox needs Playwright's own build, and its WebDriver BiDi route asks for commands this
// Firefox lacks (emulation.setMediaFeaturesOverride). So this speaks WebDriver BiDi itself, over
// `ws`: one page, navigate, evaluate, screenshot, and the page's errors. Firefox is kept off the
// network by its preferences (a fresh profile, no updates, no telemetry).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';

export const FIREFOX_PATH = '/usr/bin/firefox-esr';

const PREFS = [
  'user_pref("app.update.enabled", false);',
  'user_pref("browser.shell.checkDefaultBrowser", false);',
  'user_pref("datareporting.policy.dataSubmissionEnabled", false);',
  'user_pref("toolkit.telemetry.enabled", false);',
  'user_pref("network.captive-portal-service.enabled", false);',
  'user_pref("browser.safebrowsing.malware.enabled", false);',
  'user_pref("browser.safebrowsing.phishing.enabled", false);',
  'user_pref("extensions.update.enabled", false);',
];

/**
 * Starts Firefox headless with a window of `width` x `height` and one page. Resolves with
 * { version, navigate(url), evaluate(expression), screenshot(file), errors, close() }.
 */
export async function launchFirefox({ width = 1400, height = 900 } = {}) {
  const profile = mkdtempSync(join(tmpdir(), 'viztracer-firefox-'));
  writeFileSync(join(profile, 'user.js'), PREFS.join('\n') + '\n');
  const child = spawn(
    FIREFOX_PATH,
    [
      '--headless',
      '--no-remote',
      '--profile',
      profile,
      '--remote-debugging-port=0',
      `--window-size=${width},${height}`,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  const close = () => {
    child.kill('SIGKILL');
    rmSync(profile, { recursive: true, force: true });
  };
  let url;
  try {
    url = await new Promise((resolve, reject) => {
      let err = '';
      const timer = setTimeout(() => reject(new Error(`Firefox did not start: ${err}`)), 30_000);
      child.stderr.setEncoding('utf8').on('data', (d) => {
        err += d;
        const m = /WebDriver BiDi listening on (ws:\/\/\S+)/.exec(err);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
      child.on('exit', (code) => reject(new Error(`Firefox exited (${code}): ${err}`)));
    });
  } catch (e) {
    close();
    throw e;
  }
  const ws = new WebSocket(`${url}/session`, { perMessageDeflate: false });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  let nextId = 0;
  const pending = new Map();
  const errors = [];
  ws.on('message', (data) => {
    const m = JSON.parse(String(data));
    if (m.id !== undefined && pending.has(m.id)) {
      const { resolve, reject } = pending.get(m.id);
      pending.delete(m.id);
      if (m.type === 'error') reject(new Error(`${m.error}: ${m.message}`));
      else resolve(m.result);
    } else if (m.method === 'log.entryAdded' && m.params.level === 'error') {
      errors.push(m.params.text);
    }
  });
  const send = (method, params = {}) =>
    new Promise((resolve, reject) => {
      const id = ++nextId;
      pending.set(id, { resolve, reject });
      ws.send(JSON.stringify({ id, method, params }));
    });
  const session = await send('session.new', { capabilities: {} });
  await send('session.subscribe', { events: ['log.entryAdded'] });
  const { contexts } = await send('browsingContext.getTree', {});
  const context = contexts[0].context;
  return {
    version: session.capabilities.browserVersion,
    errors,
    navigate: (target) =>
      send('browsingContext.navigate', { context, url: target, wait: 'complete' }),
    /** The value of `expression` (made JSON in the page, so any plain data comes back). */
    async evaluate(expression) {
      const r = await send('script.evaluate', {
        expression: `JSON.stringify(${expression})`,
        target: { context },
        awaitPromise: true,
      });
      if (r.type === 'exception') throw new Error(r.exceptionDetails.text);
      return r.result.value === undefined ? undefined : JSON.parse(r.result.value);
    },
    async screenshot(file) {
      const r = await send('browsingContext.captureScreenshot', { context });
      writeFileSync(file, Buffer.from(r.data, 'base64'));
    },
    close() {
      ws.close();
      close();
    },
  };
}
