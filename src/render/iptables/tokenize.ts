// Splitting a rule spec into argv the way iptables-restore does, and quoting
// tokens back so that iptables-restore reads them as the same argv.
//
// iptables-restore's parser: blanks separate tokens; a `"` opens a quoted
// section in which `\x` stands for `x`; the closing `"` also ends the token
// (so `"a b"c` is two tokens, `a b` and `c`). A backslash outside quotes is an
// ordinary character.
import { invalid } from '../../model/errors.js';

const BLANK = /[ \t\r\n]/;

export function tokenize(spec: string): string[] {
  const tokens: string[] = [];
  let current = '';
  let inToken = false;
  let quoted = false;
  for (let i = 0; i < spec.length; i++) {
    const ch = spec[i] as string;
    if (quoted) {
      if (ch === '\\') {
        i++;
        if (i >= spec.length) throw invalid(`unterminated quote in rule: ${spec}`);
        current += spec[i];
      } else if (ch === '"') {
        tokens.push(current);
        current = '';
        inToken = false;
        quoted = false;
      } else {
        current += ch;
      }
    } else if (ch === '"') {
      quoted = true;
      inToken = true;
    } else if (BLANK.test(ch)) {
      if (inToken) tokens.push(current);
      current = '';
      inToken = false;
    } else {
      current += ch;
      inToken = true;
    }
  }
  if (quoted) throw invalid(`unterminated quote in rule: ${spec}`);
  if (inToken) tokens.push(current);
  return tokens;
}

/**
 * Quotes a token only when iptables-restore would otherwise split or alter it,
 * escaping the characters iptables-save escapes (`"`, `\`, `'`).
 */
export function quoteToken(token: string): string {
  if (token !== '' && !/[\s"'\\]/.test(token)) return token;
  return `"${token.replace(/["'\\]/g, '\\$&')}"`;
}

export function joinTokens(tokens: readonly string[]): string {
  return tokens.map(quoteToken).join(' ');
}

/**
 * The canonical text of a rule spec: single spaces, minimal quoting. Two specs
 * that iptables-restore reads as the same argv have the same canonical text.
 */
export function canonicalRule(spec: string): string {
  // Most rules are canonical already; plans canonicalize thousands of them per change.
  return PLAIN_RULE.test(spec) ? spec : joinTokens(tokenize(spec));
}

/** Tokens that need no quoting, one space between them: canonical as it is. */
const PLAIN_RULE = /^[^\s"'\\]+(?: [^\s"'\\]+)*$/;
