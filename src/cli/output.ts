// --format and tables over the Go-template module (src/cli/format): Docker's list
// formatter (header row, tabwriter alignment) and `inspect`'s indented JSON.
import { compileTemplate, formatRows } from './format/template.js';
import { CliError } from './errors.js';

export type Renderer = (data: unknown) => string;

function templateError(e: unknown): CliError {
  const msg = e instanceof Error ? e.message : String(e);
  return new CliError(msg.startsWith('template parsing error') ? msg : `template parsing error: ${msg}`);
}

/** Compiles a template; a bad one (or a failing render) is Docker's "template parsing error". */
export function compile(text: string): Renderer {
  let fn: Renderer;
  try {
    fn = compileTemplate(text);
  } catch (e) {
    throw templateError(e);
  }
  return (data) => {
    try {
      return fn(data);
    } catch (e) {
      throw templateError(e);
    }
  };
}

/**
 * A list as the Docker CLI prints it: "table ..." formats get a header row (titles from
 * `headers`, by field name) and aligned columns; other formats print one line per row.
 */
export function formatList(format: string, rows: readonly unknown[], headers: Readonly<Record<string, string>>): string {
  let text: string;
  try {
    text = formatRows(format, rows, { headers });
  } catch (e) {
    throw templateError(e);
  }
  return format.startsWith('table') || rows.length > 0 ? `${text}\n` : '';
}

/** `docker inspect`'s default output: the raw objects as one JSON array, 4-space indent. */
export function indentedJson(raws: readonly string[]): string {
  if (raws.length === 0) return '[]\n';
  return JSON.stringify(raws.map((r) => JSON.parse(r) as unknown), null, 4) + '\n';
}

/** `inspect -f`: the template applied to each object, one per line. */
export function formatEach(format: string, values: readonly unknown[]): string {
  const render = compile(format);
  return values.map((v) => `${render(v)}\n`).join('');
}
