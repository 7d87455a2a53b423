// Child processes stay in the session: the preload travels to them in NODE_OPTIONS and the
// session in VIZTRACER_SESSION. A program that gives a child an environment of its own
// (`spawn('node', [...], { env: { PATH } })`) would drop both; this puts them back.
//
// Rule: an environment that has no VIZTRACER_SESSION was built by the program, not copied
// from ours, so both variables are added. One that has it was copied from ours: whatever the
// program did with NODE_OPTIONS there is its choice and is left alone.
//
// Where: every child process Node starts goes through one of two of its bindings, with the
// environment as `envPairs` (`KEY=value` strings): `process_wrap`'s Process#spawn (spawn, fork,
// exec, execFile) and `spawn_sync`'s spawn (spawnSync, execSync, execFileSync). Patching them
// there covers every way in (require or import, now or later) without loading
// node:child_process, which with net, dgram and their streams was about 1.5 ms of every traced
// start. `process.binding` is deprecated (DEP0111, in the documentation only); where using it
// would print a warning (--pending-deprecation) or is refused, the module's functions are
// wrapped instead.
import { NodeModule } from './node-module';
import { SESSION_ENV } from './session';

/** NODE_OPTIONS with our preload added; quoted as Node's parser expects. */
export function nodeOptionsWithPreload(existing: string | undefined, preload: string): string {
  const quoted = `"${preload.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
  const own = `--require ${quoted}`;
  if (existing?.includes(preload)) return existing;
  return existing && existing.trim() !== '' ? `${existing} ${own}` : own;
}

/** `KEY=value` pairs (what ChildProcess#spawn receives) with the session's variables added. */
export function envPairsWithSession(pairs: string[], session: string, preload: string): string[] {
  if (pairs.some((p) => p.startsWith(`${SESSION_ENV}=`))) return pairs;
  const out = pairs.filter((p) => !p.startsWith('NODE_OPTIONS='));
  const existing = pairs.find((p) => p.startsWith('NODE_OPTIONS='));
  const options = nodeOptionsWithPreload(existing?.slice('NODE_OPTIONS='.length), preload);
  out.push(`NODE_OPTIONS=${options}`, `${SESSION_ENV}=${session}`);
  return out;
}

/** An `env` option with the session's variables added (same rule as envPairsWithSession). */
export function envWithSession(
  env: NodeJS.ProcessEnv,
  session: string,
  preload: string,
): NodeJS.ProcessEnv {
  if (env[SESSION_ENV] !== undefined) return env;
  return {
    ...env,
    NODE_OPTIONS: nodeOptionsWithPreload(env.NODE_OPTIONS, preload),
    [SESSION_ENV]: session,
  };
}

const PATCHED = Symbol.for('viztracer.children');

type SyncName = 'spawnSync' | 'execSync' | 'execFileSync';

/** Something whose `spawn(options)` starts a child: options carry its `envPairs`. */
interface SpawnOwner {
  spawn(options: { envPairs?: unknown }): unknown;
}

/** Node's two spawning bindings, or null where `process.binding` would warn or is refused. */
function spawnBindings(): {
  processWrap: { Process: { prototype: SpawnOwner } };
  spawnSync: SpawnOwner;
} | null {
  const pending =
    process.execArgv.includes('--pending-deprecation') ||
    (process.env.NODE_OPTIONS ?? '').includes('--pending-deprecation') ||
    process.env.NODE_PENDING_DEPRECATION === '1';
  if (pending) return null;
  try {
    const binding = (process as unknown as { binding(name: string): unknown }).binding;
    const processWrap = binding('process_wrap') as { Process?: { prototype?: object } };
    const spawnSync = binding('spawn_sync') as { spawn?: unknown };
    if (
      typeof processWrap?.Process?.prototype !== 'object' ||
      typeof spawnSync?.spawn !== 'function'
    ) {
      return null;
    }
    return { processWrap, spawnSync } as ReturnType<typeof spawnBindings>;
  } catch {
    return null; // the permission model, or a Node without them
  }
}

/** Has `owner.spawn` call `before` with its options first. */
function spawnWith(owner: SpawnOwner, before: (options: { envPairs?: unknown }) => void): void {
  const spawn = owner.spawn;
  owner.spawn = function (this: unknown, options) {
    before(options);
    return spawn.call(this, options);
  };
}

/**
 * Makes every child process this process starts inherit the session, whatever `env` it is
 * given, and calls `started` each time one is started (before it is).
 */
export function patchChildProcesses(session: string, preload: string, started: () => void): void {
  const g = globalThis as Record<symbol, unknown>;
  if (g[PATCHED]) return;
  g[PATCHED] = true;
  const withSession = (options: { envPairs?: unknown }): void => {
    started();
    if (options && Array.isArray(options.envPairs)) {
      options.envPairs = envPairsWithSession(options.envPairs as string[], session, preload);
    }
  };
  const bindings = spawnBindings();
  if (bindings) {
    spawnWith(bindings.processWrap.Process.prototype, withSession);
    spawnWith(bindings.spawnSync, withSession);
    return;
  }
  patchChildProcessModule(withSession, (env) => envWithSession(env, session, preload), started);
}

/**
 * The same through node:child_process's functions: the asynchronous ones (spawn, fork, exec,
 * execFile) all go through ChildProcess#spawn; the synchronous ones are wrapped one by one.
 */
function patchChildProcessModule(
  withSession: (options: { envPairs?: unknown }) => void,
  envWithSession: (env: NodeJS.ProcessEnv) => NodeJS.ProcessEnv,
  started: () => void,
): void {
  // The module object itself (an `import * as` namespace copy would be read-only).
  const childProcess = require('node:child_process') as typeof import('node:child_process');
  spawnWith(childProcess.ChildProcess.prototype as unknown as SpawnOwner, withSession);

  const cp = childProcess as unknown as Record<SyncName, (...args: unknown[]) => unknown>;
  for (const name of ['spawnSync', 'execSync', 'execFileSync'] as const) {
    const original = cp[name];
    const wrapped = function (this: unknown, ...args: unknown[]): unknown {
      started();
      // The options are the first plain object after the command (args may come before).
      for (let i = 1; i < args.length; i++) {
        const a = args[i] as { env?: NodeJS.ProcessEnv } | null;
        if (a !== null && typeof a === 'object' && !Array.isArray(a)) {
          if (a.env) args[i] = { ...a, env: envWithSession(a.env) };
          break;
        }
      }
      return original.apply(this, args);
    };
    Object.defineProperty(wrapped, 'name', { value: original.name });
    cp[name] = wrapped;
  }
  // `import { spawnSync } from 'node:child_process'` sees the wrapped functions too.
  NodeModule.syncBuiltinESMExports();
}
