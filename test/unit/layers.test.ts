// The import structure of src/: no cycles, and each layer imports only the layers below it.
// Lazy imports count too (`require('./x')`, `import('./x')`, `typeof import('./x')`): a cycle
// through a lazy require is still a cycle to a reader, and madge does not see them.
// The viewer's page (src/viewer/page/) is a browser bundle of its own and is left out.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve(__dirname, '..', '..', 'src');

/**
 * Top to bottom. A module is named by its first path segment under src/ (a folder, or a file
 * without `.ts`). Modules of one layer may import each other only where SIBLINGS says so,
 * except in the top two layers, whose files are the entry points and the session's parts.
 */
const LAYERS: string[][] = [
  ['cli', 'register', 'index'],
  // What runs a trace and ends a session; options are resolved here for everything below.
  // Production sessions (agent/) drive a Tracer like the preload does.
  ['preload', 'agent'],
  [
    'tracer',
    'session',
    'session-end',
    'save-report',
    'children',
    'thread',
    'options',
    'args',
    'pristine',
  ],
  // What records a thread, and what reads, builds, writes and shows reports.
  ['backends', 'instrument', 'user-events', 'labels', 'report', 'viewer'],
  ['trace'],
  // bundled: how the entry points load lib/'s bundles (it is given the folder).
  ['bundled'],
  ['native'],
  ['version'],
  // node-module: Node's Module class, without loading node:module.
  ['node-module'],
];
const FREE_WITHIN = new Set([0, 1, 2]);
/** The imports allowed between modules of one layer, as importer -> imported. */
const SIBLINGS = new Set([
  // The viewer reads reports through report/'s reader; report/ never imports the viewer.
  'viewer -> report',
  // The program's own events go into the process's report; their clock is the recorder's.
  'report -> user-events',
  'user-events -> instrument',
  // Labels are timed by the event log's clock, and each sample takes its labels at build time.
  'labels -> user-events',
  'report -> labels',
]);

interface Edge {
  from: string;
  to: string;
  line: number;
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (path.relative(SRC, p) !== path.join('viewer', 'page')) out.push(...sourceFiles(p));
    } else if (e.name.endsWith('.ts')) out.push(p);
  }
  return out;
}

const IMPORT =
  /(?:\bfrom\s*|\brequire\(\s*|\bimport\(\s*|^\s*import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm;

function resolveImport(from: string, spec: string): string | null {
  const base = path.resolve(path.dirname(from), spec.replace(/\.js$/, ''));
  for (const c of [`${base}.ts`, path.join(base, 'index.ts')]) if (fs.existsSync(c)) return c;
  return null;
}

function edgesOf(file: string): Edge[] {
  const src = fs.readFileSync(file, 'utf8');
  const edges: Edge[] = [];
  for (const m of src.matchAll(IMPORT)) {
    const target = resolveImport(file, m[1]);
    if (!target) continue;
    const line = src.slice(0, m.index).split('\n').length;
    edges.push({ from: path.relative(SRC, file), to: path.relative(SRC, target), line });
  }
  return edges;
}

const moduleOf = (file: string): string => file.split(path.sep)[0].replace(/\.ts$/, '');
const layerOf = (mod: string): number => LAYERS.findIndex((l) => l.includes(mod));

/** One cycle in a graph given as adjacency sets, as `a -> b -> a`, or null. */
function findCycle(graph: Map<string, Set<string>>): string | null {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (n: string): string | null => {
    state.set(n, 'open');
    stack.push(n);
    for (const m of graph.get(n) ?? []) {
      if (state.get(m) === 'open') return [...stack.slice(stack.indexOf(m)), m].join(' -> ');
      if (!state.has(m)) {
        const c = visit(m);
        if (c) return c;
      }
    }
    stack.pop();
    state.set(n, 'done');
    return null;
  };
  for (const n of [...graph.keys()].sort()) {
    if (!state.has(n)) {
      const c = visit(n);
      if (c) return c;
    }
  }
  return null;
}

// `require('./x') as typeof import('./x')` names one import twice.
const edges = [
  ...new Map(
    sourceFiles(SRC)
      .flatMap(edgesOf)
      .map((e) => [`${e.from}:${e.line}>${e.to}`, e]),
  ).values(),
];
const show = (e: Edge): string => `src/${e.from}:${e.line} imports src/${e.to}`;

describe('the import structure of src/', () => {
  it('finds the imports (the check itself works)', () => {
    expect(edges.length).toBeGreaterThan(50);
    expect(edges.some((e) => e.from === 'tracer.ts' && e.to === 'options.ts')).toBe(true);
  });

  it('places every module in a layer', () => {
    const unplaced = [...new Set(edges.flatMap((e) => [e.from, e.to]).map(moduleOf))].filter(
      (m) => layerOf(m) < 0,
    );
    expect(unplaced, 'add these to LAYERS in test/unit/layers.test.ts').toEqual([]);
  });

  it('has no import cycle between files', () => {
    const graph = new Map<string, Set<string>>();
    for (const e of edges) {
      if (!graph.has(e.from)) graph.set(e.from, new Set());
      graph.get(e.from)!.add(e.to);
    }
    expect(findCycle(graph)).toBeNull();
  });

  it('has no import cycle between folders', () => {
    const graph = new Map<string, Set<string>>();
    for (const e of edges) {
      const [a, b] = [moduleOf(e.from), moduleOf(e.to)];
      if (a === b) continue;
      if (!graph.has(a)) graph.set(a, new Set());
      graph.get(a)!.add(b);
    }
    expect(findCycle(graph)).toBeNull();
  });

  it('imports downward only', () => {
    const wrong = edges.filter((e) => {
      const [a, b] = [moduleOf(e.from), moduleOf(e.to)];
      if (a === b) return false;
      const [la, lb] = [layerOf(a), layerOf(b)];
      if (la < lb) return false;
      if (la === lb) return !FREE_WITHIN.has(la) && !SIBLINGS.has(`${a} -> ${b}`);
      return true;
    });
    expect(wrong.map(show)).toEqual([]);
  });
});
