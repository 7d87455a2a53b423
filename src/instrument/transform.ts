// The load-time transform: every function of a module records its entry and exit.
//
// Pure: source text in, source text out. Code is only inserted *inside* lines, never with a
// line break, so every original token stays on its line and the program's own stack traces
// and line numbers are right without a source map (columns after an insertion shift).
//
// A function body becomes
//   { <directives>;__vz.e(ID);try{ <body> }catch(__vzE){__vz.t(ID);throw __vzE}finally{__vz.x(ID)} }
// `__vz` and `__vzb` (the module's first function id) are bound once at the top of the module
// from `globalThis[Symbol.for('viztracer.instrument')]`, so a call costs two property loads
// and two calls into the recorder. Async functions and generators record their synchronous
// part only: the exit is recorded at the first `await`/`yield` (or at the end, if none comes
// first), and later resumptions are not recorded yet.
import { parse, type Node } from 'acorn';

export const RECORDER_KEY = 'viztracer.instrument';

/** One instrumented function: what its slices are called. */
export interface FunctionInfo {
  name: string;
  file: string;
  /** 1-based line of the function's start. */
  line: number;
}

export interface InstrumentResult {
  code: string;
  /** The functions of this module, in id order (id = module base + index). */
  functions: FunctionInfo[];
}

// acorn's ESTree nodes, loosely typed: the walk reads fields by name.
type AnyNode = Node & Record<string, any>;

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
}

