// Conformance of `--instrument`: a sample of tc39/test262's language tests, each run plain
// (`node test.js`) and instrumented (`viztracer --instrument --quiet -o <tmp>`); prints both
// pass counts and every test that passes plain but fails instrumented or loses its report.
// Exits 1 when there is one.
//
// test262 is not on npm (only parser tests are): pass a checkout, fetched for the purpose and
// never committed:
//   git clone --depth 1 https://github.com/tc39/test262 /tmp/test262
//   npm run build && node scripts/conformance.mjs /tmp/test262 [--sample 2000] [--seed 18]
//     [--jobs 2] [--json out.json] [--only path/in/test262.js ...]
//
// Each test runs as test262's harness asks (its frontmatter): assert.js and sta.js, then its
// `includes`, doneprintHandle.js for `async` tests (pass: it prints
// Test262:AsyncTestComplete); `onlyStrict` gets "use strict", `raw` nothing; `module` tests
// run as .mjs beside copies of their directory's _FIXTURE files. Tests that neither flag asks
// for run once, non-strict. A negative test passes when it fails with its error type. Tests
// that need what Node does not offer a script ($262.createRealm, $262.agent, ...) are skipped.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const CLI = path.join(ROOT, 'lib', 'cli', 'viztracer.js');

// The areas: classes, async functions and generators, generators, for-of, try,
// functions, arrows, methods, super, new.target, yield, await, the arguments object (and the
// `dstr/` destructuring tests under them).
const DIRS = [
  'statements/class',
  'expressions/class',
  'statements/async-function',
  'expressions/async-function',
  'expressions/async-arrow-function',
  'statements/async-generator',
  'expressions/async-generator',
  'statements/generators',
  'expressions/generators',
  'statements/for-of',
  'statements/try',
  'statements/function',
  'expressions/function',
  'expressions/arrow-function',
  'expressions/object/method-definition',
  'expressions/super',
  'expressions/new.target',
  'expressions/yield',
  'expressions/await',
  'arguments-object',
];

// Always run: the tests issue #18 found broken, so a sample cannot miss them.
const REGRESSIONS = [
  'test/language/expressions/yield/rhs-regexp.js',
  'test/language/statements/function/S13_A19_T2.js',
  'test/language/statements/class/cpn-class-decl-computed-property-name-from-function-expression.js',
  'test/language/statements/class/cpn-class-decl-computed-property-name-from-async-arrow-function-expression.js',
  'test/language/statements/class/cpn-class-decl-accessors-computed-property-name-from-async-arrow-function-expression.js',
  'test/language/arguments-object/10.6-11-b-1.js',
  'test/language/expressions/arrow-function/dstr/ary-init-iter-get-err-array-prototype.js',
];

function parseArgs(argv) {
  const o = { root: null, sample: 2000, seed: 18, jobs: 2, json: null, only: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--sample') o.sample = Number(argv[++i]);
    else if (a === '--seed') o.seed = Number(argv[++i]);
    else if (a === '--jobs') o.jobs = Number(argv[++i]);
    else if (a === '--json') o.json = argv[++i];
    else if (a === '--only') o.only.push(argv[++i]);
    else if (!a.startsWith('--') && o.root === null) o.root = path.resolve(a);
    else throw new Error(`conformance: unknown argument ${a}`);
  }
  if (!o.root || !fs.existsSync(path.join(o.root, 'harness', 'assert.js'))) {
    console.error(
      'usage: node scripts/conformance.mjs <path to a tc39/test262 checkout> [--sample N]',
    );
    process.exit(2);
  }
  return o;
}

/** A seeded PRNG (mulberry32): the same sample for the same seed. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function walk(dir, out) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else if (e.name.endsWith('.js') && !e.name.includes('_FIXTURE')) out.push(p);
  }
  return out;
}

/** Every directory's share of the sample, at least 30 tests each (all, when it has fewer). */
function sample(root, size, seed) {
  const random = rng(seed);
  const per = DIRS.map((d) => walk(path.join(root, 'test', 'language', d), []).sort());
  const total = per.reduce((s, f) => s + f.length, 0);
  const picked = new Set(
    REGRESSIONS.map((r) => path.join(root, r)).filter((f) => fs.existsSync(f)),
  );
  for (const files of per) {
    const want = Math.min(files.length, Math.max(30, Math.round((size * files.length) / total)));
    const pool = [...files];
    for (let i = 0; i < want && pool.length > 0; i++) {
      const j = Math.floor(random() * pool.length);
      picked.add(pool[j]);
      pool[j] = pool[pool.length - 1];
      pool.pop();
    }
  }
  return [...picked].sort();
}

/** The test's frontmatter: includes, flags, negative. */
function meta(text) {
  const m = /\/\*---([\s\S]*?)---\*\//.exec(text);
  const yaml = m ? m[1] : '';
  const list = (key) => {
    const inline = new RegExp(`^${key}:\\s*\\[([^\\]]*)\\]`, 'm').exec(yaml);
    if (inline)
      return inline[1]
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
    const block = new RegExp(`^${key}:\\s*\\n((?:\\s+-.*\\n?)+)`, 'm').exec(yaml);
    return block
      ? block[1]
          .split('\n')
          .map((s) => s.replace(/^\s*-\s*/, '').trim())
          .filter(Boolean)
      : [];
  };
  const neg =
    /^negative:\s*\n\s+phase:\s*(\S+)\s*\n\s+type:\s*(\S+)/m.exec(yaml) ??
    /^negative:\s*\n\s+type:\s*(\S+)\s*\n\s+phase:\s*(\S+)/m.exec(yaml);
  let negative = null;
  if (neg) negative = /phase:\s*(\S+)/.exec(neg[0])[1] && { type: /type:\s*(\S+)/.exec(neg[0])[1] };
  return { includes: list('includes'), flags: list('flags'), features: list('features'), negative };
}

