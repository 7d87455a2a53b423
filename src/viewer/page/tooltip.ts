// The tooltip box of the canvas views, next to the pointer.

import { h } from './dom';

/** The tooltip box, placed next to the pointer inside its parent (the view). */
export class Tooltip {
  readonly el = h('div', { class: 'tooltip', attrs: { role: 'tooltip' } });

  constructor() {
    this.el.hidden = true;
  }

  show(e: MouseEvent, lines: string[]): void {
    const tip = this.el;
    tip.replaceChildren(
      ...lines.map((l, i) => h('div', { class: i === 0 ? 'tt-title' : 'tt-line', text: l })),
    );
    tip.hidden = false;
    const box = tip.parentElement!.getBoundingClientRect();
    const tw = tip.offsetWidth;
    let left = e.clientX - box.left + 14;
    if (left + tw > box.width - 4) left = e.clientX - box.left - tw - 14;
    tip.style.left = `${Math.max(4, left)}px`;
    tip.style.top = `${e.clientY - box.top + 16}px`;
  }

  hide(): void {
    this.el.hidden = true;
  }
}
