// Building DOM nodes. Report strings (function names, thread names, args, the title) can hold
// anything, `<img onerror=...>` included: they only ever become text nodes or textContent,
// never markup. This helper has no way to set innerHTML on purpose.

export interface Props {
  class?: string;
  /** data-testid, the hooks the browser tests use. */
  testid?: string;
  title?: string;
  text?: string;
  attrs?: Record<string, string>;
}

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Props = {},
  ...children: (Node | string | null | undefined | false)[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (props.class) el.className = props.class;
  if (props.testid) el.dataset.testid = props.testid;
  if (props.title !== undefined) el.title = props.title;
  if (props.text !== undefined) el.textContent = props.text;
  for (const [k, v] of Object.entries(props.attrs ?? {})) el.setAttribute(k, v);
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === 'string' ? document.createTextNode(c) : c);
  }
  return el;
}

/** Sizes a canvas's backing store to its CSS size times the device pixel ratio. */
export function fitCanvas(
  canvas: HTMLCanvasElement,
  width: number,
  height: number,
): CanvasRenderingContext2D {
  const dpr = window.devicePixelRatio || 1;
  const w = Math.max(1, Math.round(width * dpr));
  const hh = Math.max(1, Math.round(height * dpr));
  if (canvas.width !== w || canvas.height !== hh) {
    canvas.width = w;
    canvas.height = hh;
  }
  canvas.style.width = `${width}px`;
  canvas.style.height = `${height}px`;
  const ctx = canvas.getContext('2d')!;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  return ctx;
}

/**
 * Cuts labels to fit a width, with an ellipsis. Full widths are measured once per text and
 * cached (measureText is the slow part of drawing labels; the font never changes).
 */
export class TextFitter {
  private readonly widths = new Map<string, number>();
  charWidth = 6;

  constructor(private readonly ctx: () => CanvasRenderingContext2D) {}

  /** Measures the average character width of the context's current font. */
  calibrate(): void {
    this.charWidth = this.ctx().measureText('abcdefghijklmnopqrstuvwxyz_ABCDEF').width / 32;
  }

  private width(text: string): number {
    let w = this.widths.get(text);
    if (w === undefined) {
      if (this.widths.size > 50_000) this.widths.clear();
      w = this.ctx().measureText(text).width;
      this.widths.set(text, w);
    }
    return w;
  }

  /** `text` cut to `width` px, "" when not even two characters fit. */
  fit(text: string, width: number): string {
    if (width < this.charWidth * 2) return '';
    const full = this.width(text);
    if (full <= width) return text;
    // Proportional guess, then shorten until it fits (usually once or twice).
    let n = Math.floor((text.length * width) / full) - 1;
    while (n > 0 && this.ctx().measureText(text.slice(0, n) + '…').width > width) n--;
    return n > 0 ? text.slice(0, n) + '…' : '';
  }
}
