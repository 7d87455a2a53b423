// Loading report files into the viewer's model: our layout line by line, anything else whole.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadModelSync } from '../../src/viewer/load';

const dir = mkdtempSync(join(tmpdir(), 'viztracer-load-'));
const write = (name: string, text: string): string => {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
};
const slice = '{"ph":"X","name":"a","pid":1,"tid":1,"ts":0,"dur":1}';

describe('loadModelSync', () => {
  it('reads a trace that starts with our first line but ends as another tool writes it', () => {
    const file = write('foreign.json', `{"traceEvents":[\n${slice}\n]}\n`);
    const m = loadModelSync(file);
    expect(m.processes.map((p) => p.threads.map((t) => [t.tid, t.slices.start.length]))).toEqual([
      [[1, 1]],
    ]);
  });

  it('names the line where a report with our first line stops being JSON', () => {
    const file = write('broken.json', `{"traceEvents":[\n${slice},\n{"ph":"X",,\n`);
    expect(() => loadModelSync(file)).toThrow(/not a trace report \(invalid JSON at line 3\)/);
  });

  it('calls a report of ours that stops after an event truncated', () => {
    const file = write('cut.json', `{"traceEvents":[\n${slice},\n`);
    expect(() => loadModelSync(file)).toThrow(/not a trace report \(truncated JSON\)/);
  });
});
