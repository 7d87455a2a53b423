// Bundles the viewer's page (src/viewer/page) into lib/viewer/page: index.html, app.js and
// app.css. Everything the page needs is in those three files (no CDN, no web fonts), so the
// server can also inline app.js and app.css into index.html for a standalone report.
import { build } from 'esbuild';
import { mkdirSync, writeFileSync } from 'node:fs';

const root = new URL('..', import.meta.url);
const src = new URL('src/viewer/page/', root);
const out = new URL('lib/viewer/page/', root);
mkdirSync(out, { recursive: true });

const watch = process.argv.includes('--watch');
const options = {
  entryPoints: [new URL('main.ts', src).pathname],
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: ['chrome110', 'firefox110', 'safari16'],
  // app.js; the CSS imported by main.ts lands beside it as app.css.
  outfile: new URL('app.js', out).pathname,
  minify: !watch && !process.argv.includes('--dev'),
  sourcemap: false,
  legalComments: 'none',
  logLevel: 'warning',
};

if (watch) {
  const { context } = await import('esbuild');
  const ctx = await context(options);
  await ctx.watch();
  console.log('watching src/viewer/page ...');
} else {
  await build(options);
}

// Written from here rather than kept as a source file so that no formatter rewrites the two
// tags that the server replaces by the inlined files for a standalone report:
// `<link rel="stylesheet" href="app.css">` and `<script src="app.js"></script>`.
const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>vizviewer</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="app.css">
</head>
<body>
<div id="app"></div>
<script src="app.js"></script>
</body>
</html>
`;
writeFileSync(new URL('index.html', out), html);
