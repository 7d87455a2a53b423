// Zoom and pan arithmetic of the timeline.
import { describe, expect, it } from 'vitest';
import { clampRange, focusOn, limitsFor, panBy, zoomAround } from '../../src/viewer/page/viewport';

const lim = limitsFor(1000); // [-20, 1020], 1 ns at least

describe('viewport', () => {
  it('zooms around the anchor, which stays in place', () => {
    const w = zoomAround({ start: 0, end: 1000 }, 250, 0.5, lim);
    expect(w.start).toBeCloseTo(125);
    expect(w.end).toBeCloseTo(625);
    // Same anchor fraction: (250 - start) / span is 0.25 before and after.
    expect((250 - w.start) / (w.end - w.start)).toBeCloseTo(0.25);
  });

  it('stops at the narrowest and the widest range', () => {
    let w = { start: 0, end: 1000 };
    for (let i = 0; i < 100; i++) w = zoomAround(w, 500, 0.1, lim);
    expect(w.end - w.start).toBeCloseTo(lim.minSpan);
    for (let i = 0; i < 100; i++) w = zoomAround(w, 500, 10, lim);
    expect(w).toEqual({ start: -20, end: 1020 });
  });

  it('pans within the limits, keeping the span', () => {
    const w = panBy({ start: 100, end: 200 }, 5000, lim);
    expect(w).toEqual({ start: 920, end: 1020 });
    expect(panBy({ start: 100, end: 200 }, -5000, lim)).toEqual({ start: -20, end: 80 });
  });

  it('clamps bad ranges', () => {
    expect(clampRange({ start: 10, end: 10 }, lim).end).toBeGreaterThan(10);
    expect(clampRange({ start: -500, end: 5000 }, lim)).toEqual({ start: -20, end: 1020 });
  });

  it('focuses on a slice, centred', () => {
    const w = focusOn(400, 100, lim, 0.5);
    expect(w.start).toBeCloseTo(350);
    expect(w.end).toBeCloseTo(550);
  });
});
