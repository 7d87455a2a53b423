// Which files are instrumented: the program's own code, unless the options say otherwise.
import * as path from 'node:path';

export interface InstrumentFilter {
  includeFiles: readonly string[];
  excludeFiles: readonly string[];
  instrumentNodeModules: boolean;
  /** Our own compiled code: never instrumented. */
  libDir: string;
}

const NODE_MODULES = `${path.sep}node_modules${path.sep}`;

/** Whether a module at this absolute path is instrumented. */
export function shouldInstrument(file: string, f: InstrumentFilter): boolean {
  if (!path.isAbsolute(file)) return false; // node:internal, eval'd code, data: URLs
  if (file.startsWith(f.libDir + path.sep)) return false;
  if (!f.instrumentNodeModules && file.includes(NODE_MODULES)) return false;
  if (f.includeFiles.length > 0 && !f.includeFiles.some((p) => file.startsWith(p))) return false;
  if (f.excludeFiles.some((p) => file.startsWith(p))) return false;
  return true;
}
