// A pixel buffer for the timeline's rectangles. Zoomed out on a large report, a frame has tens
// of thousands of thin rectangles of alternating colours; through the canvas API each one costs
// a fillStyle parse and a fillRect call (about 2 µs: 80 ms a frame). Written into a typed array
// and blitted once with putImageData, the same frame costs a few ms. Text, paths and outlines
// are drawn with the canvas API afterwards, on top.

export class Raster {
  private image: ImageData | null = null;
  private buf = new Uint32Array(0);
  /** Device pixels. */
  private w = 0;
  private h = 0;
  /** Device pixels per CSS pixel. */
  private s = 1;

  /** Starts a frame of the canvas' backing-store size, cleared to `bg` (a packed colour). */
  begin(ctx: CanvasRenderingContext2D, scale: number, bg: number): void {
    const w = ctx.canvas.width;
    const h = ctx.canvas.height;
    if (!this.image || this.image.width !== w || this.image.height !== h) {
      this.image = ctx.createImageData(w, h);
      this.buf = new Uint32Array(this.image.data.buffer);
    }
    this.w = w;
    this.h = h;
    this.s = scale;
    this.buf.fill(bg);
  }

  /** Fills a rectangle given in CSS pixels; at least one device pixel wide and high. */
  rect(x: number, y: number, width: number, height: number, color: number): void {
    const s = this.s;
    let x0 = Math.round(x * s);
    let x1 = Math.round((x + width) * s);
    if (x1 <= x0) x1 = x0 + 1;
    let y0 = Math.round(y * s);
    let y1 = Math.round((y + height) * s);
    if (y1 <= y0) y1 = y0 + 1;
    if (x0 < 0) x0 = 0;
    if (y0 < 0) y0 = 0;
    if (x1 > this.w) x1 = this.w;
    if (y1 > this.h) y1 = this.h;
    if (x0 >= x1 || y0 >= y1) return;
    const buf = this.buf;
    const w = this.w;
    if (x1 - x0 <= 8) {
      // Thin: a plain loop beats a fill() call per row.
      for (let yy = y0; yy < y1; yy++) {
        const row = yy * w;
        for (let xx = x0; xx < x1; xx++) buf[row + xx] = color;
      }
    } else {
      for (let yy = y0; yy < y1; yy++) buf.fill(color, yy * w + x0, yy * w + x1);
    }
  }

  /** Copies the frame to the canvas (putImageData ignores the context's transform). */
  end(ctx: CanvasRenderingContext2D): void {
    if (this.image) ctx.putImageData(this.image, 0, 0);
  }
}
