// The load-time transform: every function of a module records its entry and exit.
//
// Pure: source text in, source text out. Code is only inserted *inside* lines, never with a
// line break, so every original token stays on its line and the program's own stack traces
// and line numbers are right without a source map (columns after an insertion shift).
//
// A function body becomes
//   { <directives>;__vz.e(ID);try{try{ <body> }finally{__vz.x(ID)}}catch(__vzE){__vz.t(ID,__vzE);throw __vzE} }
// (a throw records the exit, then `t` turns that exit into a throw-exit: the finally inside
// the catch takes less stack per frame than a try/catch/finally, docs/benchmarks.md).
// `__vz` and `__vzb` (the module's first function id) are bound once at the top of the module
// from `globalThis[Symbol.for('viztracer.instrument')]`, so a call costs two property loads
// and two calls into the recorder.
//
// Async functions and generators keep a per-call state `__vzs` (the call's serial, negative
// while suspended): `var __vzs=__vz.a(ID)` on entry; every suspension point records a
// suspension before it suspends and a resumption where the function resumes:
//   await X        →  __vz.p(await __vz.p(X, __vzs=__vz.s(ID,__vzs)), __vzs=__vz.r(ID,__vzs))
//   yield X, yield* X, and `return X` in async generators (an implicit await) alike;
// a resumption by a throw (a rejected await, `gen.throw()`) or by `gen.return()` lands in a
// `catch` or `finally` of the function, which start with `__vzs=__vz.r(ID,__vzs)`, or in the
// function's own catch/finally, which resume before they record the end (`ta`, `xa`).
// `for await` suspends before its iterable's first `next()` and at the end of every
// iteration (the body is wrapped in try/finally), resumes at the start of the body and after
// the loop (the loop is wrapped in try/finally). None of this changes what the program does:
// the awaited and yielded values are passed through untouched, so no extra tick is taken.
//
// Hygiene: `__vz` above stands for a prefix chosen per module that no identifier of the
// module (nor its text) starts with, so our names never meet the program's; an insertion
// never joins a word next to it (`yield/re/`); a body whose meaning a block would change (a
// function declared beside a `var` of its name) is left as it is. Each run of inserted code is
// bracketed by `/*__vz*/` markers, which to-string.ts strips so `fn.toString()` is the original.
import { parse, type Node } from 'acorn';

import { sourceMappingUrlOf } from '../trace/source-map-comment';

import {
  FN_ASYNC,
  FN_GENERATOR,
  RECORDER_KEY,
  gapMarkerOf,
  markerOf,
  type FunctionInfo,
} from './protocol';

/** The marker comment that keeps the function after it from being recorded. */
export const IGNORE_MARKER = /^\s*@?viztracer-ignore\s*$/;

export interface InstrumentResult {
  code: string;
  /** The functions of this module, in id order (id = module base + index). */
  functions: FunctionInfo[];
  /**
   * Where a place of the source is in `code`: the 0-based column, on the same 0-based line, of
   * what was at `column` (insertions at a place go before what was there).
   */
  moved(line: number, column: number): number;
}

// acorn's ESTree nodes, loosely typed: the walk reads fields by name.
type AnyNode = Node & Record<string, any>;

/** The globals the module header reads. */
const HEADER_GLOBALS = new Set(['globalThis', 'global', 'Symbol']);

const FUNCTION_TYPES = new Set([
  'FunctionDeclaration',
  'FunctionExpression',
  'ArrowFunctionExpression',
]);

