#!/usr/bin/env node
// The `viztracer` command: the CLI (main.ts) as one file with V8's code cache (bundled.ts).
import * as path from 'node:path';
import { runBundled } from '../bundled';

// lib/, named here: the build inlines runBundled into this file (scripts/bundle.mjs).
runBundled('viztracer.bundle.js', 'cli/main.js', undefined, path.join(__dirname, '..'));
