// The one nesting check of the tests, for slice tables (unit tests) and for reports (e2e).

/**
 * Spans in opening order (by start, parents before children), each given its depth (1 for the
 * outermost): no negative duration, depth grows by at most one from a span to the next, and
 * each span lies inside the span open around it. `label(i, parent)` names them in errors.
 */
export function checkSpans(
  start: ArrayLike<number>,
  end: ArrayLike<number>,
  depth: ArrayLike<number>,
  label: (i: number) => string,
): void {
  const open: number[] = [];
  for (let i = 0; i < start.length; i++) {
    if (end[i] < start[i]) throw new Error(`${label(i)} has a negative duration`);
    if (i > 0 && start[i] < start[i - 1])
      throw new Error(`${label(i)} starts before ${label(i - 1)}`);
    if (depth[i] < 1 || depth[i] > open.length + 1) {
      throw new Error(`${label(i)} has depth ${depth[i]} with ${open.length} open ancestors`);
    }
    open.length = depth[i] - 1;
    const p = open[depth[i] - 2];
    if (p !== undefined && (start[i] < start[p] || end[i] > end[p])) {
      throw new Error(
        `${label(i)} (${start[i]}..${end[i]}) is outside ${label(p)} (${start[p]}..${end[p]})`,
      );
    }
    open.push(i);
  }
}
