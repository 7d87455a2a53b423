// Text for times and frame names. Times are µs (the report's unit) everywhere in the page.
import { parseFrameName, type FrameName } from '../../trace/frame-name';

export { parseFrameName };

/** Up to 4 significant digits, trailing zeros dropped: 1.5 → "1.5", 12.3456 → "12.35". */
function short(v: number): string {
  const a = Math.abs(v);
  const decimals = a >= 1000 ? 0 : a >= 100 ? 1 : a >= 10 ? 2 : 3;
  const s = v.toFixed(decimals);
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}

/** A duration in the unit that keeps it short: "850 ns", "12.5 µs", "3.2 ms", "1.25 s". */
export function formatDuration(us: number): string {
  if (!Number.isFinite(us)) return String(us);
  const a = Math.abs(us);
  if (a === 0) return '0 µs';
  if (a < 1) return `${short(us * 1000)} ns`;
  if (a < 1e3) return `${short(us)} µs`;
  if (a < 1e6) return `${short(us / 1e3)} ms`;
  return `${short(us / 1e6)} s`;
}

export interface TimeUnit {
  name: 'ns' | 'µs' | 'ms' | 's';
  /** µs in one unit. */
  micros: number;
}

const UNITS: TimeUnit[] = [
  { name: 's', micros: 1e6 },
  { name: 'ms', micros: 1e3 },
  { name: 'µs', micros: 1 },
  { name: 'ns', micros: 1e-3 },
];

export interface AxisTicks {
  /** µs between two ticks: 1, 2 or 5 times a power of ten. */
  step: number;
  /** Tick times, µs, ascending, within [start, end]. */
  ticks: number[];
  unit: TimeUnit;
  /** Decimals that tell two neighbouring ticks apart in `unit`. */
  decimals: number;
}

/**
 * Ticks for the time axis over [start, end] drawn on `widthPx` pixels, at least
 * `minSpacingPx` apart. The unit is the largest in which the step is at least 1, so labels need
 * no more decimals than the step has: 500 µs steps read "1500 µs", 2 ms steps read "4 ms".
 */
export function axisTicks(
  start: number,
  end: number,
  widthPx: number,
  minSpacingPx = 90,
): AxisTicks {
  const span = Math.max(end - start, 1e-9);
  const rough = (span * minSpacingPx) / Math.max(widthPx, 1);
  const pow = 10 ** Math.floor(Math.log10(rough));
  let step = 10 * pow;
  for (const m of [1, 2, 5]) {
    if (m * pow >= rough * (1 - 1e-9)) {
      step = m * pow;
      break;
    }
  }
  const ticks: number[] = [];
  const first = Math.ceil(start / step);
  for (let k = first; k * step <= end && ticks.length < 1000; k++) ticks.push(k * step);
  const unit = UNITS.find((u) => step >= u.micros * (1 - 1e-9)) ?? UNITS[UNITS.length - 1];
  const decimals = Math.max(0, Math.ceil(-Math.log10(step / unit.micros) - 1e-9));
  return { step, ticks, unit, decimals };
}

/** A tick's label in the axis' unit: "1.5 ms". */
export function formatTick(t: number, axis: AxisTicks): string {
  const v = t / axis.unit.micros;
  let s = v.toFixed(axis.decimals);
  if (/^-0(\.0*)?$/.test(s)) s = s.slice(1);
  return `${s} ${axis.unit.name}`;
}

/** "file:line", or "" for a name without a location. */
export function locationOf(f: FrameName): string {
  return f.file === null ? '' : `${f.file}:${f.line}`;
}

/** "12,345" with thin grouping, locale independent. */
export function formatCount(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** A percentage with one decimal, "<0.1%" for small but non-zero shares. */
export function formatPercent(part: number, whole: number): string {
  if (whole <= 0) return '';
  const p = (100 * part) / whole;
  if (p > 0 && p < 0.1) return '<0.1%';
  return `${p.toFixed(1)}%`;
}

/** A counter's value: up to three decimals, exponential when very large or small. */
export function formatValue(v: number): string {
  if (!Number.isFinite(v)) return '–';
  if (Math.abs(v) >= 1e6 || (Math.abs(v) < 1e-3 && v !== 0)) return v.toExponential(3);
  return String(Math.round(v * 1000) / 1000);
}
