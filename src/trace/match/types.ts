// What a match sees and what it answers. A match is a test per option; each answers
// true, false, or "unknown" with the reason berth cannot tell (an unsupported option,
// a port nobody gave). Unknown is never rounded to true or false here: the chain
// walker decides what to do with it and marks the verdict uncertain.
import type { Packet } from '../packet.js';
import type { AddrType } from '../routing.js';

export type CtState = 'NEW' | 'ESTABLISHED' | 'RELATED' | 'INVALID' | 'UNTRACKED';

/** The connection-tracking facts of the packet at this point of its path. */
export interface CtInfo {
  readonly state: CtState;
  readonly dir: 'ORIGINAL' | 'REPLY';
  /** The connection's source / destination has been rewritten (ctstate SNAT / DNAT). */
  readonly snat: boolean;
  readonly dnat: boolean;
}

export interface MatchContext {
  readonly packet: Packet;
  readonly mark: number;
  /** Interface names as -i/-o see them; null where the hook has none (-i in OUTPUT). */
  readonly inIface: string | null;
  readonly outIface: string | null;
  readonly ct: CtInfo;
  /** The type of an address in the evaluating namespace (`-m addrtype`). */
  addrType(ip: number): AddrType;
}

export interface Unknown {
  readonly unknown: string;
}
export type MatchResult = boolean | Unknown;

export const unknown = (why: string): Unknown => ({ unknown: why });

export function isUnknown(r: MatchResult): r is Unknown {
  return typeof r === 'object';
}

export type Test = (ctx: MatchContext) => MatchResult;

/** `[!] --flag value...` as it followed `-m NAME` (or a target). */
export interface MatchOption {
  readonly flag: string;
  readonly negated: boolean;
  readonly values: readonly string[];
}

export interface MatchModule {
  /** The flags it knows and how many values each takes. */
  readonly arity: Readonly<Record<string, number>>;
  /** Holds for packets the module applies to at all (-m tcp: TCP packets); never negated. */
  readonly guard?: (ctx: MatchContext) => boolean;
  /** The test of one option, before negation. Unsupported options answer unknown. */
  option(opt: MatchOption): Test;
}

/** Applies `!` to a result: unknown stays unknown. */
export function negate(result: MatchResult, negated: boolean): MatchResult {
  if (!negated || isUnknown(result)) return result;
  return !result;
}

export const unsupported = (what: string): Test => {
  const r = unknown(`${what} is not evaluated by berth`);
  return () => r;
};

/** A number as iptables prints it: decimal or 0x hex. */
export function parseNumber(text: string): number | null {
  if (/^0x[0-9a-f]+$/i.test(text)) return Number.parseInt(text.slice(2), 16);
  if (/^\d+$/.test(text)) return Number(text);
  return null;
}