/** A string literal that stays on one line (U+2028/2029 are line terminators for V8's line count). */
function literal(s: string): string {
  return JSON.stringify(s)
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

function unparen(n: AnyNode | null | undefined): AnyNode | null | undefined {
  while (n && n.type === 'ParenthesizedExpression') n = n.expression;
  return n;
}

/** `a.b.c` for a member chain of plain names, as V8 infers; null otherwise. */
function memberText(n: AnyNode): string | null {
  n = unparen(n)!;
  if (n.type === 'Identifier') return n.name;
  if (n.type === 'ThisExpression') return 'this';
  if (n.type === 'MemberExpression' && !n.computed && n.property.type === 'Identifier') {
    const o = memberText(n.object);
    return o === null ? null : `${o}.${n.property.name}`;
  }
  return null;
}

function keyName(key: AnyNode, computed: boolean): string | null {
  if (computed) return null;
  if (key.type === 'Identifier') return key.name;
  if (key.type === 'PrivateIdentifier') return `#${key.name}`;
  if (key.type === 'Literal') return String(key.value);
  return null;
}

/** The name V8 shows for a function: its own, or the one inferred from where it is put. */
function inferName(fn: AnyNode, parent: AnyNode | null, grand: AnyNode | null): string | null {
  if (fn.id) return fn.id.name;
  // Parentheses around a function expression do not change its inferred name.
  let p = parent;
  let g = grand;
  if (p && p.type === 'ParenthesizedExpression') {
    p = g;
    g = null;
  }
  if (!p) return null;
  switch (p.type) {
    case 'VariableDeclarator':
      return p.id.type === 'Identifier' ? p.id.name : null;
    case 'AssignmentExpression':
    case 'AssignmentPattern':
      return memberText(p.left);
    case 'Property': {
      if (p.value !== fn && unparen(p.value) !== fn) return null;
      const k = keyName(p.key, p.computed);
      if (k === null) return null;
      return p.kind === 'get' ? `get ${k}` : p.kind === 'set' ? `set ${k}` : k;
    }
    case 'PropertyDefinition':
      return keyName(p.key, p.computed);
    case 'MethodDefinition': {
      const k = keyName(p.key, p.computed);
      if (p.kind === 'constructor') {
        return g && g.type === 'ClassBody' ? null : k; // filled in by the class below
      }
      if (k === null) return null;
      return p.kind === 'get' ? `get ${k}` : p.kind === 'set' ? `set ${k}` : k;
    }
    case 'ExportDefaultDeclaration':
      return 'default';
  }
  return null;
}

interface Edit {
  pos: number;
  text: string;
  /**
   * Order among edits at the same position: lower first. Openings (> 0) of an outer function
   * come before those of an inner one, closings (< 0) after: by `seq`, forward or backward.
   */
  order: number;
  seq: number;
}

export interface InstrumentOptions {
  /** Parse as an ES module (import/export, top-level await, strict). Default: guessed. */
  sourceType?: 'module' | 'script' | 'commonjs';
  /** Record a preview of each call's parameters (`args.func_args`). */
  logFuncArgs?: boolean;
  /** Record a preview of each call's return value (`args.return_value`). */
  logFuncRetval?: boolean;
  /** Functions with these names (as shown in slices: `fib`, `get size`) are not recorded. */
  ignoreFunctions?: readonly string[];
}

/** What the transform needs beyond the source: the options that change the emitted code. */
export type TransformOptions = Omit<InstrumentOptions, 'sourceType'>;

// Nodes through which a marker comment before them reaches the function they hold.
const MARK_WRAPPERS = new Set([
  'VariableDeclaration',
  'VariableDeclarator',
  'ExpressionStatement',
  'AssignmentExpression',
  'ExportNamedDeclaration',
  'ExportDefaultDeclaration',
  'MethodDefinition',
  'Property',
  'PropertyDefinition',
  'ParenthesizedExpression',
  'ClassDeclaration',
  'ClassExpression',
  'ClassBody',
]);

/** The names a parameter list binds, in order (destructuring included). */
function boundNames(params: AnyNode[]): string[] {
  const out: string[] = [];
  const work = [...params].reverse();
  while (work.length > 0) {
    const p = work.pop();
    if (!p) continue;
    switch (p.type) {
      case 'Identifier':
        out.push(p.name);
        break;
      case 'AssignmentPattern':
        work.push(p.left);
        break;
      case 'RestElement':
        work.push(p.argument);
        break;
      case 'ArrayPattern':
        for (let i = p.elements.length - 1; i >= 0; i--) work.push(p.elements[i]);
        break;
      case 'ObjectPattern':
        for (let i = p.properties.length - 1; i >= 0; i--) {
          const q = p.properties[i];
          work.push(q.type === 'RestElement' ? q.argument : q.value);
        }
        break;
    }
  }
  return out;
}

/**
 * A prefix for the names we inject that neither the module's text (a string it evals
 * included) nor `escaped` (identifiers spelled with escapes, as `\u005f_vz`) contain: `__vz`,
 * else `__vz<n>` with n above every number that follows `__vz` there. So in any text of the
 * module, ours is the highest-numbered marker (to-string.ts reads it back).
 */
function hygienicPrefix(source: string, escaped: readonly string[]): string {
  let max = -1;
  for (const text of [source, ...escaped]) {
    // Nine digits at most: a longer run counts by its first nine, still above what it starts.
    for (const m of text.matchAll(/__vz(\d{0,9})/g)) max = Math.max(max, Number(m[1] || 0));
  }
  return max < 0 ? '__vz' : `__vz${max + 1}`;
}

/** Every node below `root` (iterative: deeply nested code must not overflow our stack). */
function forEachNode(root: AnyNode, visit: (n: AnyNode) => boolean | void): void {
  const work: AnyNode[] = [root];
  while (work.length > 0) {
    const node = work.pop()!;
    if (visit(node) === false) continue;
    for (const key of Object.keys(node)) {
      const v = (node as Record<string, unknown>)[key];
      if (Array.isArray(v)) {
        for (const c of v)
          if (c && typeof (c as AnyNode).type === 'string') work.push(c as AnyNode);
      } else if (v && typeof v === 'object' && typeof (v as AnyNode).type === 'string') {
        work.push(v as AnyNode);
      }
    }
  }
}

/** Whether an Identifier declares a name where `parent` puts it (conservative: any scope). */
function isBinding(id: AnyNode, parent: AnyNode | null, grand: AnyNode | null): boolean {
  if (!parent) return false;
  switch (parent.type) {
    case 'VariableDeclarator':
      return parent.id === id;
    case 'FunctionDeclaration':
    case 'FunctionExpression':
    case 'ArrowFunctionExpression':
    case 'ClassDeclaration':
    case 'ClassExpression':
      return parent.id === id || (parent.params as AnyNode[] | undefined)?.includes(id) === true;
    case 'CatchClause':
      return parent.param === id;
    case 'ImportSpecifier':
    case 'ImportDefaultSpecifier':
    case 'ImportNamespaceSpecifier':
      return parent.local === id;
    case 'ArrayPattern':
    case 'RestElement':
      return true;
    case 'AssignmentPattern':
      return parent.left === id;
    case 'Property':
      return parent.value === id && grand !== null && grand.type === 'ObjectPattern';
  }
  return false;
}

/**
 * Whether wrapping these statements (a function body) in a block changes what they mean. A
 * function declared at the top of a body is var-scoped there but lexical in a block, where a
 * `var` of the same name, a second declaration (strict code, generators, async functions)
 * or a direct `eval` that declares it is a SyntaxError. Checked conservatively, only when
 * the body declares a function (rare together with the rest).
 */
function blockChangesMeaning(statements: AnyNode[]): boolean {
  const fns = new Set<string>();
  for (const st of statements) {
    if (st.type !== 'FunctionDeclaration') continue;
    if (fns.has(st.id.name)) return true;
    fns.add(st.id.name);
  }
  if (fns.size === 0) return false;
  let found = false;
  for (const st of statements) {
    forEachNode(st, (n) => {
      if (found) return false;
      if (FUNCTION_TYPES.has(n.type) || n.type === 'StaticBlock' || n.type === 'ClassBody') {
        // Their own var scopes; only a function's parameter defaults are not (they cannot declare).
        return false;
      }
      if (n.type === 'VariableDeclaration' && n.kind === 'var') {
        for (const d of n.declarations as AnyNode[])
          if (boundNames([d.id]).some((name) => fns.has(name))) found = true;
      } else if (
        n.type === 'CallExpression' &&
        n.callee.type === 'Identifier' &&
        n.callee.name === 'eval'
      ) {
        found = true;
      }
    });
    if (found) return true;
  }
  return false;
}

interface Comment {
  text: string;
  start: number;
  end: number;
}

function parseProgram(
  source: string,
  sourceType: 'module' | 'script' | 'commonjs',
  comments: Comment[],
): AnyNode {
  const common = {
    ecmaVersion: 'latest' as const,
    // Lines come from a table of line starts: acorn's own locations cost a third of the parse.
    locations: false,
    preserveParens: true,
    allowHashBang: true,
    onComment: (_block: boolean, text: string, start: number, end: number): void => {
      comments.push({ text, start, end });
    },
  };
  if (sourceType === 'module') return parse(source, { ...common, sourceType: 'module' }) as AnyNode;
  // CommonJS code is a function body: `return` at the top level is allowed.
  return parse(source, {
    ...common,
    sourceType: 'script',
    allowReturnOutsideFunction: true,
    allowAwaitOutsideFunction: false,
  }) as AnyNode;
}

/**
 * Instruments one module. `file` is the absolute path that names its functions. `fnTable`
 * (optional) receives the functions too. Throws acorn's SyntaxError when the source does not
 * parse; callers then run the original.
 */
export function instrument(
  source: string,
  file: string,
  fnTable?: FunctionInfo[],
  options: InstrumentOptions = {},
  escaped: readonly string[] = [],
): InstrumentResult {
  const sourceType = options.sourceType ?? 'commonjs';
  const comments: Comment[] = [];
  const program = parseProgram(source, sourceType, comments);
  const logArgs = options.logFuncArgs === true;
  const logRet = options.logFuncRetval === true;
  const ignoredNames = new Set(options.ignoreFunctions ?? []);
  const marked = markerTargets(source, comments);
  // In an ES module, an import cycle can call a (hoisted) function before the module's body,
  // and so its header, has run: there the entry binds the recorder itself when it must, through
  // a hoisted function. CommonJS bodies always run their header first.
  const guarded = sourceType === 'module';
  const P = hygienicPrefix(source, escaped);
  const R = P; // the recorder
  const B = `${P}b`; // the module's first function id
  const S = `${P}s`; // an async call's state
  const E = `${P}E`; // a caught error
  const V = `${P}r`; // a return value
  const I = `${P}I`; // the ES module header's binder
  const rec = guarded ? `(${R}||${I}())` : R;
  const functions: FunctionInfo[] = [];
  const edits: Edit[] = [];
  const { lineOf, lineStart, lineStartOfLine } = lineTable(source);
  // A module that names a source map gets columns: its map places a function by them.
  const withColumns = sourceMappingUrlOf(source) !== null;
  /** Where each function starts in the source, in id order. */
  const startOf: number[] = [];
  const add = (pos: number, text: string, order = 0): void => {
    edits.push({ pos, text, order, seq: edits.length });
  };
  /** An opening and its closing; in an empty body both at one place, as one edit. */
  const around = (open: number, head: string, close: number, tail: string): void => {
    if (open === close) add(open, head + tail, 1);
    else {
      add(open, head, 1);
      add(close, tail, -1);
    }
  };

  // The functions around the walk's position: what a suspension point, a catch, a return
  // inside them refers to. `id` null: a function left alone (ignored).
  interface Frame {
    id: string | null;
    suspends: boolean;
    /** An async generator: `return x` awaits x. */
    asyncGen?: boolean;
  }
  const fnStack: (Frame | null)[] = [];

  /** The end of a plain function's body: its exit, then (a throw) the exit turned into a throw. */
  const plainTail = (id: string, exit: string, ret: string): string =>
    `}finally{${R}.${exit}(${id}${ret})}}catch(${E}){${R}.t(${id},${E});throw ${E}}`;
  const idText = (k: number): string => (k === 0 ? B : `${B}+${k}`);
  const suspend = (id: string): string => `${S}=${R}.s(${id},${S})`;
  const resume = (id: string): string => `${S}=${R}.r(${id},${S})`;

  const instrumentFunction = (
    fn: AnyNode,
    name: string | null,
    line: number,
    ignore: boolean,
  ): Frame => {
    const suspends = Boolean(fn.async || fn.generator);
    const body = fn.body as AnyNode;
    const exprBody = fn.type === 'ArrowFunctionExpression' && fn.expression;
    // After the directive prologue: 'use strict' stays the first statement of its body.
    let at = body.start + 1;
    let sep = '';
    if (!exprBody) {
      for (const st of body.body as AnyNode[]) {
        if (st.type === 'ExpressionStatement' && typeof st.directive === 'string') {
          at = st.end;
          sep = ';';
        } else break;
      }
    }
    // Left as it is, unrecorded: its body cannot go into our `try` block unchanged.
    if (!exprBody && blockChangesMeaning(body.body)) return { id: null, suspends: false };
    if (ignore) {
      // Not recorded, nor what it calls while it runs (as VizTracer's ignore_function). An
      // async function or generator is only left alone: its callees run across suspensions.
      if (suspends) return { id: null, suspends: false };
      if (exprBody) {
        add(body.start, `{${rec}.ig();try{return `, 1);
        add(body.end, `}finally{${R}.ug()}}`, -1);
      } else {
        around(at, `${sep}${rec}.ig();try{`, body.end - 1, `}finally{${R}.ug()}`);
      }
      return { id: null, suspends: false };
    }
    const k = functions.length;
    const info: FunctionInfo = { name: name ?? '(anonymous)', file, line };
    if (suspends) info.flags = (fn.async ? FN_ASYNC : 0) | (fn.generator ? FN_GENERATOR : 0);
    const params = logArgs ? boundNames(fn.params as AnyNode[]) : [];
    if (logArgs) info.params = params;
    functions.push(info);
    const id = idText(k);
    const enter = suspends ? `var ${S}=${rec}.a(${id});` : `${rec}.e(${id});`;
    const extra =
      (params.length > 0 ? `${R}.fa(${params.join(',')});` : '') + (logRet ? `var ${V};` : '');
    const ret = logRet ? `,${V}` : '';
    // A plain function's finally is inside its catch (see the top): a smaller frame.
    const open = suspends ? 'try{' : 'try{try{';
    const tail = suspends
      ? `}catch(${E}){${S}=${R}.ta(${id},${S},${E});throw ${E}}finally{${S}=${R}.xa(${id},${S}${ret})}`
      : plainTail(id, logRet ? 'xr' : 'x', ret);
    if (exprBody) {
      // `x => expr` becomes `x => {...try{return expr}...}`; `return` and the expression
      // start at the same place, so no line break can come between them.
      add(body.start, `{${enter}${extra}${open}return ${logRet ? `${V}=(` : ''}`, 1);
      add(body.end, `${logRet ? ')' : ''}${tail}}`, -1);
    } else {
      around(at, `${sep}${enter}${extra}${open}`, body.end - 1, tail);
    }
    return { id, suspends, asyncGen: Boolean(fn.async && fn.generator) };
  };

  /** The innermost function, when it is recorded and suspends (has `__vzs`). */
  const suspending = (): Frame | null => {
    const f = fnStack[fnStack.length - 1];
    return f && f.id !== null && f.suspends ? f : null;
  };
  /** Where a `for await` statement starts, with its labels (a label must stay on its loop). */
  const labelStart = new Map<AnyNode, number>();

  // Iterative walk (deeply nested code must not overflow our stack): enter/leave events.
  // `mark`: a marker comment before an enclosing wrapper (a declaration, a property) applies.
  type Item = {
    node: AnyNode;
    parent: AnyNode | null;
    grand: AnyNode | null;
    leave?: boolean;
    mark?: boolean;
  };
  const work: Item[] = [{ node: program, parent: null, grand: null }];
  const classNames: (string | null)[] = [];
  /** Globals the header reads that the module declares (anywhere: conservative). */
  const shadowed = new Set<string>();
  /** Identifiers spelled with escapes: the text does not show them. */
  const spelled: string[] = [];
  while (work.length > 0) {
    const item = work.pop()!;
    const { node, parent, grand } = item;
    if (item.leave) {
      if (FUNCTION_TYPES.has(node.type) || node.type === 'StaticBlock') fnStack.pop();
      if (node.type === 'ClassDeclaration' || node.type === 'ClassExpression') classNames.pop();
      continue;
    }
    const isMarked = item.mark === true || marked.has(node.start);
    if (node.type === 'Identifier' && node.end - node.start !== node.name.length)
      spelled.push(node.name);
    if (
      node.type === 'Identifier' &&
      HEADER_GLOBALS.has(node.name) &&
      isBinding(node, parent, grand)
    )
      shadowed.add(node.name);
    let pushed = false;
    if (FUNCTION_TYPES.has(node.type)) {
      let name = inferName(node, parent, grand);
      if (parent && parent.type === 'MethodDefinition' && parent.kind === 'constructor') {
        name = classNames[classNames.length - 1] ?? null;
      }
      const startNode = parent && parent.type === 'MethodDefinition' ? parent : node;
      const ignore = isMarked || ignoredNames.has(name ?? '(anonymous)');
      const before = functions.length;
      fnStack.push(instrumentFunction(node, name, lineOf(startNode.start), ignore));
      if (functions.length > before) startOf.push(startNode.start);
      pushed = true;
    } else if (node.type === 'StaticBlock') {
      // `static {` ... `}`: the block's own brace, after any comments between the two.
      const head = /static(?:\s|\/\*[\s\S]*?\*\/|\/\/[^\n\r\u2028\u2029]*)*\{/y;
      head.lastIndex = node.start;
      const open = head.exec(source) ? head.lastIndex - 1 : source.indexOf('{', node.start);
      if (blockChangesMeaning(node.body)) {
        fnStack.push({ id: null, suspends: false });
      } else if (isMarked || ignoredNames.has('<static_initializer>')) {
        around(open + 1, `${rec}.ig();try{`, node.end - 1, `}finally{${R}.ug()}`);
        fnStack.push({ id: null, suspends: false });
      } else {
        const k = functions.length;
        functions.push({ name: '<static_initializer>', file, line: lineOf(node.start) });
        startOf.push(node.start);
        const id = idText(k);
        around(open + 1, `${rec}.e(${id});try{try{`, node.end - 1, plainTail(id, 'x', ''));
        fnStack.push({ id, suspends: false });
      }
      pushed = true;
    } else if (node.type === 'ClassDeclaration' || node.type === 'ClassExpression') {
      let cname: string | null = node.id ? node.id.name : null;
      if (!cname && parent) {
        const fake = { id: null } as unknown as AnyNode;
        cname = inferName(fake, parent, grand);
        if (cname === 'default' && parent.type !== 'ExportDefaultDeclaration') cname = null;
      }
      classNames.push(cname);
      pushed = true;
    } else if (node.type === 'AwaitExpression' || node.type === 'YieldExpression') {
      const f = suspending();
      if (f) {
        const id = f.id!;
        // The resumption, after the await/yield gives its value (outer call, added first so
        // that its closing comes after the operand's at the same position).
        add(node.start, `${R}.p(`, 1);
        let after = `,${resume(id)})`;
        if (!node.argument && bareYieldNeedsSemicolon(source, node.end)) after += ';';
        add(node.end, after, -1);
        if (node.argument) {
          add(node.argument.start, `${R}.p(`, 1);
          add(node.argument.end, `,${suspend(id)})`, -1);
        } else {
          // `yield` alone: the same as `yield undefined`.
          add(node.end, ` ${R}.p(void 0,${suspend(id)})`, -2);
        }
      }
    } else if (node.type === 'ReturnStatement' && node.argument) {
      const f = fnStack[fnStack.length - 1];
      if (f && f.id !== null) {
        // In an async generator `return x` awaits x: a suspension, resumed in a finally.
        const awaits = f.asyncGen === true;
        if (logRet) {
          add(node.argument.start, `${V}=(`, 1);
          add(node.argument.end, ')', -1);
        }
        if (awaits) {
          add(node.argument.start, `${R}.p(`, 1);
          add(node.argument.end, `,${suspend(f.id)})`, -1);
        }
      }
    } else if (node.type === 'CatchClause' || (node.type === 'TryStatement' && node.finalizer)) {
      // A throw or a generator's return() can resume the function here.
      const f = suspending();
      if (f) {
        const block = node.type === 'CatchClause' ? node.body : node.finalizer;
        add(block.start + 1, `${resume(f.id!)};`, 1);
      }
    } else if (node.type === 'LabeledStatement') {
      labelStart.set(node.body, labelStart.get(node) ?? node.start);
    } else if (node.type === 'ForOfStatement' && node.await) {
      const f = suspending();
      if (f) {
        const id = f.id!;
        const start = labelStart.get(node) ?? node.start;
        add(start, 'try{', 1);
        add(node.end, `}finally{${resume(id)}}`, -1);
        add(node.right.start, `${R}.p(`, 1);
        add(node.right.end, `,${suspend(id)})`, -1);
        add(node.body.start, `{${resume(id)};try{`, 1);
        add(node.body.end, `}finally{${suspend(id)}}}`, -1);
      }
    }
    if (pushed) work.push({ node, parent, grand, leave: true });
    const passMark = isMarked && MARK_WRAPPERS.has(node.type);
    // Children, pushed in reverse so they are visited in source order.
    const kids: AnyNode[] = [];
    for (const key of Object.keys(node)) {
      if (key === 'loc' || key === 'type' || key === 'start' || key === 'end') continue;
      const v = (node as Record<string, unknown>)[key];
      if (Array.isArray(v)) {
        for (const c of v)
          if (c && typeof c === 'object' && typeof (c as AnyNode).type === 'string')
            kids.push(c as AnyNode);
      } else if (v && typeof v === 'object' && typeof (v as AnyNode).type === 'string') {
        kids.push(v as AnyNode);
      }
    }
    for (let i = kids.length - 1; i >= 0; i--)
      work.push({ node: kids[i], parent: node, grand: parent, mark: passMark });
  }

  if (edits.length === 0) {
    return { code: source, functions, moved: (_line, column) => column };
  }
  // Rare: an escaped identifier starts with our prefix; again, with a prefix that avoids it.
  if (spelled.some((name) => name.startsWith(P)))
    return instrument(source, file, fnTable, options, [...escaped, ...spelled]);
  // The module header, after the program's directive prologue, on the first statement's line.
  let headAt = program.body.length > 0 ? (program.body[0] as AnyNode).start : source.length;
  let sep = '';
  for (const st of program.body as AnyNode[]) {
    if (st.type === 'ExpressionStatement' && typeof st.directive === 'string') {
      headAt = st.end;
      sep = ';';
    } else break;
  }
  const names = `[${functions.map((f) => literal(f.name)).join(',')}]`;
  // Optional columns of the table, only when they say something (0: absent).
  const anyFlags = functions.some((f) => f.flags);
  const table = (shifts: number[]): string => {
    const cols = [`[${functions.map((f) => f.line).join(',')}]`];
    if (anyFlags || logArgs || withColumns) {
      cols.push(anyFlags || logArgs ? `[${functions.map((f) => f.flags ?? 0).join(',')}]` : '0');
    }
    if (logArgs || withColumns) {
      cols.push(
        logArgs
          ? `[${functions.map((f) => `[${(f.params ?? []).map(literal).join(',')}]`).join(',')}]`
          : '0',
      );
    }
    if (withColumns) {
      cols.push(`[${startOf.map((p) => p - lineStart(p) + 1).join(',')}]`);
      if (shifts.some((n) => n !== 0)) cols.push(`[${shifts.join(',')}]`);
    }
    return cols.join(',');
  };
  // The global object and `Symbol` through names the module does not declare (lodash has
  // `var Symbol = root.Symbol`: hoisted, it is undefined when the header runs).
  const global =
    ['globalThis', 'global'].find((g) => !shadowed.has(g)) ??
    '(()=>{}).constructor("return this")()';
  const find = `${global}[${shadowed.has('Symbol') ? `${global}.Symbol` : 'Symbol'}.for(${literal(RECORDER_KEY)})]`;
  const header = (shifts: number[]): string =>
    guarded
      ? `${sep}var ${R},${B};function ${I}(){${R}=${find};${B}=${R}.m(${literal(file)},${names},${table(shifts)});return ${R}}${R}||${I}();`
      : `${sep}var ${R}=${find},${B}=${R}.m(${literal(file)},${names},${table(shifts)});`;
  let head: string;
  if (withColumns) {
    // How far the insertions move each function: the header's own length counts for those
    // after it on its line, and the header holds the shifts: the two agree after a few rounds.
    const runs = runsOf(source, edits, P);
    const { shiftAt } = shiftTable(runs, lineStart);
    const base = startOf.map((p) => shiftAt(p));
    const joins = runs.some((r) => r.pos === headAt);
    const headLine = lineStart(headAt);
    const after = startOf.map((p) => p >= headAt && lineStart(p) === headLine);
    let shifts = base;
    for (;;) {
      head = header(shifts);
      const extra =
        head.length + (joins ? 0 : openMarker(source, headAt, P).length + markerOf(P).length);
      const next = base.map((n, i) => (after[i] ? n + extra : n));
      if (next.every((n, i) => n === shifts[i])) break;
      shifts = next;
    }
    functions.forEach((f, i) => {
      f.column = startOf[i] - lineStart(startOf[i]) + 1;
      if (shifts[i] !== 0) f.shift = shifts[i];
    });
  } else {
    head = header([]);
  }
  add(headAt, head, -2);
  if (fnTable) fnTable.push(...functions);
  const runs = runsOf(source, edits, P);
  const { shiftAt } = shiftTable(runs, lineStart);
  return {
    code: applyEdits(source, runs),
    functions,
    moved: (line, column) => {
      const p = lineStartOfLine(line) + column;
      return column + shiftAt(p);
    },
  };
}

/**
 * Where the marker comments point: the start of the first token after each
 * `/* viztracer-ignore *\/` or `// @viztracer-ignore` (other comments in between are skipped).
 */
function markerTargets(source: string, comments: Comment[]): Set<number> {
  const out = new Set<number>();
  for (let i = 0; i < comments.length; i++) {
    if (!IGNORE_MARKER.test(comments[i].text)) continue;
    let p = comments[i].end;
    let j = i + 1;
    for (;;) {
      while (p < source.length && /\s/.test(source[p])) p++;
      if (j < comments.length && comments[j].start === p) p = comments[j++].end;
      else break;
    }
    out.add(p);
  }
  return out;
}

/**
 * A `yield` without operand ends at a line break (a restricted production), so the original
 * has a statement end there; once wrapped in a call, a next line starting with one of these
 * would continue the call instead: an explicit `;` keeps the two apart.
 */
function bareYieldNeedsSemicolon(source: string, end: number): boolean {
  const rest =
    /^(?:[ \t\v\f\u00a0\ufeff]|\/\*[^]*?\*\/|\/\/[^\n\r\u2028\u2029]*)*[\n\r\u2028\u2029](?:\s|\/\*[^]*?\*\/|\/\/[^\n\r\u2028\u2029]*)*([([`+\-/])/;
  return rest.test(source.slice(end, end + 4096));
}

/** Lines of a source, counting line terminators as ECMAScript (and V8) do. */
function lineTable(source: string): {
  /** The 1-based line of a position. */
  lineOf(pos: number): number;
  /** Where the line of a position starts. */
  lineStart(pos: number): number;
  /** Where a 0-based line starts. */
  lineStartOfLine(line: number): number;
} {
  const starts = [0];
  for (let i = 0; i < source.length; i++) {
    const c = source.charCodeAt(i);
    if (c === 10 || c === 0x2028 || c === 0x2029) starts.push(i + 1);
    else if (c === 13) {
      if (source.charCodeAt(i + 1) === 10) i++;
      starts.push(i + 1);
    }
  }
  const lineOf = (pos: number): number => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= pos) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
  return {
    lineOf,
    lineStart: (pos) => starts[lineOf(pos) - 1],
    lineStartOfLine: (line) => starts[Math.min(Math.max(line, 0), starts.length - 1)],
  };
}

/** The text that opens a run of inserted code at `pos`: after a `/`, a gap (or `//` results). */
function openMarker(source: string, pos: number, prefix: string): string {
  return pos > 0 && source.charCodeAt(pos - 1) === 47 ? gapMarkerOf(prefix) : markerOf(prefix);
}

/**
 * The edits as runs of inserted text, one per place, in order: each run between two markers
 * (`/*__vz*\/`) that to-string.ts strips to give a function's original text. A marker also
 * keeps an insertion from joining a word next to it (`yield/re/`, `return(x)`).
 */
function runsOf(source: string, edits: Edit[], prefix: string): { pos: number; text: string }[] {
  const mark = markerOf(prefix);
  const sorted = [...edits].sort(
    (a, b) => a.pos - b.pos || a.order - b.order || (a.order < 0 ? b.seq - a.seq : a.seq - b.seq),
  );
  const runs: { pos: number; text: string }[] = [];
  for (let i = 0; i < sorted.length;) {
    const pos = sorted[i].pos;
    let text = '';
    for (; i < sorted.length && sorted[i].pos === pos; i++) text += sorted[i].text;
    runs.push({ pos, text: openMarker(source, pos, prefix) + text + mark });
  }
  return runs;
}

/** How far the runs move a place: the length of those at or before it on its line. */
function shiftTable(
  runs: readonly { pos: number; text: string }[],
  lineStart: (pos: number) => number,
): { shiftAt(pos: number): number } {
  const sums = new Float64Array(runs.length + 1);
  for (let i = 0; i < runs.length; i++) sums[i + 1] = sums[i] + runs[i].text.length;
  /** The number of runs at or before `pos` (`strict`: before). */
  const count = (pos: number, strict: boolean): number => {
    let lo = 0;
    let hi = runs.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (strict ? runs[mid].pos < pos : runs[mid].pos <= pos) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  return { shiftAt: (pos) => sums[count(pos, false)] - sums[count(lineStart(pos), true)] };
}

/** The source with the runs inserted. */
function applyEdits(source: string, runs: readonly { pos: number; text: string }[]): string {
  let out = '';
  let last = 0;
  for (const r of runs) {
    out += source.slice(last, r.pos) + r.text;
    last = r.pos;
  }
  return out + source.slice(last);
}