function parseProgram(source: string, sourceType: 'module' | 'script' | 'commonjs'): AnyNode {
  const common = {
    ecmaVersion: 'latest' as const,
    // Lines come from a table of line starts: acorn's own locations cost a third of the parse.
    locations: false,
    preserveParens: true,
    allowHashBang: true,
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
): InstrumentResult {
  const sourceType = options.sourceType ?? 'commonjs';
  const program = parseProgram(source, sourceType);
  // In an ES module, an import cycle can call a (hoisted) function before the module's body,
  // and so its header, has run: there the entry binds the recorder itself when it must, through
  // a hoisted function. CommonJS bodies always run their header first.
  const guarded = sourceType === 'module';
  const rec = guarded ? '(__vz||__vzI())' : '__vz';
  const functions: FunctionInfo[] = [];
  const edits: Edit[] = [];
  const lineOf = lineTable(source);
  const add = (pos: number, text: string, order = 0): void => {
    edits.push({ pos, text, order, seq: edits.length });
  };

  // Functions whose suspension points close their slice: the innermost async/generator one.
  interface Frame {
    id: string;
    suspends: boolean;
  }
  const fnStack: (Frame | null)[] = [];

  const idText = (k: number): string => (k === 0 ? '__vzb' : `__vzb+${k}`);

  const closeOnSuspend = (f: Frame): string => `__vzs&&(__vzs=0,__vz.x(${f.id}))`;

  const instrumentFunction = (fn: AnyNode, name: string | null, line: number): Frame => {
    const k = functions.length;
    functions.push({ name: name ?? '(anonymous)', file, line });
    const id = idText(k);
    const suspends = Boolean(fn.async || fn.generator);
    const body = fn.body as AnyNode;
    if (fn.type === 'ArrowFunctionExpression' && fn.expression) {
      // `x => expr` becomes `x => {...try{return expr}...}`; `return` and the expression
      // start at the same place, so no line break can come between them.
      const head = suspends
        ? `{var __vzs=${rec}.e(${id});try{return `
        : `{${rec}.e(${id});try{return `;
      add(body.start, head, 1);
      add(body.end, `${tail(id, suspends)}}`, -1);
    } else {
      // After the directive prologue: 'use strict' stays the first statement of its body.
      let at2 = body.start + 1;
      let sep = '';
      for (const st of body.body as AnyNode[]) {
        if (st.type === 'ExpressionStatement' && typeof st.directive === 'string') {
          at2 = st.end;
          sep = ';';
        } else break;
      }
      add(at2, suspends ? `${sep}var __vzs=${rec}.e(${id});try{` : `${sep}${rec}.e(${id});try{`, 1);
      add(body.end - 1, tail(id, suspends), -1);
    }
    return { id, suspends };
  };

  const tail = (id: string, suspends: boolean): string =>
    suspends
      ? `}catch(__vzE){if(__vzs){__vzs=0;__vz.t(${id})}throw __vzE}finally{if(__vzs){__vzs=0;__vz.x(${id})}}`
      : `}catch(__vzE){__vz.t(${id});throw __vzE}finally{__vz.x(${id})}`;

  // Iterative walk (deeply nested code must not overflow our stack): enter/leave events.
  type Item = { node: AnyNode; parent: AnyNode | null; grand: AnyNode | null; leave?: boolean };
  const work: Item[] = [{ node: program, parent: null, grand: null }];
  const classNames: (string | null)[] = [];
  while (work.length > 0) {
    const item = work.pop()!;
    const { node, parent, grand } = item;
    if (item.leave) {
      if (FUNCTION_TYPES.has(node.type) || node.type === 'StaticBlock') fnStack.pop();
      if (node.type === 'ClassDeclaration' || node.type === 'ClassExpression') classNames.pop();
      continue;
    }
    let pushed = false;
    if (FUNCTION_TYPES.has(node.type)) {
      let name = inferName(node, parent, grand);
      if (parent && parent.type === 'MethodDefinition' && parent.kind === 'constructor') {
        name = classNames[classNames.length - 1] ?? null;
      }
      const startNode = parent && parent.type === 'MethodDefinition' ? parent : node;
      fnStack.push(instrumentFunction(node, name, lineOf(startNode.start)));
      pushed = true;
    } else if (node.type === 'StaticBlock') {
      const k = functions.length;
      functions.push({ name: '<static_initializer>', file, line: lineOf(node.start) });
      const id = idText(k);
      // `static {` ... `}`: the block's own brace, after any comments between the two.
      const head = /static(?:\s|\/\*[\s\S]*?\*\/|\/\/[^\n\r\u2028\u2029]*)*\{/y;
      head.lastIndex = node.start;
      const open = head.exec(source) ? head.lastIndex - 1 : source.indexOf('{', node.start);
      add(open + 1, `${rec}.e(${id});try{`, 1);
      add(node.end - 1, tail(id, false), -1);
      fnStack.push({ id, suspends: false });
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
      const f = fnStack[fnStack.length - 1];
      if (f && f.suspends) {
        if (node.argument) {
          add(node.argument.start, '__vz.p(', 1);
          add(node.argument.end, `,${closeOnSuspend(f)})`, -1);
        } else {
          // `yield` alone: the same as `yield undefined`.
          add(node.end, ` __vz.p(void 0,${closeOnSuspend(f)})`, 0);
        }
      }
    } else if (node.type === 'ForOfStatement' && node.await) {
      const f = fnStack[fnStack.length - 1];
      if (f && f.suspends) {
        add(node.right.start, '__vz.p(', 1);
        add(node.right.end, `,${closeOnSuspend(f)})`, -1);
      }
    }
    if (pushed) work.push({ node, parent, grand, leave: true });
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
      work.push({ node: kids[i], parent: node, grand: parent });
  }

  if (functions.length === 0) {
    return { code: source, functions };
  }
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
  const lines = `[${functions.map((f) => f.line).join(',')}]`;
  add(
    headAt,
    guarded
      ? `${sep}var __vz,__vzb;function __vzI(){__vz=globalThis[Symbol.for(${literal(RECORDER_KEY)})];__vzb=__vz.m(${literal(file)},${names},${lines});return __vz}__vz||__vzI();`
      : `${sep}var __vz=globalThis[Symbol.for(${literal(RECORDER_KEY)})],__vzb=__vz.m(${literal(file)},${names},${lines});`,
    -2,
  );
  if (fnTable) fnTable.push(...functions);
  return { code: applyEdits(source, edits), functions };
}

/** 1-based line of a position, counting line terminators as ECMAScript (and V8) do. */
function lineTable(source: string): (pos: number) => number {
  const starts = [0];
  for (let i = 0; i < source.length; i++) {
    const c = source.charCodeAt(i);
    if (c === 10 || c === 0x2028 || c === 0x2029) starts.push(i + 1);
    else if (c === 13) {
      if (source.charCodeAt(i + 1) === 10) i++;
      starts.push(i + 1);
    }
  }
  return (pos) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= pos) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
}

function applyEdits(source: string, edits: Edit[]): string {
  edits.sort(
    (a, b) => a.pos - b.pos || a.order - b.order || (a.order < 0 ? b.seq - a.seq : a.seq - b.seq),
  );
  let out = '';
  let last = 0;
  for (const e of edits) {
    out += source.slice(last, e.pos) + e.text;
    last = e.pos;
  }
  return out + source.slice(last);
}
