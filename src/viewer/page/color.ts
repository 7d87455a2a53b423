// Stable colours by name: the same function gets the same colour in every report and in every
// view (timeline, flame graph), because the hue is a hash of the name and nothing else.

/** 32-bit FNV-1a over UTF-16 code units. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Hue in [0, 360). */
export function hueOf(name: string): number {
  return hashString(name) % 360;
}

/** Hue, saturation % and lightness % of a slice's fill: light enough for dark text on it. */
export function sliceHsl(name: string): [number, number, number] {
  const h = hashString(name);
  // A little spread in lightness and saturation too, so neighbours of close hues differ.
  return [h % 360, 45 + ((h >>> 12) % 3) * 8, 66 + ((h >>> 9) % 3) * 5];
}

/** The same, for a slice that does not match the search: faded toward grey. */
export function dimHsl(name: string): [number, number, number] {
  return [hueOf(name), 12, 90];
}

export function sliceColor(name: string): string {
  const [h, s, l] = sliceHsl(name);
  return `hsl(${h} ${s}% ${l}%)`;
}

export function dimColor(name: string): string {
  const [h, s, l] = dimHsl(name);
  return `hsl(${h} ${s}% ${l}%)`;
}

/** A line colour for a counter series: darker, for a 1.5 px line on white. */
export function seriesColor(name: string): string {
  return `hsl(${hueOf(name)} 60% 42%)`;
}

/** HSL (degrees, %, %) to RGB bytes, the CSS Color 4 formula. */
export function hslToRgb(h: number, s: number, l: number): [number, number, number] {
  const sat = s / 100;
  const lig = l / 100;
  const f = (n: number): number => {
    const k = (n + h / 30) % 12;
    const a = sat * Math.min(lig, 1 - lig);
    return Math.round(255 * (lig - a * Math.max(-1, Math.min(k - 3, 9 - k, 1))));
  };
  return [f(0), f(8), f(4)];
}

/** An opaque colour as one pixel of an ImageData viewed as Uint32 (little-endian RGBA). */
export function packRgb(r: number, g: number, b: number): number {
  return ((255 << 24) | (b << 16) | (g << 8) | r) >>> 0;
}

/** "#rrggbb" packed as above. */
export function packHex(hex: string): number {
  const v = parseInt(hex.slice(1), 16);
  return packRgb((v >> 16) & 255, (v >> 8) & 255, v & 255);
}

/** Steps of the CPU heat scale, 0 % to 100 %. */
export const HEAT_STEPS = 32;

/**
 * The threads overview's colours, packed, for 0..HEAT_STEPS steps of CPU % on one fixed
 * 0-100 scale: a pale grey for an idle thread to a deep orange for a busy one.
 */
export function heatColors(): Uint32Array {
  const lo = [0xe9, 0xec, 0xf0];
  const hi = [0xc4, 0x3e, 0x00];
  return Uint32Array.from({ length: HEAT_STEPS + 1 }, (_, i) => {
    // A square root, so that a few % already reads as more than idle.
    const f = Math.sqrt(i / HEAT_STEPS);
    const [r, g, b] = lo.map((v, k) => Math.round(v + (hi[k] - v) * f));
    return packRgb(r, g, b);
  });
}

const packHsl = (c: [number, number, number]): number => packRgb(...hslToRgb(...c));

/**
 * Colours by string-table index, computed on first use: CSS strings for canvas drawing and
 * packed pixels for the raster.
 */
export class Palette {
  private readonly normal: (string | undefined)[] = [];
  private readonly dim: (string | undefined)[] = [];
  private readonly packedNormal: Float64Array;
  private readonly packedDim: Float64Array;

  constructor(private readonly strings: readonly string[]) {
    this.packedNormal = new Float64Array(strings.length).fill(-1);
    this.packedDim = new Float64Array(strings.length).fill(-1);
  }

  fill(nameIndex: number): string {
    return (this.normal[nameIndex] ??= sliceColor(this.strings[nameIndex] ?? ''));
  }

  faded(nameIndex: number): string {
    return (this.dim[nameIndex] ??= dimColor(this.strings[nameIndex] ?? ''));
  }

  fillPacked(nameIndex: number): number {
    let v = this.packedNormal[nameIndex];
    if (v < 0) v = this.packedNormal[nameIndex] = packHsl(sliceHsl(this.strings[nameIndex] ?? ''));
    return v;
  }

  fadedPacked(nameIndex: number): number {
    let v = this.packedDim[nameIndex];
    if (v < 0) v = this.packedDim[nameIndex] = packHsl(dimHsl(this.strings[nameIndex] ?? ''));
    return v;
  }
}
