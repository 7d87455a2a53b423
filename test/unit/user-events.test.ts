// The program's own events: the per-thread log (bounded, shared by the tracers of a thread) and
// the API's checks, no-ops and forms.
import { afterEach, describe, expect, it } from 'vitest';
import { counter, EventLog, instant, logEvent, threadEventLog } from '../../src/user-events';

afterEach(() => {
  // Leave no tracer "running" in this thread for the next test.
  const log = threadEventLog();
  while (log.users > 0) log.finish(0);
});

describe('EventLog', () => {
  it('keeps the newest events when it wraps, and counts the lost ones', () => {
    const log = new EventLog();
    const mark = log.begin(3);
    for (let i = 0; i < 5; i++) {
      log.push({ kind: 2, ev: { name: `i${i}`, tsMicros: i, scope: 't', args: null } });
    }
    const out = log.finish(mark);
    expect(out.instants.map((e) => e.name)).toEqual(['i2', 'i3', 'i4']);
    expect(out.dropped).toBe(2);
    expect(log.users).toBe(0);
    expect(log.total).toBe(0);
  });

  it('gives each of two tracers of a thread the events of its own window', () => {
    const log = new EventLog();
    const ev = (name: string) => ({ kind: 3 as const, ev: { name, tsMicros: 0, values: '{}' } });
    const outer = log.begin(10);
    log.push(ev('before'));
    const inner = log.begin(10);
    log.push(ev('both'));
    expect(log.finish(inner).counters.map((c) => c.name)).toEqual(['both']);
    log.push(ev('after'));
    expect(log.finish(outer).counters.map((c) => c.name)).toEqual(['before', 'both', 'after']);
  });

  it('reads CLOCK_MONOTONIC in µs, as process.hrtime does', () => {
    const log = new EventLog();
    const hr = Number(process.hrtime.bigint()) / 1000;
    expect(Math.abs(log.nowMicros() - hr)).toBeLessThan(5000);
  });
});

describe('the API without a running tracer', () => {
  it('records nothing, runs the function and returns its result', () => {
    const scope = logEvent('idle');
    scope.end();
    scope[Symbol.dispose]();
    expect(logEvent('f', () => 42)).toBe(42);
    instant('mark');
    counter('c', { a: 1 });
    expect(threadEventLog().total).toBe(0);
  });

  it('checks its arguments all the same', () => {
    expect(() => logEvent('')).toThrow(
      new TypeError('Expected the "name" argument to be a non-empty string'),
    );
    expect(() => logEvent(3 as unknown as string)).toThrow(TypeError);
    expect(() => logEvent('x', [] as unknown as Record<string, unknown>)).toThrow(
      new TypeError('Expected the "args" argument to be an object'),
    );
    expect(() => logEvent('x', {}, 5 as unknown as () => void)).toThrow(
      new TypeError('Expected the "fn" argument to be a function'),
    );
    expect(() => instant('x', undefined, 'q' as 't')).toThrow(
      new TypeError('Expected the "scope" argument to be "t", "p" or "g"'),
    );
    expect(() => counter('x', null as unknown as Record<string, number>)).toThrow(
      new TypeError('Expected the "values" argument to be an object of numbers'),
    );
    expect(() => counter('x', { a: 1, b: '2' as unknown as number })).toThrow(
      new TypeError(
        'Expected the "values" argument to be an object of finite numbers ("b" is string)',
      ),
    );
    expect(() => counter('x', { a: NaN })).toThrow(/"a" is NaN/);
    expect(() => counter('x', {})).toThrow(
      new TypeError('Expected the "values" argument to have at least one value'),
    );
  });
});

