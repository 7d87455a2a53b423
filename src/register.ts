// The preload: `node --require viztracer/register app.js` (or `--import`), and what a traced
// program's children get in NODE_OPTIONS. It runs in every JS thread (workers inherit it) and
// every `node` child process of the program, and traces it (preload.ts, as one file with V8's
// code cache: bundled.ts).
import { runBundled } from './bundled';

// lib/, named here: the build inlines runBundled into this file (scripts/bundle.mjs).
runBundled<typeof import('./preload')>(
  'register.bundle.js',
  'preload.js',
  (preload) => preload.startFromEnvironment(),
  __dirname,
);
