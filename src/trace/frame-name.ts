// The one name format of a frame, `"fn (file:line)"` as VizTracer writes it, both ways. No Node
// imports: the viewer's page (a browser bundle) splits names with the same code.

/** A frame's name split into its parts. */
export interface FrameName {
  /** The function: "fib", "(anonymous)", "(garbage collector)". */
  func: string;
  /** The script or module, null when the name has no location. */
  file: string | null;
  line: number | null;
}

/** `"fn (file:line)"` as VizTracer names functions: 1-based line, left out when unknown. */
export function sliceName(functionName: string, file: string, line: number): string {
  const fn = functionName || '(anonymous)';
  if (!file) return fn;
  return line > 0 ? `${fn} (${file}:${line})` : `${fn} (${file})`;
}

const WITH_LOCATION = /^(.*) \((.+?):(\d+)(?::\d+)?\)$/s;

/** Splits the names we write, `fn (file:line)`; any other name is all function. */
export function parseFrameName(name: string): FrameName {
  const m = WITH_LOCATION.exec(name);
  if (!m || m[1] === '') return { func: name, file: null, line: null };
  return { func: m[1], file: m[2], line: Number(m[3]) };
}
