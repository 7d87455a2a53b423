#!/usr/bin/env node
// The `viztracer` command: the CLI (main.ts) as one file with V8's code cache (bundled.ts).
import { runBundled } from '../bundled';

runBundled('viztracer.bundle.js', 'cli/main.js');
