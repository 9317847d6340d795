// What a rule's tokens say about the interfaces it matches.

/** The interfaces a rule matches with -i or -o (negated or not). */
export function ruleInterfaces(tokens: readonly string[]): string[] {
  return tokens.flatMap((tok, i) => ((tok === '-i' || tok === '-o') && tokens[i + 1] !== undefined ? [tokens[i + 1] as string] : []));
}
