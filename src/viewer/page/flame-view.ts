// The flame graph: the call tree of the whole report or of one thread, identical stacks merged,
// each frame as wide as its total time. Root at the top (an icicle), widest child first.
// Click a frame to zoom into it, click an ancestor (or the root) to zoom back out.

import { Palette } from './color';
import { fitCanvas, h, TextFitter } from './dom';
import type { StackTree } from './flame';
import { formatCount, formatDuration, formatPercent, parseFrameName } from './format';
import { drawScheduler } from './schedule';
import { Tooltip } from './tooltip';

const ROW_H = 20;
const FONT = '11px system-ui, -apple-system, "Segoe UI", Roboto, Ubuntu, "DejaVu Sans", sans-serif';

export interface FlameSource {
  strings: readonly string[];
  /** The tree for a scope: -1 all threads, otherwise a thread's position. */
  tree(scope: number): StackTree;
  /** The root frame's label for a scope. */
  scopeName(scope: number): string;
}

export class FlameView {
  readonly root: HTMLElement;
  readonly scopeSelect: HTMLSelectElement;
  private readonly canvas: HTMLCanvasElement;
  private readonly scroller: HTMLElement;
  private readonly inner: HTMLElement;
  private readonly tooltip = new Tooltip();
  private readonly info: HTMLElement;
  private readonly palette: Palette;
  private readonly shortNames: (string | undefined)[] = [];
  private scope = -1;
  private tree: StackTree | null = null;
  private zoom = 0;
  private matched: Uint8Array | null = null;
  /** Draws on the next animation frame, once however often it is called before. */
  readonly requestDraw = drawScheduler(() => this.draw());
  private readonly fitter: TextFitter;
  /** Frames drawn by the last draw, for hit testing: node, x, y (content), width. */
  private hits: number[] = [];

  constructor(
    private readonly src: FlameSource,
    scopeSelect: HTMLSelectElement,
  ) {
    this.palette = new Palette(src.strings);
    this.scopeSelect = scopeSelect;
    this.canvas = h('canvas', { class: 'fg-canvas' });
    this.fitter = new TextFitter(() => this.canvas.getContext('2d')!);
    this.inner = h('div', { class: 'fg-inner' }, this.canvas);
    this.scroller = h('div', { class: 'fg-scroller', testid: 'flamegraph' }, this.inner);
    const reset = h('button', { class: 'btn', text: 'Reset zoom' });
    reset.addEventListener('click', () => this.zoomTo(0));
    this.info = h('span', { class: 'hint' });
    this.root = h(
      'div',
      { class: 'flame' },
      h(
        'div',
        { class: 'view-bar' },
        h('label', { class: 'scope', text: 'Scope ' }, scopeSelect),
        reset,
        this.info,
      ),
      this.scroller,
      this.tooltip.el,
    );
    this.listen();
  }

  setScope(scope: number): void {
    if (scope === this.scope && this.tree) return;
    this.scope = scope;
    this.scopeSelect.value = String(scope);
    this.tree = null;
    this.zoom = 0;
    this.requestDraw();
  }

  setSearch(matched: Uint8Array | null): void {
    this.matched = matched;
    this.requestDraw();
  }

  private zoomTo(node: number): void {
    this.zoom = node;
    this.requestDraw();
  }

  private shortName(i: number): string {
    return (this.shortNames[i] ??= parseFrameName(this.src.strings[i] ?? '').func);
  }

  private label(node: number): string {
    const tree = this.tree!;
    return node === 0 ? this.src.scopeName(this.scope) : this.shortName(tree.name[node]);
  }

  draw(): void {
    const width = this.scroller.clientWidth;
    const height = this.scroller.clientHeight;
    if (width === 0) return; // hidden
    const tree = (this.tree ??= this.src.tree(this.scope));
    this.inner.style.height = `${Math.max(height, (tree.maxDepth + 1) * ROW_H + 8)}px`;
    const ctx = fitCanvas(this.canvas, width, height);
    ctx.font = FONT;
    ctx.textBaseline = 'middle';
    this.fitter.calibrate();
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, width, height);
    const scrollTop = this.scroller.scrollTop;
    this.hits = [];

