// The TypeScript fixture project (test/fixtures/ts-app) bundled in memory by esbuild, with its
// source map: what the source-map readers are checked on.
import { join } from 'node:path';

const APP = join(__dirname, '..', 'fixtures', 'ts-app', 'src');

/** The app bundled as `/out/main.js` (not written), and its map's text. */
export function bundleTsApp(minify: boolean): { code: string; map: string } {
  const r = (require('esbuild') as typeof import('esbuild')).buildSync({
    entryPoints: [join(APP, 'main.ts')],
    bundle: true,
    platform: 'node',
    sourcemap: 'external',
    write: false,
    outfile: '/out/main.js',
    minify,
  });
  const text = (suffix: string) => r.outputFiles.find((f) => f.path.endsWith(suffix))!.text;
  return { code: text('.js'), map: text('.js.map') };
}
