// Input on the timeline: wheel, drag, click and hover on the tracks, the overview, and the keys.

import { tooltipLines } from './timeline-tooltip';
import type { Tooltip } from './tooltip';
import { sliceAt } from './timeline-hit';
import {
  OVERVIEW_H,
  sameSel,
  transform,
  type Selection,
  type TimelineState,
} from './timeline-state';
import { panBy, zoomAround, type TimeRange } from './viewport';

/** The elements input comes from. */
export interface InputElements {
  canvas: HTMLCanvasElement;
  axisCanvas: HTMLCanvasElement;
  scroller: HTMLElement;
  tooltip: Tooltip;
}

/** What input does to the timeline. */
export interface InputActions {
  setRange(r: TimeRange): void;
  select(sel: Selection | null): void;
  /** A range of time was selected (Shift+drag), or the selection cleared (null). */
  selectSpan(span: TimeRange | null): void;
  reveal(sel: Selection, zoom: boolean): void;
  requestDraw(): void;
}

export function listen(s: TimelineState, el: InputElements, act: InputActions): void {
  const { canvas, axisCanvas, scroller, tooltip } = el;
  new ResizeObserver(() => act.requestDraw()).observe(scroller);
  scroller.addEventListener('scroll', () => act.requestDraw(), { passive: true });

  const canvasPoint = (e: MouseEvent): { x: number; y: number } => {
    const r = canvas.getBoundingClientRect();
    return { x: e.clientX - r.left, y: e.clientY - r.top };
  };

  const onWheel = (e: WheelEvent): void => {
    const unit = e.deltaMode === 1 ? 16 : e.deltaMode === 2 ? s.height : 1;
    const dx = e.deltaX * unit;
    const dy = e.deltaY * unit;
    e.preventDefault();
    if (e.shiftKey) {
      scroller.scrollTop += dy || dx; // Shift+wheel scrolls the tracks
      return;
    }
    const vt = transform(s);
    if (Math.abs(dx) > Math.abs(dy)) {
      act.setRange(panBy(s.range, dx / vt.k, s.limits)); // horizontal wheel pans
      return;
    }
    const r = canvas.getBoundingClientRect();
    const anchor = vt.t0 + (e.clientX - r.left) / vt.k;
    act.setRange(zoomAround(s.range, anchor, Math.exp(dy * 0.002), s.limits));
  };
  canvas.addEventListener('wheel', onWheel, { passive: false });
  axisCanvas.addEventListener('wheel', onWheel, { passive: false });

  // The slice under the pointer: outlined, with its tooltip (or a counter's, an instant's).
  const updateHover = (e: MouseEvent): void => {
    const { x, y } = canvasPoint(e);
    const hit = sliceAt(s, x, y, scroller.scrollTop);
    if (!sameSel(hit, s.hover)) {
      s.hover = hit;
      act.requestDraw();
    }
    canvas.style.cursor = hit ? 'pointer' : 'default';
    const lines = tooltipLines(s, hit, x, y, scroller.scrollTop);
    if (lines) tooltip.show(e, lines);
    else tooltip.hide();
  };

  // Drag pans (and scrolls vertically); a press without movement is a click. Shift+drag
  // selects a range of time instead.
  let drag: { x: number; y: number; range: TimeRange; scroll: number; moved: boolean } | null =
    null;
  let spanFrom: number | null = null;
  const timeAt = (e: MouseEvent): number => {
    const vt = transform(s);
    return vt.t0 + canvasPoint(e).x / vt.k;
  };
  canvas.addEventListener('pointerdown', (e) => {
    if (e.button !== 0) return;
    canvas.setPointerCapture(e.pointerId);
    if (e.shiftKey) {
      spanFrom = timeAt(e);
      s.span = null;
      tooltip.hide();
      return;
    }
    drag = {
      x: e.clientX,
      y: e.clientY,
      range: s.range,
      scroll: scroller.scrollTop,
      moved: false,
    };
  });
  canvas.addEventListener('pointermove', (e) => {
    s.mouseX = canvasPoint(e).x;
    if (spanFrom !== null) {
      const t = timeAt(e);
      s.span = { start: Math.min(spanFrom, t), end: Math.max(spanFrom, t) };
      act.requestDraw();
      return;
    }
    if (drag) {
      const dx = e.clientX - drag.x;
      const dy = e.clientY - drag.y;
      if (!drag.moved && Math.hypot(dx, dy) > 3) {
        drag.moved = true;
        tooltip.hide();
        canvas.style.cursor = 'grabbing';
      }
      if (drag.moved) {
        const k = s.width / (drag.range.end - drag.range.start);
        act.setRange(panBy(drag.range, -dx / k, s.limits));
        scroller.scrollTop = drag.scroll - dy;
      }
      return;
    }
    updateHover(e);
  });
  canvas.addEventListener('pointerup', (e) => {
    if (spanFrom !== null) {
      spanFrom = null;
      // A Shift+click (no width on screen) clears the range.
      const span = s.span && (s.span.end - s.span.start) * transform(s).k >= 3 ? s.span : null;
      act.selectSpan(span);
      return;
    }
    if (!drag) return;
    const wasDrag = drag.moved;
    drag = null;
    canvas.style.cursor = 'default';
    if (wasDrag) return;
    const { x, y } = canvasPoint(e);
    act.select(sliceAt(s, x, y, scroller.scrollTop));
  });
  canvas.addEventListener('pointerleave', () => {
    s.mouseX = null;
    tooltip.hide();
    if (s.hover) {
      s.hover = null;
      act.requestDraw();
    }
  });

  // The overview: press or drag to move the visible range there.
  let overviewDrag = false;
  const moveTo = (e: PointerEvent): void => {
    const r = axisCanvas.getBoundingClientRect();
    const t = ((e.clientX - r.left) / r.width) * (s.report.meta.durationMicros || 1);
    const span = s.range.end - s.range.start;
    act.setRange({ start: t - span / 2, end: t + span / 2 });
  };
  axisCanvas.addEventListener('pointerdown', (e) => {
    if (e.button !== 0) return;
    const r = axisCanvas.getBoundingClientRect();
    overviewDrag = true;
    axisCanvas.setPointerCapture(e.pointerId);
    if (e.clientY - r.top <= OVERVIEW_H) moveTo(e);
    else overviewDrag = false;
  });
  axisCanvas.addEventListener('pointermove', (e) => {
    if (overviewDrag) moveTo(e);
  });
  axisCanvas.addEventListener('pointerup', () => (overviewDrag = false));
}