    const frame = (node: number, x: number, w: number, ancestor: boolean): void => {
      const y = tree.depth[node] * ROW_H - scrollTop;
      if (y + ROW_H < 0 || y > height) return;
      const nm = tree.name[node];
      const dimmed = this.matched !== null && (nm < 0 || !this.matched[nm]);
      ctx.fillStyle =
        node === 0 ? '#d7dce2' : dimmed ? this.palette.faded(nm) : this.palette.fill(nm);
      ctx.globalAlpha = ancestor ? 0.55 : 1;
      ctx.fillRect(x, y, Math.max(w - (w >= 4 ? 0.75 : 0), 0.5), ROW_H - 1);
      ctx.globalAlpha = 1;
      this.hits.push(node, x, y + scrollTop, w);
      if (w >= 24) {
        const text = this.fitter.fit(this.label(node), w - 8);
        if (text) {
          ctx.fillStyle = dimmed ? '#a0a6ad' : '#1f2328';
          ctx.fillText(text, x + 4, y + ROW_H / 2);
        }
      }
    };

    // The path to the zoomed frame, full width.
    const zoom = this.zoom < tree.size ? this.zoom : 0;
    for (let a = tree.parent[zoom]; a >= 0; a = tree.parent[a]) frame(a, 0, width, true);
    // The zoomed frame's subtree, depth-first, skipping what is narrower than half a pixel.
    const scale = tree.total[zoom] > 0 ? width / tree.total[zoom] : 0;
    const stack: number[] = [zoom, 0];
    while (stack.length > 0) {
      const x = stack.pop()!;
      const node = stack.pop()!;
      const w = node === zoom ? width : tree.total[node] * scale;
      frame(node, x, w, false);
      let cx = x;
      for (let c = tree.firstChild[node]; c >= 0; c = tree.nextSibling[c]) {
        const cw = tree.total[c] * scale;
        if (cw < 0.5) break; // children are sorted widest first: the rest are narrower
        stack.push(c, cx);
        cx += cw;
      }
    }
    const total = tree.total[0];
    this.info.textContent =
      zoom === 0
        ? `${formatDuration(total)} in ${formatCount(tree.size - 1)} stacks · click a frame to zoom`
        : `zoomed on ${this.label(zoom)} · ${formatPercent(tree.total[zoom], total)} of the time`;
  }

  private nodeAt(x: number, y: number): number {
    for (let j = 0; j < this.hits.length; j += 4) {
      const hx = this.hits[j + 1];
      const hy = this.hits[j + 2];
      if (x >= hx && x < hx + this.hits[j + 3] && y >= hy && y < hy + ROW_H) return this.hits[j];
    }
    return -1;
  }

  private listen(): void {
    new ResizeObserver(() => this.requestDraw()).observe(this.scroller);
    this.scroller.addEventListener('scroll', () => this.requestDraw(), { passive: true });
    const point = (e: MouseEvent): { x: number; y: number } => {
      const r = this.canvas.getBoundingClientRect();
      return { x: e.clientX - r.left, y: e.clientY - r.top + this.scroller.scrollTop };
    };
    this.canvas.addEventListener('click', (e) => {
      const { x, y } = point(e);
      const node = this.nodeAt(x, y);
      if (node >= 0) this.zoomTo(node === this.zoom ? Math.max(0, this.tree!.parent[node]) : node);
    });
    this.canvas.addEventListener('mousemove', (e) => {
      const { x, y } = point(e);
      const node = this.nodeAt(x, y);
      const tree = this.tree;
      if (node < 0 || !tree) {
        this.tooltip.hide();
        this.canvas.style.cursor = 'default';
        return;
      }
      this.canvas.style.cursor = 'pointer';
      const full = node === 0 ? this.label(0) : (this.src.strings[tree.name[node]] ?? '');
      const fn = parseFrameName(full);
      const lines = [
        fn.func,
        ...(fn.file !== null ? [`${fn.file}:${fn.line}`] : []),
        `total ${formatDuration(tree.total[node])} (${formatPercent(tree.total[node], tree.total[0])})`,
        `self ${formatDuration(tree.self[node])}`,
        ...(node === 0
          ? []
          : [`${formatCount(tree.count[node])} call${tree.count[node] === 1 ? '' : 's'}`]),
      ];
      this.tooltip.show(e, lines);
    });
    this.canvas.addEventListener('mouseleave', () => this.tooltip.hide());
  }
}
