// A synthetic V8 CPU profile (the shape Profiler.stop returns), built in memory, deterministic.
// Call tree: (root) with (program), (idle), (garbage collector), Node's module-loader frames,
// then a user tree of a few thousand nodes, depth varied up to ~50, functions from a pool across
// ~40 files (the same function appears under several parents, as in real programs). Samples
// walk the tree with locality: mostly the same node as before, else a step to the parent or a
// child, now and then a jump elsewhere or a GC / (program) tick. timeDeltas ~1000 µs, jittered.

/** mulberry32: a small seeded PRNG, so every run builds the same profile. */
function rng(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function syntheticProfile({
  samples = 1_000_000,
  userNodes = 4000,
  maxDepth = 50,
  seed = 1,
} = {}) {
  const rand = rng(seed);
  const pick = (n) => Math.floor(rand() * n);
  const nodes = [];
  const parentOf = [];
  const depthOf = [];
  const add = (parent, functionName, url, lineNumber) => {
    const id = nodes.length + 1;
    nodes.push({
      id,
      callFrame: {
        functionName,
        scriptId: url ? String(1 + (url.length % 97)) : '0',
        url,
        lineNumber,
        columnNumber: url ? 2 : -1,
      },
      hitCount: 0,
      children: [],
    });
    parentOf.push(parent);
    depthOf.push(parent ? depthOf[parent - 1] + 1 : 0);
    if (parent) nodes[parent - 1].children.push(id);
    return id;
  };
  const root = add(0, '(root)', '', -1);
  const program = add(root, '(program)', '', -1);
  const idle = add(root, '(idle)', '', -1);
  const gc = add(root, '(garbage collector)', '', -1);
  let top = add(root, '', 'node:internal/main/run_main_module', 0);
  top = add(top, 'executeUserEntryPoint', 'node:internal/modules/run_main', 124);
  top = add(top, 'Module._load', 'node:internal/modules/cjs/loader', 1023);
  top = add(top, '', 'file:///srv/app/index.js', 0);
  // Function pool: 1500 functions in 40 files.
  const funcs = Array.from({ length: 1500 }, (_, i) => ({
    name:
      i % 17 === 0 ? '' : `fn${i}_${['parse', 'render', 'walk', 'emit', 'sort', 'hash'][i % 6]}`,
    url: `file:///srv/app/src/module${i % 40}.js`,
    line: (i * 37) % 900,
  }));
  const user = [top];
  for (let k = 0; k < userNodes; k++) {
    // Mostly extend the newest branch (deep chains), else branch off anywhere.
    let p = rand() < 0.6 ? user[user.length - 1] : user[pick(user.length)];
    if (depthOf[p - 1] >= maxDepth) p = user[pick(user.length)];
    if (depthOf[p - 1] >= maxDepth) p = top;
    const f = funcs[pick(funcs.length)];
    user.push(add(p, f.name, f.url, f.line));
  }
  // The sample walk.
  const sampleIds = new Array(samples);
  const timeDeltas = new Array(samples);
  let cur = user[pick(user.length)];
  for (let i = 0; i < samples; i++) {
    const r = rand();
    let s = cur;
    if (r < 0.8)
      s = cur; // same stack as the previous sample
    else if (r < 0.88)
      s = parentOf[cur - 1] > top ? parentOf[cur - 1] : cur; // a return
    else if (r < 0.96) {
      const ch = nodes[cur - 1].children;
      if (ch.length) s = ch[pick(ch.length)];
    } // a call
    else if (r < 0.985)
      s = user[pick(user.length)]; // elsewhere
    else s = r < 0.993 ? gc : r < 0.998 ? program : idle; // a one-off V8 tick
    if (s !== gc && s !== program && s !== idle) cur = s;
    sampleIds[i] = s;
    nodes[s - 1].hitCount++;
    timeDeltas[i] = 900 + pick(250) + (rand() < 0.01 ? pick(3000) : 0);
  }
  const startTime = 470_000_000;
  let endTime = startTime;
  for (const d of timeDeltas) endTime += d;
  return {
    nodes,
    startTime,
    endTime: endTime + 500,
    samples: sampleIds,
    timeDeltas,
    maxDepth: Math.max(...depthOf),
  };
}
