// Command-line parsing for `viztracer [options] script [args...]`: the CLI's, and `--attach`'s
// reading of the command line a traced process was started with. Our options stop at the
// script (or at `--`); everything after it belongs to the program.
import {
  OptionError,
  OPTION_SPECS,
  parseOptionText,
  SPEC_BY_CLI,
  type TracerOptions,
} from './options';

export interface CliArgs {
  options: TracerOptions;
  rcfile: string | null;
  help: boolean;
  version: boolean;
  /** `--combine FILE...`: merge reports instead of running a program; files in `inputs`. */
  combine: boolean;
  /** With --combine: shift each report to start at 0. */
  align: boolean;
  /** Open the report in the viewer once it is saved. */
  open: boolean;
  inputs: string[];
  /** `--attach PID`: profile a running process instead of running a program. */
  attach: string | null;
  /** With --attach: how long, as given (`10s`, `500ms`, seconds). */
  duration: string | null;
  /** `--dump PID`: a flight-recording process writes its last seconds. */
  dump: string | null;
  script: string | null;
  scriptArgs: string[];
}

/** Flags of the CLI itself, not tracing options. */
const CLI_FLAGS: Record<string, 'boolean' | 'string'> = {
  help: 'boolean',
  version: 'boolean',
  combine: 'boolean',
  align: 'boolean',
  open: 'boolean',
  rcfile: 'string',
  attach: 'string',
  duration: 'string',
  dump: 'string',
};
const SHORT: Record<string, string> = { h: 'help', V: 'version' };
for (const s of OPTION_SPECS) if (s.short) SHORT[s.short] = s.cli;

export function parseCliArgs(argv: readonly string[]): CliArgs {
  const out: CliArgs = {
    options: {},
    rcfile: null,
    help: false,
    version: false,
    combine: false,
    align: false,
    open: false,
    inputs: [],
    attach: null,
    duration: null,
    dump: null,
    script: null,
    scriptArgs: [],
  };
  const opts = out.options as Record<string, unknown>;
  // With --combine there is no program: file names and flags may come in any order.
  const end = argv.indexOf('--');
  const combining = argv.slice(0, end < 0 ? argv.length : end).includes('--combine');
  let i = 0;
  while (i < argv.length) {
    const arg = argv[i++];
    if (arg === '--') break;
    if (!arg.startsWith('-') || arg === '-') {
      if (combining) {
        out.inputs.push(arg);
        continue;
      }
      i--;
      break;
    }
    let name: string;
    let inline: string | undefined;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      name = (eq < 0 ? arg.slice(2) : arg.slice(2, eq)).replace(/-/g, '_');
      inline = eq < 0 ? undefined : arg.slice(eq + 1);
    } else {
      const long = SHORT[arg.slice(1, 2)];
      if (!long || (arg.length > 2 && arg[2] !== '='))
        throw new OptionError(`unknown option ${arg}`);
      name = long;
      inline = arg.length > 2 ? arg.slice(3) : undefined;
    }
    const flag = arg.startsWith('--') ? arg.split('=')[0] : arg.slice(0, 2);
    const spec = SPEC_BY_CLI.get(name);
    const cliKind = CLI_FLAGS[name];
    if (!spec && !cliKind) throw new OptionError(`unknown option ${arg.split('=')[0]}`);
    const isBoolean = spec ? spec.kind === 'boolean' : cliKind === 'boolean';
    let value: string;
    if (isBoolean) {
      value = inline ?? 'true';
    } else if (inline !== undefined) {
      value = inline;
    } else {
      if (i >= argv.length) throw new OptionError(`${flag} needs a value`);
      value = argv[i++];
    }
    if (cliKind) {
      if (name === 'rcfile') out.rcfile = value;
      else if (name === 'attach') out.attach = value;
      else if (name === 'duration') out.duration = value;
      else if (name === 'dump') out.dump = value;
      else (out as unknown as Record<string, boolean>)[name] = value !== 'false';
      continue;
    }
    const parsed = parseOptionText(spec!, value, flag);
    if (
      (spec!.kind === 'paths' || spec!.kind === 'names' || spec!.kind === 'tags') &&
      Array.isArray(opts[spec!.api])
    ) {
      (opts[spec!.api] as string[]).push(...(parsed as string[]));
    } else {
      opts[spec!.api] = parsed;
    }
  }
  if (combining) {
    out.inputs.push(...argv.slice(i));
  } else if (i < argv.length) {
    out.script = argv[i];
    out.scriptArgs = argv.slice(i + 1);
  }
  return out;
}

const ARG_NAMES: Record<string, string> = {
  paths: 'PATHS',
  names: 'NAMES',
  'report-path': 'FILE',
  folder: 'DIR',
  'positive-int': 'N',
  duration: 'TIME',
  seconds: 'PERIOD',
  url: 'URL',
  text: 'NAME',
  tags: 'K=V,...',
};

export function usage(): string {
  const rows: [string, string][] = [];
  for (const s of OPTION_SPECS) {
    const arg =
      s.kind === 'boolean'
        ? ''
        : s.kind === 'choice'
          ? ` {${s.choices!.join(',')}}`
          : ` ${ARG_NAMES[s.kind]}`;
    rows.push([`${s.short ? `-${s.short}, ` : '    '}--${s.cli}${arg}`, s.help]);
  }
  rows.push([
    '    --rcfile FILE',
    'read options from FILE (default ./.viztracerrc, section [default])',
  ]);
  rows.push([
    '    --attach PID',
    'profile a running Node 20+ process (same user) until --duration or Ctrl+C',
  ]);
  rows.push([
    '    --duration TIME',
    'with --attach: how long, e.g. 10s, 500ms, 2m (default: until Ctrl+C)',
  ]);
  rows.push([
    '    --dump PID',
    'have a process running with --flight_recorder write its last seconds',
  ]);
  rows.push(['-V, --version', 'print the version']);
  rows.push(['-h, --help', 'print this help']);
  const w = Math.max(...rows.map((r) => r[0].length)) + 2;
  return [
    'usage: viztracer [options] [--] script.js [args...]',
    '       viztracer --combine [-o out.json] [--align] report.json...',
    '       viztracer --attach PID [--duration 10s] [-o out.json] [--native] [--interval N]',
    '       viztracer --dump PID',
    '',
    'Runs a Node.js program and writes a timeline of what it did (Chrome Trace Event format).',
    '',
    'options:',
    ...rows.map(([a, b]) => `  ${a.padEnd(w)}${b}`),
    '',
    'Every option can also be set as VIZTRACER_<NAME> in the environment (VIZTRACER_OUTPUT for',
    '--output_file) or as `name = value` under [default] in .viztracerrc.',
    '',
  ].join('\n');
}
