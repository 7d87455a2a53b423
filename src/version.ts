import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The package's version, read once from its package.json (lib/ sits beside it). */
export const VERSION: string = (
  JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string }
).version;

/** The folder of our compiled code; frames from it are our own and hidden like Node's internals. */
export const LIB_DIR = __dirname;