/** W/S zoom, A/D pan while held (Perfetto's keys); F focuses the selection, Esc clears it. */
export function handleKey(
  s: TimelineState,
  e: KeyboardEvent,
  down: boolean,
  act: InputActions,
): boolean {
  const key = e.key.toLowerCase();
  if (down && key === 'escape') {
    act.select(null);
    act.selectSpan(null);
    return true;
  }
  if (down && key === 'f' && s.selection) {
    act.reveal(s.selection, true);
    return true;
  }
  if (!['w', 'a', 's', 'd'].includes(key)) return false;
  if (!down) {
    s.held.delete(key);
    return true;
  }
  if (e.ctrlKey || e.metaKey || e.altKey) return false;
  if (s.held.size === 0) {
    s.lastKeyStep = performance.now();
    requestAnimationFrame((now) => keyStep(s, now, act));
  }
  s.held.add(key);
  return true;
}

/** One animation frame's worth of zooming and panning for the keys held. */
function keyStep(s: TimelineState, now: number, act: InputActions): void {
  if (s.held.size === 0) return;
  const dt = Math.min(now - s.lastKeyStep, 50);
  s.lastKeyStep = now;
  const span = s.range.end - s.range.start;
  let r = s.range;
  const anchor = s.mouseX !== null ? r.start + (s.mouseX / s.width) * span : (r.start + r.end) / 2;
  if (s.held.has('w')) r = zoomAround(r, anchor, Math.exp(-dt * 0.004), s.limits);
  if (s.held.has('s')) r = zoomAround(r, anchor, Math.exp(dt * 0.004), s.limits);
  if (s.held.has('a')) r = panBy(r, -span * dt * 0.0012, s.limits);
  if (s.held.has('d')) r = panBy(r, span * dt * 0.0012, s.limits);
  act.setRange(r);
  requestAnimationFrame((n) => keyStep(s, n, act));
}
