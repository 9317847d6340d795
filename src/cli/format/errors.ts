// Template errors carry Go's wording (`template: :1: unexpected "}" in operand`,
// `template: :1:7: executing "" at <.Foo>: ...`); Docker prints them after its
// own "template parsing error: " prefix, which is the CLI's to add.

import { BerthError } from '../../model/errors.js';

export class TemplateError extends BerthError {
  /** 'parse' for syntax errors, 'exec' for errors while rendering. */
  readonly phase: 'parse' | 'exec';
  constructor(phase: 'parse' | 'exec', message: string) {
    super('invalid', message);
    this.name = 'TemplateError';
    this.phase = phase;
  }
}

export function parseError(line: number, msg: string): TemplateError {
  return new TemplateError('parse', `template: :${line}: ${msg}`);
}

/** Go's location for an execution error: line and byte column (0-based) of a node. */
export function execLocation(text: string, pos: number): string {
  const before = text.slice(0, pos);
  const nl = before.lastIndexOf('\n');
  const line = 1 + (before.match(/\n/g)?.length ?? 0);
  const col = Buffer.byteLength(before.slice(nl + 1), 'utf8');
  return `${line}:${col}`;
}
