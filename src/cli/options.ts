// Command-line options declared as a typed table, parsed like the Docker CLI (pflag):
// `--flag=value`, `--flag value`, `-p 8080:80`, `-p8080:80`, combined short booleans
// (`-dP`), `--` ending options, and pflag's error messages.

export type OptionType = 'bool' | 'string' | 'int';

export interface OptionSpec {
  readonly name: string;
  readonly short?: string;
  readonly type: OptionType;
  /** A string option that may be given several times; its value is a list. */
  readonly repeatable?: boolean;
  /** With `repeatable`: each value is also split on commas (pflag's stringSlice). */
  readonly csv?: boolean;
  readonly default?: string | number | boolean;
  readonly help: string;
  /** The word shown after the flag in help (default from the type: string, int, list). */
  readonly valueName?: string;
  readonly hidden?: boolean;
  /** Returns an error message for a bad value (reported as pflag's "invalid argument"). */
  readonly validate?: (value: string) => string | undefined;
}

type ValueOf<O extends OptionSpec> = O['type'] extends 'bool'
  ? boolean
  : O['repeatable'] extends true
    ? string[]
    : O['type'] extends 'int'
      ? O extends { readonly default: number }
        ? number
        : number | undefined
      : O extends { readonly default: string }
        ? string
        : string | undefined;

/** The parsed values of a table declared `as const`: one typed property per option. */
export type OptionValues<S extends readonly OptionSpec[]> = { -readonly [O in S[number] as O['name']]: ValueOf<O> };

/** A mistake on the command line (the caller adds "See '... --help'."). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface ParseResult<S extends readonly OptionSpec[]> {
  readonly values: OptionValues<S>;
  readonly args: string[];
  readonly help: boolean;
  /** Names of the options given on the command line. */
  readonly given: ReadonlySet<string>;
}

export interface ParseOptions {
  /** When false, the first positional argument ends option parsing (run, exec). Default true. */
  readonly interspersed?: boolean;
}

function flagTitle(spec: OptionSpec): string {
  return spec.short ? `-${spec.short}, --${spec.name}` : `--${spec.name}`;
}

function parseGoBool(v: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(v)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(v)) return false;
  return undefined;
}

export function parseOptions<const S extends readonly OptionSpec[]>(
  specs: S,
  argv: readonly string[],
  opts: ParseOptions = {},
): ParseResult<S> {
  const interspersed = opts.interspersed ?? true;
  const values: Record<string, unknown> = {};
  for (const s of specs) {
    if (s.type === 'bool') values[s.name] = s.default ?? false;
    else if (s.repeatable) values[s.name] = [];
    else values[s.name] = s.default;
  }
  const byName = new Map(specs.map((s) => [s.name, s]));
  const byShort = new Map(specs.filter((s) => s.short).map((s) => [s.short as string, s]));
  const args: string[] = [];
  const given = new Set<string>();
  let help = false;

  const set = (spec: OptionSpec, raw: string): void => {
    given.add(spec.name);
    if (spec.type === 'bool') {
      const b = parseGoBool(raw);
      if (b === undefined) {
        throw new UsageError(`invalid argument ${JSON.stringify(raw)} for ${JSON.stringify(flagTitle(spec))} flag: strconv.ParseBool: parsing ${JSON.stringify(raw)}: invalid syntax`);
      }
      values[spec.name] = b;
      return;
    }
    const bad = spec.validate?.(raw);
    if (bad !== undefined) throw new UsageError(`invalid argument ${JSON.stringify(raw)} for ${JSON.stringify(flagTitle(spec))} flag: ${bad}`);
    if (spec.type === 'int') {
      if (!/^[+-]?\d+$/.test(raw)) {
        throw new UsageError(`invalid argument ${JSON.stringify(raw)} for ${JSON.stringify(flagTitle(spec))} flag: strconv.ParseInt: parsing ${JSON.stringify(raw)}: invalid syntax`);
      }
      values[spec.name] = Number.parseInt(raw, 10);
      return;
    }
    if (spec.repeatable) {
      const list = values[spec.name] as string[];
      if (spec.csv) list.push(...(raw === '' ? [] : raw.split(',')));
      else list.push(raw);
      return;
    }
    values[spec.name] = raw;
  };

  let i = 0;
  while (i < argv.length) {
    const arg = argv[i] as string;
    i++;
    if (arg === '--') {
      args.push(...argv.slice(i));
      break;
    }
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
      if (name === 'help') {
        help = true;
        continue;
      }
      const spec = byName.get(name);
      if (!spec) throw new UsageError(`unknown flag: --${name}`);
      if (eq >= 0) set(spec, arg.slice(eq + 1));
      else if (spec.type === 'bool') set(spec, 'true');
      else if (i < argv.length) set(spec, argv[i++] as string);
      else throw new UsageError(`flag needs an argument: --${name}`);
      continue;
    }
    if (arg.startsWith('-') && arg.length > 1) {
      // A group of short flags: -dP, -p8080:80, -p 8080:80, -p=8080:80
      let j = 1;
      while (j < arg.length) {
        const c = arg[j] as string;
        j++;
        if (c === 'h' && !byShort.has('h')) {
          help = true;
          continue;
        }
        const spec = byShort.get(c);
        if (!spec) throw new UsageError(`unknown shorthand flag: '${c}' in ${arg}`);
        if (spec.type === 'bool') {
          if (arg[j] === '=') {
            set(spec, arg.slice(j + 1));
            j = arg.length;
          } else {
            set(spec, 'true');
          }
          continue;
        }
        if (j < arg.length) {
          set(spec, arg[j] === '=' ? arg.slice(j + 1) : arg.slice(j));
        } else if (i < argv.length) {
          set(spec, argv[i++] as string);
        } else {
          throw new UsageError(`flag needs an argument: '${c}' in ${arg}`);
        }
        j = arg.length;
      }
      continue;
    }
    args.push(arg);
    if (!interspersed) {
      args.push(...argv.slice(i));
      break;
    }
  }
  return { values: values as OptionValues<S>, args, help, given };
}

/** pflag's option list for help: aligned, sorted by name, defaults shown. */
export function formatOptionsHelp(specs: readonly OptionSpec[]): string {
  const rows = [...specs]
    .filter((s) => !s.hidden)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((s) => {
      let left = s.short ? `  -${s.short}, --${s.name}` : `      --${s.name}`;
      const valueName = s.valueName ?? (s.type === 'bool' ? '' : s.repeatable ? (s.csv ? 'strings' : 'list') : s.type);
      if (valueName) left += ` ${valueName}`;
      let help = s.help;
      if (s.default !== undefined && s.default !== false && s.default !== '' && s.default !== 0) {
        help += typeof s.default === 'string' ? ` (default ${JSON.stringify(s.default)})` : ` (default ${String(s.default)})`;
      }
      return [left, help] as const;
    });
  const width = Math.max(0, ...rows.map(([l]) => l.length));
  return rows.map(([l, h]) => `${l.padEnd(width)}   ${h}`).join('\n');
}
