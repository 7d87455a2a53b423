// Load hooks for ES modules, registered by hooks.ts with module.register(). They run on
// Node's module loader thread: only the transform happens here; the function table travels
// inside the instrumented code, which registers it with its own thread's recorder.
import { fileURLToPath } from 'node:url';
import { shouldInstrument, type InstrumentFilter } from './filter';
import type { HookData } from './hooks';
import { withMovedMap } from './source-map';
import { instrument, type TransformOptions } from './transform';

let filter: InstrumentFilter | null = null;
let transform: TransformOptions = {};

export function initialize(data: HookData): void {
  filter = data.filter;
  transform = data.transform;
}

interface LoadResult {
  format?: string;
  source?: string | ArrayBuffer | ArrayBufferView | null;
  [k: string]: unknown;
}

export async function load(
  url: string,
  context: unknown,
  nextLoad: (url: string, context: unknown) => Promise<LoadResult>,
): Promise<LoadResult> {
  const result = await nextLoad(url, context);
  // CommonJS loaded by import() goes through Module.prototype._compile, hooked already.
  if (!filter || result.format !== 'module' || !url.startsWith('file:')) return result;
  const file = fileURLToPath(url);
  if (!shouldInstrument(file, filter) || result.source == null) return result;
  const src =
    typeof result.source === 'string'
      ? result.source
      : Buffer.from(
          ArrayBuffer.isView(result.source) ? result.source.buffer : result.source,
          ArrayBuffer.isView(result.source) ? result.source.byteOffset : 0,
          ArrayBuffer.isView(result.source) ? result.source.byteLength : undefined,
        ).toString('utf8');
  try {
    const done = instrument(src, file, undefined, { ...transform, sourceType: 'module' });
    // The moved map always: this thread cannot tell whether the main thread has source maps on.
    return { ...result, source: withMovedMap(done.code, src, file, done.moved) };
  } catch (err) {
    process.stderr.write(
      `viztracer: warning: ${file} not instrumented: ${(err as Error).message}\n`,
    );
    return result;
  }
}
