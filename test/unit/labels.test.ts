// withLabels and the label log (labels.ts): the labels in force through await and callbacks,
// nesting, the changes a Tracer's window sees, and each sample's labels by its time.
import { setImmediate as tick } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { labelsOfSamples, threadLabelLog, withLabels } from '../../src/labels';

describe('withLabels', () => {
  it('keeps the labels across await and callbacks, and merges nested ones', async () => {
    const log = threadLabelLog();
    const seen: string[] = [];
    const current = (): string => JSON.stringify(log.sets[log.current]);
    await withLabels({ route: '/a' }, async () => {
      seen.push(current());
      await tick();
      seen.push(current());
      await withLabels({ user: 'x' }, async () => {
        await new Promise<void>((r) => setTimeout(r, 1));
        seen.push(current());
      });
      seen.push(current());
    });
    expect(seen).toEqual([
      '{"route":"/a"}',
      '{"route":"/a"}',
      '{"route":"/a","user":"x"}',
      '{"route":"/a"}',
    ]);
    expect(withLabels({ a: 'b' }, () => 42)).toBe(42);
  });

  it('refuses labels that are not strings, in one line', () => {
    expect(() => withLabels(null as never, () => 0)).toThrow(
      'Expected the labels to be an object of strings',
    );
    expect(() => withLabels({ n: 1 } as never, () => 0)).toThrow(
      'Expected the label "n" to be a string, got number',
    );
  });

  it("notes changes only while a Tracer's window is open", async () => {
    const log = threadLabelLog();
    withLabels({ before: 'start' }, () => 0);
    const mark = log.begin(1000);
    // The window opened at time 0: every change noted since belongs to it.
    const since = 0;
    withLabels({ during: 'yes' }, () => 0);
    const w = log.finish(mark, since);
    expect(w.initial).toBe(0);
    expect([...w.ids].map((id) => w.sets[id])).toEqual([{ during: 'yes' }, {}]);
    expect(w.timesMicros[1]).toBeGreaterThanOrEqual(w.timesMicros[0]);
  });
});

describe('labelsOfSamples', () => {
  it('gives each sample the last change at or before it, the initial set before the first', () => {
    const changes = {
      timesMicros: Float64Array.from([10, 20, 30]),
      ids: Int32Array.from([1, 2, 0]),
      initial: 3,
      sets: [{}, { r: 'a' }, { r: 'b' }, { r: 'c' }],
      dropped: 0,
    };
    expect([...labelsOfSamples([5, 10, 15, 25, 30, 40], changes)]).toEqual([3, 1, 1, 2, 0, 0]);
  });
});
