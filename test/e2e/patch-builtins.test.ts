// A program that deletes or replaces builtins before it exits (patch-builtins.js) still gets
// a complete report in every mode: the save runs with the builtins as they were before the
// program (src/pristine.ts), and our exit listeners do not go through its
// Function.prototype.apply.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkNames, loadReport, slices } from '../helpers/report';
import { LIB, program, run, tempDir, viztracer } from '../helpers/run';

const PROGRAM = program('patch-builtins.js');

describe('a program that patches builtins before it exits', () => {
  const modes: [string, (out: string) => ReturnType<typeof run>][] = [
    ['inspector (default)', (out) => viztracer(['-o', out, PROGRAM])],
    ['--native', (out) => viztracer(['--native', '-o', out, PROGRAM])],
    ['--instrument', (out) => viztracer(['--instrument', '-o', out, PROGRAM])],
    [
      'node --require viztracer/register',
      (out) =>
        run(['--require', join(LIB, 'register.js'), PROGRAM], {
          env: { ...process.env, NODE_OPTIONS: '', VIZTRACER_OUTPUT: out },
        }),
    ],
  ];
  for (const [mode, traced] of modes) {
    it(`${mode}: the program's output and exit, and a complete report`, async () => {
      const plain = await run([PROGRAM]);
      expect(plain).toMatchObject({ status: 0, stdout: 'patching\n', stderr: '' });
      const out = join(tempDir(), 'r.json');
      const r = await traced(out);
      expect(r.status).toBe(0);
      expect(r.stdout).toBe(plain.stdout);
      expect(r.stderr).not.toContain('could not save');
      const rep = loadReport(out);
      checkNames(rep);
      expect(rep.viztracer_metadata).toBeDefined();
      // The program's busy function, sampled or recorded.
      expect(slices(rep).some((e) => e.name.startsWith('work ('))).toBe(true);
    });
  }
});
