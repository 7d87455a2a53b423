// What instrumented code (made by transform.ts) and the recorder (recorder.ts) agree on, apart
// from both: the recorder loads without the transform and its parser (acorn), which a program
// that is only sampled never needs.

/** The global symbol (`Symbol.for(RECORDER_KEY)`) under which instrumented code finds the recorder. */
export const RECORDER_KEY = 'viztracer.instrument';

/** One instrumented function: what its slices are called. */
export interface FunctionInfo {
  name: string;
  file: string;
  /** 1-based line of the function's start. */
  line: number;
  /**
   * In a module that names a source map: the 1-based column of the function's start in the
   * code the transform was given (which that map describes)...
   */
  column?: number;
  /** ...and how many columns the transform's insertions moved it by in the code that ran. */
  shift?: number;
  /** FN_ASYNC | FN_GENERATOR; 0 (or absent) for a plain function. */
  flags?: number;
  /** With `logFuncArgs`: the names its parameters bind, in order. */
  params?: string[];
}

export const FN_ASYNC = 1;
export const FN_GENERATOR = 2;

/**
 * What brackets each run of inserted code (`prefix` is the module's, see transform.ts), so the
 * original text of a function is its text without them (to-string.ts). The gap marker opens
 * a run after a `/` (a space first, or `/` and the marker would make a `//` comment).
 */
export const markerOf = (prefix: string): string => `/*${prefix}*/`;
export const gapMarkerOf = (prefix: string): string => ` /*${prefix}-*/`;
