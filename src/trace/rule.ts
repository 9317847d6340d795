// A rule's text (canonical iptables-save form) parsed into the tests it makes and
// the target it names. Parsing never fails: whatever berth cannot read becomes a
// test that answers unknown, so the verdict is marked uncertain instead of wrong.
import { tokenize } from '../render/iptables/tokenize.js';
import { CORE_FLAGS, coreTest } from './match/core.js';
import { MATCH_MODULES } from './match/index.js';
import { isUnknown, negate, unsupported, type MatchContext, type MatchModule, type MatchOption, type Test } from './match/types.js';

export interface Criterion {
  /** The part of the rule this test comes from, e.g. `! -s 10.0.0.0/8`. */
  readonly text: string;
  readonly test: Test;
}

export interface TargetSpec {
  readonly name: string;
  /** -g/--goto rather than -j. */
  readonly goto: boolean;
  readonly options: readonly MatchOption[];
}

export interface ParsedRule {
  readonly text: string;
  readonly criteria: readonly Criterion[];
  /** null: no target (a counting rule), the packet goes on. */
  readonly target: TargetSpec | null;
}

export type RuleMatch =
  | { readonly kind: 'matched' }
  | { readonly kind: 'not-matched' }
  | { readonly kind: 'unknown'; readonly reasons: readonly string[] };

const MATCH_FLAGS = new Set(['-m', '--match']);
const JUMP_FLAGS = new Set(['-j', '--jump']);
const GOTO_FLAGS = new Set(['-g', '--goto']);

function startsSomethingElse(token: string): boolean {
  return MATCH_FLAGS.has(token) || JUMP_FLAGS.has(token) || GOTO_FLAGS.has(token) || Object.hasOwn(CORE_FLAGS, token);
}

function optionText(opt: MatchOption): string {
  return [...(opt.negated ? ['!'] : []), opt.flag, ...opt.values].join(' ');
}

/**
 * Reads `[!] --flag values...` options from `start`. Known flags take their
 * arity's worth of tokens (so a comment may look like a flag); unknown ones take
 * tokens up to the next `--flag`, `!` or the start of another match or target.
 */
function readOptions(tokens: readonly string[], start: number, arity: Readonly<Record<string, number>>): { options: MatchOption[]; next: number } {
  const options: MatchOption[] = [];
  let i = start;
  while (i < tokens.length) {
    const negated = tokens[i] === '!';
    const flag = tokens[negated ? i + 1 : i];
    if (flag === undefined || !flag.startsWith('--') || (startsSomethingElse(flag) && !Object.hasOwn(arity, flag))) break;
    const first = negated ? i + 2 : i + 1;
    const n = arity[flag];
    let end = first;
    if (n !== undefined) end = Math.min(tokens.length, first + n);
    else while (end < tokens.length && !(tokens[end] as string).startsWith('--') && tokens[end] !== '!' && !startsSomethingElse(tokens[end] as string)) end++;
    options.push({ flag, negated, values: tokens.slice(first, end) });
    i = end;
  }
  return { options, next: i };
}

function withNegation(opt: MatchOption, base: Test): Criterion {
  return { text: optionText(opt), test: (ctx: MatchContext) => negate(base(ctx), opt.negated) };
}

function moduleCriteria(name: string, module: MatchModule | undefined, options: readonly MatchOption[]): Criterion[] {
  const text = [`-m ${name}`, ...options.map(optionText)].join(' ');
  if (module === undefined) return [{ text, test: unsupported(`match -m ${name}`) }];
  const guard = module.guard;
  const guarded: Criterion[] = guard ? [{ text: `-m ${name}`, test: guard }] : [];
  return [...guarded, ...options.map((opt) => withNegation(opt, module.option(opt)))];
}

export function parseRule(text: string): ParsedRule {
  let tokens: string[];
  try {
    tokens = tokenize(text);
  } catch {
    return { text, criteria: [{ text, test: unsupported('a rule that does not parse') }], target: null };
  }
  const criteria: Criterion[] = [];
  let target: TargetSpec | null = null;
  let i = 0;
  while (i < tokens.length) {
    const token = tokens[i] as string;
    const negated = token === '!';
    const flag = negated ? (tokens[i + 1] ?? '') : token;
    if (Object.hasOwn(CORE_FLAGS, flag)) {
      const start = i + (negated ? 2 : 1);
      const end = CORE_FLAGS[flag] === '-f' ? start : start + 1;
      const opt: MatchOption = { flag, negated, values: tokens.slice(start, end) };
      criteria.push(withNegation(opt, coreTest(opt)));
      i = end;
    } else if (!negated && MATCH_FLAGS.has(token)) {
      const name = tokens[i + 1] ?? '';
      const module = Object.hasOwn(MATCH_MODULES, name) ? MATCH_MODULES[name] : undefined;
      const { options, next } = readOptions(tokens, i + 2, module?.arity ?? {});
      criteria.push(...moduleCriteria(name, module, options));
      i = next;
    } else if (!negated && (JUMP_FLAGS.has(token) || GOTO_FLAGS.has(token))) {
      const { options, next } = readOptions(tokens, i + 2, {});
      target = { name: tokens[i + 1] ?? '', goto: GOTO_FLAGS.has(token), options };
      i = next;
    } else {
      criteria.push({ text: token, test: unsupported(`option ${token}`) });
      i++;
    }
  }
  return { text, criteria, target };
}

/** All tests must hold; one definite "no" settles it even when others are unknown. */
export function evaluateRule(rule: ParsedRule, ctx: MatchContext): RuleMatch {
  const reasons: string[] = [];
  for (const c of rule.criteria) {
    const r = c.test(ctx);
    if (r === false) return { kind: 'not-matched' };
    if (isUnknown(r)) reasons.push(`${c.text}: ${r.unknown}`);
  }
  return reasons.length > 0 ? { kind: 'unknown', reasons } : { kind: 'matched' };
}
