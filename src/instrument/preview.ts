// Safe, bounded previews of the program's values, for `args.func_args`, `args.return_value`
// and `args.exception` under --instrument.
//
// Safe means the program cannot tell it happened: no user code runs. So no getter, no
// toString/valueOf/Symbol.toPrimitive/inspect, no proxy trap (`util.types.isProxy` first;
// Object.getPrototypeOf and getOwnPropertyDescriptor on a non-proxy run nothing of the
// program's), and the built-ins used are taken when this module loads (the preload, before
// the program), so a program that replaces `Map.prototype.size` later is not called either.
// Nothing here throws: whatever fails shows as `?`.
import { types } from 'node:util';

const MAX_STRING = 100;
const MAX_PROPS = 4;
const MAX_ITEMS = 4;

const { isProxy, isMap, isSet, isDate, isTypedArray, isPromise, isRegExp, isBoxedPrimitive } =
  types;
const getProto = Object.getPrototypeOf;
const ownDesc = Object.getOwnPropertyDescriptor;
const ownKeys = Object.keys;
const isArray = Array.isArray;
const mapSize = ownDesc(Map.prototype, 'size')!.get!;
const setSize = ownDesc(Set.prototype, 'size')!.get!;
const typedLength = ownDesc(getProto(Uint8Array.prototype), 'length')!.get!;
const dateTime = Date.prototype.getTime;
const dateIso = Date.prototype.toISOString;
const regexpSource = ownDesc(RegExp.prototype, 'source')!.get!;
const regexpFlags = ownDesc(RegExp.prototype, 'flags')!.get!;
const call = Function.prototype.call.bind(Function.prototype.call) as <T>(
  f: (...a: never[]) => T,
  self: unknown,
) => T;
const jsonString = JSON.stringify;
const symbolString = String;

function short(s: string, max = MAX_STRING): string {
  return s.length > max ? `${s.slice(0, max)}…` : s;
}

/** An own data property's value, or `missing` (accessors are never called). */
function dataProp(o: object, key: PropertyKey, missing: unknown = undefined): unknown {
  const d = ownDesc(o, key);
  return d && 'value' in d ? d.value : missing;
}

/** The name of a function, when it is an own data property holding a string. */
function fnName(f: object): string {
  const n = dataProp(f, 'name');
  return typeof n === 'string' ? short(n, 60) : '';
}

/** The constructor's name through the prototype chain (data properties only); '' if none. */
function className(o: object): string {
  let p: object | null = o;
  for (let depth = 0; depth < 32 && p !== null; depth++) {
    p = getProto(p) as object | null;
    if (p === null || isProxy(p)) return '';
    const c = dataProp(p, 'constructor');
    if (typeof c === 'function' && !isProxy(c)) return fnName(c);
  }
  return '';
}

function primitive(v: unknown): string | null {
  switch (typeof v) {
    case 'string':
      return jsonString(short(v));
    case 'number':
      return Object.is(v, -0) ? '-0' : `${v}`;
    case 'bigint':
      return `${v}n`;
    case 'boolean':
    case 'undefined':
      return `${v}`;
    case 'symbol':
      // String(symbol) is SymbolDescriptiveString: Symbol.prototype.toString is not called.
      return short(symbolString(v), 60);
    default:
      return v === null ? 'null' : null;
  }
}

function nested(v: unknown): string {
  const p = primitive(v);
  if (p !== null) return p;
  if (isProxy(v)) return 'Proxy';
  if (typeof v === 'function') return `[Function ${fnName(v as object) || '(anonymous)'}]`;
  const o = v as object;
  if (isArray(o)) return `Array(${dataProp(o, 'length', '?') as number})`;
  return `${className(o) || 'Object'}{…}`;
}

function objectPreview(o: object): string {
  if (isProxy(o)) return 'Proxy';
  if (typeof o === 'function') {
    const n = fnName(o);
    const cls = className(o);
    return cls && cls !== 'Function'
      ? `[${cls} ${n || '(anonymous)'}]`
      : `[Function ${n || '(anonymous)'}]`;
  }
  const cls = className(o);
  if (isArray(o)) {
    const len = dataProp(o, 'length', 0) as number;
    const items: string[] = [];
    for (let i = 0; i < len && i < MAX_ITEMS; i++) items.push(nested(dataProp(o, i)));
    if (len > MAX_ITEMS) items.push('…');
    return `${cls && cls !== 'Array' ? cls : 'Array'}(${len}) [${items.join(', ')}]`;
  }
  if (isMap(o)) return `${cls || 'Map'}(${call(mapSize, o)})`;
  if (isSet(o)) return `${cls || 'Set'}(${call(setSize, o)})`;
  if (isTypedArray(o)) return `${cls || 'TypedArray'}(${call(typedLength, o)})`;
  if (isDate(o)) {
    const t = call(dateTime, o);
    return `${cls || 'Date'}(${Number.isNaN(t) ? 'Invalid Date' : call(dateIso, o)})`;
  }
  if (isRegExp(o)) return `/${short(call(regexpSource, o), 60)}/${call(regexpFlags, o)}`;
  if (isPromise(o)) return `${cls || 'Promise'}{…}`;
  if (isBoxedPrimitive(o)) return `${cls || 'Object'}{…}`;
  // An error: its class and message, as thrown errors are described.
  const message = dataProp(o, 'message');
  const stack = dataProp(o, 'stack');
  if (typeof message === 'string' && typeof stack === 'string') {
    return `${cls || 'Error'}: ${short(message)}`;
  }
  const keys = ownKeys(o);
  const props: string[] = [];
  for (let i = 0; i < keys.length && props.length < MAX_PROPS; i++) {
    const d = ownDesc(o, keys[i]);
    if (!d) continue;
    props.push(`${short(keys[i], 40)}: ${'value' in d ? nested(d.value) : '[Getter/Setter]'}`);
  }
  if (keys.length > MAX_PROPS) props.push('…');
  const name = cls === '' ? (getProto(o) === null ? '[Object: null prototype]' : 'Object') : cls;
  return `${name === 'Object' ? '' : name}{${props.join(', ')}}`;
}

/** A short text for a value: `42`, `"text"`, `[1, 2]`, `Point{x: 1, y: 2}`, `[Function f]`. */
export function preview(v: unknown): string {
  try {
    const p = primitive(v);
    return p !== null ? p : objectPreview(v as object);
  } catch {
    // A module namespace's uninitialised binding, a revoked proxy's target, ...
    return '?';
  }
}

/** What was thrown, for `args.exception`: `RangeError: too deep`, or the value's preview. */
export function describeError(e: unknown): string {
  try {
    if (e === null || (typeof e !== 'object' && typeof e !== 'function') || isProxy(e)) {
      return preview(e);
    }
    const message = dataProp(e, 'message');
    const cls = className(e);
    if (typeof message === 'string') return `${cls || 'Error'}: ${short(message)}`;
    return preview(e);
  } catch {
    return '?';
  }
}
