import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The package's version, read once from its package.json (lib/ sits beside it). */
export const VERSION: string = (
  JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string }
).version;

/** The folder of our compiled code; frames from it are our own and hidden like Node's internals. */
export const LIB_DIR = __dirname;

/**
 * The folder the process started in (read when tracing starts, before the program can
 * `process.chdir()`): the paths in our messages are relative to it, as the user typed them.
 */
export const START_DIR = process.cwd();
