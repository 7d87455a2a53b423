// The counter tracks' scales: the OS thread counters of --native share one scale.
import { describe, expect, it } from 'vitest';
import { setScales, type CounterData } from '../../src/viewer/page/data';

const counter = (name: string, min: number, max: number): CounterData =>
  ({ info: { name }, min, max, scale: { lo: 0, hi: 0 } }) as unknown as CounterData;

describe('setScales', () => {
  it('puts every CPU % on 0-100 and every CPU core on the report’s cores, others on their range', () => {
    const cs = [
      counter('CPU % (main)', 0, 4),
      counter('CPU % (libuv-worker 1)', 0, 96.8),
      counter('CPU core (main)', 0, 0),
      counter('CPU core (libuv-worker 1)', 0, 3),
      counter('heap', -2, 50),
    ];
    setScales(cs);
    expect(cs.map((c) => c.scale)).toEqual([
      { lo: 0, hi: 100 },
      { lo: 0, hi: 100 },
      { lo: -0.5, hi: 3.5 },
      { lo: -0.5, hi: 3.5 },
      { lo: -2, hi: 50 },
    ]);
  });

  it('numbers the cores up to the host’s CPUs when the report says, its highest core if more', () => {
    const cs = [counter('CPU core (main)', 0, 1), counter('CPU % (main)', 0, 100.4)];
    setScales(cs, 8);
    expect(cs.map((c) => c.scale)).toEqual([
      { lo: -0.5, hi: 7.5 },
      { lo: 0, hi: 100 },
    ]);
    const more = [counter('CPU core (main)', 0, 9)];
    setScales(more, 8);
    expect(more[0].scale).toEqual({ lo: -0.5, hi: 9.5 });
  });
});