describe('the API on a clock of its own (the recorder of --instrument)', () => {
  it('reads that clock, and makes its readings µs by its line when the events are taken', () => {
    const log = threadEventLog();
    let raw = 1000;
    let slope = 0.5;
    const clock = { now: () => raw, toMicros: () => (t: number) => t * slope + 7 };
    const outer = log.begin(100, clock);
    const inner = log.begin(100);
    const s = logEvent('scope');
    raw = 1010;
    s.end();
    instant('here');
    raw = 1020;
    counter('queue', { n: 1 });
    // The line is the one fitted when the events are taken, as for the recorder's entries.
    slope = 2;
    const a = log.finish(inner);
    expect(a.slices).toMatchObject([{ name: 'scope', startMicros: 2007, durationMicros: 20 }]);
    expect(a.instants).toMatchObject([{ tsMicros: 2027 }]);
    expect(a.counters).toMatchObject([{ tsMicros: 2047 }]);
    // The outer Tracer converts the same readings again, not the inner one's µs.
    slope = 1;
    expect(log.finish(outer).slices).toMatchObject([{ startMicros: 1007, durationMicros: 10 }]);
    // With no Tracer left, the log is back on its own clock.
    const hr = Number(process.hrtime.bigint()) / 1000;
    expect(Math.abs(log.nowMicros() - hr)).toBeLessThan(5000);
  });
});

describe('the API with a running tracer', () => {
  it('records slices, instants and counters, with args taken when logged', () => {
    const log = threadEventLog();
    const mark = log.begin(100);
    const args = { n: 1 };
    const s = logEvent('scope', args);
    args.n = 2;
    s.end();
    s.end();
    expect(logEvent('fn', { k: 'v' }, () => 'r')).toBe('r');
    instant('here', { x: 1 }, 'p');
    counter('queue', { pending: 3, done: 1.5 });
    const out = log.finish(mark);
    expect(out.slices.map((e) => [e.name, e.args, e.sync])).toEqual([
      ['scope', '{"n":1}', true],
      ['fn', '{"k":"v"}', true],
    ]);
    expect(out.slices[0].durationMicros).toBeGreaterThanOrEqual(0);
    expect(out.instants).toMatchObject([{ name: 'here', scope: 'p', args: '{"x":1}' }]);
    expect(out.counters).toMatchObject([{ name: 'queue', values: '{"pending":3,"done":1.5}' }]);
  });

  it('says which slices spanned an await (those cannot nest on the stack)', async () => {
    const log = threadEventLog();
    const mark = log.begin(100);
    const p = logEvent('awaited', async () => {
      await new Promise((r) => setTimeout(r, 5));
      return 7;
    });
    expect(p).toBeInstanceOf(Promise);
    expect(await p).toBe(7);
    const s = logEvent('until a tick');
    await new Promise<void>((r) => process.nextTick(r));
    s.end();
    const t = logEvent('until a microtask');
    await Promise.resolve();
    t.end();
    logEvent('sync', () => 1);
    const out = log.finish(mark);
    expect(out.slices.map((e) => [e.name, e.sync])).toEqual([
      ['awaited', false],
      ['until a tick', false],
      ['until a microtask', false],
      ['sync', true],
    ]);
    expect(out.slices[0].durationMicros).toBeGreaterThanOrEqual(4000);
  });

  it('ends the slice when the function throws or its promise rejects, and passes both on', async () => {
    const log = threadEventLog();
    const mark = log.begin(100);
    expect(() =>
      logEvent('throws', () => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    await expect(logEvent('rejects', () => Promise.reject(new Error('no')))).rejects.toThrow('no');
    const out = log.finish(mark);
    expect(out.slices.map((e) => e.name)).toEqual(['throws', 'rejects']);
  });

  it('writes args that JSON cannot hold as a note instead of failing the program', () => {
    const log = threadEventLog();
    const mark = log.begin(100);
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    instant('odd', circular);
    instant('big', { n: 1n as unknown as number });
    const out = log.finish(mark);
    for (const i of out.instants)
      expect(JSON.parse(i.args!).viztracer).toMatch(/^args not serializable/);
  });

  it('drops a slice whose tracer stopped before it ended', () => {
    const log = threadEventLog();
    const mark = log.begin(100);
    const s = logEvent('late');
    expect(log.finish(mark).slices).toEqual([]);
    s.end();
    expect(log.total).toBe(0);
  });
});
