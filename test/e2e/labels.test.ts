// withLabels on a real node:http server: two concurrent routes each get their own samples,
// in the JSON report (args.labels) and in pprof (a label per sample).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fromPprof } from '../../src/report/pprof';
import { loadReport, slices } from '../helpers/report';
import { program, tempDir, viztracer } from '../helpers/run';

const SERVER = program('labels-server.js');
const fn = (frame: string): string => frame.replace(/ \(.*\)$/, '');

describe('withLabels', () => {
  for (const native of [false, true]) {
    it(`gives each of two concurrent routes its own samples${native ? ' (--native)' : ''}`, async () => {
      const dir = tempDir();
      const r = await viztracer(
        ['--quiet', ...(native ? ['--native'] : []), '--interval', '200', '-o', 'l.pb.gz', SERVER],
        { cwd: dir },
      );
      expect(r.status).toBe(0);
      expect(r.stdout).toBe('served 80 requests\n');
      const p = fromPprof(readFileSync(join(dir, 'l.pb.gz')));
      const byRoute = new Map<string, Set<string>>();
      for (const s of p.samples) {
        const work = s.stack.map(fn).filter((f) => f === 'workUsers' || f === 'workOrders');
        if (work.length === 0) continue;
        const route = String(s.labels.route ?? '(none)');
        if (!byRoute.has(route)) byRoute.set(route, new Set());
        for (const w of work) byRoute.get(route)!.add(w);
      }
      // Each route's work is labelled with that route only, before and after its await.
      expect(Object.fromEntries([...byRoute].map(([k, v]) => [k, [...v].sort()]))).toEqual({
        '/users/:id': ['workUsers'],
        '/orders': ['workOrders'],
      });
    });
  }

  it('puts the labels on the JSON report slices they cover', async () => {
    const dir = tempDir();
    const r = await viztracer(['--quiet', '--interval', '200', '-o', 'l.json', SERVER], {
      cwd: dir,
    });
    expect(r.status).toBe(0);
    const labelled = slices(loadReport(join(dir, 'l.json'))).filter((e) =>
      ['workUsers', 'workOrders'].includes(fn(e.name)),
    );
    expect(labelled.length).toBeGreaterThan(0);
    for (const e of labelled) {
      expect(e.args?.labels).toEqual({
        route: fn(e.name) === 'workUsers' ? '/users/:id' : '/orders',
      });
    }
  });
});