// What test262 expects of the host, as far as a plain Node script can give it.
const PRELUDE = [
  'var print = function () { console.log.apply(console, arguments); };',
  'var $262 = { global: globalThis, gc: function () {}, ' +
    'evalScript: function (s) { return (0, eval)(s); }, ' +
    'detachArrayBuffer: function (b) { structuredClone(b, { transfer: [b] }); } };',
].join(' ');
const UNSUPPORTED = /\$262\.(createRealm|agent|IsHTMLDDA|AbstractModuleSource)|\$262\.evalScript\(/;

/** Writes the test as it runs into `dir`; returns its file, or null with why it is skipped. */
function prepare(root, file, dir) {
  const text = fs.readFileSync(file, 'utf8');
  const m = meta(text);
  if (UNSUPPORTED.test(text)) return { skip: '$262 host hook' };
  const isModule = m.flags.includes('module');
  const raw = m.flags.includes('raw');
  const parts = [];
  if (m.flags.includes('onlyStrict') && !isModule) parts.push('"use strict";');
  if (!raw) {
    parts.push(PRELUDE);
    const inc = [
      'assert.js',
      'sta.js',
      ...(m.flags.includes('async') ? ['doneprintHandle.js'] : []),
      ...m.includes,
    ];
    for (const h of inc) parts.push(fs.readFileSync(path.join(root, 'harness', h), 'utf8'));
  }
  // The harness goes on the test's first line, so its own line numbers are not kept; one line.
  const head = raw ? '' : `${parts.join('\n').replace(/\r?\n/g, '\n')}\n`;
  const out = path.join(dir, path.basename(file).replace(/\.js$/, isModule ? '.mjs' : '.js'));
  fs.writeFileSync(out, head + text);
  if (isModule) {
    for (const f of fs.readdirSync(path.dirname(file)))
      if (f.includes('_FIXTURE'))
        fs.copyFileSync(path.join(path.dirname(file), f), path.join(dir, f));
  }
  return { file: out, meta: m };
}

function runNode(args, cwd, timeoutMs = 20000) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** Whether a run passed, as test262 counts it. */
function passed(r, m) {
  if (m.negative) {
    return r.code !== 0 && r.signal === null && r.stderr.includes(m.negative.type);
  }
  if (r.code !== 0) return false;
  if (m.flags.includes('async')) return r.stdout.includes('Test262:AsyncTestComplete');
  return true;
}

function reportOk(file) {
  try {
    const rep = JSON.parse(fs.readFileSync(file, 'utf8'));
    return Array.isArray(rep.traceEvents) && rep.traceEvents.length > 0;
  } catch {
    return false;
  }
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  if (!fs.existsSync(CLI)) throw new Error('conformance: build first (npm run build)');
  const files =
    opts.only.length > 0
      ? opts.only.map((f) => path.resolve(opts.root, f))
      : sample(opts.root, opts.sample, opts.seed);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'viztracer-conformance-'));
  const results = [];
  let next = 0;
  let done = 0;
  const started = Date.now();
  const worker = async () => {
    while (next < files.length) {
      const i = next++;
      const file = files[i];
      const rel = path.relative(opts.root, file);
      const dir = path.join(tmp, String(i));
      fs.mkdirSync(dir);
      const prep = prepare(opts.root, file, dir);
      if (prep.skip) {
        results.push({ test: rel, skipped: prep.skip });
      } else {
        const plain = await runNode([prep.file], dir);
        const out = path.join(dir, 'report.json');
        const traced = await runNode([CLI, '--instrument', '--quiet', '-o', out, prep.file], dir);
        results.push({
          test: rel,
          plain: passed(plain, prep.meta),
          instrumented: passed(traced, prep.meta),
          report: reportOk(out),
          detail: (traced.stderr || traced.stdout)
            .split('\n')
            .filter(Boolean)
            .slice(-3)
            .join(' | ')
            .slice(0, 400),
        });
      }
      fs.rmSync(dir, { recursive: true, force: true });
      if (++done % 100 === 0) process.stderr.write(`${done}/${files.length}\n`);
    }
  };
  await Promise.all(Array.from({ length: opts.jobs }, worker));
  fs.rmSync(tmp, { recursive: true, force: true });
  results.sort((a, b) => (a.test < b.test ? -1 : 1));

  const ran = results.filter((r) => !r.skipped);
  const plainPass = ran.filter((r) => r.plain);
  const instrPass = ran.filter((r) => r.instrumented);
  const broken = plainPass.filter((r) => !r.instrumented);
  const noReport = plainPass.filter((r) => r.instrumented && !r.report);
  console.log(
    `test262 at ${opts.root}: ${files.length} tests sampled (seed ${opts.seed}), ${results.length - ran.length} skipped (host hooks), ${ran.length} run`,
  );
  console.log(
    `passed plain: ${plainPass.length}; passed instrumented: ${instrPass.length}; ` +
      `passed plain, failed instrumented: ${broken.length}; passed both, lost the report: ${noReport.length}`,
  );
  console.log(`(${((Date.now() - started) / 1000).toFixed(0)} s with ${opts.jobs} jobs)`);
  for (const r of broken) console.log(`FAILS INSTRUMENTED ${r.test}\n  ${r.detail}`);
  for (const r of noReport) console.log(`LOSES ITS REPORT ${r.test}\n  ${r.detail}`);
  if (opts.json) fs.writeFileSync(opts.json, JSON.stringify(results, null, 1));
  process.exitCode = broken.length + noReport.length > 0 ? 1 : 0;
}

await main();
