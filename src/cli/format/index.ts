// Go text/template, as Docker's --format uses it. Public API:
//   renderTemplate(t, data)        one rendering
//   compileTemplate(t)(data)       parse once, render per row
//   formatRows(format, rows)       Docker's formatter: "json", "table ..." and plain templates
// Errors are TemplateError (a BerthError of kind 'invalid') with Go's message;
// Docker shows them as "template parsing error: " + message.

import { TemplateError } from './errors.js';
import { execute } from './exec.js';
import { FUNC_NAMES } from './functions.js';
import { parse } from './parser.js';
import { tabwrite } from './tabwriter.js';

export { TemplateError } from './errors.js';
export { displayWidth, tabwrite } from './tabwriter.js';

export type CompiledTemplate = (data: unknown) => string;

/** Parses a template once; the returned function renders it against one datum. Throws TemplateError on syntax errors. */
export function compileTemplate(template: string): CompiledTemplate {
  const root = parse(template, FUNC_NAMES);
  return (data) => {
    const out: string[] = [];
    execute(template, root, data, out);
    return out.join('');
  };
}

export function renderTemplate(template: string, data: unknown): string {
  return compileTemplate(template)(data);
}

export interface FormatOptions {
  /** Column titles for `table` headers by field name, e.g. { ID: 'NETWORK ID' }; others are the field name upper-cased. */
  headers?: Readonly<Record<string, string>>;
}

/**
 * Renders rows the way Docker's formatter does: `json` is `{{json .}}`; a
 * `table` prefix adds a header row and aligns tab-separated columns like
 * tabwriter (min width 10, padding 3); the literal two-character sequences
 * `\t` and `\n` in the format become tab and newline. Returns the lines joined
 * by "\n", without a trailing newline ("" for no rows, unless a table header).
 */
export function formatRows(format: string, rows: readonly unknown[], opts: FormatOptions = {}): string {
  const table = format.startsWith('table');
  let tmpl = table ? format.slice('table'.length) : format === 'json' ? '{{json .}}' : format;
  tmpl = tmpl.replace(/^ +| +$/g, '').replace(/\\[tn]/g, (m) => (m === '\\t' ? '\t' : '\n'));
  const root = parse(tmpl, FUNC_NAMES);
  const lines = rows.map((row) => {
    const out: string[] = [];
    execute(tmpl, root, row, out);
    return out.join('');
  });
  if (!table) return lines.join('\n');

  // Docker renders the header with the same template over column names and
  // ignores errors there, keeping what was written.
  const header: string[] = [];
  try {
    execute(tmpl, root, undefined, header, { header: (field) => opts.headers?.[field] ?? field.toUpperCase() });
  } catch (e) {
    if (!(e instanceof TemplateError)) throw e;
  }
  const text = header.join('') + '\n' + lines.map((l) => l + '\n').join('');
  const aligned = tabwrite(text);
  return aligned.endsWith('\n') ? aligned.slice(0, -1) : aligned;
}
