// Where a rule sends packets: the chain or target named by -j/--jump or -g/--goto.

export interface RuleTarget {
  readonly target: string;
  /** -g/--goto: continue in the chain and do not come back. */
  readonly goto: boolean;
}

export function ruleTarget(tokens: readonly string[]): RuleTarget | null {
  for (let i = 0; i < tokens.length - 1; i++) {
    const flag = tokens[i];
    const target = tokens[i + 1] as string;
    if (flag === '-j' || flag === '--jump') return { target, goto: false };
    if (flag === '-g' || flag === '--goto') return { target, goto: true };
  }
  return null;
}
