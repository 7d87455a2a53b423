// `vizviewer --server_only` on a report, for the browser tests: resolves with the page's URL.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { cleanEnv, LIB } from './run';

const VIZVIEWER = join(LIB, 'cli', 'vizviewer.js');

/** Serves `target` on a free port of 127.0.0.1; the server goes into `servers`, to be killed. */
export function serve(target: string, servers: ChildProcess[]): Promise<string> {
  const child = spawn(process.execPath, [VIZVIEWER, '--server_only', '--port', '0', target], {
    env: cleanEnv(),
  });
  servers.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = /at (http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
      if (m) resolve(m[1]);
    });
    child.on('exit', (code) => reject(new Error(`vizviewer exited ${code}`)));
  });
}
